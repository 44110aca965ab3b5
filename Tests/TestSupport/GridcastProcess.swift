import Foundation

/// Runs the `gridcast` executable that `swift build` placed next to the test bundle, capturing
/// stdout, stderr and the exit code. Uses posix_spawn and waitpid, like the cluster harness.
public enum GridcastProcess {
    public struct Outcome {
        public let exitCode: Int32
        public let stdout: String
        public let stderr: String
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
    public static func run(_ arguments: [String], environment: [String: String?] = [:], stdin: String? = nil) throws -> Outcome {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outPath = scratch.appendingPathComponent("out").path
        let errPath = scratch.appendingPathComponent("err").path
        let inPath = scratch.appendingPathComponent("in").path
        _ = FileManager.default.createFile(atPath: inPath, contents: Data((stdin ?? "").utf8))

        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value ?? nil }
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) }; argv.forEach { free($0) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(exitCode: code,
                       stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}
