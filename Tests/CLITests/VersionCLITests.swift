import Foundation
import Testing
import TestSupport

/// `--version` names the XGBoost and libpq the process actually loaded: the XGBoost build decides the
/// models and the training speed, so a DBA comparing two hosts needs to see it.
@Suite("gridcast --version")
struct VersionCLITests {
    @Test("--version reports the XGBoost and libpq that the system packages installed")
    func versionNamesTheLoadedLibraries() throws {
        let outcome = try GridcastProcess.run(["--version"], environment: ["LD_LIBRARY_PATH": nil])
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        let line = outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let xgboost = try #require(Self.packageVersion("xgboost"), "pkg-config knows no xgboost; install libxgboost-dev")
        let libpq = try #require(Self.packageVersion("libpq"), "pkg-config knows no libpq; install libpq-dev")
        #expect(line.contains("(XGBoost \(xgboost), libpq \(libpq))"), "\(line)")
    }

    /// What pkg-config says the development package's version is, e.g. "1.7.4" or "15.18".
    static func packageVersion(_ package: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["pkg-config", "--modversion", package]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
