import Foundation

/// Reads Open-Meteo's CSV download (`format=csv`): a metadata header and line, a blank line, then
/// one section per resolution, each with a header of `name (unit)` columns:
///
///     latitude,longitude,elevation,utc_offset_seconds,timezone,timezone_abbreviation
///     32.71,-117.16,20.0,-28800,America/Los_Angeles,PST
///
///     time,temperature_2m (°C),relative_humidity_2m (%),is_day ()
///     2024-01-01T00:00,12.3,80,0
///
/// Missing values are empty or `NaN` (stored as NULL). When the file has several sections
/// (current, minutely_15, hourly, daily), the hourly one is the section whose timestamps have a
/// time of day and step by one hour. A line whose field count differs from its header, or with
/// a value that is not a number, becomes a reject row, not an error.
enum WeatherCSV {
    private struct Section {
        var headerLine: Int
        var header: [String]
        var lines: [(number: Int, text: String)] = []
    }

    static func parse(_ text: String, source: String) throws -> WeatherDocument {
        var lines: [(number: Int, text: String)] = []
        var number = 0
        text.enumerateLines { line, _ in
            number += 1
            lines.append((number, line.hasSuffix("\r") ? String(line.dropLast()) : line))
        }

        var latitude: Double?, longitude: Double?, timezone: String?, offset = 0
        var sections: [Section] = []
        var index = 0
        while index < lines.count {
            let (lineNumber, line) = lines[index]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { index += 1; continue }
            let fields = split(trimmed)
            if fields.first == "location_id" {
                throw WeatherLoadError.multipleLocations(source: source)
            }
            if fields.first == "latitude" {
                guard index + 1 < lines.count else {
                    throw WeatherLoadError.invalidCSV(source: source, line: lineNumber, reason: "the metadata header has no line of values under it")
                }
                let metadata = Dictionary(zip(fields, split(lines[index + 1].text)), uniquingKeysWith: { first, _ in first })
                latitude = metadata["latitude"].flatMap(Double.init)
                longitude = metadata["longitude"].flatMap(Double.init)
                timezone = metadata["timezone"].flatMap { $0.isEmpty ? nil : $0 }
                if let text = metadata["utc_offset_seconds"] {
                    guard let value = Int(text) else {
                        throw WeatherLoadError.invalidCSV(source: source, line: lineNumber + 1, reason: "utc_offset_seconds \(text.debugDescription) is not a whole number")
                    }
                    offset = value
                }
                index += 2
                continue
            }
            guard fields.first == "time" else {
                throw WeatherLoadError.invalidCSV(source: source, line: lineNumber,
                                                  reason: "expected a 'time,...' header or the 'latitude,longitude,...' metadata, found \(String(trimmed.prefix(40)).debugDescription)")
            }
            var section = Section(headerLine: lineNumber, header: fields)
            index += 1
            while index < lines.count, !lines[index].text.trimmingCharacters(in: .whitespaces).isEmpty {
                section.lines.append(lines[index])
                index += 1
            }
            sections.append(section)
        }

        guard let latitude, let longitude else { throw WeatherLoadError.missingField(source: source, field: "latitude") }
        guard let hourly = pickHourly(sections) else { throw WeatherLoadError.missingField(source: source, field: "hourly") }
        return try document(hourly, source: source, latitude: latitude, longitude: longitude, timezone: timezone, offset: offset)
    }

    private static func document(_ section: Section, source: String, latitude: Double, longitude: Double,
                                 timezone: String?, offset: Int) throws -> WeatherDocument {
        var columns: [(position: Int, variable: WeatherVariable)] = []
        var units: [WeatherVariable: String] = [:]
        var ignored: [String] = []
        for (position, field) in section.header.enumerated().dropFirst() {
            let (name, unit) = nameAndUnit(field)
            guard let variable = WeatherVariable(rawValue: name) else { ignored.append(name); continue }
            guard let unit else { throw WeatherLoadError.missingUnit(source: source, variable: name) }
            columns.append((position, variable))
            units[variable] = unit
        }
        guard !columns.isEmpty else { throw WeatherLoadError.noKnownVariables(source: source, found: ignored) }

        var document = WeatherDocument(format: .csv, latitude: latitude, longitude: longitude, timezone: timezone,
                                       utcOffsetSeconds: offset, times: [], values: [:], units: units,
                                       ignoredVariables: ignored.sorted(), lineNumbers: [], rawLines: [])
        var values = Dictionary(uniqueKeysWithValues: columns.map { ($0.variable, [Double?]()) })
        for (row, line) in section.lines.enumerated() {
            let fields = split(line.text)
            document.lineNumbers.append(line.number)
            document.rawLines!.append(line.text)
            guard fields.count == section.header.count else {
                document.times.append(nil)
                for column in columns { values[column.variable]!.append(nil) }
                document.rowProblems[row] = "has \(fields.count) fields but the header on line \(section.headerLine) has \(section.header.count)"
                continue
            }
            document.times.append(timeValue(fields[0]))
            for column in columns {
                let text = fields[column.position]
                if text.isEmpty || text == "NaN" || text == "nan" {
                    values[column.variable]!.append(nil)
                } else if let value = Double(text) {
                    values[column.variable]!.append(value)
                } else {
                    values[column.variable]!.append(nil)
                    document.rowProblems[row] = "\(column.variable.rawValue) value \(text.debugDescription) is not a number"
                }
            }
        }
        document.values = values
        return document
    }

    /// `2024-01-01T00:00` stays text (a local label); an all-digit field is Unix seconds.
    private static func timeValue(_ field: String) -> WeatherDocument.TimeValue? {
        if field.isEmpty { return nil }
        let digits = field.hasPrefix("-") ? field.dropFirst() : Substring(field)
        if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let seconds = Double(field) {
            return .unixSeconds(seconds)
        }
        return .text(field)
    }

    /// The hourly section: timestamps with a time of day, one hour apart. A lone section is taken as is.
    private static func pickHourly(_ sections: [Section]) -> Section? {
        if sections.count <= 1 { return sections.first }
        return sections.first { section in
            guard section.lines.count >= 2,
                  let first = split(section.lines[0].text).first, let second = split(section.lines[1].text).first
            else { return false }
            if let a = Double(first), let b = Double(second) { return b - a == 3600 }
            guard let a = WeatherTimes.naiveSeconds(first), let b = WeatherTimes.naiveSeconds(second) else { return false }
            return first.contains("T") && b - a == 3600
        }
    }

    /// `temperature_2m (°C)` → (`temperature_2m`, `°C`); `is_day ()` → (`is_day`, ``); no parentheses → no unit.
    static func nameAndUnit(_ field: String) -> (String, String?) {
        guard field.hasSuffix(")"), let open = field.range(of: " (", options: .backwards) else {
            return (field.trimmingCharacters(in: .whitespaces), nil)
        }
        let name = field[..<open.lowerBound].trimmingCharacters(in: .whitespaces)
        let unit = field[open.upperBound..<field.index(before: field.endIndex)]
        return (name, String(unit))
    }

    /// Splits a line at commas; Open-Meteo never quotes, but surrounding double quotes are removed.
    static func split(_ line: String) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map { field in
            let trimmed = field.trimmingCharacters(in: .whitespaces)
            if trimmed.count >= 2, trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") { return String(trimmed.dropFirst().dropLast()) }
            return trimmed
        }
    }
}
