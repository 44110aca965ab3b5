import Warehouse

/// Why migrations could not be applied. Each description names the file and what to do.
public enum MigrationError: Error, CustomStringConvertible {
    case directoryUnreadable(path: String, reason: String)
    case badFileName(path: String)
    case duplicateVersion(version: Int, first: String, second: String)
    /// An applied migration's file changed after it was applied.
    case checksumMismatch(file: String, version: Int, applied: String, current: String)
    /// The database records a migration whose file is gone.
    case missingFile(version: Int, name: String)
    /// A file numbered below the newest applied one was never applied.
    case outOfOrder(file: String, version: Int, newestApplied: Int)
    /// A migration failed on the server; it was rolled back.
    case failed(file: String, line: Int?, underlying: WarehouseError)
    case invalidLayout(String)
    /// The operational schema's history records migrations, but a schema of this layout is missing.
    case historyOfOtherSchemas(history: String, missing: String, applied: Int)

    public var description: String {
        switch self {
        case let .directoryUnreadable(path, reason):
            return "Cannot read migrations at \(path): \(reason)."
        case let .badFileName(path):
            return "\(path): migration files must be named NNNN_description.sql (e.g. 0007_add_index.sql); rename it or move it out of migrations/."
        case let .duplicateVersion(version, first, second):
            return "Two migration files share version \(version): \(first) and \(second); renumber the newer one."
        case let .checksumMismatch(file, version, applied, current):
            return "\(file) (version \(version)) was edited after it was applied (checksum \(applied.prefix(12))... in the database, "
                + "\(current.prefix(12))... on disk). Applied migrations are never edited: restore the file from version control "
                + "and put the change in a new, higher-numbered migration."
        case let .missingFile(version, name):
            return "Migration \(String(format: "%04d", version))_\(name).sql is recorded as applied but its file is missing; restore it from version control."
        case let .outOfOrder(file, version, newest):
            return "\(file) (version \(version)) is older than the newest applied migration (\(newest)) but was never applied; "
                + "renumber it above \(newest) so environments apply migrations in one order."
        case let .failed(file, line, underlying):
            let location = line.map { "\(file):\($0)" } ?? file
            return "Migration \(location) failed and was rolled back: \(underlying)"
        case let .invalidLayout(reason):
            return "Invalid schema layout: \(reason)"
        case let .historyOfOtherSchemas(history, missing, applied):
            return "\(history) records \(applied) applied migrations, but schema \(missing) does not exist: they were applied "
                + "with other schema names. The operational schema holds the history of one set of names; give this set its "
                + "own --operational-schema, or use the names it was migrated with."
        }
    }
}
