import Foundation

/// Finds a folder of the project's SQL (`migrations/`, `sql/`) at run time: an explicit path, an
/// environment variable, or the nearest folder of that name above the working directory or the
/// executable (so a checkout works from anywhere inside it, and an installed binary beside its SQL).
public enum ResourceDirectory {
    /// - Parameters:
    ///   - name: folder name, e.g. "migrations".
    ///   - marker: a file that must exist inside it, so an unrelated folder of the same name is skipped.
    ///   - variable: environment variable that overrides the search.
    public static func locate(_ name: String, marker: String, explicit: String? = nil, variable: String) throws -> URL {
        if let explicit { return URL(fileURLWithPath: explicit) }
        if let configured = ProcessInfo.processInfo.environment[variable] { return URL(fileURLWithPath: configured) }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for start in [URL(fileURLWithPath: FileManager.default.currentDirectoryPath), executable] {
            var directory = start.standardizedFileURL
            while directory.path != "/" {
                let candidate = directory.appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent(marker).path) { return candidate }
                directory.deleteLastPathComponent()
            }
        }
        throw MigrationError.directoryUnreadable(path: "\(name)/", reason: "not found above the working directory or the executable; pass its path or set \(variable)")
    }
}
