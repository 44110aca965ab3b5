import Foundation

/// The columns of an SQMD file, in the order the staging table holds them.
public enum SQMDColumn: String, CaseIterable, Sendable {
    case tradedatelocal, tradehourstartlocal, dstFold = "dst_fold", loadprofile, rategroup, loadlal, genlal,
         metercount, submission, availableAt = "available_at", tradeMinute = "trademinutestartlocal"

    /// Every column except `dst_fold`, `available_at` and `trademinutestartlocal` must appear in the header.
    public var isRequired: Bool { self != .dstFold && self != .availableAt && self != .tradeMinute }
}

/// Where each SQMD column sits in the records of one file, read from its header row.
struct SQMDHeader {
    /// CSV field index of each column present (dst_fold may be absent).
    let positions: [SQMDColumn: Int]
    /// Number of fields every data record must have.
    let fieldCount: Int

    /// Reads a header record; names are matched case-insensitively, ignoring surrounding spaces.
    /// Throws a one-sentence reason on unknown, duplicate or missing columns.
    init(fields: [String]) throws(SQMDHeaderProblem) {
        var positions: [SQMDColumn: Int] = [:]
        for (index, field) in fields.enumerated() {
            let name = field.trimmingCharacters(in: .whitespaces).lowercased()
            guard let column = SQMDColumn(rawValue: name) else {
                throw SQMDHeaderProblem(description: "unknown column \(Self.quoted(field)) at position \(index + 1); "
                    + "the columns are \(SQMDColumn.allCases.map(\.rawValue).joined(separator: ", ")) (dst_fold, available_at and trademinutestartlocal optional)")
            }
            guard positions[column] == nil else {
                throw SQMDHeaderProblem(description: "column \(column.rawValue) appears twice")
            }
            positions[column] = index
        }
        let missing = SQMDColumn.allCases.filter { $0.isRequired && positions[$0] == nil }
        guard missing.isEmpty else {
            throw SQMDHeaderProblem(description: "missing column(s) \(missing.map(\.rawValue).joined(separator: ", "))")
        }
        self.positions = positions
        self.fieldCount = fields.count
    }

    static func quoted(_ text: String) -> String { "'" + String(text.prefix(60)) + "'" }
}

struct SQMDHeaderProblem: Error, CustomStringConvertible {
    let description: String
}

/// Byte-level checks and RFC 4180 field splitting for one record.
enum CSVRecordParser {
    /// Offset of the first byte that is not part of valid UTF-8, or nil when the bytes are valid.
    static func firstInvalidUTF8Offset(_ bytes: ArraySlice<UInt8>) -> Int? {
        if !bytes.contains(where: { $0 >= 0x80 }) { return nil }   // ASCII: the usual case, checked fast
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case let .valid(scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// Splits a record into fields: comma-separated, optionally double-quoted with `""` for a quote.
    /// The bytes must be valid UTF-8. Returns the fields, or a description of the first syntax error.
    static func split(_ bytes: ArraySlice<UInt8>) -> Result<[String], SQMDHeaderProblem> {
        var fields: [String] = []
        fields.reserveCapacity(10)
        var index = bytes.startIndex
        let end = bytes.endIndex
        while true {
            if index < end, bytes[index] == 34 {
                // Quoted field: up to the closing quote, `""` standing for one quote.
                index += 1
                let contentStart = index
                var escaped = false
                var closed = false
                while index < end {
                    if bytes[index] == 34 {
                        if index + 1 < end, bytes[index + 1] == 34 {
                            escaped = true
                            index += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    index += 1
                }
                guard closed else {
                    return .failure(SQMDHeaderProblem(description: "field \(fields.count + 1) opens a quote that is never closed"))
                }
                let content = bytes[contentStart..<index]
                if escaped {
                    var unescaped: [UInt8] = []
                    unescaped.reserveCapacity(content.count)
                    var position = content.startIndex
                    while position < content.endIndex {
                        unescaped.append(content[position])
                        position += content[position] == 34 ? 2 : 1
                    }
                    fields.append(String(decoding: unescaped, as: UTF8.self))
                } else {
                    fields.append(String(decoding: content, as: UTF8.self))
                }
                index += 1   // past the closing quote
                if index == end { return .success(fields) }
                guard bytes[index] == 44 else {
                    return .failure(SQMDHeaderProblem(description: "field \(fields.count) has text after its closing quote"))
                }
                index += 1
            } else {
                let fieldStart = index
                while index < end, bytes[index] != 44 {
                    if bytes[index] == 34 {
                        return .failure(SQMDHeaderProblem(description: "field \(fields.count + 1) has a quote inside an unquoted value"))
                    }
                    index += 1
                }
                fields.append(String(decoding: bytes[fieldStart..<index], as: UTF8.self))
                if index == end { return .success(fields) }
                index += 1   // past the comma
            }
        }
    }

    /// The record as text for `load_rejects.raw_line`: invalid UTF-8 becomes U+FFFD and NUL bytes
    /// (which PostgreSQL text cannot hold) become U+2400, so any line can be stored and inspected.
    static func displayText(_ bytes: ArraySlice<UInt8>) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return bytes.contains(0) ? text.replacingOccurrences(of: "\u{0}", with: "\u{2400}") : text
    }
}
