import Foundation

/// Splits a SQL script into its statements at top-level semicolons, skipping those inside quoted
/// strings ('...', E'...'), quoted identifiers, dollar-quoted bodies ($tag$...$tag$), comments and
/// `BEGIN ATOMIC ... END` function bodies.
///
/// Why: a migration file sent as one multi-statement string is a single simple query, and Citus
/// cannot run DDL on distributed or reference tables (CREATE INDEX, ALTER TABLE) inside one ("cannot
/// insert multiple commands into a prepared statement"). One statement per execute works on both.
public enum SQLStatements {
    /// One statement of a script and the 1-based line of the script it starts on (for error messages).
    public struct Statement: Sendable, Equatable {
        public let text: String
        public let line: Int

        /// The script line of a 1-based character position in `text`, as PostgreSQL reports error positions.
        public func scriptLine(ofCharacterPosition position: Int) -> Int {
            line + text.prefix(max(position - 1, 0)).filter { $0 == "\n" }.count
        }
    }

    /// The statements of `script`, each trimmed, without its semicolon; comments between statements
    /// stay with the statement that follows them, and a script of only comments gives none.
    public static func split(_ script: String) -> [Statement] {
        let text = Array(script.utf8)
        var statements: [Statement] = []
        var start = 0, index = 0, atomicDepth = 0
        func flush(_ end: Int) {
            var first = start
            while first < end, [9, 10, 13, 32].contains(text[first]) { first += 1 }
            let piece = String(decoding: text[first..<end], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !isOnlyComments(piece) else { return }
            let line = 1 + text[0..<first].filter { $0 == 10 }.count
            statements.append(Statement(text: piece, line: line))
        }
        while index < text.count {
            let byte = text[index]
            switch byte {
            case UInt8(ascii: "'"):
                let escapes = index > 0 && (text[index - 1] | 0x20) == UInt8(ascii: "e") && !isWordByte(at: index - 2, text)
                index = skipQuoted(text, from: index, quote: byte, backslashEscapes: escapes)
            case UInt8(ascii: "\""):
                index = skipQuoted(text, from: index, quote: byte, backslashEscapes: false)
            case UInt8(ascii: "-") where index + 1 < text.count && text[index + 1] == UInt8(ascii: "-"):
                while index < text.count && text[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "/") where index + 1 < text.count && text[index + 1] == UInt8(ascii: "*"):
                index = skipBlockComment(text, from: index)
            case UInt8(ascii: "$"):
                index = skipDollarQuoted(text, from: index)
            case UInt8(ascii: ";") where atomicDepth == 0:
                flush(index)
                index += 1
                start = index
            default:
                if isWordStart(at: index, text) {
                    let word = wordAt(index, text)
                    if word == "atomic", previousWord(before: index, text) == "begin" { atomicDepth += 1 }
                    if atomicDepth > 0, word == "case" { atomicDepth += 1 }
                    if atomicDepth > 0, word == "end" { atomicDepth -= 1 }
                    index += word.utf8.count
                } else {
                    index += 1
                }
            }
        }
        flush(text.count)
        return statements
    }

    private static func skipQuoted(_ text: [UInt8], from start: Int, quote: UInt8, backslashEscapes: Bool) -> Int {
        var index = start + 1
        while index < text.count {
            if backslashEscapes && text[index] == UInt8(ascii: "\\") { index += 2; continue }
            if text[index] == quote {
                if index + 1 < text.count && text[index + 1] == quote { index += 2; continue }
                return index + 1
            }
            index += 1
        }
        return index
    }

    private static func skipBlockComment(_ text: [UInt8], from start: Int) -> Int {
        var index = start + 2, depth = 1
        while index < text.count && depth > 0 {
            if text[index] == UInt8(ascii: "/") && index + 1 < text.count && text[index + 1] == UInt8(ascii: "*") {
                depth += 1; index += 2
            } else if text[index] == UInt8(ascii: "*") && index + 1 < text.count && text[index + 1] == UInt8(ascii: "/") {
                depth -= 1; index += 2
            } else {
                index += 1
            }
        }
        return index
    }

    /// `$tag$ ... $tag$`; a `$` that opens no tag (a parameter such as `$1`) is skipped alone.
    private static func skipDollarQuoted(_ text: [UInt8], from start: Int) -> Int {
        // A tag is empty or an identifier, which cannot start with a digit: `$1` is a parameter.
        let startsWithDigit = start + 1 < text.count && (48...57).contains(text[start + 1])
        var end = start + 1
        while !startsWithDigit && isWordByte(at: end, text) { end += 1 }
        let opensTag = !startsWithDigit && end < text.count && text[end] == UInt8(ascii: "$") && !isWordByte(at: start - 1, text)
        guard opensTag else { return start + 1 }
        let tag = Array(text[start...end])
        var index = end + 1
        while index + tag.count <= text.count {
            if text[index] == UInt8(ascii: "$") && text[index..<(index + tag.count)].elementsEqual(tag) {
                return index + tag.count
            }
            index += 1
        }
        return text.count
    }

    private static func isWordByte(at index: Int, _ text: [UInt8]) -> Bool {
        guard index >= 0 && index < text.count else { return false }
        let byte = text[index]
        return (97...122).contains(byte) || (65...90).contains(byte) || (48...57).contains(byte) || byte == 95 || byte >= 128
    }

    private static func isWordStart(at index: Int, _ text: [UInt8]) -> Bool {
        isWordByte(at: index, text) && !isWordByte(at: index - 1, text)
    }

    private static func wordAt(_ index: Int, _ text: [UInt8]) -> String {
        var end = index
        while isWordByte(at: end, text) { end += 1 }
        return String(decoding: text[index..<end], as: UTF8.self).lowercased()
    }

    private static func previousWord(before index: Int, _ text: [UInt8]) -> String? {
        var end = index - 1
        while end >= 0 && !isWordByte(at: end, text) {
            guard text[end] == 32 || text[end] == 9 || text[end] == 10 || text[end] == 13 else { return nil }
            end -= 1
        }
        var begin = end
        while isWordByte(at: begin - 1, text) { begin -= 1 }
        return end >= 0 ? wordAt(begin, text) : nil
    }

    private static func isOnlyComments(_ piece: String) -> Bool {
        var rest = Substring(piece)
        while true {
            rest = rest.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
            if rest.isEmpty { return true }
            if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*"), let close = rest.range(of: "*/") {
                rest = rest[close.upperBound...]
            } else {
                return false
            }
        }
    }
}
