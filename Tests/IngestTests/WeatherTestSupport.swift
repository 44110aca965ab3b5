import Foundation
import Ingest
import Migrations
import TestSupport
import Warehouse

/// A migrated dev database, a scratch folder, and helpers to load weather and read it back.
final class WeatherHarness {
    static let layout = SchemaLayout(environment: .dev)
    static let table = "gridcast_input_dev.weather_hourly"

    let target: ConnectionTarget
    let connection: Connection
    let directory: URL

    init(_ label: String) throws {
        target = try TestCluster.freshDatabase(label)
        connection = try Connection.open(target)
        try MigrationRunner(layout: Self.layout, files: try MigrationFile.load(from: Repository.migrations))
            .migrate(on: connection)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-weather-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func loader(_ options: WeatherLoadOptions = WeatherLoadOptions()) -> WeatherLoader {
        WeatherLoader(layout: Self.layout, options: options)
    }

    /// Writes `text` to `name` and loads it, with a run log on a second connection.
    @discardableResult
    func load(_ name: String, _ text: String, options: WeatherLoadOptions = WeatherLoadOptions()) throws -> WeatherLoadSummary {
        let path = try write(name, text)
        let runLog = try RunLog(target: target, layout: Self.layout)
        return try loader(options).load(file: path, on: connection, runLog: runLog)
    }

    func int(_ sql: String, _ parameters: [any SQLBindable] = []) throws -> Int {
        try connection.execute(sql, parameters, name: "test query").first?.int("n") ?? -1
    }

    func strings(_ sql: String, _ parameters: [any SQLBindable] = []) throws -> [String] {
        try connection.execute(sql, parameters, name: "test query").rows.map { $0.string(at: 0) ?? "NULL" }
    }

    /// Every stored row as text, ordered, for comparing two loads.
    func dump() throws -> [String] {
        try strings("""
            select concat_ws('|', location, kind, valid_at, issued_at, temperature_2m, apparent_temperature, cloud_cover,
                             direct_radiation, diffuse_radiation, shortwave_radiation, wind_speed_10m,
                             relative_humidity_2m, is_day)
            from \(Self.table) order by kind, valid_at, issued_at
            """)
    }
}

/// A deterministic Open-Meteo hourly response for San Diego, rendered as JSON or CSV in the
/// shapes Open-Meteo produces. Values follow smooth daily cycles so every hour differs.
struct WeatherFixture {
    enum Labels {
        /// Open-Meteo's rule: UTC plus the one offset of the response (`utc_offset_seconds`).
        case fixedOffset
        /// True wall-clock labels in America/Los_Angeles (what other tools write).
        case wallClock
        /// `timeformat=unixtime`.
        case unix
    }

    var start: Date
    var hours: Int
    var utcOffsetSeconds = -28_800
    var timezone = "America/Los_Angeles"
    var latitude = 32.710_55
    var longitude = -117.155_06
    var labels = Labels.fixedOffset
    var temperatureUnit = "°C"
    var windUnit = "km/h"
    /// Overrides of single values: (hour index, variable, value or nil for null).
    var overrides: [(Int, String, Double?)] = []

    static let variables = ["temperature_2m", "apparent_temperature", "cloud_cover", "direct_radiation", "diffuse_radiation",
                            "shortwave_radiation", "wind_speed_10m", "relative_humidity_2m", "is_day"]

    /// Starts at local midnight (by the response's offset) of `day`, like an Open-Meteo request
    /// with start_date = day.
    init(fromLocalMidnight day: String, days: Int, utcOffsetSeconds: Int = -28_800) {
        let midnight = WeatherFixture.utc("\(day)T00:00:00Z")
        self.start = midnight.addingTimeInterval(Double(-utcOffsetSeconds))
        self.hours = 24 * days
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    static func utc(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)!
    }

    func instant(_ index: Int) -> Date { start.addingTimeInterval(Double(index) * 3600) }

    /// The value of `variable` at hour `index`, in °C and km/h.
    func value(_ index: Int, _ variable: String) -> Double? {
        if let override = overrides.last(where: { $0.0 == index && $0.1 == variable }) { return override.2 }
        let hourUTC = Double(Int(instant(index).timeIntervalSince1970 / 3600) % 24)
        let day = Double(Int(instant(index).timeIntervalSince1970 / 86_400) % 365)
        let phase = (hourUTC - 22) / 24 * 2 * Double.pi  // warmest near 22:00 UTC (14:00 PST)
        let sun = max(0, cos((hourUTC - 20) / 24 * 2 * Double.pi))
        func round1(_ x: Double) -> Double { (x * 10).rounded() / 10 }
        switch variable {
        case "temperature_2m": return round1(15 + 5 * cos(phase) + day / 100)
        case "apparent_temperature": return round1(14 + 5 * cos(phase))
        case "cloud_cover": return Double(Int(hourUTC * 4) % 101)
        case "direct_radiation": return round1(600 * sun)
        case "diffuse_radiation": return round1(120 * sun)
        case "shortwave_radiation": return round1(720 * sun)
        case "wind_speed_10m": return round1(8 + 4 * sin(phase))
        case "relative_humidity_2m": return Double(60 + Int(hourUTC) % 30)
        case "is_day": return sun > 0 ? 1 : 0
        default: return nil
        }
    }

    func fileValue(_ index: Int, _ variable: String) -> Double? {
        guard let value = value(index, variable) else { return nil }
        if overrides.contains(where: { $0.0 == index && $0.1 == variable }) { return value }
        if variable.contains("temperature"), temperatureUnit == "°F" { return ((value * 9 / 5 + 32) * 1000).rounded() / 1000 }
        if variable == "wind_speed_10m", windUnit == "mph" { return value / 1.609_344 }
        return value
    }

    func label(_ index: Int) -> String {
        switch labels {
        case .unix: return String(Int(instant(index).timeIntervalSince1970))
        case .fixedOffset: return Self.format(instant(index).addingTimeInterval(Double(utcOffsetSeconds)), zone: TimeZone(identifier: "UTC")!)
        case .wallClock: return Self.format(instant(index), zone: TimeZone(identifier: timezone)!)
        }
    }

    static func format(_ date: Date, zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d", p.year!, p.month!, p.day!, p.hour!, p.minute!)
    }

    func unit(_ variable: String) -> String {
        switch variable {
        case "temperature_2m", "apparent_temperature": return temperatureUnit
        case "wind_speed_10m": return windUnit
        case "cloud_cover", "relative_humidity_2m": return "%"
        case "is_day": return ""
        default: return "W/m²"
        }
    }

    static func number(_ value: Double?) -> String {
        guard let value else { return "null" }
        return value == value.rounded() && abs(value) < 1e12 ? String(Int(value)) : "\(value)"
    }

    var json: String {
        let times = (0..<hours).map { labels == .unix ? label($0) : "\"\(label($0))\"" }.joined(separator: ",")
        var units = ["\"time\":\"\(labels == .unix ? "unixtime" : "iso8601")\""]
        var arrays = ["\"time\":[\(times)]"]
        for variable in Self.variables {
            units.append("\"\(variable)\":\"\(unit(variable))\"")
            arrays.append("\"\(variable)\":[" + (0..<hours).map { Self.number(fileValue($0, variable)) }.joined(separator: ",") + "]")
        }
        return """
            {"latitude":\(latitude),"longitude":\(longitude),"generationtime_ms":0.5,"utc_offset_seconds":\(utcOffsetSeconds),\
            "timezone":"\(timezone)","timezone_abbreviation":"\(utcOffsetSeconds == -28_800 ? "PST" : "PDT")","elevation":20.0,\
            "hourly_units":{\(units.joined(separator: ","))},"hourly":{\(arrays.joined(separator: ","))}}
            """
    }

    var csv: String {
        var lines = ["latitude,longitude,elevation,utc_offset_seconds,timezone,timezone_abbreviation",
                     "\(latitude),\(longitude),20.0,\(utcOffsetSeconds),\(timezone),\(utcOffsetSeconds == -28_800 ? "PST" : "PDT")",
                     "",
                     "time," + Self.variables.map { "\($0) (\(unit($0)))" }.joined(separator: ",")]
        for index in 0..<hours {
            lines.append(label(index) + "," + Self.variables.map { fileValue(index, $0).map { Self.number($0) } ?? "NaN" }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
