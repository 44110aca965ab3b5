import Foundation
import Testing
import TestSupport

/// `gridcast quickstart --start-only`: bring the local server back (after --stop or a reboot) with its
/// data, without loading the sample or retraining.
@Suite("quickstart --start-only")
struct QuickstartStartOnlyTests {
    /// No configured database, so quickstart uses its own local server.
    static let unconfigured: [String: String?] = ["GRIDCAST_DATABASE_URL": nil, "PGHOST": nil, "PGDATABASE": nil,
                                                   "PGSERVICE": nil, "PGHOSTADDR": nil]

    static func quickstart(_ directory: URL, _ flags: [String]) throws -> GridcastProcess.Outcome {
        try GridcastProcess.run(["quickstart", "--directory", directory.path, "--json"] + flags, environment: unconfigured)
    }

    static func migrationsApplied(_ outcome: GridcastProcess.Outcome) throws -> Int? {
        let object = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        return (object?["migrations_applied"] as? NSNumber)?.intValue
    }

    @Test("starts and migrates without sample or training, stops, and restarts with the schema kept")
    func startStopStart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-qs-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = chmod(directory.path, 0o755)  // the server may run as postgres when the tests run as root
        defer {
            _ = try? Self.quickstart(directory, ["--stop"])
            try? FileManager.default.removeItem(at: directory)
        }
        let first = try Self.quickstart(directory, ["--start-only"])
        #expect(first.exitCode == 0, "\(first.stderr.suffix(2000))")
        #expect(try Self.migrationsApplied(first) == (try MigrationCount.files()))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("sample").path), "the sample was written")
        #expect(!first.stderr.contains("Training"), "\(first.stderr)")
        #expect(try Self.quickstart(directory, ["--stop"]).exitCode == 0)
        let again = try Self.quickstart(directory, ["--start-only"])
        #expect(again.exitCode == 0, "\(again.stderr.suffix(2000))")
        #expect(try Self.migrationsApplied(again) == 0, "the restarted server lost its schema")
    }
}

/// How many migration files the checkout has.
enum MigrationCount {
    static func files() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: Repository.migrations.path).filter { $0.hasSuffix(".sql") }.count
    }
}
