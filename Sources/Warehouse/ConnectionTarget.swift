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
    /// URL, and PGPASSWORD from the environment.
    public var secrets: [String] {
        var found: [String] = []
        if let password = Self.parse(conninfo)["password"], !password.isEmpty { found.append(password) }
        if let password = ProcessInfo.processInfo.environment["PGPASSWORD"], !password.isEmpty {
            found.append(password)
        }
        // A URL may carry the password percent-encoded; scrub that spelling too.
        for secret in found {
            if let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics), encoded != secret {
                found.append(encoded)
            }
        }
        return found
    }

    /// Removes every secret of this target from a message before it is logged or shown.
    public func redact(_ message: String) -> String {
        secrets.reduce(message) { text, secret in text.replacingOccurrences(of: secret, with: "********") }
    }

    /// A description without password, e.g. `host=/tmp/pg port=5432 dbname=gridcast user=runner`,
    /// from the conninfo's keys, completed by the PG* variables libpq would use for missing ones.
    public var redactedDescription: String {
        let options = Self.parse(conninfo)
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
