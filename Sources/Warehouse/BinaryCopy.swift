import Foundation

/// Rows for `COPY ... FROM STDIN WITH (FORMAT binary)`: PostgreSQL's binary copy format, each field its
/// type's binary wire form. The server then parses nothing: on 1M forecast rows into a temporary table,
/// 2.3 s of server time against 4.0 s for the same rows as text, most of the difference in the five
/// timestamps and the jsonb of a row (bench/README.md, seventh session).
///
/// The caller states each field's type by the method it calls, and it must be the column's exact type
/// (an int2 column takes `int16`, never `int32`): the server checks lengths and refuses a mismatch with
/// "incorrect binary data format", naming the column.
public struct BinaryCopyRows {
    public private(set) var bytes: [UInt8] = []
    /// Fields appended to the current row (a textArray's elements are not fields).
    public private(set) var fieldsInRow = 0

    /// "PGCOPY\n\377\r\n\0", flags 0, no header extension.
    static let header: [UInt8] = [80, 71, 67, 79, 80, 89, 10, 255, 13, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    /// Seconds from the Unix epoch to PostgreSQL's, 2000-01-01 00:00 UTC.
    static let postgresEpochSeconds: Int64 = 946_684_800

    public init() { bytes = Self.header }

    public mutating func beginRow(fields: Int) {
        append(Int16(fields))
        fieldsInRow = 0
    }

    public mutating func null() { field(-1) }
    public mutating func bool(_ value: Bool) { field(1); bytes.append(value ? 1 : 0) }
    public mutating func int16(_ value: Int16) { field(2); append(value) }
    public mutating func int32(_ value: Int32) { field(4); append(value) }
    public mutating func float8(_ value: Double) { field(8); append(value.bitPattern) }
    public mutating func text(_ value: String) {
        var value = value
        value.withUTF8 { raw in
            field(raw.count)
            bytes.append(contentsOf: raw)
        }
    }
    /// jsonb's binary form is a version byte (1) and the JSON text; the server validates the text.
    public mutating func jsonb(_ value: String) {
        var value = value
        value.withUTF8 { raw in
            field(raw.count + 1)
            bytes.append(1)
            bytes.append(contentsOf: raw)
        }
    }
    /// Microseconds since 2000-01-01 00:00 UTC (see `PostgresText.timestamp`).
    public mutating func timestamp(microseconds: Int64) { field(8); append(microseconds) }
    /// Days since 2000-01-01 (see `PostgresText.date`).
    public mutating func date(days: Int32) { int32(days) }
    public mutating func uuid(_ value: [UInt8]) {
        precondition(value.count == 16, "a uuid is 16 bytes")
        field(16)
        bytes.append(contentsOf: value)
    }
    /// A one-dimensional text[] without NULL elements (an empty array has no dimensions).
    public mutating func textArray(_ values: [String]) {
        var body = BinaryCopyRows(bare: ())
        body.append(Int32(values.isEmpty ? 0 : 1))    // dimensions
        body.append(Int32(0))                         // flags: no NULL elements
        body.append(UInt32(25))                       // element type: text
        if !values.isEmpty {
            body.append(Int32(values.count))
            body.append(Int32(1))                     // lower bound
            for value in values { body.text(value) }
        }
        field(body.bytes.count)
        bytes.append(contentsOf: body.bytes)
    }

    /// The file trailer, after the last row.
    mutating func finish() { append(Int16(-1)) }

    /// Hands the buffered bytes to `send` and starts an empty buffer (the header stays sent).
    mutating func drain(_ send: ([UInt8]) throws -> Void) rethrows {
        try send(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    private init(bare: Void) {}

    /// A field's length word (-1: NULL).
    private mutating func field(_ length: Int) {
        append(Int32(length))
        fieldsInRow += 1
    }

    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}

/// Values as PostgreSQL prints them in text (DateStyle ISO), turned into binary COPY's numbers.
public enum PostgresText {
    /// `2024-07-10 07:00:00+00`, `2024-07-10 07:00:00.25-07`, `1890-01-01 00:00:00+09:18:59` (or with a T):
    /// microseconds since 2000-01-01 00:00 UTC. Nil for anything else (another DateStyle, no offset,
    /// infinity), so a caller can fall back to text.
    public static func timestamp(_ text: String) -> Int64? {
        scanning(text) { scanner in timestamp(&scanner) }
    }

    private static func timestamp(_ scanner: inout DigitScanner) -> Int64? {
        guard let year = scanner.number(digits: 4), scanner.skip(45), let month = scanner.number(digits: 2),
              scanner.skip(45), let day = scanner.number(digits: 2), scanner.skip(32) || scanner.skip(84),
              let hour = scanner.number(digits: 2), scanner.skip(58), let minute = scanner.number(digits: 2),
              scanner.skip(58), let second = scanner.number(digits: 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var micros: Int64 = 0
        if scanner.skip(46) {
            var digits = 0
            while let digit = scanner.digit() {
                guard digits < 6 else { return nil }
                micros = micros * 10 + Int64(digit)
                digits += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<6 { micros *= 10 }
        }
        guard let offset = scanner.offsetSeconds(), scanner.atEnd else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day) - daysFromCivil(year: 2000, month: 1, day: 1)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        return seconds * 1_000_000 + micros
    }

    /// `2024-07-10`: days since 2000-01-01.
    public static func date(_ text: String) -> Int32? {
        guard let (year, month, day) = dateParts(text) else { return nil }
        return Int32(daysFromCivil(year: year, month: month, day: day) - daysFromCivil(year: 2000, month: 1, day: 1))
    }

    /// `2024-07-10`: (2024, 7, 10).
    public static func dateParts(_ text: String) -> (year: Int, month: Int, day: Int)? {
        scanning(text) { scanner in
            guard let year = scanner.number(digits: 4), scanner.skip(45), let month = scanner.number(digits: 2),
                  scanner.skip(45), let day = scanner.number(digits: 2), scanner.atEnd,
                  (1...12).contains(month), (1...31).contains(day) else { return nil }
            return (year, month, day)
        }
    }

    /// Runs `body` over the text's UTF-8 in place (a native string), else over a copy: a forecast write parses
    /// millions of these, so no allocation per value.
    private static func scanning<T>(_ text: String, _ body: (inout DigitScanner) -> T?) -> T? {
        var text = text
        return text.withUTF8 { raw in
            var scanner = DigitScanner(raw)
            return body(&scanner)
        }
    }

    /// `5f0c6a3e-1d2b-4c6e-9a1b-2c3d4e5f6a7b` (any case, dashes where PostgreSQL prints them): 16 bytes.
    public static func uuid(_ text: String) -> [UInt8]? {
        let hex = Array(text.utf8).filter { $0 != 45 }
        guard hex.count == 32, text.utf8.count == 36 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for index in stride(from: 0, to: 32, by: 2) {
            guard let high = hexValue(hex[index]), let low = hexValue(hex[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 97...102: return byte - 87
        case 65...70: return byte - 55
        default: return nil
        }
    }
}

/// Reads fixed-width decimal fields of ASCII text, left to right.
private struct DigitScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { position == bytes.count }

    mutating func skip(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    mutating func digit() -> Int? {
        guard position < bytes.count, (48...57).contains(bytes[position]) else { return nil }
        defer { position += 1 }
        return Int(bytes[position] - 48)
    }

    mutating func number(digits: Int) -> Int? {
        var value = 0
        for _ in 0..<digits {
            guard let digit = digit() else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    /// `+HH`, `-HH:MM`, `+HH:MM:SS` or `Z` as seconds east of UTC; nil when there is none.
    mutating func offsetSeconds() -> Int? {
        if skip(90) { return 0 }
        let sign: Int
        if skip(43) { sign = 1 } else if skip(45) { sign = -1 } else { return nil }
        guard let hours = number(digits: 2) else { return nil }
        var seconds = hours * 3600
        if skip(58) {
            guard let minutes = number(digits: 2) else { return nil }
            seconds += minutes * 60
            if skip(58) {
                guard let extra = number(digits: 2) else { return nil }
                seconds += extra
            }
        }
        return sign * seconds
    }
}

/// Streams rows of a binary COPY to the server in chunks of `CopyInWriter.flushThreshold` bytes.
public final class BinaryCopyWriter {
    private var encoder = BinaryCopyRows()
    private let send: ([UInt8]) throws -> Void

    init(send: @escaping ([UInt8]) throws -> Void) { self.send = send }

    /// One row of `fields` fields, which `encode` appends in the COPY's column order.
    public func writeRow(fields: Int, _ encode: (inout BinaryCopyRows) throws -> Void) throws {
        encoder.beginRow(fields: fields)
        try encode(&encoder)
        precondition(encoder.fieldsInRow == fields, "a binary COPY row of \(fields) fields got \(encoder.fieldsInRow)")
        if encoder.bytes.count >= CopyInWriter.flushThreshold { try encoder.drain(send) }
    }

    func finish() throws {
        encoder.finish()
        try encoder.drain(send)
    }
}

extension Connection {
    /// Runs a `COPY ... FROM STDIN WITH (FORMAT binary)` statement and lets `body` write its rows. If
    /// `body` throws, the COPY is aborted on the server (nothing from it is kept) and the error is rethrown.
    /// - Returns: the number of rows the server reports as copied.
    @discardableResult
    public func copyInBinary(_ sql: String, name: String, _ body: (BinaryCopyWriter) throws -> Void) throws -> Int {
        try runCopyIn(sql, name: name) {
            let writer = BinaryCopyWriter { [self] bytes in try putCopyData(bytes, name: name) }
            try body(writer)
            try writer.finish()
        }
    }
}
