#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A place on the Earth: degrees north and east (west is negative), metres above sea level.
public struct GeoLocation: Hashable, Sendable, Codable {
    public let latitude: Double
    public let longitude: Double
    public let elevationMeters: Double

    /// Creates a location; nil when latitude is outside -90...90, longitude outside
    /// -180...180, or a value is not finite.
    public init?(latitude: Double, longitude: Double, elevationMeters: Double = 0) {
        guard latitude.isFinite, longitude.isFinite, elevationMeters.isFinite,
              (-90...90).contains(latitude), (-180...180).contains(longitude)
        else { return nil }
        self.latitude = latitude
        self.longitude = longitude
        self.elevationMeters = elevationMeters
    }

    private init(checkedLatitude: Double, longitude: Double, elevationMeters: Double) {
        self.latitude = checkedLatitude
        self.longitude = longitude
        self.elevationMeters = elevationMeters
    }

    /// San Diego, the SPEC's default weather location (32.7157 N, 117.1611 W, sea level).
    public static let sanDiego = GeoLocation(checkedLatitude: 32.7157, longitude: -117.1611,
                                             elevationMeters: 0)
}

/// Where the sun is in the sky at one instant, seen from one place.
///
/// Computed with the NOAA solar calculator algorithm (the equations of NOAA's "General Solar
/// Position Calculations" spreadsheet, after Meeus, *Astronomical Algorithms*), which agrees
/// with NREL's SPA to about 0.01 degree for 1800-2100, well inside the SPEC's 0.1 degree.
/// `zenith` and `elevation` include NOAA's atmospheric refraction correction (its piecewise
/// formula for standard conditions, optionally scaled for pressure and temperature by the
/// usual factor (P/1010 hPa)(283 K/T)); `trueElevation` is the geometric value without it.
/// Azimuth is measured clockwise from true north (90 = east, 180 = south).
public struct SolarPosition: Hashable, Sendable, Codable {
    /// Apparent (refracted) solar zenith angle in degrees, 0 overhead, above 90 below horizon.
    public let zenith: Double
    /// Apparent (refracted) solar elevation in degrees, `90 - zenith`.
    public let elevation: Double
    /// Solar azimuth in degrees clockwise from north, 0..<360.
    public let azimuth: Double
    /// Geometric elevation in degrees, without refraction.
    public let trueElevation: Double
    /// Solar declination in degrees.
    public let declination: Double
    /// Equation of time in minutes (apparent minus mean solar time).
    public let equationOfTime: Double
    /// Earth-sun distance in astronomical units.
    public let earthSunDistance: Double

    /// True when the sun's apparent centre is above the horizon.
    public var isDaytime: Bool { elevation > 0 }

    /// The sun's position at an instant (seconds since 1970, UTC) from `location`. Pass `pressureHPa` and
    /// `temperatureCelsius` to scale refraction for local conditions; by default NOAA's
    /// standard-atmosphere refraction is used.
    public init(secondsSince1970 seconds: Double, location: GeoLocation,
                pressureHPa: Double? = nil, temperatureCelsius: Double? = nil) {
        let julianDay = seconds / 86_400 + 2_440_587.5
        let t = (julianDay - 2_451_545) / 36_525  // Julian centuries since J2000.0

        let meanLongitude = (280.46646 + t * (36000.76983 + t * 0.0003032))
            .truncatingRemainder(dividingBy: 360)
        let meanAnomaly = 357.52911 + t * (35999.05029 - 0.0001537 * t)
        let eccentricity = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
        let m = radians(meanAnomaly)
        let centre = sin(m) * (1.914602 - t * (0.004817 + 0.000014 * t))
            + sin(2 * m) * (0.019993 - 0.000101 * t) + sin(3 * m) * 0.000289
        let trueLongitude = meanLongitude + centre
        let trueAnomaly = meanAnomaly + centre
        let distance = 1.000001018 * (1 - eccentricity * eccentricity)
            / (1 + eccentricity * cos(radians(trueAnomaly)))
        let omega = radians(125.04 - 1934.136 * t)
        let apparentLongitude = trueLongitude - 0.00569 - 0.00478 * sin(omega)
        let meanObliquity = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60
        let obliquity = meanObliquity + 0.00256 * cos(omega)
        let declination = degrees(asin(sin(radians(obliquity)) * sin(radians(apparentLongitude))))

        let y = pow(tan(radians(obliquity / 2)), 2)
        let l0 = radians(meanLongitude)
        let eot = 4 * degrees(y * sin(2 * l0) - 2 * eccentricity * sin(m)
            + 4 * eccentricity * y * sin(m) * cos(2 * l0)
            - 0.5 * y * y * sin(4 * l0) - 1.25 * eccentricity * eccentricity * sin(2 * m))

        // True solar time in minutes (0..<1440) and the hour angle (negative before noon).
        let minutesOfDay = (seconds - 86_400 * (seconds / 86_400).rounded(.down)) / 60
        var trueSolarTime = (minutesOfDay + eot + 4 * location.longitude)
            .truncatingRemainder(dividingBy: 1440)
        if trueSolarTime < 0 { trueSolarTime += 1440 }
        let hourAngle = trueSolarTime / 4 - 180

        let lat = radians(location.latitude), dec = radians(declination)
        let cosZenith = min(1, max(-1, sin(lat) * sin(dec) + cos(lat) * cos(dec) * cos(radians(hourAngle))))
        let geometricZenith = degrees(acos(cosZenith))
        let trueElevation = 90 - geometricZenith

        var refraction = Self.noaaRefraction(elevation: trueElevation)
        if pressureHPa != nil || temperatureCelsius != nil {
            refraction *= ((pressureHPa ?? 1010) / 1010) * (283 / (273 + (temperatureCelsius ?? 10)))
        }

        // Azimuth from the geometric zenith, as NOAA does; undefined exactly at a pole or
        // with the sun overhead, where 180 (or 0) is returned.
        let denominator = cos(lat) * sin(radians(geometricZenith))
        var azimuth: Double
        if abs(denominator) < 1e-12 {
            azimuth = location.latitude > 0 ? 180 : 0
        } else {
            let cosAz = min(1, max(-1, (sin(lat) * cosZenith - sin(dec)) / denominator))
            let a = degrees(acos(cosAz))
            azimuth = hourAngle > 0 ? a + 180 : 540 - a
            azimuth = azimuth.truncatingRemainder(dividingBy: 360)
        }

        self.zenith = geometricZenith - refraction
        self.elevation = trueElevation + refraction
        self.azimuth = azimuth
        self.trueElevation = trueElevation
        self.declination = declination
        self.equationOfTime = eot
        self.earthSunDistance = distance
    }

    /// NOAA's approximate atmospheric refraction in degrees for a geometric elevation.
    static func noaaRefraction(elevation e: Double) -> Double {
        if e > 85 { return 0 }
        let te = tan(radians(e))
        let arcseconds: Double
        if e > 5 {
            arcseconds = 58.1 / te - 0.07 / pow(te, 3) + 0.000086 / pow(te, 5)
        } else if e > -0.575 {
            arcseconds = 1735 + e * (-518.2 + e * (103.4 + e * (-12.79 + e * 0.711)))
        } else {
            arcseconds = -20.772 / te
        }
        return arcseconds / 3600
    }
}

@inline(__always) func radians(_ degrees: Double) -> Double { degrees * .pi / 180 }
@inline(__always) func degrees(_ radians: Double) -> Double { radians * 180 / .pi }
