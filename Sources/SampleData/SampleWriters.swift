import Features
import Foundation

/// A buffered byte writer for one output file: numbers are formatted by hand (no locale, no
/// Foundation formatter), so output is fast and identical on every machine.
final class ByteSink {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private static let flushThreshold = 1 << 20

    init(url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw SampleDataError.cannotWrite(path: url.path)
        }
        handle = try FileHandle(forWritingTo: url)
        buffer.reserveCapacity(Self.flushThreshold + 4096)
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
    }

    func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
    }

    func write(byte: UInt8) {
        buffer.append(byte)
    }

    func write(_ value: Int) {
        buffer.append(contentsOf: String(value).utf8)   // short strings live inline: no allocation
    }

    /// A fixed-point number with `decimals` digits after the point (0-6), rounded half away from zero.
    func write(_ value: Double, decimals: Int) {
        let scale = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000][decimals]
        let scaled = Int((abs(value) * Double(scale)).rounded())
        if value < 0 && scaled > 0 { buffer.append(45) }
        write(scaled / scale)
        guard decimals > 0 else { return }
        buffer.append(46)
        var fraction = scaled % scale
        var divisor = scale / 10
        while divisor > 0 {
            buffer.append(UInt8(48 + fraction / divisor))
            fraction %= divisor
            divisor /= 10
        }
    }

    func flushIfNeeded() throws {
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try handle.close()
    }
}

/// Writes the weather as an Open-Meteo Historical Weather API response.
///
/// Open-Meteo is not DST-aware within a response: with `timezone` set, every `hourly.time` label is the
/// UTC instant plus the one `utc_offset_seconds` of the response (the offset in force when the request
/// was served), so labels never skip or repeat an hour. The sample does the same with the offset in force
/// at the first hour (for a January start in Los Angeles: -28800, PST), so a summer label `2024-07-01T12:00`
/// means 20:00 UTC = 13:00 PDT. Readers must take `instant = label - utc_offset_seconds`. Labels run from
/// the start date 00:00 through the end date 23:00 at that offset: exactly 24 per day.
enum OpenMeteoWriter {
    static let variables: [(name: String, unit: String, decimals: Int)] = [
        ("temperature_2m", "°C", 1), ("apparent_temperature", "°C", 1), ("cloud_cover", "%", 0),
        ("direct_radiation", "W/m²", 1), ("diffuse_radiation", "W/m²", 1), ("shortwave_radiation", "W/m²", 1),
        ("wind_speed_10m", "km/h", 1), ("relative_humidity_2m", "%", 0), ("is_day", "", 0),
    ]

    static func values(_ weather: SampleWeather, _ name: String) -> [Double] {
        switch name {
        case "temperature_2m": return weather.temperature
        case "apparent_temperature": return weather.apparentTemperature
        case "cloud_cover": return weather.cloudCover
        case "direct_radiation": return weather.directRadiation
        case "diffuse_radiation": return weather.diffuseRadiation
        case "shortwave_radiation": return weather.shortwaveRadiation
        case "wind_speed_10m": return weather.windSpeed
        case "relative_humidity_2m": return weather.relativeHumidity
        default: return weather.isDay.map(Double.init)
        }
    }

    /// One hourly array of a response.
    struct Column {
        let name: String
        let unit: String
        let decimals: Int
        let values: [Double]
    }

    /// The nine stored variables of `weather`, as response columns.
    static func columns(_ weather: SampleWeather) -> [Column] {
        variables.map { Column(name: $0.name, unit: $0.unit, decimals: $0.decimals, values: values(weather, $0.name)) }
    }

    /// Writes labels `0..<hours` of the grid (index 0 = first label) and returns the number written.
    static func write(_ weather: SampleWeather, hours: Int, location: GeoLocation, timeZone: TimeZone,
                      to url: URL) throws -> Int {
        try write(columns(weather), gridStart: weather.gridStart, hours: hours, location: location, timeZone: timeZone, to: url)
    }

    /// Writes `columns` for labels `0..<hours` of a grid starting at `gridStart`.
    static func write(_ columns: [Column], gridStart: Date, hours: Int, location: GeoLocation, timeZone: TimeZone,
                      to url: URL) throws -> Int {
        let offset = timeZone.secondsFromGMT(for: gridStart)
        let sink = try ByteSink(url: url)
        sink.write("{\"latitude\":")
        sink.write(location.latitude, decimals: 4)
        sink.write(",\"longitude\":")
        sink.write(location.longitude, decimals: 4)
        sink.write(",\"generationtime_ms\":0.0,\"utc_offset_seconds\":")
        sink.write(offset)
        sink.write(",\"timezone\":\"\(timeZone.identifier)\",\"timezone_abbreviation\":\"\(abbreviation(offset, timeZone))\"")
        sink.write(",\"elevation\":")
        sink.write(location.elevationMeters, decimals: 1)
        sink.write(",\n\"hourly_units\":{\"time\":\"iso8601\"")
        for column in columns { sink.write(",\"\(column.name)\":\"\(column.unit)\"") }
        sink.write("},\n\"hourly\":{\n\"time\":[")
        let firstLabel = Int(gridStart.timeIntervalSince1970.rounded()) + offset
        for k in 0..<hours {
            if k > 0 { sink.write(byte: 44) }
            let seconds = firstLabel + 3600 * k
            let day = LocalDate(dayNumber: Int((Double(seconds) / 86_400).rounded(.down)))
            let hour = (seconds - day.dayNumber * 86_400) / 3600
            sink.write("\"\(day)T\(hour < 10 ? "0" : "")\(hour):00\"")
            try sink.flushIfNeeded()
        }
        sink.write("]")
        for column in columns {
            sink.write(",\n\"\(column.name)\":[")
            for k in 0..<hours {
                if k > 0 { sink.write(byte: 44) }
                sink.write(column.values[k], decimals: column.decimals)
            }
            sink.write("]")
            try sink.flushIfNeeded()
        }
        sink.write("\n}}\n")
        try sink.close()
        return hours
    }

    /// PST/PDT for Los Angeles; otherwise Open-Meteo's GMT±H form.
    static func abbreviation(_ offset: Int, _ zone: TimeZone) -> String {
        if zone.identifier == "America/Los_Angeles" { return offset == -28_800 ? "PST" : "PDT" }
        let hours = offset / 3600
        return hours == 0 ? "GMT" : "GMT\(hours > 0 ? "+" : "")\(hours)"
    }
}
