import Foundation

/// Where initdb and pg_ctl live: GRIDCAST_PG_BINDIR, `pg_config --bindir`, or the newest
/// /usr/lib/postgresql/N/bin (Debian's layout).
struct PostgresBinaries {
    let directory: URL
    var initdb: URL { directory.appendingPathComponent("initdb") }
    var pgCtl: URL { directory.appendingPathComponent("pg_ctl") }

    static func locate() throws -> PostgresBinaries {
        var candidates: [String] = []
        if let configured = ProcessInfo.processInfo.environment["GRIDCAST_PG_BINDIR"] { candidates.append(configured) }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        candidates += versions.compactMap(Int.init).sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
        if let bindir = try? ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"), ["pg_config", "--bindir"],
                                               asUser: nil, what: "find PostgreSQL", logFile: nil) {
            candidates.append(bindir.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        for candidate in candidates
        where FileManager.default.isExecutableFile(atPath: candidate + "/initdb")
            && FileManager.default.isExecutableFile(atPath: candidate + "/pg_ctl") {
            return PostgresBinaries(directory: URL(fileURLWithPath: candidate))
        }
        throw LocalClusterError.binariesNotFound(searched: candidates.isEmpty ? ["/usr/lib/postgresql/*/bin"] : candidates)
    }
}

enum ProcessRunner {
    /// Runs a command to completion, as `user` via runuser when given, and returns its output.
    /// Uses posix_spawn and waitpid directly: Foundation's Process waits through a run loop that can
    /// starve on a busy two-core machine. Output goes to a temporary file, not a pipe, so a server
    /// that pg_ctl leaves running cannot hold our pipe open.
    static func run(_ executable: URL, _ arguments: [String], asUser user: String?, what: String,
                    logFile: URL?) throws -> String {
        let argv = user.map { ["/sbin/runuser", "-u", $0, "--", executable.path] } ?? [executable.path]
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("gridcast-cmd-\(getpid())-\(UUID().uuidString).out").path
        defer { unlink(outputPath) }
        let status = try spawn(argv + arguments, outputPath: outputPath, wait: true)
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw LocalClusterError.commandFailed(what: what, command: ([executable.lastPathComponent] + arguments).joined(separator: " "),
                                                  output: text, logFile: logFile?.path ?? "its output above")
        }
        return text
    }

    /// Starts `arguments` (argv[0] an absolute path) with stdin from /dev/null and stdout/stderr to
    /// `outputPath`. With `wait`, returns the exit status; otherwise returns 0 at once.
    @discardableResult
    static func spawn(_ arguments: [String], outputPath: String, wait: Bool) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else {
            throw LocalClusterError.commandFailed(what: "start \(arguments[0])", command: arguments.joined(separator: " "),
                                                  output: String(cString: strerror(spawned)), logFile: outputPath)
        }
        guard wait else { return 0 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS are macros; decode the wait status by hand.
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}

enum Ownership {
    /// Gives directories (not their contents) to a system user, so a server running as that user can write them.
    static func give(_ directories: [URL], to user: String) throws {
        guard let entry = getpwnam(user) else {
            throw LocalClusterError.commandFailed(what: "find the system user \(user)", command: "getpwnam(\(user))",
                                                  output: "no such user; install the postgresql package, which creates it",
                                                  logFile: "/etc/passwd")
        }
        let uid = entry.pointee.pw_uid, gid = entry.pointee.pw_gid
        for directory in directories { chown(directory.path, uid, gid) }
    }
}

enum FreePort {
    /// Asks the kernel for an unused TCP port on the loopback interface.
    static func find() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LocalClusterError.noFreePort }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw LocalClusterError.noFreePort }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
