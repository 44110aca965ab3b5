import Foundation
import Testing
import TestSupport
import Warehouse

/// The BI views over forecasts planted by hand in the sample warehouse: which row each view picks,
/// the local-time columns on the fall-back day, the accuracy metrics, withheld hours and that every
/// filter a BI tool sends reaches an index.
@Suite("BI views")
struct BIViewTests {
    static let op = "gridcast_operational_dev"
    static let bi = "gridcast_bi_dev"

    /// One planted run: its rows for local days `from`...`through`, each the actual times `scale`.
    struct PlantedRun {
        let kind: String
        let runTime: String?
        let createdAt: String
        let from: String
        let through: String
        let scale: Double
        let version: Int
        /// Only local hours before this one (a run that covered part of a day).
        var untilLocalHour = 24
        /// Only this series (PROFILE-SEGMENT); nil: every series.
        var series: String?
    }

    /// Issued and backtest runs that overlap, with a newer issued run, a backtest from before run
    /// times were recorded (null: the oldest) and two backtests of the same run time told apart by
    /// when they were written.
    static let runs = [
        PlantedRun(kind: "issued", runTime: "2024-10-31 16:00+00", createdAt: "2024-10-31 16:05+00",
                   from: "2024-11-01", through: "2024-11-05", scale: 1.10, version: 1),
        PlantedRun(kind: "issued", runTime: "2024-11-02 16:00+00", createdAt: "2024-11-02 16:05+00",
                   from: "2024-11-03", through: "2024-11-04", scale: 1.05, version: 2),
        PlantedRun(kind: "backtest", runTime: "2024-10-20 16:00+00", createdAt: "2024-12-01 10:00+00",
                   from: "2024-10-30", through: "2024-11-05", scale: 0.90, version: 1),
        PlantedRun(kind: "backtest", runTime: nil, createdAt: "2024-12-02 10:00+00",
                   from: "2024-10-30", through: "2024-10-31", scale: 0.80, version: 1),
        PlantedRun(kind: "backtest", runTime: "2024-10-20 16:00+00", createdAt: "2024-12-03 10:00+00",
                   from: "2024-10-31", through: "2024-10-31", scale: 0.95, version: 2, untilLocalHour: 12),
    ]

    static func planted(_ label: String) throws -> Connection {
        try planted(on: try Connection.open(try SampleWarehouse.clone(label)))
    }

    /// Inserts the runs' rows as the forecast writer would (run-log row, forecasts); the caller
    /// supersedes and refreshes accuracy, as a DBA does after inserting forecasts by hand.
    static func plant(_ runs: [PlantedRun], on connection: Connection) throws {
        for run in runs {
            let runID = UUID().uuidString.lowercased()
            try connection.execute("""
                insert into \(op).run_log (run_id, kind, status, finished_at)
                values ($1::uuid, $2, 'succeeded', now())
                """, [runID, run.kind == "issued" ? "forecast" : "backfill"], name: "plant run")
            try connection.execute("""
                insert into \(op).dayahead_load_forecasts
                    (forecast_datetime, predicted_lossadjustedload, predicted_lower_bound, predicted_upper_bound, run_id,
                     model_version, load_profile, load_segment, year, month, day, local_hour, as_of_date, forecast_kind,
                     run_time, created_at)
                select a.hour_start_utc, a.net_load_kwh * $3, a.net_load_kwh * $3 - 500, a.net_load_kwh * $3 + 500,
                       $1::uuid, $4, a.load_profile, a.load_segment, extract(year from a.tradedatelocal),
                       extract(month from a.tradedatelocal), extract(day from a.tradedatelocal), a.tradehourstartlocal,
                       a.tradedatelocal - 1, $2, $5::timestamptz, $6::timestamptz
                from \(op).series_actuals_hourly a
                where a.tradedatelocal between $7::date and $8::date and a.tradehourstartlocal < $9
                  and ($10::text is null or a.load_profile || '-' || a.load_segment = $10)
                """, [runID, run.kind, run.scale, run.version, run.runTime, run.createdAt, run.from, run.through,
                      run.untilLocalHour, run.series],
                name: "plant forecasts")
        }
    }

    static func planted(on connection: Connection) throws -> Connection {
        try plant(runs, on: connection)
        // An hour whose radiation forecast was missing: scored anyway, it must not reach a chart.
        try connection.execute("""
            update \(op).dayahead_load_forecasts
            set out_of_distribution = true, ood_reasons = '{direct_radiation missing}', predicted_lossadjustedload = -941320
            where series_id = 'RES-SOLAR' and forecast_datetime = '2024-11-04 20:00+00' and model_version = 2
            """, name: "plant a missing input")
        // Rows inserted by hand are marked as the writer marks its own, what a DBA runs after such an insert.
        try connection.execute("select \(op).supersede_forecasts()", name: "supersede")
        try connection.execute("select \(op).refresh_forecast_accuracy()", name: "accuracy")
        return connection
    }

    static func lines(_ connection: Connection, _ sql: String) throws -> [String] {
        try connection.execute(sql, name: "lines").rows.compactMap { $0.string("line") }
    }

    @Test("the latest-forecast views pick exactly what DISTINCT ON by run time, write time and run id picks")
    func latestMatchesReference() throws {
        let connection = try Self.planted("bilatest")
        let byKindReference = """
            select distinct on (load_profile, load_segment, forecast_datetime, forecast_kind)
                   load_profile, load_segment, forecast_datetime, forecast_kind, run_id
            from \(Self.op).dayahead_load_forecasts
            order by load_profile, load_segment, forecast_datetime, forecast_kind,
                     run_time desc nulls last, created_at desc, run_id desc
            """
        let key = "load_profile || ' ' || load_segment || ' ' || forecast_datetime || ' ' || forecast_kind || ' ' || run_id"
        let byKind = try Self.lines(connection, "select \(key) as line from \(Self.op).vw_forecasts_by_kind order by 1")
        #expect(byKind == (try Self.lines(connection, "select \(key) as line from (\(byKindReference)) r order by 1")))
        let latest = try Self.lines(connection, "select \(key) as line from \(Self.op).vw_latest_forecasts order by 1")
        let latestReference = try Self.lines(connection, """
            select \(key) as line from (
                select distinct on (load_profile, load_segment, forecast_datetime) *
                from (\(byKindReference)) r
                order by load_profile, load_segment, forecast_datetime, (forecast_kind = 'issued') desc) x
            order by 1
            """)
        #expect(latest == latestReference)
        #expect(latest.count == 6 * 24 * 7 + 6)  // 6 series, 7 local days, one of them 25 hours
        // What was live stays what BI shows: the newer issued run on its days, never a later backtest.
        let shown = try connection.execute("""
            select forecast_date_local::text as day, string_agg(distinct forecast_kind || ' v' || model_version, ',') as picked
            from \(Self.bi).vw_dayahead_load_forecasts where series_id = 'MEDCI-NONSOLAR' group by 1 order by 1
            """, name: "picked").rows.map { "\($0.string("day") ?? "") \($0.string("picked") ?? "")" }
        #expect(shown == ["2024-10-30 backtest v1", "2024-10-31 backtest v1,backtest v2", "2024-11-01 issued v1", "2024-11-02 issued v1",
                          "2024-11-03 issued v2", "2024-11-04 issued v2", "2024-11-05 issued v1"])
    }

    @Test("the fall-back day has 25 distinct local hours with dst_fold and the UTC offset, and the time zone")
    func fallBackDay() throws {
        let connection = try Self.planted("bifold")
        for view in ["vw_dayahead_load_forecasts", "vw_forecast_vs_actual"] {
            let row = try connection.execute("""
                select count(*) as hours,
                       count(distinct (forecast_datetime_local, dst_fold)) as distinct_local,
                       count(*) filter (where dst_fold = 1) as folded,
                       min(local_hour) filter (where dst_fold = 1) as folded_hour,
                       min(utc_offset_hours) as min_offset, max(utc_offset_hours) as max_offset,
                       min(time_zone) as zone
                from \(Self.bi).\(view)
                where series_id = 'RES-NONSOLAR' and forecast_date_local = '2024-11-03' and forecast_kind = 'issued'
                """, name: "fall-back day \(view)").first
            #expect(row?.int("hours") == 25 && row?.int("distinct_local") == 25, "\(view)")
            #expect(row?.int("folded") == 1 && row?.int("folded_hour") == 1, "\(view)")
            #expect(row?.double("min_offset") == -8 && row?.double("max_offset") == -7, "\(view)")
            #expect(row?.string("zone") == "America/Los_Angeles", "\(view)")
        }
    }

    @Test("daily accuracy equals WAPE, MAE, RMSE, bias and peak errors computed from the hourly rows")
    func accuracyMetrics() throws {
        let connection = try Self.planted("biaccuracy")
        let hours = try connection.execute("""
            select local_hour, predicted_lossadjustedload as p, actual_lossadjustedload as a
            from \(Self.bi).vw_forecast_vs_actual
            where series_id = 'SMLCOM-SOLAR' and forecast_date_local = '2024-11-04' and forecast_kind = 'issued'
            order by forecast_datetime
            """, name: "hours").rows.map { ($0.int("local_hour") ?? -1, $0.double("p") ?? .nan, $0.double("a") ?? .nan) }
        #expect(hours.count == 24)
        let errors = hours.map { $0.1 - $0.2 }
        let wape = 100 * errors.map(abs).reduce(0, +) / hours.map { abs($0.2) }.reduce(0, +)
        let mae = errors.map(abs).reduce(0, +) / Double(errors.count)
        let rmse = (errors.map { $0 * $0 }.reduce(0, +) / Double(errors.count)).squareRoot()
        let peakError = hours.map(\.1).max()! - hours.map(\.2).max()!
        let actualPeakHour = hours.max { $0.2 < $1.2 }!.0
        let day = try connection.execute("""
            select * from \(Self.bi).vw_forecast_accuracy
            where series_id = 'SMLCOM-SOLAR' and forecast_date_local = '2024-11-04' and forecast_kind = 'issued'
            """, name: "accuracy").first
        func close(_ column: String, _ expected: Double) -> Bool {
            guard let value = day?.double(column) else { return false }
            return abs(value - expected) <= 1e-9 * max(1, abs(expected))
        }
        #expect(close("wape_percent", wape) && abs(wape - 5) < 1e-6)  // every hour 5% over: WAPE is exactly 5%
        #expect(close("mae_kwh", mae) && close("rmse_kwh", rmse) && close("bias_kwh", errors.reduce(0, +) / 24))
        #expect(close("peak_error_kwh", peakError) && day?.int("actual_peak_hour") == actualPeakHour)
        #expect(day?.int("model_version") == 2 && day?.string("model_versions") == "{2}")
        // A day of two runs' versions says so instead of showing the highest.
        let mixed = try connection.execute("""
            select model_version, model_versions::text as versions from \(Self.bi).vw_forecast_accuracy
            where series_id = 'SMLCOM-SOLAR' and forecast_date_local = '2024-10-31' and forecast_kind = 'backtest'
            """, name: "mixed").first
        #expect(mixed?.int("model_version") == nil && mixed?.string("versions") == "{1,2}")
    }

    @Test("an hour scored with a missing input is withheld from the chart column and counted")
    func missingInputWithheld() throws {
        let connection = try Self.planted("biwithheld")
        let hour = try connection.execute("""
            select predicted_lossadjustedload as raw, chart_lossadjustedload as chart, inputs_missing
            from \(Self.bi).vw_dayahead_load_forecasts
            where series_id = 'RES-SOLAR' and forecast_datetime = '2024-11-04 20:00+00'
            """, name: "withheld").first
        #expect(hour?.double("raw") == -941320 && hour?.double("chart") == nil && hour?.bool("inputs_missing") == true)
        #expect(try connection.execute("""
            select count(*) as n from \(Self.bi).vw_dayahead_load_forecasts
            where chart_lossadjustedload is null or inputs_missing
            """, name: "withheld count").first?.int("n") == 1)
        #expect(try connection.execute("""
            select inputs_missing_hours as n from \(Self.bi).vw_forecast_accuracy
            where series_id = 'RES-SOLAR' and forecast_date_local = '2024-11-04' and forecast_kind = 'issued'
            """, name: "counted").first?.int("n") == 1)
    }

    /// The stored daily accuracy and the live computation, as comparable lines.
    static func accuracyLines(_ connection: Connection, _ relation: String) throws -> [String] {
        try lines(connection, """
            select series_id || ' ' || forecast_date_local || ' ' || forecast_kind || ' ' || in_sample || ' '
                   || hours_compared || ' ' || round(wape_percent::numeric, 9) || ' ' || round(rmse_kwh::numeric, 6) as line
            from \(relation) order by 1
            """)
    }

    @Test("a restated actual reaches the stored daily accuracy in the load that brings it")
    func accuracyFollowsLoads() throws {
        let connection = try Self.planted("biactuals")
        let before = try Self.accuracyLines(connection, "\(Self.op).forecast_accuracy_daily")
        #expect(before == (try Self.accuracyLines(connection, "\(Self.op).vw_forecast_accuracy_live")) && !before.isEmpty)
        let (rows, summary) = try SampleWarehouse.restate(
            connection, where: "tradedatelocal = '2024-11-04' and loadprofile = 'MEDCI' and tradehourstartlocal = 15",
            values: "loadlal * 2, genlal, metercount")
        #expect(summary.inserted + summary.updated == rows && rows > 0)
        let after = try Self.accuracyLines(connection, "\(Self.op).forecast_accuracy_daily")
        #expect(after == (try Self.accuracyLines(connection, "\(Self.op).vw_forecast_accuracy_live")))
        let changed = Set(after).subtracting(before).map { String($0.prefix(while: { $0 != " " })) }
        #expect(Set(changed) == ["MEDCI-SOLAR", "MEDCI-NONSOLAR"], "\(changed)")
    }

    /// The SQL of every panel and variable of dashboards/gridcast-grafana.json, with Grafana's macros
    /// expanded as Grafana expands them for a time range of 2024-10-30 to 2024-11-06.
    static func dashboardQueries() throws -> [(title: String, sql: String)] {
        let url = Repository.root.appendingPathComponent("dashboards/gridcast-grafana.json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let panels = try #require(document["panels"] as? [[String: Any]])
        var queries: [(String, String)] = panels.flatMap { panel in
            ((panel["targets"] as? [[String: Any]]) ?? []).compactMap { target in
                (target["rawSql"] as? String).map { (panel["title"] as? String ?? "?", $0) }
            }
        }
        let variables = ((document["templating"] as? [String: Any])?["list"] as? [[String: Any]]) ?? []
        queries += variables.filter { $0["type"] as? String == "query" }.compactMap { variable in
            (variable["query"] as? String).map { ("variable \(variable["name"] ?? "?")", $0) }
        }
        let (from, to) = ("'2024-10-30T00:00:00Z'", "'2024-11-06T00:00:00Z'")
        return try queries.map { title, sql in
            let expanded = sql.replacingOccurrences(of: "${bi_schema}", with: bi)
                .replacingOccurrences(of: "${series:sqlstring}", with: "'RES-SOLAR'")
                .replacingOccurrences(of: "$__timeFrom()", with: from)
                .replacingOccurrences(of: "$__timeTo()", with: to)
                .replacing(try Regex(#"\$__timeFilter\(([a-z_]+)\)"#)) { match in
                    "\(match.output[1].substring ?? "") between \(from) and \(to)"
                }
            return (title, expanded)
        }
    }

    @Test("every query of the Grafana dashboard runs as the BI reader and returns rows")
    func dashboardRunsAsBIReader() throws {
        let connection = try Self.planted("bidashboard")
        let queries = try Self.dashboardQueries()
        #expect(queries.count == 7)
        try connection.execute("set role gridcast_bi_reader_dev", name: "as BI")
        try connection.execute("set statement_timeout = '5s'", name: "timeout")
        for (title, sql) in queries {
            #expect(!sql.contains("$"), "\(title): a macro the test does not expand: \(sql)")
            let rows = try connection.execute(sql, name: title).rows.count
            #expect(rows > 0, "\(title) returned no rows:\n\(sql)")
        }
    }

    /// Queries as BI tools send them: one series and day, a time range, a kind, all series over a month.
    static let biQueries = [
        "select * from \(bi).vw_dayahead_load_forecasts where series_id = 'RES-SOLAR' and forecast_date_local = '2024-11-03'",
        "select * from \(bi).vw_dayahead_load_forecasts where series_id = 'RES-SOLAR' and forecast_kind = 'issued'"
            + " and forecast_datetime >= '2024-11-02' and forecast_datetime < '2024-11-04'",
        "select * from \(bi).vw_dayahead_load_forecasts where forecast_datetime >= '2024-11-04' and forecast_datetime < '2024-11-05'",
        "select * from \(bi).vw_forecast_vs_actual where series_id = 'RES-SOLAR' and forecast_date_local = '2024-11-03'",
        "select * from \(bi).vw_forecast_accuracy where forecast_date_local between '2024-10-06' and '2024-11-04'",
        "select * from \(bi).vw_forecast_drivers where series_id = 'RES-SOLAR' and forecast_date_local = '2024-11-03'",
        "select * from \(bi).vw_data_freshness",
    ]

    @Test("every BI filter reaches an index: no sequential scan of forecasts, actuals or SQMD")
    func filtersUseIndexes() throws {
        let connection = try Self.planted("biplans")
        try connection.execute("analyze", name: "analyze")
        try connection.execute("set enable_seqscan = off", name: "scans off")  // a scan left means no usable index
        for query in Self.biQueries {
            let plan = try connection.execute("explain \(query)", name: "plan").rows.compactMap { $0.string("QUERY PLAN") }
                .joined(separator: "\n")
            #expect(plan.contains("Index"), "\(query)\n\(plan)")
            for table in ["dayahead_load_forecasts", "series_actuals_hourly", "sqmd", "weather_hourly"] {
                #expect(!plan.contains("Seq Scan on \(table)"), "\(query)\n\(plan)")
            }
        }
    }
}
