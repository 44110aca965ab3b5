/// A quoted SQL identifier (schema, table or role name). Quoting is the only way a name reaches SQL
/// text, so a name holding quotes or semicolons stays one identifier.
public struct SQLIdentifier: Sendable, Hashable, CustomStringConvertible {
    /// The name as the catalog stores it (case preserved, unquoted).
    public let name: String

    /// PostgreSQL truncates identifiers longer than 63 bytes silently; Gridcast refuses them instead.
    public static let maximumLength = 63

    public init(_ name: String) throws(IdentifierError) {
        guard !name.isEmpty else { throw .empty }
        guard name.utf8.count <= Self.maximumLength else { throw .tooLong(name) }
        guard !name.utf8.contains(0) else { throw .containsNul(name) }
        self.name = name
    }

    /// `"name"` with embedded double quotes doubled, as PostgreSQL's `quote_ident` does.
    public var quoted: String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// `"schema"."name"`.
    public func qualified(_ member: String) throws(IdentifierError) -> String {
        "\(quoted).\(try SQLIdentifier(member).quoted)"
    }

    public var description: String { quoted }
}

public enum IdentifierError: Error, Sendable, CustomStringConvertible {
    case empty
    case tooLong(String)
    case containsNul(String)

    public var description: String {
        switch self {
        case .empty: return "An SQL identifier is empty; give the schema or role a name."
        case let .tooLong(name):
            return "The identifier \(name.debugDescription) is longer than 63 bytes, which PostgreSQL would silently truncate; choose a shorter name."
        case let .containsNul(name):
            return "The identifier \(name.debugDescription) contains a NUL byte; remove it."
        }
    }
}
