import Foundation
import LocalPostgres

/// The gridcast PostgreSQL extension, built from this checkout (`extension/build`) and installed into
/// the test cluster's server once per test process, so `swift test` always exercises the current code.
/// Installing writes into the server's lib and share directories: CI runs as root.
public enum ExtensionInstall {
    nonisolated(unsafe) private static var result: Result<Void, Error>?
    private static let lock = NSLock()

    public struct BuildFailed: Error, CustomStringConvertible {
        public let output: String
        public var description: String { "extension/build --install failed: \(output)" }
    }

    /// Builds and installs the extension (at most once per process); throws with the build's output.
    public static func ensure() throws {
        lock.lock()
        defer { lock.unlock() }
        if let result { return try result.get() }
        let outcome: Result<Void, Error> = Result {
            let cluster = try TestCluster.cluster()
            let script = Repository.root.appendingPathComponent("extension/build").path
            let run = try GridcastProcess.runTool(script, ["--install"],
                                                  environment: ["PG_CONFIG": cluster.binDirectory.path + "/pg_config"])
            guard run.exitCode == 0 else { throw BuildFailed(output: run.stderr + run.stdout) }
        }
        result = outcome
        try outcome.get()
    }
}
