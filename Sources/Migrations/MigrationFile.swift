import Crypto
import Foundation
import Logging
import Warehouse

/// One numbered migration file, `NNNN_description.sql`. Applied once, in order, never edited after.
public struct MigrationFile: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let path: String
    public let contents: String

    /// SHA-256 of the file's bytes, hex. An applied file whose checksum changes is refused.
    public var checksum: String {
        SHA256.hash(data: Data(contents.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public var template: SQLTemplate { SQLTemplate(contents, origin: path) }

    /// `0003_operational_tables.sql`
    public var fileName: String { (path as NSString).lastPathComponent }

    /// Reads every `NNNN_*.sql` file of `directory` in version order. Other files are ignored.
    public static func load(from directory: URL) throws -> [MigrationFile] {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError.directoryUnreadable(path: directory.path, reason: "\(error.localizedDescription)")
        }
        var files: [MigrationFile] = []
        for entry in entries.sorted() where entry.hasSuffix(".sql") {
            let stem = entry.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw MigrationError.badFileName(path: directory.appendingPathComponent(entry).path)
            }
            let path = directory.appendingPathComponent(entry).path
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw MigrationError.directoryUnreadable(path: path, reason: "not readable as UTF-8 text")
            }
            if let clash = files.first(where: { $0.version == version }) {
                throw MigrationError.duplicateVersion(version: version, first: clash.path, second: path)
            }
            files.append(MigrationFile(version: version, name: String(stem[stem.index(after: underscore)...]),
                                       path: path, contents: contents))
        }
        return files.sorted { $0.version < $1.version }
    }

    /// Finds the `migrations/` directory: an explicit path, GRIDCAST_MIGRATIONS_DIR, or the nearest
    /// `migrations/` beside the executable before one above the working directory (see ResourceDirectory).
    public static func locateDirectory(explicit: String? = nil, logger: Logger? = nil) throws -> URL {
        try ResourceDirectory.locate("migrations", marker: "0001_schemas_and_roles.sql", explicit: explicit,
                                     variable: "GRIDCAST_MIGRATIONS_DIR", logger: logger)
    }
}
