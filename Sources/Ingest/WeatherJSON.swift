import Foundation

/// Reads the JSON of Open-Meteo's Forecast, Historical Forecast, Previous Runs and Historical Weather APIs
/// (Previous Runs columns such as `temperature_2m_previous_day1` become forecast vintages):
/// `{"latitude":32.7,"longitude":-117.2,"utc_offset_seconds":-28800,"timezone":"America/Los_Angeles",
///   "hourly_units":{"time":"iso8601","temperature_2m":"°C",...},
///   "hourly":{"time":["2024-01-01T00:00",...],"temperature_2m":[12.3,null,...],...}}`.
/// Missing values are JSON `null` (stored as NULL). With `timeformat=unixtime`, `time` holds
/// Unix seconds (UTC) instead of local ISO labels.
enum WeatherJSON {
    private struct Response: Decodable {
        var latitude: Double?
        var longitude: Double?
        var timezone: String?
        var utc_offset_seconds: Int?
        var hourly_units: [String: String]?
        var hourly: Columns?
    }

    /// The `hourly` object: any number of named arrays.
    private struct Columns: Decodable {
        var arrays: [String: Column] = [:]
        var order: [String] = []

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            for key in container.allKeys {
                arrays[key.stringValue] = try container.decode(Column.self, forKey: key)
                order.append(key.stringValue)
            }
        }
    }

    /// One hourly array: numbers (and nulls), or strings (and nulls) for ISO times.
    private enum Column: Decodable {
        case numbers([Double?])
        case texts([String?])

        init(from decoder: Decoder) throws {
            let single = try decoder.singleValueContainer()
            if let numbers = try? single.decode([Double?].self) {
                self = .numbers(numbers)
            } else if let texts = try? single.decode([String?].self) {
                self = .texts(texts)
            } else {
                throw DecodingError.typeMismatch([Double?].self, DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: "an array of numbers (or null)"))
            }
        }

        var count: Int {
            switch self {
            case let .numbers(values): return values.count
            case let .texts(values): return values.count
            }
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static func parse(_ data: Data, source: String) throws -> WeatherDocument {
        let response: Response
        do {
            response = try JSONDecoder().decode(Response.self, from: data)
        } catch let error as DecodingError {
            throw describe(error, source: source)
        } catch {
            throw WeatherLoadError.invalidJSON(source: source, reason: "\(error)")
        }
        guard let latitude = response.latitude else { throw WeatherLoadError.missingField(source: source, field: "latitude") }
        guard let longitude = response.longitude else { throw WeatherLoadError.missingField(source: source, field: "longitude") }
        guard let hourly = response.hourly else { throw WeatherLoadError.missingField(source: source, field: "hourly") }
        guard let timeColumn = hourly.arrays["time"] else { throw WeatherLoadError.missingField(source: source, field: "hourly.time") }

        let times: [WeatherDocument.TimeValue?]
        switch timeColumn {
        case let .texts(labels): times = labels.map { $0.map(WeatherDocument.TimeValue.text) }
        case let .numbers(seconds): times = seconds.map { $0.map(WeatherDocument.TimeValue.unixSeconds) }
        }

        var values: [WeatherVariable: [Double?]] = [:]
        var units: [WeatherVariable: String] = [:]
        var vintages: [Int: [WeatherVariable: [Double?]]] = [:]
        var vintageUnits: [Int: [WeatherVariable: String]] = [:]
        var ignored: [String] = []
        for name in hourly.order where name != "time" {
            let vintage = WeatherDocument.vintageColumn(name)
            guard let variable = WeatherVariable(rawValue: name) ?? vintage?.0 else { ignored.append(name); continue }
            guard case let .numbers(column)? = hourly.arrays[name] else {
                throw WeatherLoadError.wrongType(source: source, field: "hourly.\(name)", expected: "an array of numbers (or null)")
            }
            guard column.count == times.count else {
                throw WeatherLoadError.lengthMismatch(source: source, variable: name, count: column.count, timeCount: times.count)
            }
            guard let unit = response.hourly_units?[name] else {
                throw WeatherLoadError.missingUnit(source: source, variable: name)
            }
            if let (_, lead) = vintage {
                vintages[lead, default: [:]][variable] = column
                vintageUnits[lead, default: [:]][variable] = unit
            } else {
                values[variable] = column
                units[variable] = unit
            }
        }
        guard !values.isEmpty || !vintages.isEmpty else {
            throw WeatherLoadError.noKnownVariables(source: source, found: ignored)
        }
        var document = WeatherDocument(format: .json, latitude: latitude, longitude: longitude, timezone: response.timezone,
                                       utcOffsetSeconds: response.utc_offset_seconds ?? 0, times: times, values: values,
                                       units: units, ignoredVariables: ignored.sorted(),
                                       lineNumbers: Array(1..<(times.count + 1)), rawLines: nil)
        document.vintages = vintages
        document.vintageUnits = vintageUnits
        return document
    }

    /// Turns a decoder error into one sentence naming the field, e.g. `'hourly.cloud_cover' should be ...`.
    private static func describe(_ error: DecodingError, source: String) -> WeatherLoadError {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        switch error {
        case let .typeMismatch(type, context):
            let expected = context.debugDescription.hasPrefix("an array") ? context.debugDescription : "\(type)"
            if context.codingPath.isEmpty { return .wrongType(source: source, field: "(top level)", expected: "a JSON object") }
            return .wrongType(source: source, field: path(context.codingPath), expected: expected)
        case let .valueNotFound(type, context):
            return .wrongType(source: source, field: path(context.codingPath), expected: "\(type), not null")
        case let .keyNotFound(key, context):
            return .missingField(source: source, field: path(context.codingPath + [key]))
        case let .dataCorrupted(context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return .invalidJSON(source: source, reason: underlying ?? context.debugDescription)
        @unknown default:
            return .invalidJSON(source: source, reason: "\(error)")
        }
    }
}
