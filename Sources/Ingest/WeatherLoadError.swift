/// Why a weather file or response could not be loaded at all. Row-level problems (an impossible
/// value, an unreadable timestamp) are not errors: those rows go to `load_rejects` with a reason.
/// Each description is one sentence that names the source and says what to do.
public enum WeatherLoadError: Error, Sendable, CustomStringConvertible, Equatable {
    case emptyInput(source: String)
    case unrecognizedFormat(source: String, beginning: String)
    case invalidJSON(source: String, reason: String)
    case invalidCSV(source: String, line: Int, reason: String)
    case multipleLocations(source: String)
    case missingField(source: String, field: String)
    case wrongType(source: String, field: String, expected: String)
    case lengthMismatch(source: String, variable: String, count: Int, timeCount: Int)
    case noKnownVariables(source: String, found: [String])
    case missingUnit(source: String, variable: String)
    case wrongUnit(source: String, variable: String, found: String, expected: String)
    case unknownTimeZone(source: String, zone: String)
    case unknownLocation(name: String)
    case locationTooFar(source: String, location: String, fileLatitude: Double, fileLongitude: Double,
                        latitude: Double, longitude: Double, tolerance: Double)
    case issuedAtRequired(source: String)
    case issuedAtForObserved
    case previousRunsNeedForecastKind(source: String)
    case previousRunsCarryIssueTimes(source: String)
    /// The file's radiation peaks hours away from solar noon at the location: its time labels (time-zone
    /// label or UTC offset) are wrong, and storing it would shift every hour.
    case clockShifted(source: String, location: String, shiftHours: Double, timezone: String?, utcOffsetSeconds: Int)
    case fetchFailed(url: String, reason: String)
    case httpStatus(url: String, status: Int, body: String)

    public var description: String {
        switch self {
        case let .emptyInput(source):
            return "\(source) is empty; expected an Open-Meteo JSON or CSV response."
        case let .unrecognizedFormat(source, beginning):
            return "\(source) is neither Open-Meteo JSON nor Open-Meteo CSV (it begins \(beginning.debugDescription)); "
                + "download it with format=json or format=csv."
        case let .invalidJSON(source, reason):
            return "\(source) is not valid JSON: \(reason)."
        case let .invalidCSV(source, line, reason):
            return "\(source):\(line): \(reason)."
        case let .multipleLocations(source):
            return "\(source) holds several locations; load one location per file (request one latitude/longitude)."
        case let .missingField(source, field):
            return "\(source) has no '\(field)'; an Open-Meteo hourly response needs latitude, longitude, hourly_units and hourly.time."
        case let .wrongType(source, field, expected):
            return "\(source): '\(field)' should be \(expected)."
        case let .lengthMismatch(source, variable, count, timeCount):
            return "\(source): hourly.\(variable) has \(count) values but hourly.time has \(timeCount); every hourly array must have one value per time."
        case let .noKnownVariables(source, found):
            return "\(source) has none of the weather variables Gridcast stores (found: \(found.isEmpty ? "none" : found.joined(separator: ", "))); "
                + "request hourly=" + WeatherVariable.allCases.map(\.rawValue).joined(separator: ",") + "."
        case let .missingUnit(source, variable):
            return "\(source) gives no unit for \(variable) in hourly_units (or the CSV header); Gridcast needs it to check the values."
        case let .wrongUnit(source, variable, found, expected):
            return "\(source): \(variable) is in \(found.isEmpty ? "no unit" : found.debugDescription) but Gridcast expects \(expected); "
                + "request the default units (temperature_unit=celsius, wind_speed_unit=kmh)."
        case let .unknownTimeZone(source, zone):
            return "\(source) names the time zone \(zone.debugDescription), which is not in this machine's time-zone database; request timezone=GMT or a tz database name."
        case let .unknownLocation(name):
            return "No weather location named \(name.debugDescription) in weather_locations; add it with INSERT or pass --location with an existing name."
        case let .locationTooFar(source, location, fileLatitude, fileLongitude, latitude, longitude, tolerance):
            return "\(source) is for \(fileLatitude), \(fileLongitude), which is more than \(tolerance) degree from \(location) "
                + "(\(latitude), \(longitude)); load it for the right --location or fix the coordinates in weather_locations."
        case let .issuedAtRequired(source):
            return "\(source): a forecast needs the instant it was issued; pass --issued-at (e.g. 2024-06-01T06:00:00Z), "
                + "or --lead-hours H when each hour was forecast H hours ahead (Historical Forecast API). "
                + "Open-Meteo files do not record it (generationtime_ms is a duration)."
        case let .previousRunsNeedForecastKind(source):
            return "\(source) is an Open-Meteo Previous Runs response (..._previous_dayN columns): those are forecasts; "
                + "load it with --kind forecast."
        case let .previousRunsCarryIssueTimes(source):
            return "\(source) is an Open-Meteo Previous Runs response: each _previous_dayN value was issued N days before its hour, "
                + "so --issued-at and --lead-hours do not apply; drop them."
        case .issuedAtForObserved:
            return "--issued-at applies to forecasts only; observed rows are issued when they are valid (issued_at = valid_at). Drop it or pass --kind forecast."
        case let .clockShifted(source, location, shift, timezone, offset):
            return "\(source): its radiation peaks \(String(format: "%.1f", abs(shift))) h \(shift > 0 ? "after" : "before") solar noon at "
                + "\(location), so its times look shifted by about \(Int(shift.rounded())) h: the file's time-zone label "
                + "(timezone \(timezone ?? "none"), utc_offset_seconds \(offset)) does not match its hours. Nothing was stored. "
                + "Fix the label or download the file again with timezone=GMT; if the hours are right after all, load with --no-clock-check."
        case let .fetchFailed(url, reason):
            return "Could not fetch \(url): \(reason). Check the URL and that the endpoint is reachable from this machine."
        case let .httpStatus(url, status, body):
            return "\(url) answered HTTP \(status)\(body.isEmpty ? "" : ": \(body)"); check the URL and its parameters."
        }
    }
}
