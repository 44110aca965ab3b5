import Foundation

/// A child process the bench measures: wall time and peak resident memory, with stdout and stderr
/// kept in files under the bench's work folder. posix_spawn directly: Foundation's Process can starve
/// on a busy two-core machine.
///
/// Peak RSS is sampled from /proc (VmHWM of the process and its children) rather than taken from
/// wait4's rusage: Linux carries the parent's high-water mark into a posix_spawn'ed child across exec,
/// so rusage would report the bench's own memory for every child.
struct ChildProcess {
    let arguments: [String]
    let environment: [String: String]
    let stdoutPath: String
    let stderrPath: String
    private(set) var pid: pid_t = 0
    private(set) var started = Date()
    private var sampler: PeakMemorySampler?

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
        sampler = PeakMemorySampler(pid: pid)
    }

    func wait() -> Outcome {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let seconds = Date().timeIntervalSince(started)
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(status: code, seconds: seconds, peakRSSMiB: sampler?.stop() ?? 0,
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

/// Polls VmHWM (the kernel's own high-water mark of resident memory) of a process and its children
/// every 20 ms; the largest value seen is the peak of the largest process. Only a peak reached in a
/// process's last 20 ms could be missed.
final class PeakMemorySampler: @unchecked Sendable {
    private let pid: pid_t
    private let lock = NSLock()
    private var peakKiB = 0
    private var running = true

    init(pid: pid_t) {
        self.pid = pid
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                sample()
                usleep(20_000)
            }
        }
        thread.start()
    }

    /// Stops sampling and returns the peak in MiB.
    func stop() -> Double {
        lock.withLock {
            running = false
            return Double(peakKiB) / 1024
        }
    }

    private func sample() {
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8))?
            .split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? []
        let largest = ([pid] + children).map(Self.highWaterKiB).max() ?? 0
        lock.withLock { peakKiB = max(peakKiB, largest) }
    }

    static func highWaterKiB(_ pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? 0
    }
}
