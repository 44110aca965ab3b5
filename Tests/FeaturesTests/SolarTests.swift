import Foundation
import Testing
@testable import Features

/// Reference sun positions from NREL's SPA (Reda and Andreas 2004).
struct SPAReference: Sendable, CustomStringConvertible {
    let instant: String
    let latitude: Double
    let longitude: Double
    let apparentElevation: Double
    let azimuth: Double
    var description: String { instant }
}

/// San Diego (32.7157, -117.1611, 0 m). Produced with pvlib 0.16.1
/// `pvlib.solarposition.spa_python(times, 32.7157, -117.1611, altitude=0)` (defaults:
/// pressure 101325 Pa, temperature 12 C, delta_t 67 s), columns `apparent_elevation` and
/// `azimuth`, rounded to 5 decimals.
let sanDiegoSPA: [SPAReference] = [
    // Summer solstice, 13:00 PDT, near solar noon.
    SPAReference(instant: "2024-06-21T20:00:00Z", latitude: 32.7157, longitude: -117.1611,
                 apparentElevation: 80.49566, azimuth: 193.11236),
    // Winter solstice, 08:00 PST, morning.
    SPAReference(instant: "2024-12-21T16:00:00Z", latitude: 32.7157, longitude: -117.1611,
                 apparentElevation: 12.09144, azimuth: 128.32367),
    // 2024-09-15 18:45 PDT, a few minutes before sunset (strong refraction).
    SPAReference(instant: "2024-09-16T01:45:00Z", latitude: 32.7157, longitude: -117.1611,
                 apparentElevation: 1.38604, azimuth: 272.31378),
    // Equinox, 07:30 PDT, just after sunrise.
    SPAReference(instant: "2025-03-20T14:30:00Z", latitude: 32.7157, longitude: -117.1611,
                 apparentElevation: 7.31599, azimuth: 94.54558),
    // 2024-01-15 15:30 PST, winter afternoon.
    SPAReference(instant: "2024-01-15T23:30:00Z", latitude: 32.7157, longitude: -117.1611,
                 apparentElevation: 16.20955, azimuth: 230.87255),
    // 2024-11-03 01:30 PDT (the first of the two 01:00 hours), deep night.
    SPAReference(instant: "2024-11-03T09:30:00Z", latitude: 32.7157, longitude: -117.1611,
                 apparentElevation: -58.11527, azimuth: 63.89237),
]

/// Smallest absolute difference between two angles in degrees.
func angleDifference(_ a: Double, _ b: Double) -> Double {
    let d = abs(a - b).truncatingRemainder(dividingBy: 360)
    return min(d, 360 - d)
}

@Suite("Solar position")
struct SolarPositionTests {
    /// The worked example of the SPA paper (NREL/TP-560-34302, table A5.1): 2003-10-17
    /// 12:30:30 at UTC-7, 39.742476 N, 105.1786 W, 1830.14 m, 820 mbar, 11 C:
    /// topocentric zenith 50.11162, azimuth 194.34024.
    @Test func spaPaperExample() throws {
        let location = try #require(GeoLocation(latitude: 39.742476, longitude: -105.1786, elevationMeters: 1830.14))
        let instant = try utc("2003-10-17T19:30:30Z")
        let standard = SolarPosition(at: instant, location: location)
        #expect(abs(standard.zenith - 50.11162) < 0.1)
        #expect(angleDifference(standard.azimuth, 194.34024) < 0.1)
        let local = SolarPosition(at: instant, location: location, pressureHPa: 820, temperatureCelsius: 11)
        #expect(abs(local.zenith - 50.11162) < 0.02)
        #expect(angleDifference(local.azimuth, 194.34024) < 0.02)
        #expect(abs(local.elevation + local.zenith - 90) < 1e-9)
    }

    @Test(arguments: sanDiegoSPA)
    func matchesSPAInSanDiego(reference: SPAReference) throws {
        let location = try #require(GeoLocation(latitude: reference.latitude, longitude: reference.longitude))
        let position = SolarPosition(at: try utc(reference.instant), location: location)
        #expect(abs(position.elevation - reference.apparentElevation) < 0.1,
                "elevation \(position.elevation) vs SPA \(reference.apparentElevation)")
        #expect(angleDifference(position.azimuth, reference.azimuth) < 0.1,
                "azimuth \(position.azimuth) vs SPA \(reference.azimuth)")
    }

    @Test func refractionOnlyNearTheHorizonMatters() throws {
        let noon = SolarPosition(at: try utc("2024-06-21T20:00:00Z"), location: .sanDiego)
        #expect(noon.elevation - noon.trueElevation < 0.01)
        let dusk = SolarPosition(at: try utc("2024-09-16T01:45:00Z"), location: .sanDiego)
        #expect((0.3...0.45).contains(dusk.elevation - dusk.trueElevation))
        #expect(GeoLocation(latitude: 91, longitude: 0) == nil)
        #expect(GeoLocation(latitude: 0, longitude: .nan) == nil)
    }
}

@Suite("Clear-sky irradiance")
struct ClearSkyTests {
    @Test func matchesPvlibIneichen() throws {
        // pvlib 0.16.1: Location(32.7157, -117.1611, altitude=0).get_clearsky(times,
        // model='ineichen', linke_turbidity=TL) with TL = this model's value for the month.
        let cases: [(String, Double, Double, Double)] = [
            ("2024-06-21T19:30:00Z", 975.64, 853.74, 135.74),
            ("2024-12-21T16:30:00Z", 243.76, 661.59, 52.09),
            ("2024-03-20T21:30:00Z", 763.57, 817.84, 130.30),
        ]
        for (text, ghi, dni, dhi) in cases {
            let instant = try utc(text)
            let position = SolarPosition(at: instant, location: .sanDiego)
            let sky = ClearSkyModel.sanDiego.irradiance(at: instant, position: position, location: .sanDiego)
            #expect(abs(sky.ghi - ghi) / ghi < 0.01, "\(text) GHI \(sky.ghi) vs \(ghi)")
            #expect(abs(sky.dni - dni) / dni < 0.01, "\(text) DNI \(sky.dni) vs \(dni)")
            #expect(abs(sky.dhi - dhi) / dhi < 0.02, "\(text) DHI \(sky.dhi) vs \(dhi)")
            #expect(abs(sky.ghi - sky.dni * cos(position.zenith * .pi / 180) - sky.dhi) < 1e-6)
        }
    }

    @Test func hourlySolarAtMidpointsOfASummerDay() throws {
        let hours = SolarFeatures().hours(of: try date("2024-06-21"))
        #expect(hours.count == 24)
        #expect(hours.allSatisfy { $0.instant == $0.localHour.start.addingTimeInterval(1800) })
        let ghi = hours.map(\.clearSky.ghi)
        for h in [0, 1, 2, 3, 4, 21, 22, 23] { #expect(ghi[h] == 0, "hour \(h) is night") }
        for h in 6...19 { #expect(ghi[h] > 0, "hour \(h) is day") }
        let peak = try #require(ghi.max())
        #expect((900...1100).contains(peak))
        #expect(ghi.firstIndex(of: peak) == 12)  // 12:30 PDT, solar noon is about 12:51 PDT
        #expect(hours.allSatisfy { $0.clearSky.dhi >= 0 && $0.clearSky.dni >= 0 })
    }

    @Test func hourlySolarOnDSTDaysAndInWinter() throws {
        let solar = SolarFeatures()
        #expect(solar.hours(of: try date("2024-11-03")).count == 25)
        #expect(solar.hours(of: try date("2024-03-10")).count == 23)
        let winter = solar.hours(of: try date("2024-12-21")).map(\.clearSky.ghi)
        let peak = try #require(winter.max())
        #expect((450...700).contains(peak))
        #expect(winter[6] == 0 && winter[18] == 0)
        #expect(ClearSkyModel(linkeTurbidity: 0) == nil)
        #expect(ClearSkyModel(linkeTurbidityByMonth: [3, 3]) == nil)
    }
}
