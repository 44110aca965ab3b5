import CLibPQ
import Foundation

/// Where to connect, in libpq's own terms: a conninfo string (`host=... dbname=...`), a URL
/// (`postgresql://user@host/db?sslmode=require`), or empty to use the PG* environment, PGSERVICE and
/// ~/.pgpass exactly as psql does. The string may hold a password; it is never printed.
public struct ConnectionTarget: Sendable {
    public let conninfo: String

    public init(_ conninfo: String = "") { self.conninfo = conninfo }

    /// Use only the environment (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSERVICE, ...).
    public static let environment = ConnectionTarget("")

    /// The secrets in this target that must never appear in output: the password in the conninfo or
    /// URL (read by libpq's parser, and from the raw text too, for a string libpq cannot parse: its
    /// error message quotes the string), and PGPASSWORD from the environment.
    public var secrets: [String] {
        var found: [String] = []
        if let password = Self.parse(conninfo)["password"], !password.isEmpty { found.append(password) }
        found += Self.rawPasswords(in: conninfo)
        if let password = ProcessInfo.processInfo.environment["PGPASSWORD"], !password.isEmpty {
            found.append(password)
        }
        // A URL may carry the password percent-encoded; scrub that spelling too.
        for secret in found {
            if let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics), encoded != secret {
                found.append(encoded)
            }
        }
        var unique: [String] = []
        for secret in found where !unique.contains(secret) { unique.append(secret) }
        // Longest first, so a password that contains another is masked whole.
        return unique.sorted { $0.count > $1.count }
    }

    /// Secrets shorter than this are masked only where they stand as a credential (`password=...`,
    /// `user:...@`): masking every "a" of a message for a one-character password would garble it.
    public static let shortestSecretMaskedEverywhere = 4

    /// Removes every secret of this target from a message before it is logged or shown, and masks any
    /// credential-shaped text (`password=...`, `postgresql://user:...@`), whoever's it is.
    public func redact(_ message: String) -> String {
        let masked = secrets.filter { $0.count >= Self.shortestSecretMaskedEverywhere }
            .reduce(message) { text, secret in text.replacingOccurrences(of: secret, with: "********") }
        return Self.maskCredentialShapes(masked)
    }

    /// `password=VALUE` (key=value or URL query, quoted or not) and the password of a URL's userinfo.
    static func maskCredentialShapes(_ text: String) -> String {
        var result = text
        result.replace(#/(?i)(password\s*=\s*)(?:'(?:[^'\\]|\\.)*'?|[^\s&'"]+)/#) { match in "\(match.1)********" }
        result.replace(#/(?i)(postgres(?:ql)?://[^:/?#@\s"]*:)[^/?#\s"]*@/#) { match in "\(match.1)********@" }
        return result
    }

    /// Password spellings in the raw text, whether or not libpq can parse it: the userinfo of a URL
    /// (`postgresql://user:PASSWORD@host`, up to the last `@` before the path), and `password=VALUE`
    /// of key=value form or of a URL query; each also percent-decoded.
    static func rawPasswords(in text: String) -> [String] {
        var found: [String] = []
        if let match = text.firstMatch(of: #/(?i)^\s*postgres(?:ql)?://[^:/?#@]*:([^/?#]*)@/#) {
            found.append(String(match.1))
        }
        for match in text.matches(of: #/(?i)(?:^|[\s?&])password\s*=\s*('(?:[^'\\]|\\.)*'?|[^\s&]+)/#) {
            var value = String(match.1)
            if value.hasPrefix("'") {
                value = String(value.dropFirst())
                if value.hasSuffix("'") { value = String(value.dropLast()) }
                value = value.replacingOccurrences(of: "\\'", with: "'").replacingOccurrences(of: "\\\\", with: "\\")
            }
            found.append(value)
        }
        found += found.compactMap { $0.removingPercentEncoding }
        return found.filter { !$0.isEmpty }
    }

    /// A description without password, e.g. `host=/tmp/pg port=5432 dbname=gridcast user=runner`,
    /// from the conninfo's keys, completed by the PG* variables libpq would use for missing ones.
    public var redactedDescription: String {
        let options = Self.parse(conninfo)
        if !conninfo.isEmpty && options.isEmpty { return "the given connection string (libpq cannot parse it)" }
        let environment = ProcessInfo.processInfo.environment
        let keys = [("service", "PGSERVICE"), ("host", "PGHOST"), ("hostaddr", "PGHOSTADDR"), ("port", "PGPORT"),
                    ("dbname", "PGDATABASE"), ("user", "PGUSER"), ("sslmode", "PGSSLMODE")]
        let parts = keys.compactMap { key, variable in (options[key] ?? environment[variable]).map { "\(key)=\($0)" } }
        return parts.isEmpty ? "libpq defaults (local socket, port 5432)" : parts.joined(separator: " ")
    }

    /// libpq's own parser, so URLs and key=value strings are read exactly as libpq reads them.
    static func parse(_ conninfo: String) -> [String: String] {
        guard !conninfo.isEmpty else { return [:] }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            if let errorMessage { PQfreemem(errorMessage) }
            return [:]
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if let value = cursor.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            cursor += 1
        }
        return values
    }
}
