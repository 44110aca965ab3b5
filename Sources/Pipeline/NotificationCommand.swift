import Foundation

/// A command hook for `gridcast check`: a shell command (from an environment variable, since it may
/// hold a token) that receives the findings' JSON on standard input, e.g. `mail -s gridcast ops@…`,
/// a pager CLI or a script that files a ticket. Its output goes to gridcast's standard error, so a
/// scheduler's log keeps it; gridcast's own stdout stays the command's result.
public struct NotificationCommand: Sendable {
    public let command: String
    public var timeoutSeconds: Double = 60

    public init(command: String) { self.command = command }

    /// What went wrong, in words that do not repeat the command (it may hold a secret).
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case couldNotStart(String)
        case exited(Int32)
        case timedOut(Double)

        public var description: String {
            switch self {
            case .couldNotStart(let reason): "could not be started (\(reason))"
            case .exited(let code): "exited with status \(code)"
            case .timedOut(let seconds): "did not finish within \(Int(seconds)) s and was stopped"
            }
        }
    }

    /// Runs the command with `/bin/sh -c`, the payload on its standard input, and waits for it.
    public func run(payload: Data, environment extra: [String: String] = [:]) throws(Failure) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.standardError
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do { try process.run() } catch { throw .couldNotStart("\(error.localizedDescription)") }
        // A command that exits without reading its input must not kill us with SIGPIPE, and one that
        // never reads must not block us past the timeout: write on another thread, ignoring SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let writer = input.fileHandleForWriting
        DispatchQueue.global().async {
            try? writer.write(contentsOf: payload)
            try? writer.close()
        }
        if finished.wait(timeout: .now() + timeoutSeconds) == .timedOut {
            process.terminate()
            _ = finished.wait(timeout: .now() + 5)
            throw .timedOut(timeoutSeconds)
        }
        guard process.terminationStatus == 0 else { throw .exited(process.terminationStatus) }
    }
}
