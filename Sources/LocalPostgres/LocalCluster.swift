import Foundation
import Warehouse

/// A throwaway PostgreSQL cluster in a directory of its own: initdb, start on a unix socket (and
/// optionally 127.0.0.1), stop, remove. Used by the tests and by `gridcast quickstart` when no database
/// is configured. PostgreSQL refuses to run as root, so under root the server runs as the `postgres`
/// system user (Debian's postgresql package creates it).
public final class LocalCluster: @unchecked Sendable {
    public let directory: URL
    public let port: Int
    public let superuser: String
    let binaries: PostgresBinaries
    /// Where initdb, pg_ctl and postgres were found.
    public var binDirectory: URL { binaries.directory }
    let runAsUser: String?

    /// Data files live here; the server log is `directory/server.log`, the socket `directory/socket`.
    public var dataDirectory: URL { directory.appendingPathComponent("data") }
    public var socketDirectory: URL { directory.appendingPathComponent("socket") }
    public var logFile: URL { directory.appendingPathComponent("server.log") }

    /// A conninfo for `database` as the cluster's superuser, over the unix socket.
    public func conninfo(database: String = "postgres") -> String {
        "host=\(socketDirectory.path) port=\(port) user=\(superuser) dbname=\(database)"
    }

    public var target: ConnectionTarget { ConnectionTarget(conninfo()) }

    init(directory: URL, port: Int, superuser: String, binaries: PostgresBinaries, runAsUser: String?) {
        self.directory = directory
        self.port = port
        self.superuser = superuser
        self.binaries = binaries
        self.runAsUser = runAsUser
    }

    /// Creates (if needed) and starts a cluster in `directory`. An existing cluster there is reused,
    /// so the quickstart's database survives between runs.
    /// - Parameters:
    ///   - durable: false turns off fsync and full-page writes: fast, and fine for data you can regenerate.
    ///   - listenOnLocalhost: also accept TCP connections on 127.0.0.1 (for psql users and BI tools).
    public static func start(in directory: URL, port: Int? = nil, superuser: String = "gridcast",
                             durable: Bool = false, listenOnLocalhost: Bool = false) throws -> LocalCluster {
        let binaries = try PostgresBinaries.locate()
        let runAs = getuid() == 0 ? "postgres" : nil
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
        let existingPort = (try? String(contentsOf: directory.appendingPathComponent("port"), encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let chosenPort = try port ?? existingPort ?? FreePort.find()
        let cluster = LocalCluster(directory: directory, port: chosenPort, superuser: superuser,
                                   binaries: binaries, runAsUser: runAs)
        try fileManager.createDirectory(at: cluster.socketDirectory, withIntermediateDirectories: true)
        if let runAs { try Ownership.give([directory, cluster.socketDirectory], to: runAs) }
        if !fileManager.fileExists(atPath: cluster.dataDirectory.appendingPathComponent("PG_VERSION").path) {
            try cluster.initialize(durable: durable, listenOnLocalhost: listenOnLocalhost)
        }
        try "\(chosenPort)\n".write(to: directory.appendingPathComponent("port"), atomically: true, encoding: .utf8)
        if !cluster.isRunning {
            try cluster.run(binaries.pgCtl, ["-D", cluster.dataDirectory.path, "-l", cluster.logFile.path,
                                             "-w", "-t", "60", "start"], what: "start the server")
        }
        return cluster
    }

    /// The cluster an earlier `start` left in `directory`, without starting it; nil when there is none.
    public static func existing(in directory: URL, superuser: String = "gridcast") throws -> LocalCluster? {
        guard let port = (try? String(contentsOf: directory.appendingPathComponent("port"), encoding: .utf8))
            .flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else { return nil }
        return LocalCluster(directory: directory, port: port, superuser: superuser, binaries: try PostgresBinaries.locate(),
                            runAsUser: getuid() == 0 ? "postgres" : nil)
    }

    /// A password file (libpq's .pgpass format, mode 0600) for TCP logins to 127.0.0.1. The superuser's
    /// password is generated once and set on first use; point PGPASSFILE at the returned path.
    public func passwordFile() throws -> URL {
        let file = directory.appendingPathComponent("pgpass")
        if FileManager.default.fileExists(atPath: file.path) { return file }
        var bytes = [UInt8](repeating: 0, count: 18)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        let password = Data(bytes).base64EncodedString().replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "+", with: "-")
        let connection = try Connection.open(target)
        // ALTER ROLE cannot take a bound parameter; the password is generated here from [A-Za-z0-9_-] only.
        try connection.execute("alter role \(try SQLIdentifier(superuser).quoted) password '\(password)'", name: "set local password")
        _ = FileManager.default.createFile(atPath: file.path, contents: Data("127.0.0.1:\(port):*:\(superuser):\(password)\n".utf8),
                                       attributes: [.posixPermissions: 0o600])
        return file
    }

    private func initialize(durable: Bool, listenOnLocalhost: Bool) throws {
        // Trust only on the unix socket, which only the server's user (and root) may open; TCP needs a password.
        try run(binaries.initdb, ["-D", dataDirectory.path, "-U", superuser, "--auth-local=trust", "--auth-host=scram-sha-256",
                                  "--encoding=UTF8", "--locale=C", "--no-sync"], what: "create the cluster (initdb)")
        var settings = [
            "port = \(port)",
            "unix_socket_directories = '\(socketDirectory.path)'",
            "unix_socket_permissions = 0700",
            "listen_addresses = '\(listenOnLocalhost ? "127.0.0.1" : "")'",
            "max_connections = 200",
            "timezone = 'UTC'",
            "log_min_messages = warning",
        ]
        if !durable {
            settings += ["fsync = off", "full_page_writes = off", "synchronous_commit = off"]
        }
        let conf = dataDirectory.appendingPathComponent("postgresql.conf")
        let handle = try FileHandle(forWritingTo: conf)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(("\n# gridcast local cluster\n" + settings.joined(separator: "\n") + "\n").utf8))
    }

    /// Whether a postmaster is serving this data directory.
    public var isRunning: Bool {
        (try? run(binaries.pgCtl, ["-D", dataDirectory.path, "status"], what: "check the server")) != nil
    }

    /// Stops the server immediately (no checkpoint: the data is throwaway or already durable enough).
    public func stop(mode: String = "fast") {
        _ = try? run(binaries.pgCtl, ["-D", dataDirectory.path, "-m", mode, "-w", "stop"], what: "stop the server")
    }

    /// Stops the server and deletes the whole directory.
    public func destroy() {
        stop(mode: "immediate")
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts a helper process that outlives this call (output discarded), e.g. a cleanup watchdog.
    public static func spawnDetached(_ arguments: [String]) throws {
        try ProcessRunner.spawn(arguments, outputPath: "/dev/null", wait: false)
    }

    @discardableResult
    func run(_ executable: URL, _ arguments: [String], what: String) throws -> String {
        try ProcessRunner.run(executable, arguments, asUser: runAsUser, what: what, logFile: logFile)
    }
}

/// Errors starting or driving a local cluster, each saying what to install or look at.
public enum LocalClusterError: Error, CustomStringConvertible {
    case binariesNotFound(searched: [String])
    case commandFailed(what: String, command: String, output: String, logFile: String)
    case noFreePort

    public var description: String {
        switch self {
        case let .binariesNotFound(searched):
            return "PostgreSQL server binaries (initdb, pg_ctl) were not found in \(searched.joined(separator: ", ")). "
                + "Install them with `apt-get install postgresql` or set GRIDCAST_PG_BINDIR."
        case let .commandFailed(what, command, output, logFile):
            return "Could not \(what): `\(command)` failed: \(output.trimmingCharacters(in: .whitespacesAndNewlines)). See \(logFile)."
        case .noFreePort:
            return "No free TCP port was found for the local PostgreSQL server; pass one explicitly."
        }
    }
}
