import Foundation

/// A JSON document that keeps every number's text as written. XGBoost's model parser tells integers
/// from floats by their spelling ("0" is an Integer, "0E0" a Number) and refuses the wrong one, which
/// Foundation's JSONSerialization does not preserve; model edits (ModelAveraging) go through this.
indirect enum ModelJSON: Equatable {
    case object([(key: String, value: ModelJSON)])
    case array([ModelJSON])
    case string(String)
    case number(String)
    case literal(String)   // true, false, null

    static func == (lhs: ModelJSON, rhs: ModelJSON) -> Bool { lhs.rendered == rhs.rendered }

    struct SyntaxError: Error, CustomStringConvertible {
        let offset: Int
        var description: String { "model JSON is malformed at byte \(offset)" }
    }

    /// Parses `data` (UTF-8).
    init(parsing data: Data) throws {
        var parser = Parser(bytes: Array(data))
        self = try parser.value()
        parser.skipSpace()
        guard parser.index == parser.bytes.count else { throw SyntaxError(offset: parser.index) }
    }

    subscript(key: String) -> ModelJSON? {
        get {
            guard case let .object(members) = self else { return nil }
            return members.first { $0.key == key }?.value
        }
        set {
            guard case var .object(members) = self, let newValue else { return }
            if let index = members.firstIndex(where: { $0.key == key }) { members[index].value = newValue } else {
                members.append((key, newValue))
            }
            self = .object(members)
        }
    }

    var array: [ModelJSON]? { if case let .array(items) = self { items } else { nil } }
    var string: String? { if case let .string(text) = self { text } else { nil } }
    var double: Double? { if case let .number(text) = self { Double(text) } else { nil } }
    var int: Int? { if case let .number(text) = self { Int(text) } else { nil } }

    /// A float as XGBoost writes one (always with an exponent, so never read back as an Integer).
    static func float(_ value: Double) -> ModelJSON { .number(String(format: "%.9E", value)) }

    var rendered: String {
        switch self {
        case let .object(members):
            return "{" + members.map { Self.quoted($0.key) + ":" + $0.value.rendered }.joined(separator: ",") + "}"
        case let .array(items): return "[" + items.map(\.rendered).joined(separator: ",") + "]"
        case let .string(text): return Self.quoted(text)
        case let .number(text), let .literal(text): return text
        }
    }

    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
        }

        mutating func expect(_ byte: UInt8) throws {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { throw SyntaxError(offset: index) }
            index += 1
        }

        mutating func value() throws -> ModelJSON {
            skipSpace()
            guard index < bytes.count else { throw SyntaxError(offset: index) }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var members: [(key: String, value: ModelJSON)] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                repeat {
                    skipSpace()
                    let key = try string()
                    try expect(UInt8(ascii: ":"))
                    members.append((key, try value()))
                    skipSpace()
                } while try separator(closing: UInt8(ascii: "}"))
                return .object(members)
            case UInt8(ascii: "["):
                index += 1
                var items: [ModelJSON] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                repeat {
                    items.append(try value())
                    skipSpace()
                } while try separator(closing: UInt8(ascii: "]"))
                return .array(items)
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                let start = index
                while index < bytes.count, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[index]) { index += 1 }
                let word = String(decoding: bytes[start..<index], as: UTF8.self)
                guard ["true", "false", "null"].contains(word) else { throw SyntaxError(offset: start) }
                return .literal(word)
            default:
                let start = index
                while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
                guard index > start else { throw SyntaxError(offset: start) }
                return .number(String(decoding: bytes[start..<index], as: UTF8.self))
            }
        }

        /// After a member or item: true on a comma, false on the closing bracket.
        mutating func separator(closing: UInt8) throws -> Bool {
            guard index < bytes.count else { throw SyntaxError(offset: index) }
            if bytes[index] == UInt8(ascii: ",") { index += 1; return true }
            if bytes[index] == closing { index += 1; return false }
            throw SyntaxError(offset: index)
        }

        mutating func string() throws -> String {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw SyntaxError(offset: index) }
            let start = index
            index += 1
            var escaped = false
            var plain = true
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true; plain = false } else if byte == UInt8(ascii: "\"") {
                    if plain { return String(decoding: bytes[(start + 1)..<(index - 1)], as: UTF8.self) }
                    // Decoded by Foundation: escapes (\uXXXX, \n ...) are rare here (feature names).
                    let literal = Data(bytes[start..<index])
                    guard let text = try? JSONSerialization.jsonObject(with: literal, options: .fragmentsAllowed) as? String else {
                        throw SyntaxError(offset: start)
                    }
                    return text
                }
            }
            throw SyntaxError(offset: start)
        }
    }
}
