import Foundation

/// The Open-Meteo hourly variables Gridcast stores, one column each in `input.weather_hourly`,
/// with the unit the table holds and the range a physically possible value lies in.
public enum WeatherVariable: String, CaseIterable, Sendable, Comparable {
    case temperature2m = "temperature_2m"
    case apparentTemperature = "apparent_temperature"
    case cloudCover = "cloud_cover"
    case directRadiation = "direct_radiation"
    case diffuseRadiation = "diffuse_radiation"
    case shortwaveRadiation = "shortwave_radiation"
    case windSpeed10m = "wind_speed_10m"
    case relativeHumidity2m = "relative_humidity_2m"
    case isDay = "is_day"

    /// The column name in `weather_hourly` and the variable name in Open-Meteo responses.
    public var column: String { rawValue }

    /// The unit stored in the warehouse, spelled as Open-Meteo's `hourly_units` spells it.
    public var storedUnit: String {
        switch self {
        case .temperature2m, .apparentTemperature: return "°C"
        case .cloudCover, .relativeHumidity2m: return "%"
        case .directRadiation, .diffuseRadiation, .shortwaveRadiation: return "W/m²"
        case .windSpeed10m: return "km/h"
        case .isDay: return ""
        }
    }

    /// Values outside this range (after unit conversion) are physically impossible or corrupt,
    /// and the row is rejected: temperatures beyond the world records with margin, percentages
    /// outside 0-100, negative radiation or more than any surface irradiance, is_day other than 0/1.
    public var validRange: ClosedRange<Double> {
        switch self {
        case .temperature2m: return -90...60
        case .apparentTemperature: return -100...80
        case .cloudCover, .relativeHumidity2m: return 0...100
        case .directRadiation, .diffuseRadiation, .shortwaveRadiation: return 0...1500
        case .windSpeed10m: return 0...500
        case .isDay: return 0...1
        }
    }

    /// A converter from the file's unit to the stored unit, or nil when the unit is not one
    /// Open-Meteo can return for this variable (`temperature_unit=fahrenheit` gives °F,
    /// `wind_speed_unit=ms|mph|kn` give m/s, mph and kn; all are converted).
    func converter(from unit: String) -> UnitConversion? {
        let spelled = unit.trimmingCharacters(in: .whitespaces)
        switch self {
        case .temperature2m, .apparentTemperature:
            switch spelled {
            case "°C", "C", "degC", "celsius": return .identity
            case "°F", "F", "degF", "fahrenheit": return .fahrenheitToCelsius
            default: return nil
            }
        case .windSpeed10m:
            switch spelled {
            case "km/h", "kmh", "kph": return .identity
            case "m/s", "ms": return .scale(3.6, label: "m/s")
            case "mph", "mp/h": return .scale(1.609_344, label: "mph")
            case "kn", "knots", "kt": return .scale(1.852, label: "kn")
            default: return nil
            }
        case .cloudCover, .relativeHumidity2m:
            return spelled == "%" ? .identity : nil
        case .directRadiation, .diffuseRadiation, .shortwaveRadiation:
            return ["W/m²", "W/m2", "W/m^2", "W m-2"].contains(spelled) ? .identity : nil
        case .isDay:
            return .identity
        }
    }

    /// What to tell a user whose file has the wrong unit for this variable.
    var acceptedUnitsDescription: String {
        switch self {
        case .temperature2m, .apparentTemperature: return "°C (or °F, converted)"
        case .windSpeed10m: return "km/h (or m/s, mph, kn, converted)"
        default: return storedUnit.isEmpty ? "no unit" : storedUnit
        }
    }

    public static func < (lhs: WeatherVariable, rhs: WeatherVariable) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// How a file's values become stored values.
enum UnitConversion: Equatable, Sendable {
    case identity
    case fahrenheitToCelsius
    case scale(Double, label: String)

    func apply(_ value: Double) -> Double {
        switch self {
        case .identity: return value
        case .fahrenheitToCelsius: return (value - 32) * 5 / 9
        case let .scale(factor, _): return value * factor
        }
    }

    var isIdentity: Bool { self == .identity }
}

/// Whether a weather row is an observation or part of an issued forecast.
public enum WeatherKind: String, Sendable, CaseIterable {
    /// Reanalysis or measured history (Open-Meteo Historical Weather API). issued_at = valid_at.
    case observed
    /// A forecast issued at a known instant (Open-Meteo Forecast API). issued_at = that instant.
    case forecast
}
