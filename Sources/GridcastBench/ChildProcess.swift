import Foundation

/// A child process the bench measures: wall time and peak resident memory (from wait4's rusage),
/// with stdout and stderr kept in files under the bench's work folder.
/// posix_spawn and wait4 directly: Foundation's Process can starve on a busy two-core machine, and
/// only wait4 gives the child's own peak RSS.
struct ChildProcess {
    let arguments: [String]
    let environment: [String: String]
    let stdoutPath: String
    let stderrPath: String
    private(set) var pid: pid_t = 0
    private(set) var started = Date()

    struct Outcome {
        let status: Int32
        let seconds: Double
        let peakRSSMiB: Double
        let stdout: String
        let stderr: String
    }

    init(_ arguments: [String], environment: [String: String] = [:], logPrefix: String) {
        self.arguments = arguments
        self.environment = environment
        stdoutPath = logPrefix + ".out"
        stderrPath = logPrefix + ".err"
    }

    mutating func start() throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let cEnvironment = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { (cEnvironment + cArguments).forEach { free($0) } }
        started = Date()
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, cArguments, cEnvironment)
        guard spawned == 0 else {
            throw BenchError.command(arguments.joined(separator: " "), "could not start: \(String(cString: strerror(spawned)))")
        }
    }

    func wait() -> Outcome {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1 && errno == EINTR {}
        let seconds = Date().timeIntervalSince(started)
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(status: code, seconds: seconds, peakRSSMiB: Double(usage.ru_maxrss) / 1024,  // Linux reports KiB
                       stdout: (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")
    }

    /// Runs to completion and fails with the tail of stderr when the exit status is not 0.
    static func run(_ arguments: [String], environment: [String: String] = [:], logPrefix: String) throws -> Outcome {
        var child = ChildProcess(arguments, environment: environment, logPrefix: logPrefix)
        try child.start()
        let outcome = child.wait()
        try outcome.check(arguments)
        return outcome
    }

    /// Starts all, then waits for all: N workers sharing the machine. Wall time is first start to last exit.
    static func runConcurrently(_ commands: [[String]], environment: [String: String] = [:], logPrefix: String) throws
        -> (seconds: Double, outcomes: [Outcome]) {
        let began = Date()
        var children = commands.enumerated().map { ChildProcess($0.element, environment: environment, logPrefix: "\(logPrefix)-\($0.offset + 1)") }
        for index in children.indices { try children[index].start() }
        let outcomes = children.map { $0.wait() }
        let seconds = Date().timeIntervalSince(began)
        for (command, outcome) in zip(commands, outcomes) { try outcome.check(command) }
        return (seconds, outcomes)
    }
}

extension ChildProcess.Outcome {
    func check(_ arguments: [String]) throws {
        guard status == 0 else {
            let tail = stderr.split(separator: "\n").suffix(15).joined(separator: "\n")
            throw BenchError.command(arguments.joined(separator: " "), "exit status \(status):\n\(tail)")
        }
    }
}

enum BenchError: Error, CustomStringConvertible {
    case command(String, String)
    case setup(String)

    var description: String {
        switch self {
        case let .command(command, detail): return "`\(command)` failed: \(detail)"
        case let .setup(detail): return detail
        }
    }
}
