import Foundation

/// Runs the `gridcast` executable that `swift build` placed next to the test bundle, capturing
/// stdout, stderr and the exit code. Uses posix_spawn and waitpid, like the cluster harness.
public enum GridcastProcess {
    public struct Outcome {
        public let exitCode: Int32
        public let stdout: String
        public let stderr: String
        /// True when the process ended by a signal (its exit code is then 128 + signal).
        public let signalled: Bool
    }

    /// A started process, to wait for or kill.
    public final class Running {
        public let pid: pid_t
        let scratch: URL
        private var outcome: Outcome?

        init(pid: pid_t, scratch: URL) {
            self.pid = pid
            self.scratch = scratch
        }

        deinit { try? FileManager.default.removeItem(at: scratch) }

        public func kill(_ signal: Int32 = SIGKILL) { _ = Foundation.kill(pid, signal) }

        /// True while the process has not exited (it may be a zombie not yet waited for).
        public var isRunning: Bool {
            guard outcome == nil else { return false }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                outcome = Self.outcome(status: status, scratch: scratch)
                return false
            }
            return result == 0
        }

        @discardableResult
        public func wait() -> Outcome {
            if let outcome { return outcome }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            let result = Self.outcome(status: status, scratch: scratch)
            outcome = result
            return result
        }

        static func outcome(status: Int32, scratch: URL) -> Outcome {
            let signalled = (status & 0x7f) != 0
            let code = signalled ? 128 + (status & 0x7f) : (status >> 8) & 0xff
            return Outcome(exitCode: code,
                           stdout: (try? String(contentsOf: scratch.appendingPathComponent("out"), encoding: .utf8)) ?? "",
                           stderr: (try? String(contentsOf: scratch.appendingPathComponent("err"), encoding: .utf8)) ?? "",
                           signalled: signalled)
        }
    }

    public static var executable: URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // xctest bundles on Linux are plain executables in the build folder; on macOS they are bundles.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("gridcast").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("gridcast")
    }

    /// - Parameters:
    ///   - environment: variables added to (or, with nil values, removed from) this process's environment.
    ///   - program: an executable built next to `gridcast` (e.g. `gridcast-bench`).
    ///   - workingDirectory: the child's working directory (default this process's).
    public static func run(_ arguments: [String], environment: [String: String?] = [:], stdin: String? = nil,
                           program: String = "gridcast", workingDirectory: String? = nil) throws -> Outcome {
        try start(arguments, environment: environment, stdin: stdin, program: program, workingDirectory: workingDirectory).wait()
    }

    /// Starts the program and returns at once.
    public static func start(_ arguments: [String], environment: [String: String?] = [:], stdin: String? = nil,
                             program: String = "gridcast", workingDirectory: String? = nil) throws -> Running {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let inPath = scratch.appendingPathComponent("in").path
        _ = FileManager.default.createFile(atPath: inPath, contents: Data((stdin ?? "").utf8))
        let path = executable.deletingLastPathComponent().appendingPathComponent(program).path
        // Foundation's glibc module does not export posix_spawn_file_actions_addchdir_np: a shell changes
        // directory and then becomes the program.
        let command = workingDirectory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0, path] } ?? [path]
        return try spawn(command + arguments, environment: environment, scratch: scratch, inPath: inPath)
    }

    /// Runs any program (an absolute path) to completion, e.g. a build script.
    public static func runTool(_ path: String, _ arguments: [String], environment: [String: String?] = [:]) throws -> Outcome {
        try startTool(path, arguments, environment: environment).wait()
    }

    /// Starts another program (a helper server, say) without waiting for it.
    public static func startTool(_ path: String, _ arguments: [String], environment: [String: String?] = [:]) throws -> Running {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let inPath = scratch.appendingPathComponent("in").path
        _ = FileManager.default.createFile(atPath: inPath, contents: Data())
        return try spawn([path] + arguments, environment: environment, scratch: scratch, inPath: inPath)
    }

    private static func spawn(_ command: [String], environment: [String: String?], scratch: URL, inPath: String) throws -> Running {
        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value ?? nil }
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let argv = command.map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) }; argv.forEach { free($0) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, scratch.appendingPathComponent("out").path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, scratch.appendingPathComponent("err").path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var pid = pid_t()
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        return Running(pid: pid, scratch: scratch)
    }
}
