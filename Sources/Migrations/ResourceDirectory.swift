import Foundation
import Logging

/// Finds a folder of the project's SQL (`migrations/`, `sql/`) at run time. In order: an explicit
/// path, an environment variable, the nearest folder of that name above the executable (a checkout's
/// `.build/...` binary), the installed share folder (`<prefix>/share/gridcast/<name>` beside
/// `<prefix>/bin`), and only then the nearest one above the working directory.
///
/// The executable's own SQL comes first because whoever can write a folder above the working
/// directory could otherwise plant `../migrations/0009_*.sql` and have a DBA apply it. A folder that
/// anyone may write to (world-writable, as /tmp is) is refused wherever it was found, and the folder
/// used is logged.
public enum ResourceDirectory {
    /// - Parameters:
    ///   - name: folder name, e.g. "migrations".
    ///   - marker: a file that must exist inside it, so an unrelated folder of the same name is skipped.
    ///   - variable: environment variable that overrides the search.
    ///   - logger: where to say which folder was used (migrate logs it; DBAs should see what they apply).
    public static func locate(_ name: String, marker: String, explicit: String? = nil, variable: String,
                              logger: Logger? = nil) throws -> URL {
        let (directory, origin) = try find(name, marker: marker, explicit: explicit, variable: variable)
        try refuseWorldWritable(directory, variable: variable)
        logger?.info("using \(name)/", metadata: ["path": "\(directory.path)", "found": "\(origin)"])
        return directory
    }

    private static func find(_ name: String, marker: String, explicit: String?, variable: String) throws -> (URL, String) {
        if let explicit { return (URL(fileURLWithPath: explicit), "given on the command line") }
        if let configured = ProcessInfo.processInfo.environment[variable] { return (URL(fileURLWithPath: configured), variable) }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        let files = FileManager.default
        if let found = nearest(name, marker: marker, above: executable) { return (found, "above the executable") }
        let share = executable.deletingLastPathComponent().appendingPathComponent("share/gridcast/\(name)")
        if files.fileExists(atPath: share.appendingPathComponent(marker).path) { return (share.standardizedFileURL, "installed share folder") }
        if let found = nearest(name, marker: marker, above: URL(fileURLWithPath: files.currentDirectoryPath)) {
            return (found, "above the working directory")
        }
        throw MigrationError.directoryUnreadable(path: "\(name)/", reason: "not found above the executable, in its share/gridcast/, "
                                                 + "or above the working directory; pass its path or set \(variable)")
    }

    private static func nearest(_ name: String, marker: String, above start: URL) -> URL? {
        var directory = start.standardizedFileURL
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent(marker).path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    /// The folder must not be writable by everyone (its subfolders are not checked).
    static func refuseWorldWritable(_ directory: URL, variable: String) throws {
        var info = stat()
        guard stat(directory.path, &info) == 0 else { return }  // unreadable: the reader reports it with its own error
        if info.st_mode & S_IWOTH != 0 {
            throw MigrationError.directoryUnreadable(
                path: directory.path,
                reason: "anyone on this machine may write to it, so its SQL cannot be trusted; "
                    + "chmod o-w it, or point \(variable) (or the command's option) at a folder only its owners can write")
        }
    }
}
