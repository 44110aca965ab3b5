import Foundation

/// One Open-Meteo hourly response, whatever format it came in (JSON or CSV), before its times
/// are turned into instants and its values checked. Arrays are parallel: entry `i` of `times`,
/// of every `values` array and of `lineNumbers` describe the same hour.
struct WeatherDocument {
    enum Format: String, Sendable { case json, csv }

    /// A time label as the file has it: local ISO text (`2024-03-10T01:00`) or Unix seconds
    /// (`timeformat=unixtime`, always UTC).
    enum TimeValue: Equatable {
        case text(String)
        case unixSeconds(Double)
    }

    var format: Format
    /// The grid cell Open-Meteo used, which may differ from the requested coordinates.
    var latitude: Double
    var longitude: Double
    /// `timezone` of the response: a tz database name, `GMT` or `UTC`.
    var timezone: String?
    /// `utc_offset_seconds`: the one offset Open-Meteo applied to every local label.
    var utcOffsetSeconds: Int
    var times: [TimeValue?]
    var values: [WeatherVariable: [Double?]]
    /// Unit per variable, from `hourly_units` (JSON) or the column header (CSV).
    var units: [WeatherVariable: String]
    /// Hourly variables in the file that Gridcast does not store.
    var ignoredVariables: [String]
    /// Where each hour is in the source: the CSV line, or the 1-based position in `hourly.time`.
    var lineNumbers: [Int]
    /// The CSV line of each hour, when the source is CSV.
    var rawLines: [String]?
    /// Forecast vintages of an Open-Meteo Previous Runs response, by lead in days: the values of
    /// `temperature_2m_previous_day1` and so on (the forecast for the hour as it stood N days earlier).
    var vintages: [Int: [WeatherVariable: [Double?]]] = [:]
    var vintageUnits: [Int: [WeatherVariable: String]] = [:]
    /// Hours the parser could not read (e.g. a CSV line with too few fields), with the reason;
    /// they become reject rows.
    var rowProblems: [Int: String] = [:]

    var count: Int { times.count }

    /// `temperature_2m_previous_day2` -> (temperature_2m, 2): a Previous Runs column, or nil.
    static func vintageColumn(_ name: String) -> (WeatherVariable, Int)? {
        guard let range = name.range(of: "_previous_day", options: .backwards),
              let variable = WeatherVariable(rawValue: String(name[..<range.lowerBound])),
              let lead = Int(name[range.upperBound...]), (1...16).contains(lead) else { return nil }
        return (variable, lead)
    }

    /// The plain columns alone (of a Previous Runs response: the latest run, lead 0).
    var latestRun: WeatherDocument {
        var document = self
        document.vintages = [:]
        document.vintageUnits = [:]
        return document
    }

    /// The document of one vintage (lead N days): the same hours, that lead's values as the variables.
    func vintage(_ lead: Int) -> WeatherDocument {
        var document = self
        document.values = vintages[lead] ?? [:]
        document.units = vintageUnits[lead] ?? [:]
        document.vintages = [:]
        document.vintageUnits = [:]
        return document
    }

    /// The variables present, in table order.
    var presentVariables: [WeatherVariable] { WeatherVariable.allCases.filter { values[$0] != nil } }

    /// The source text of hour `index` for a reject row: the CSV line, or the hour as compact JSON.
    func rawRow(_ index: Int) -> String {
        if let rawLines { return rawLines[index] }
        var parts: [String] = []
        switch times[index] {
        case let .text(label)?: parts.append("\"time\":\"\(label)\"")
        case let .unixSeconds(seconds)?: parts.append("\"time\":\(Int64(seconds))")
        case nil: parts.append("\"time\":null")
        }
        for variable in presentVariables {
            let value = values[variable]![index]
            parts.append("\"\(variable.rawValue)\":" + (value.map { Self.number($0) } ?? "null"))
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    static func number(_ value: Double) -> String {
        value.isFinite && value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    /// Reads an Open-Meteo response: JSON when it starts with `{` (or `[`, refused as several
    /// locations), CSV when it starts with Open-Meteo's `latitude,longitude,...` metadata or a
    /// `time,...` header. A UTF-8 byte-order mark and leading blank lines are skipped.
    static func parse(_ data: Data, source: String) throws -> WeatherDocument {
        var body = data
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let first = body.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) else {
            throw WeatherLoadError.emptyInput(source: source)
        }
        switch first {
        case UInt8(ascii: "{"):
            return try WeatherJSON.parse(Data(body), source: source)
        case UInt8(ascii: "["):
            throw WeatherLoadError.multipleLocations(source: source)
        default:
            let text = String(decoding: body, as: UTF8.self)
            let start = text.drop { $0.isWhitespace }
            if start.hasPrefix("latitude,") || start.hasPrefix("location_id,") || start.hasPrefix("time,") {
                return try WeatherCSV.parse(text, source: source)
            }
            throw WeatherLoadError.unrecognizedFormat(source: source, beginning: String(start.prefix(40)))
        }
    }
}
