import Foundation
import Testing
import TestSupport
import Warehouse

@Suite("gridcast migrate, end to end")
struct MigrateCLITests {
    @Test("--distributed citus without the citus extension stops with the reason (exit 4) and later migrates stay plain")
    func distributedWithoutCitus() throws {
        let target = try TestCluster.freshDatabase("nocitus")
        let url = ["GRIDCAST_DATABASE_URL": target.conninfo]
        let refused = try GridcastProcess.run(["migrate", "--env", "dev", "--distributed", "citus"], environment: url)
        #expect(refused.exitCode == 4)
        #expect(refused.stderr.contains("citus/0001_distribute.sql") || refused.stderr.contains("0001_distribute.sql"),
                "names the file: \(refused.stderr)")
        #expect(refused.stderr.contains("the citus extension is not installed"), "\(refused.stderr)")
        #expect(refused.stderr.contains("migrate without --distributed"), "says what to do: \(refused.stderr)")
        let plain = try GridcastProcess.run(["migrate", "--env", "dev"], environment: url)
        #expect(plain.exitCode == 0, "the main set was applied; nothing of the Citus set is retried: \(plain.stderr)")
        #expect(plain.stdout.contains("up to date"))
        let connection = try Connection.open(target)
        #expect(try connection.execute("select count(*) as n from gridcast_operational_dev.schema_migrations_citus",
                                       name: "citus history").first?.int("n") == 0)
    }

    @Test("migrate applies, re-runs clean, reports status and JSON, and refuses an edited file with exit code 4")
    func migrateLifecycle() throws {
        let target = try TestCluster.freshDatabase("cli")
        let url = ["GRIDCAST_DATABASE_URL": target.conninfo]
        let migrations = try Repository.copyOfMigrations()
        defer { try? FileManager.default.removeItem(at: migrations) }
        let dir = ["--migrations-dir", migrations.path]
        let fileCount = try FileManager.default.contentsOfDirectory(atPath: migrations.path).filter { $0.hasSuffix(".sql") }.count
        #expect(fileCount >= 8)

        let first = try GridcastProcess.run(["migrate", "--env", "qa", "--json"] + dir, environment: url)
        #expect(first.exitCode == 0, "stderr: \(first.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        #expect(summary?["status"] as? String == "succeeded")
        #expect((summary?["applied"] as? [String])?.count == fileCount)

        let second = try GridcastProcess.run(["migrate", "up", "--env", "qa"] + dir, environment: url)
        #expect(second.exitCode == 0)
        #expect(second.stdout.contains("up to date"))

        let status = try GridcastProcess.run(["migrate", "status", "--env", "qa"] + dir, environment: url)
        #expect(status.exitCode == 0)
        #expect(status.stdout.split(separator: "\n").filter { $0.contains("applied") }.count == fileCount)

        let file = migrations.appendingPathComponent("0005_bi_views.sql")
        try (try String(contentsOf: file, encoding: .utf8) + "\n-- edited\n").write(to: file, atomically: true, encoding: .utf8)
        let refused = try GridcastProcess.run(["migrate", "--env", "qa"] + dir, environment: url)
        #expect(refused.exitCode == 4)
        #expect(refused.stderr.contains("0005_bi_views.sql"))
        let edited = try GridcastProcess.run(["migrate", "status", "--env", "qa"] + dir, environment: url)
        #expect(edited.exitCode == 4)
        #expect(edited.stdout.contains("EDITED"))
    }

    @Test("a password in --database-url never reaches stdout, stderr or the JSON summary")
    func passwordNeverPrinted() throws {
        let cluster = try TestCluster.cluster()
        let secret = "Sup3rSecretPW"
        let url = "postgresql://gridcast:\(secret)@localhost:1/nowhere?connect_timeout=2"
        let outcome = try GridcastProcess.run(["migrate", "status", "--json", "--database-url", url],
                                              environment: ["PGHOST": cluster.socketDirectory.path])
        #expect(outcome.exitCode == 3)
        #expect(outcome.stderr.contains("Cannot connect"))
        #expect(!outcome.stdout.contains(secret) && !outcome.stderr.contains(secret))
        #expect(outcome.stderr.contains("process list"))
    }

    @Test("print needs no database and renders prod names without suffix")
    func printWithoutDatabase() throws {
        let outcome = try GridcastProcess.run(["migrate", "print", "--env", "prod"], environment: ["PGHOST": "/nonexistent"])
        #expect(outcome.exitCode == 0)
        #expect(outcome.stdout.contains("create schema if not exists \"gridcast_input\";"))
        #expect(!outcome.stdout.contains("{{"))
        #expect(!outcome.stdout.contains("_dev\""))
    }

    @Test("bad arguments exit with a usage error")
    func badArguments() throws {
        let outcome = try GridcastProcess.run(["migrate", "--env", "staging"])
        #expect(outcome.exitCode == 64)
        #expect(outcome.stderr.contains("Unknown environment 'staging'"))
    }
}

/// Where migrate finds its SQL: a planted folder above the working directory must not win.
@Suite("Migration folder resolution")
struct MigrationFolderTests {
    /// `T/migrations/0001_schemas_and_roles.sql` holding a canary statement, and `T/work` to run from.
    static func plantedFolder() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-planted-\(UUID().uuidString.prefix(8))")
        let planted = root.appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: planted, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("work"), withIntermediateDirectories: true)
        try "create table planted_canary (x int);\n".write(to: planted.appendingPathComponent("0001_schemas_and_roles.sql"),
                                                           atomically: true, encoding: .utf8)
        return root
    }

    @Test("migrations above the working directory lose to the ones beside the executable; the folder used is logged")
    func plantedMigrationsAreIgnored() throws {
        let root = try Self.plantedFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let outcome = try GridcastProcess.run(["migrate", "print", "--env", "dev"],
                                              environment: ["GRIDCAST_MIGRATIONS_DIR": nil, "PGHOST": "/nonexistent"],
                                              workingDirectory: root.appendingPathComponent("work").path)
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        #expect(!outcome.stdout.contains("planted_canary"))
        #expect(outcome.stdout.contains("create schema if not exists \"gridcast_input_dev\";"))
        #expect(outcome.stderr.contains("using migrations/") && outcome.stderr.contains("above the executable"), "\(outcome.stderr)")
    }

    @Test("a world-writable migrations folder is refused with what to do")
    func worldWritableFolderIsRefused() throws {
        let root = try Self.plantedFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("migrations")
        chmod(folder.path, 0o777)
        let outcome = try GridcastProcess.run(["migrate", "print", "--env", "dev", "--migrations-dir", folder.path],
                                              environment: ["PGHOST": "/nonexistent"])
        #expect(outcome.exitCode == 4, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("anyone on this machine may write to it"), "\(outcome.stderr)")
        #expect(!outcome.stdout.contains("planted_canary"))
    }
}
