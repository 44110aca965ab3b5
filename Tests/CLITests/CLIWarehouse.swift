import Foundation
import Testing
import TestSupport
import Warehouse

/// A fresh database set up through the `gridcast` executable as a user would: migrated (dev), with a
/// year of sample files written, and optionally loaded. Helpers run gridcast against it and query it.
final class CLIWarehouse: @unchecked Sendable {
    let target: ConnectionTarget
    let connection: Connection
    let directory: URL
    static let trainArguments = ["--trials", "1", "--folds", "1", "--test-days", "14", "--validation-days", "14", "--history-days", "200"]

    var environment: [String: String?] { ["GRIDCAST_DATABASE_URL": target.conninfo] }
    var initialCSV: String { directory.appendingPathComponent("sqmd_initial.csv").path }
    var finalCSV: String { directory.appendingPathComponent("sqmd_final.csv").path }
    var weatherJSON: String { directory.appendingPathComponent("weather_open_meteo.json").path }
    var weatherForecastJSON: String { directory.appendingPathComponent("weather_forecast_previous_runs.json").path }

    /// `registerSeries`: insert the sample's six series after migrating (tests of the loader's own
    /// registration pass false).
    init(_ label: String, target: ConnectionTarget? = nil, start: String = "2024-01-01", end: String = "2024-12-31",
         registerSeries: Bool = true) throws {
        self.target = try target ?? TestCluster.freshDatabase(label)
        connection = try Connection.open(self.target)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-\(label)-\(UUID().uuidString.prefix(8))")
        try mustRun(["migrate", "--env", "dev"])
        if registerSeries { try SampleSeries.register(on: connection) }
        try mustRun(["sample", "--out", directory.path, "--start", start, "--end", end])
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func gridcast(_ arguments: [String], environment extra: [String: String?] = [:]) throws -> GridcastProcess.Outcome {
        try GridcastProcess.run(arguments, environment: environment.merging(extra) { $1 })
    }

    func start(_ arguments: [String]) throws -> GridcastProcess.Running {
        try GridcastProcess.start(arguments, environment: environment)
    }

    /// Runs gridcast and requires exit 0.
    @discardableResult
    func mustRun(_ arguments: [String]) throws -> GridcastProcess.Outcome {
        let outcome = try gridcast(arguments)
        try #require(outcome.exitCode == 0, "gridcast \(arguments.joined(separator: " ")) exited \(outcome.exitCode): \(outcome.stderr)")
        return outcome
    }

    /// SQMD, weather and the calendar, through the loaders.
    func loadAll() throws {
        try mustRun(["load", "sqmd", initialCSV, finalCSV])
        try mustRun(["load", "weather", weatherJSON])
        try mustRun(["load", "weather", "--kind", "forecast", weatherForecastJSON])
        try mustRun(["calendar", "fill", "--from", "2023-01-01", "--to", "2025-01-02"])
    }

    func int(_ sql: String, _ parameters: [any SQLBindable] = []) throws -> Int {
        try connection.execute(sql, parameters, name: "test query").first?.int("n") ?? -1
    }

    func string(_ sql: String, _ parameters: [any SQLBindable] = []) throws -> String? {
        try connection.execute(sql, parameters, name: "test query").first?.string(at: 0)
    }

    /// Row count and an order-independent hash of every SQMD value (not loaded_at), plus the current rejects.
    func sqmdFingerprint() throws -> String {
        try string("""
            select count(*) || ':' || coalesce(sum(hashtext(concat_ws('|', tradedatelocal, tradehourstartlocal, dst_fold, loadprofile,
                   rategroup, submission, loadlal, genlal, metercount, hour_start_utc))::bigint), 0)
                   || ':' || (select count(*) from gridcast_input_dev.vw_load_rejects_current)
            from gridcast_input_dev.sqmd
            """) ?? "?"
    }

    /// What the other sessions of this database are running, e.g. `copy ... from stdin`.
    func activeQueries() throws -> String {
        try string("""
            select coalesce(string_agg(left(regexp_replace(query, '\\s+', ' ', 'g'), 60), ' | '), 'none')
            from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state = 'active'
            """) ?? "none"
    }

    /// Waits until no other session of this database is running a statement: a killed client's backend
    /// finishes (and rolls back) its statement before it notices the client is gone.
    func waitUntilQuiet(seconds: Double = 60) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let busy = try int("""
                select count(*) as n from pg_stat_activity
                where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
                """)
            if busy == 0 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("other sessions still connected after \(seconds) s: \(try activeQueries())")
    }

    /// Polls until `condition` holds or `seconds` pass; returns whether it held.
    func poll(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    /// True when some session waits for a lock on `table` (a relation lock not granted).
    func someoneWaits(on table: String) throws -> Bool {
        try int("select count(*) as n from pg_locks where not granted and relation = $1::regclass", [table]) > 0
    }
}
