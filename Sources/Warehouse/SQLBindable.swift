import Foundation

/// A value that can be bound as a query parameter. Values always travel separately from the SQL
/// text (PQexecParams), so no value can change what a statement does.
public protocol SQLBindable {
    /// The parameter in PostgreSQL text format, or nil for SQL NULL.
    var sqlText: String? { get }
}

extension String: SQLBindable { public var sqlText: String? { self } }
extension Substring: SQLBindable { public var sqlText: String? { String(self) } }
extension Int: SQLBindable { public var sqlText: String? { String(self) } }
extension Int32: SQLBindable { public var sqlText: String? { String(self) } }
extension Int64: SQLBindable { public var sqlText: String? { String(self) } }
extension Bool: SQLBindable { public var sqlText: String? { self ? "true" : "false" } }

extension Double: SQLBindable {
    /// NaN and infinities use PostgreSQL's spellings; finite values round-trip exactly.
    public var sqlText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return "\(self)"
    }
}

extension Date: SQLBindable {
    /// An instant as an ISO 8601 UTC timestamp with microseconds, suitable for `timestamptz`.
    public var sqlText: String? { TimestampFormat.utcString(self) }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlText: String? { self?.sqlText }
}

/// An explicit SQL NULL for parameter lists.
public struct SQLNull: SQLBindable {
    public init() {}
    public var sqlText: String? { nil }
}

/// Formats instants the way PostgreSQL reads and writes `timestamptz` in UTC.
public enum TimestampFormat {
    public static func utcString(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = seconds.rounded(.down)
        var micros = Int(((seconds - whole) * 1_000_000).rounded())
        if micros == 1_000_000 { whole += 1; micros = 0 }
        var time = time_t(whole)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%06d+00",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros)
    }
}

/// A `text[]` parameter with every element quoted, so values with commas, quotes or braces survive;
/// bind it as `$n::text[]` (or cast to another element type, e.g. `$n::date[]`).
public struct SQLTextArray: SQLBindable, Sendable {
    public let values: [String]
    public init(_ values: [String]) { self.values = values }
    public var sqlText: String? {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}
