import Foundation

/// A SQL file with identifier placeholders, `{{name}}`, that become quoted identifiers.
/// Only identifiers (schema, table and role names) are substituted into text; values never are:
/// they are bound as parameters. A placeholder that is not in the map is an error, so a typo or a
/// hostile template cannot leave raw text in a statement.
public struct SQLTemplate: Sendable {
    public let text: String
    /// Where the text came from, for error messages (a file path).
    public let origin: String

    public init(_ text: String, origin: String) {
        self.text = text
        self.origin = origin
    }

    /// The placeholder names used in the template, in order of first use.
    public var placeholders: [String] {
        var seen: [String] = []
        forEachPlaceholder { name, _ in if !seen.contains(name) { seen.append(name) } }
        return seen
    }

    /// Replaces every `{{name}}` with the quoted identifier from `identifiers`.
    /// Line numbers are preserved, so server error positions still point at the file's lines.
    public func render(_ identifiers: [String: SQLIdentifier]) throws(TemplateError) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        var cursor = text.startIndex
        var failure: TemplateError?
        forEachPlaceholder { name, range in
            guard failure == nil else { return }
            guard let identifier = identifiers[name] else {
                failure = .unknownPlaceholder(name: name, origin: origin, line: line(of: range.lowerBound),
                                              known: identifiers.keys.sorted())
                return
            }
            output += text[cursor..<range.lowerBound]
            output += identifier.quoted
            cursor = range.upperBound
        }
        if let failure { throw failure }
        output += text[cursor...]
        return output
    }

    /// 1-based line of a string index.
    public func line(of index: String.Index) -> Int {
        text[..<index].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    }

    /// 1-based line of a 1-based character position, as PostgreSQL reports error positions.
    public func line(ofCharacterPosition position: Int) -> Int {
        var line = 1
        for (offset, character) in text.enumerated() {
            if offset + 1 >= position { break }
            if character == "\n" { line += 1 }
        }
        return line
    }

    private func forEachPlaceholder(_ body: (String, Range<String.Index>) -> Void) {
        var searchStart = text.startIndex
        while let open = text.range(of: "{{", range: searchStart..<text.endIndex) {
            guard let close = text.range(of: "}}", range: open.upperBound..<text.endIndex) else { break }
            let name = text[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            body(name, open.lowerBound..<close.upperBound)
            searchStart = close.upperBound
        }
    }
}

public enum TemplateError: Error, Sendable, CustomStringConvertible {
    case unknownPlaceholder(name: String, origin: String, line: Int, known: [String])

    public var description: String {
        switch self {
        case let .unknownPlaceholder(name, origin, line, known):
            return "\(origin):\(line): unknown placeholder {{\(name)}}; the known ones are "
                + known.map { "{{\($0)}}" }.joined(separator: ", ") + ". Fix the name in the file."
        }
    }
}
