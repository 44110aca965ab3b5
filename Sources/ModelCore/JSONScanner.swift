/// Finds the byte ranges of values in a JSON document without building it in memory, so a model of a
/// million tree nodes can be edited in place (ModelAveraging). Edits are text splices: every number
/// keeps its spelling, which matters because XGBoost's model parser tells integers from floats by it
/// ("0" is an Integer, "0E0" a Number) and refuses the wrong one.
public struct JSONScanner {
    public struct SyntaxError: Error, CustomStringConvertible {
        public let offset: Int
        public var description: String { "model JSON is malformed at byte \(offset)" }
    }

    /// A value found at a path of object keys (array items add "[]").
    public typealias Visit = (_ path: [String], _ range: Range<Int>) -> Void

    let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Scans the document, calling `visit` for each value whose path `wanted` accepts (its children
    /// are visited only when `wanted` accepts a prefix: pass a closure that matches prefixes).
    /// Whether `path` leads to (or is) `target`: for `descendInto` closures that visit one subtree.
    public static func isPrefix(_ path: [String], of target: [String]) -> Bool {
        path.count <= target.count && Array(target.prefix(path.count)) == path
    }

    public static func scan(_ bytes: [UInt8], descendInto wanted: ([String]) -> Bool, visit: Visit) throws {
        var scanner = JSONScanner(bytes)
        var path: [String] = []
        _ = try scanner.value(path: &path, descend: true, wanted: wanted, visit: visit)
        scanner.skipSpace()
        guard scanner.index == bytes.count else { throw SyntaxError(offset: scanner.index) }
    }

    private mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private mutating func value(path: inout [String], descend: Bool, wanted: ([String]) -> Bool,
                                visit: Visit) throws -> Range<Int> {
        skipSpace()
        guard index < bytes.count else { throw SyntaxError(offset: index) }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            skipSpace()
            guard index < bytes.count else { throw SyntaxError(offset: index) }
            if bytes[index] == UInt8(ascii: "}") { index += 1; break }
            repeat {
                skipSpace()
                let keyRange = try string()
                let key = String(decoding: bytes[(keyRange.lowerBound + 1)..<(keyRange.upperBound - 1)], as: UTF8.self)
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw SyntaxError(offset: index) }
                index += 1
                path.append(key)
                let inner = descend && wanted(path)
                let range = try value(path: &path, descend: inner, wanted: wanted, visit: visit)
                if inner { visit(path, range) }
                path.removeLast()
                skipSpace()
            } while try separator(closing: UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            index += 1
            skipSpace()
            guard index < bytes.count else { throw SyntaxError(offset: index) }
            if bytes[index] == UInt8(ascii: "]") { index += 1; break }
            path.append("[]")
            let inner = descend && wanted(path)
            repeat {
                let range = try value(path: &path, descend: inner, wanted: wanted, visit: visit)
                if inner { visit(path, range) }
                skipSpace()
            } while try separator(closing: UInt8(ascii: "]"))
            path.removeLast()
        case UInt8(ascii: "\""):
            _ = try string()
        default:
            while index < bytes.count, !Self.endsLiteral(bytes[index]) { index += 1 }
            guard index > start else { throw SyntaxError(offset: start) }
        }
        return start..<index
    }

    /// Whether `byte` ends a number or literal: a separator, a closing bracket or white space. A switch,
    /// not a lookup in a string: a model's numbers are most of its bytes (this was a third of a forecast's
    /// client time).
    @inline(__always)
    private static func endsLiteral(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), 0x20, 0x0A, 0x0D, 0x09: return true
        default: return false
        }
    }

    /// After a member or item: true on a comma, false on the closing bracket.
    private mutating func separator(closing: UInt8) throws -> Bool {
        guard index < bytes.count else { throw SyntaxError(offset: index) }
        if bytes[index] == UInt8(ascii: ",") { index += 1; return true }
        if bytes[index] == closing { index += 1; return false }
        throw SyntaxError(offset: index)
    }

    /// The range of a string literal, quotes included.
    private mutating func string() throws -> Range<Int> {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw SyntaxError(offset: index) }
        let start = index
        index += 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): index += 1; return start..<index
            default: index += 1
            }
        }
        throw SyntaxError(offset: start)
    }

    /// The items of a flat array of numbers parsed by `parse` (empty items skipped): the values, or the
    /// first item `parse` refused, for the caller's error.
    public static func parsedNumbers<T>(_ bytes: ArraySlice<UInt8>,
                                        _ parse: (Substring) -> T?) -> (values: [T], refused: Substring?) {
        var values: [T] = []
        for text in numbers(bytes) where !text.isEmpty {
            guard let value = parse(text) else { return (values, text) }
            values.append(value)
        }
        return (values, nil)
    }

    /// The items of a flat array of numbers, e.g. `[1,-1,2E-1]`, as text.
    public static func numbers(_ bytes: ArraySlice<UInt8>) -> [Substring] {
        String(decoding: bytes.dropFirst().dropLast(), as: UTF8.self)
            .split(separator: ",").map { item in
                let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
                guard let first = item.firstIndex(where: { !isSpace($0) }),
                      let last = item.lastIndex(where: { !isSpace($0) }) else { return item[item.endIndex...] }
                return item[first...last]
            }
    }
}

/// Replaces byte ranges of `bytes` (sorted, not overlapping) with new text.
public func splice(_ bytes: ArraySlice<UInt8>, _ edits: [(range: Range<Int>, text: String)]) -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count + edits.reduce(0) { $0 + $1.text.utf8.count })
    var position = bytes.startIndex
    for edit in edits.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
        result.append(contentsOf: bytes[position..<edit.range.lowerBound])
        result.append(contentsOf: edit.text.utf8)
        position = edit.range.upperBound
    }
    result.append(contentsOf: bytes[position..<bytes.endIndex])
    return result
}
