import Foundation
import Testing
import TestSupport
import Warehouse

/// The daily chain run exactly as deploy/systemd/gridcast-daily.service and deploy/cron/gridcast run
/// it: the unit's ExecStart and the cron line's command, with only the install paths pointed at this
/// checkout and a scratch directory.
@Suite("Schedules: the systemd unit and the cron line")
struct ScheduleTests {
    static let deploy = Repository.root.appendingPathComponent("deploy")
    static let chain = deploy.appendingPathComponent("bin/gridcast-daily").path

    /// The unit's ExecStart with the installed path replaced by this checkout's script.
    static func execStart() throws -> String {
        let unit = try String(contentsOf: deploy.appendingPathComponent("systemd/gridcast-daily.service"), encoding: .utf8)
        let line = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        return String(line.dropFirst("ExecStart=".count)).replacingOccurrences(of: "/opt/gridcast/bin/gridcast-daily", with: chain)
    }

    /// A warehouse with one active, trained series and an SQMD file waiting in incoming/.
    static func prepared(_ label: String) throws -> (CLIWarehouse, URL) {
        let warehouse = try CLIWarehouse(label)
        try warehouse.loadAll()
        try warehouse.connection.execute("""
            update gridcast_operational_dev.series_catalog set active = (series_id = 'RES-NONSOLAR')
            """, name: "one active series")
        try warehouse.mustRun(["train", "--all"] + CLIWarehouse.trainArguments)
        let scratch = warehouse.directory.appendingPathComponent("var")
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("incoming/sqmd"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: warehouse.finalCSV, toPath: scratch.appendingPathComponent("incoming/sqmd/final.csv").path)
        return (warehouse, scratch)
    }

    /// What the environment file provides, for this checkout.
    static func variables(_ warehouse: CLIWarehouse, _ scratch: URL, database: String? = nil) -> [String: String] {
        ["GRIDCAST_DATABASE_URL": database ?? warehouse.target.conninfo, "GRIDCAST_ENV": "dev",
         "GRIDCAST_BIN": GridcastProcess.executable.path, "GRIDCAST_INCOMING": scratch.appendingPathComponent("incoming").path,
         "GRIDCAST_ARCHIVE": scratch.appendingPathComponent("archive").path, "GRIDCAST_WEATHER_FORECAST_URL": "",
         "GRIDCAST_FORECAST_DATE": "2024-12-31", "GRIDCAST_RETRY_DELAYS": "1 1"]
    }

    @Test("the unit's chain loads and archives the file, fills the calendar, forecasts and checks")
    func unitRunsTheChain() throws {
        let (warehouse, scratch) = try Self.prepared("chainunit")
        let outcome = try GridcastProcess.runTool("/bin/sh", ["-c", try Self.execStart()],
                                                  environment: Self.variables(warehouse, scratch))
        // Checked as of today, the 2024 sample is stale: check's findings are the chain's exit code.
        #expect(outcome.exitCode == 2, "\(outcome.stderr.suffix(2000))")
        #expect(outcome.stdout.contains("\"command\":\"check\"") || outcome.stdout.contains("\"command\" : \"check\""))
        #expect(try warehouse.int("""
            select count(*) as n from gridcast_operational_dev.dayahead_load_forecasts
            where series_id = 'RES-NONSOLAR' and forecast_date_local = '2024-12-31'
            """) == 24)
        #expect(try warehouse.int("""
            select count(*) as n from gridcast_operational_dev.calendar_hourly where local_date = '2025-01-30'
            """) == 24, "the calendar was not extended 30 days ahead")
        let archived = try FileManager.default.subpathsOfDirectory(atPath: scratch.appendingPathComponent("archive/sqmd").path)
        #expect(archived.contains { $0.hasSuffix("/final.csv") }, "\(archived)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.appendingPathComponent("incoming/sqmd").path).isEmpty)
    }

    @Test("an unreachable database is retried with backoff, then the chain stops with exit 3 and keeps the file")
    func retriesExitThree() throws {
        let (warehouse, scratch) = try Self.prepared("chainretry")
        let outcome = try GridcastProcess.runTool("/bin/sh", ["-c", try Self.execStart()], environment: Self.variables(
            warehouse, scratch, database: "host=127.0.0.1 port=1 dbname=none connect_timeout=2"))
        #expect(outcome.exitCode == 3, "\(outcome.stderr.suffix(2000))")
        #expect(outcome.stderr.components(separatedBy: "exited 3; retrying in 1 s").count - 1 == 2, "\(outcome.stderr.suffix(2000))")
        #expect(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("incoming/sqmd/final.csv").path))
    }

    @Test("the cron line exports the environment file to the chain under cron's empty environment")
    func cronLineExportsTheEnvironment() throws {
        let (warehouse, scratch) = try Self.prepared("chaincron")
        let cron = try String(contentsOf: Self.deploy.appendingPathComponent("cron/gridcast"), encoding: .utf8)
        let line = try #require(cron.split(separator: "\n").first { $0.contains("gridcast-daily") })
        // Fields: minute hour day month weekday user, then the command.
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        #expect(fields[0] == "30" && fields[1] == "6" && fields[5] == "gridcast")
        let envFile = scratch.appendingPathComponent("gridcast.env")
        try Self.variables(warehouse, scratch).map { "\($0.key)=\"\($0.value)\"" }.joined(separator: "\n")
            .write(to: envFile, atomically: true, encoding: .utf8)
        let command = fields.dropFirst(6).joined(separator: " ")
            .replacingOccurrences(of: "/etc/gridcast/gridcast.env", with: envFile.path)
            .replacingOccurrences(of: "/opt/gridcast/bin/gridcast-daily", with: Self.chain)
            .replacingOccurrences(of: "/var/log/gridcast/", with: scratch.path + "/")
        let outcome = try GridcastProcess.runTool("/usr/bin/env", ["-i", "PATH=/usr/bin:/bin", "HOME=/nonexistent",
                                                                   "/bin/bash", "-c", command])
        #expect(try warehouse.int("""
            select count(*) as n from gridcast_operational_dev.dayahead_load_forecasts
            where series_id = 'RES-NONSOLAR' and forecast_date_local = '2024-12-31'
            """) == 24, "\(outcome.stdout.suffix(2000))")
        // The failing check (exit 2) makes the line print the log's tail, which cron mails.
        #expect(outcome.stdout.contains("\"command\""), "\(outcome.stdout.suffix(2000))")
    }
}
