import Features
import Foundation
import Warehouse

/// One hour ready for the warehouse: its instant and the present variables' values in stored units.
struct WeatherRow {
    var validAt: Date
    /// Parallel to `WeatherRowSet.variables`; nil is SQL NULL.
    var values: [Double?]
}

/// One refused hour, as it goes to `load_rejects`.
public struct WeatherReject: Sendable, Equatable {
    /// CSV line, or the 1-based position in the JSON `hourly.time` array.
    public let lineNumber: Int
    public let rawLine: String
    public let reason: String
}

/// The checked content of one document: accepted rows sorted by instant, and rejects.
struct WeatherRowSet {
    var variables: [WeatherVariable]
    var rows: [WeatherRow]
    var rejects: [WeatherReject]
    /// Variables whose file unit was converted, e.g. `temperature_2m: °F -> °C`.
    var conversions: [String]
    var interpretation: WeatherTimeInterpretation?

    /// Checks units (a unit Gridcast cannot convert is an error for the whole file), turns labels
    /// into instants, converts values to stored units and range-checks them. A row with an
    /// unreadable time, an impossible value or the same instant as an earlier row is rejected
    /// with every reason that applies.
    static func check(_ document: WeatherDocument, rule: WeatherTimeInterpretation, source: String) throws -> WeatherRowSet {
        let variables = document.presentVariables
        var converters: [UnitConversion] = []
        var conversions: [String] = []
        for variable in variables {
            let unit = document.units[variable] ?? ""
            guard let converter = variable.converter(from: unit) else {
                throw WeatherLoadError.wrongUnit(source: source, variable: variable.rawValue, found: unit,
                                                 expected: variable.acceptedUnitsDescription)
            }
            converters.append(converter)
            if !converter.isIdentity { conversions.append("\(variable.rawValue): \(unit) -> \(variable.storedUnit)") }
        }
        let columns = variables.map { document.values[$0]! }
        let times = try WeatherTimes.resolve(document, rule: rule, source: source)

        var rows: [WeatherRow] = []
        rows.reserveCapacity(document.count)
        var rejects: [WeatherReject] = []
        var firstLineOf: [Date: Int] = [:]
        for index in 0..<document.count {
            var reasons: [String] = []
            if let problem = document.rowProblems[index] { reasons.append(problem) }
            if let problem = times.problems[index] { reasons.append(problem) }
            var values: [Double?] = []
            values.reserveCapacity(variables.count)
            for (position, variable) in variables.enumerated() {
                guard let raw = columns[position][index] else { values.append(nil); continue }
                let value = converters[position].apply(raw)
                if !value.isFinite || !variable.validRange.contains(value) || (variable == .isDay && value != value.rounded()) {
                    reasons.append("\(variable.rawValue) \(WeatherDocument.number(raw))\(unitSuffix(document.units[variable]))"
                                   + " is outside \(rangeText(variable))")
                }
                values.append(value)
            }
            if reasons.isEmpty, let instant = times.instants[index] {
                if let earlier = firstLineOf[instant] {
                    reasons.append("same hour (\(TimestampText.utc(instant))) as line \(earlier)")
                } else {
                    firstLineOf[instant] = document.lineNumbers[index]
                    rows.append(WeatherRow(validAt: instant, values: values))
                    continue
                }
            }
            rejects.append(WeatherReject(lineNumber: document.lineNumbers[index], rawLine: document.rawRow(index),
                                         reason: reasons.joined(separator: "; ")))
        }
        rows.sort { $0.validAt < $1.validAt }
        return WeatherRowSet(variables: variables, rows: rows, rejects: rejects, conversions: conversions,
                             interpretation: times.interpretation)
    }

    private static func unitSuffix(_ unit: String?) -> String {
        guard let unit, !unit.isEmpty else { return "" }
        return unit == "%" ? "%" : " \(unit)"
    }

    private static func rangeText(_ variable: WeatherVariable) -> String {
        let range = variable.validRange
        let unit = variable.storedUnit.isEmpty ? "" : " \(variable.storedUnit)"
        if variable == .isDay { return "0 or 1" }
        return "\(WeatherDocument.number(range.lowerBound))..\(WeatherDocument.number(range.upperBound))\(unit)"
    }
}

/// ISO 8601 UTC text for messages, e.g. `2024-03-10T10:00:00Z`.
enum TimestampText {
    static func utc(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

/// `YYYY-MM-DD HH:MM:SS+00` for whole-second instants, built without `String(format:)`, since COPY
/// writes one per row; other instants fall back to `TimestampFormat`.
enum CopyTimestamp {
    static func utc(_ instant: Date) -> String {
        let seconds = instant.timeIntervalSince1970
        guard seconds == seconds.rounded(.down), abs(seconds) < 1e11 else { return TimestampFormat.utcString(instant) }
        let whole = Int(seconds)
        let day = Int((Double(whole) / 86_400).rounded(.down))
        let second = whole - day * 86_400
        let date = LocalDate(dayNumber: day)
        guard (1000...9999).contains(date.year) else { return TimestampFormat.utcString(instant) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(22)
        func two(_ value: Int) { bytes.append(UInt8(48 + value / 10)); bytes.append(UInt8(48 + value % 10)) }
        two(date.year / 100); two(date.year % 100)
        bytes.append(45); two(date.month); bytes.append(45); two(date.day)
        bytes.append(32); two(second / 3600); bytes.append(58); two(second % 3600 / 60); bytes.append(58); two(second % 60)
        bytes.append(contentsOf: [43, 48, 48])  // +00
        return String(decoding: bytes, as: UTF8.self)
    }
}
