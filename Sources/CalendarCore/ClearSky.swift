#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Irradiance on a clear day, W/m2: global horizontal (GHI), direct normal (DNI) and diffuse
/// horizontal (DHI), related by GHI = DNI cos(zenith) + DHI.
public struct ClearSkyIrradiance: Hashable, Sendable, Codable {
    public let ghi: Double
    public let dni: Double
    public let dhi: Double

    public static let zero = ClearSkyIrradiance(ghi: 0, dni: 0, dhi: 0)
}

/// The Ineichen-Perez clear-sky model (Ineichen and Perez 2002, Solar Energy 73:151-157,
/// with the DNI correction of Ineichen 2008), implemented as pvlib's `clearsky.ineichen`
/// without the optional Perez enhancement.
///
/// Inputs: apparent solar zenith; absolute air mass = Kasten-Young (1989) relative air mass
/// times the station pressure ratio, pressure from elevation by the standard atmosphere (as
/// pvlib's `alt2pres`); extraterrestrial normal irradiance by Spencer (1971) with a solar
/// constant of 1366.1 W/m2; and the Linke turbidity for the month. GHI and DNI are modelled,
/// DHI = GHI - DNI cos(zenith). All three are 0 when the sun is at or below the horizon.
///
/// The default turbidity is San Diego's monthly climatology (SoDa/Meteotest Linke turbidity
/// maps as shipped with pvlib, looked up at 32.7157, -117.1611), since that is the SPEC's
/// default location; pass a constant or another monthly table for other places.
public struct ClearSkyModel: Hashable, Sendable, Codable {
    /// Linke turbidity for January ... December (dimensionless, typically 2-7).
    public let linkeTurbidityByMonth: [Double]

    /// San Diego's monthly Linke turbidity climatology (see the type's documentation).
    public static let sanDiego = ClearSkyModel(
        validatedMonthly: [3.01, 3.54, 3.85, 3.90, 3.75, 3.70, 3.90, 3.75, 3.50, 3.05, 2.75, 2.85])

    /// A model with the same turbidity all year; nil unless finite and positive.
    public init?(linkeTurbidity: Double) {
        self.init(linkeTurbidityByMonth: Array(repeating: linkeTurbidity, count: 12))
    }

    /// A model with a turbidity per month; nil unless exactly 12 finite positive values.
    public init?(linkeTurbidityByMonth: [Double]) {
        guard linkeTurbidityByMonth.count == 12,
              linkeTurbidityByMonth.allSatisfy({ $0.isFinite && $0 > 0 })
        else { return nil }
        self.linkeTurbidityByMonth = linkeTurbidityByMonth
    }

    private init(validatedMonthly: [Double]) {
        self.linkeTurbidityByMonth = validatedMonthly
    }

    /// Clear-sky irradiance at an instant (seconds since 1970, UTC) for a sun at `position` seen from `location`.
    public func irradiance(secondsSince1970 seconds: Double, position: SolarPosition,
                           location: GeoLocation) -> ClearSkyIrradiance {
        let cosZenith = cos(radians(position.zenith))
        guard position.zenith < 90, cosZenith > 0 else { return .zero }
        let utcDate = LocalDate(dayNumber: Int((seconds / 86_400).rounded(.down)))
        let turbidity = linkeTurbidityByMonth[utcDate.month - 1]
        let airmass = Self.relativeAirmass(zenith: position.zenith)
            * Self.pressure(elevationMeters: location.elevationMeters) / 101_325
        return Self.ineichen(cosZenith: cosZenith, airmassAbsolute: airmass,
                             linkeTurbidity: turbidity,
                             altitude: location.elevationMeters,
                             dniExtra: Self.extraterrestrialNormal(dayOfYear: utcDate.dayOfYear))
    }

    /// The Ineichen-Perez equations for one sun position above the horizon.
    static func ineichen(cosZenith: Double, airmassAbsolute am: Double, linkeTurbidity tl: Double,
                         altitude: Double, dniExtra: Double) -> ClearSkyIrradiance {
        let fh1 = exp(-altitude / 8000), fh2 = exp(-altitude / 1250)
        let cg1 = 5.09e-5 * altitude + 0.868
        let cg2 = 3.92e-5 * altitude + 0.0387
        let ghi = cg1 * dniExtra * cosZenith * max(exp(-cg2 * am * (fh1 + fh2 * (tl - 1))), 0)
        let b = 0.664 + 0.163 / fh1
        let beamNormal = dniExtra * max(b * exp(-0.09 * am * (tl - 1)), 0)
        let correction = (1 - (0.1 - 0.2 * exp(-tl)) / (0.1 + 0.882 / fh1)) / cosZenith
        let dni = min(beamNormal, ghi * min(max(correction, 0), 1e20))
        return ClearSkyIrradiance(ghi: ghi, dni: dni, dhi: ghi - dni * cosZenith)
    }

    /// Kasten and Young (1989) relative optical air mass for an apparent zenith in degrees.
    static func relativeAirmass(zenith: Double) -> Double {
        1 / (cos(radians(zenith)) + 0.50572 * pow(96.07995 - zenith, -1.6364))
    }

    /// Standard-atmosphere station pressure in Pa at an elevation in metres.
    static func pressure(elevationMeters h: Double) -> Double {
        100 * pow((44331.514 - h) / 11880.516, 1 / 0.1902632)
    }

    /// Spencer (1971) extraterrestrial normal irradiance in W/m2 for a day of year 1-366.
    static func extraterrestrialNormal(dayOfYear: Int) -> Double {
        let b = 2 * Double.pi * Double(dayOfYear - 1) / 365
        let ratio = 1.00011 + 0.034221 * cos(b) + 0.00128 * sin(b)
            + 0.000719 * cos(2 * b) + 0.000077 * sin(2 * b)
        return 1366.1 * ratio
    }
}

