import Foundation
import Testing
import TestSupport
import Warehouse

/// The CLI flow on a Citus coordinator with the distributed layout (`migrate --distributed citus`),
/// against the same flow on plain PostgreSQL. Runs when GRIDCAST_TEST_CITUS_URL names a coordinator
/// database (a superuser login, `create extension citus` done, workers added); skipped with that note
/// otherwise: CI cannot install Citus (it is not in Debian). It drops and re-creates the dev
/// environment's schemas in that database, so point it at a scratch cluster.
@Suite("Citus profile", .serialized)
struct CitusProfileTests {
    static let citusURL = ProcessInfo.processInfo.environment["GRIDCAST_TEST_CITUS_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let biLogin = "gridcast_bi_login_test"

    @Test("on Citus with distributed tables every quickstart step exits 0; forecasts and BI views (read by a BI login) equal plain PostgreSQL's",
          .enabled(if: citusURL != nil, "set GRIDCAST_TEST_CITUS_URL to a Citus coordinator database to run the Citus profile"))
    func quickstartFlowMatchesPlainPostgreSQL() throws {
        let citus = ConnectionTarget(try #require(Self.citusURL))
        let sample = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-citus-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: sample) }
        let plain = try TestCluster.freshDatabase("citusPeer")
        try Self.mustRun(["sample", "--out", sample.path, "--start", "2024-01-01", "--end", "2024-12-31"], target: plain)

        let coordinator = try Connection.open(citus)
        try coordinator.execute("""
            drop schema if exists gridcast_input_dev, gridcast_operational_dev, gridcast_bi_dev cascade
            """, name: "fresh dev schemas on Citus")
        try Self.runFlow(target: citus, distributed: true, sample: sample)
        try Self.runFlow(target: plain, distributed: false, sample: sample)

        let layout = try coordinator.execute("""
            select logicalrelid::text as name, partmethod from pg_dist_partition
            where logicalrelid::text like 'gridcast_%_dev.%' order by 1
            """, name: "distributed layout").rows
        let methods = Dictionary(uniqueKeysWithValues: layout.map { ($0.string("name") ?? "", $0.string("partmethod") ?? "") })
        #expect(methods["gridcast_input_dev.sqmd"] == "h" && methods["gridcast_operational_dev.dayahead_load_forecasts"] == "h",
                "per-series tables hash-distributed: \(methods)")
        #expect(methods["gridcast_input_dev.weather_hourly"] == "n" && methods["gridcast_operational_dev.series_catalog"] == "n",
                "dimensions are reference tables: \(methods)")

        let status = try Self.mustRun(["migrate", "status", "--env", "dev"], target: citus)
        #expect(status.stdout.contains("citus/distribute") && status.stdout.contains("citus/view_readers"),
                "migrate status lists the Citus set: \(status.stdout)")

        let onCitus = try Self.forecasts(coordinator)
        let onPlain = try Self.forecasts(try Connection.open(plain))
        #expect(onCitus.count == 6 * 24 * 4, "6 series x 24 hours x 4 days: \(onCitus.count)")
        #expect(onCitus.keys.sorted() == onPlain.keys.sorted())
        let differing = onCitus.filter { key, value in
            guard let other = onPlain[key] else { return true }
            return zip(value, other).contains { abs($0 - $1) > 1e-9 * max(1, abs($1)) }
        }
        #expect(differing.isEmpty, "\(differing.count) forecast hours differ, e.g. \(differing.first.map { "\($0.key)" } ?? "")")

        let citusFindings = try Self.findings(coordinator)
        let plainFindings = try Self.findings(try Connection.open(plain))
        #expect(!citusFindings.isEmpty && citusFindings == plainFindings, "the same check findings: \(citusFindings)")

        let citusViews = try Self.biViewCounts(coordinator)
        let plainViews = try Self.biViewCounts(try Connection.open(plain))
        #expect(citusViews.count >= 13, "\(citusViews.keys.sorted())")
        for (view, count) in plainViews.sorted(by: { $0.key < $1.key }) where view != "vw_run_history" {
            #expect(citusViews[view] == count, "\(view): Citus \(citusViews[view].map(String.init) ?? "error"), plain \(count)")
        }
        #expect(citusViews["vw_run_history"] == plainViews["vw_run_history"], "the same runs, each recorded once")
    }

    /// The quickstart's steps, each of which must exit 0.
    static func runFlow(target: ConnectionTarget, distributed: Bool, sample: URL) throws {
        let file = { (name: String) in sample.appendingPathComponent(name).path }
        let steps: [[String]] = [
            ["migrate", "--env", "dev"] + (distributed ? ["--distributed", "citus"] : []),
            ["load", "sqmd", "--register-series", "--location", "san_diego", file("sqmd_initial.csv"), file("sqmd_final.csv")],
            ["load", "weather", file("weather_open_meteo.json")],
            ["load", "weather", "--kind", "forecast", file("weather_forecast_previous_runs.json")],
            ["calendar", "fill", "--from", "2023-01-01", "--to", "2025-01-02"],
            ["train", "--all", "--trials", "1", "--folds", "1", "--test-days", "14", "--validation-days", "14",
             "--history-days", "200", "--end-date", "2024-11-30", "--queue", "train-profile"],
            // Through a work queue (a coordinator-local table, advisory locks on the coordinator).
            ["forecast", "--all", "--date", "2024-12-02", "--queue", "forecast-2024-12-02"],
            ["backfill", "--all", "--from", "2024-12-03", "--to", "2024-12-05"],
            ["status"],
        ]
        for step in steps { try mustRun(step, target: target) }
        // check finds problems in a sample from 2024 (stale data, no weather for tomorrow): exit 2, not 7.
        let check = try GridcastProcess.run(["check"], environment: ["GRIDCAST_DATABASE_URL": target.conninfo])
        #expect(check.exitCode == 2, "gridcast check exited \(check.exitCode): \(check.stderr)")
    }

    /// What check_findings() reports as of a fixed instant: check and series, sorted.
    static func findings(_ connection: Connection) throws -> [String] {
        try connection.execute("""
            select check_name || ' ' || coalesce(series_id, '*') as finding
            from gridcast_operational_dev.check_findings('2024-12-06 18:00+00') order by 1
            """, name: "check findings").rows.compactMap { $0.string("finding") }
    }

    @discardableResult
    static func mustRun(_ arguments: [String], target: ConnectionTarget) throws -> GridcastProcess.Outcome {
        let outcome = try GridcastProcess.run(arguments, environment: ["GRIDCAST_DATABASE_URL": target.conninfo])
        try #require(outcome.exitCode == 0, "gridcast \(arguments.joined(separator: " ")) exited \(outcome.exitCode): \(outcome.stderr)")
        return outcome
    }

    /// Every forecast hour: series, hour, kind and model version to prediction and interval bounds.
    static func forecasts(_ connection: Connection) throws -> [String: [Double]] {
        let rows = try connection.execute("""
            select series_id, forecast_datetime::text as hour, forecast_kind, model_version,
                   predicted_lossadjustedload as p, predicted_lower_bound as lo, predicted_upper_bound as hi
            from gridcast_operational_dev.dayahead_load_forecasts
            """, name: "forecasts").rows
        var result: [String: [Double]] = [:]
        for row in rows {
            let key = ["series_id", "hour", "forecast_kind", "model_version"].map { row.string($0) ?? "" }.joined(separator: " ")
            result[key] = [row.double("p") ?? .nan, row.double("lo") ?? .nan, row.double("hi") ?? .nan]
        }
        return result
    }

    /// Row counts of every BI view, read by a login that is only a member of the BI reader role (on
    /// Citus the shards are read as that login, so a NOLOGIN role cannot stand in).
    static func biViewCounts(_ connection: Connection) throws -> [String: Int] {
        try connection.execute("""
            do $$ begin
                if not exists (select 1 from pg_roles where rolname = '\(biLogin)') then create role \(biLogin) login; end if;
            end $$
            """, name: "BI login")
        try connection.execute("grant gridcast_bi_reader_dev to \(biLogin)", name: "BI login membership")
        let views = try connection.execute("""
            select relname from pg_class where relnamespace = 'gridcast_bi_dev'::regnamespace and relkind = 'v' order by 1
            """, name: "BI views").rows.compactMap { $0.string("relname") }
        var counts: [String: Int] = [:]
        try connection.execute("set role \(biLogin)", name: "as the BI login")
        defer { _ = try? connection.execute("reset role", name: "back") }
        for view in views {
            counts[view] = try connection.execute("select count(*) as n from gridcast_bi_dev.\(try SQLIdentifier(view).quoted)",
                                                  name: "count \(view)").first?.int("n")
        }
        return counts
    }
}
