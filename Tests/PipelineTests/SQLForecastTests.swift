import Boosting
import Features
import Foundation
import Ingest
import ModelCore
import Pipeline
import Testing
import TestSupport
import Warehouse

/// The extension's gridcast_forecast() runs in the server what `gridcast forecast` runs in the client:
/// the same feature SQL, champion, bounds, flags, lineage and drivers, column for column, bit for bit.
@Suite("forecast() in SQL equals gridcast forecast", .serialized)
struct SQLForecastTests {
    static let series = ForecastPipelineTests.series
    static let table = ForecastPipelineTests.table
    static let registry = "gridcast_operational_dev.model_registry"
    /// Every column gridcast_forecast() returns, as dayahead_load_forecasts names them.
    static let columns = ForecastWriter.columns.filter { $0 != "run_id" }

    /// A trained sample warehouse with the extension created in it; its champion is an ensemble of three
    /// searched candidates, stored as one averaged model, so every comparison below covers that too. It
    /// learns the load unless told otherwise (`levelModelEqualsCLI` covers the other target).
    static func prepared(_ label: String, target: TargetRule = .load, extensionVersion: String? = nil) throws -> Connection {
        try ExtensionInstall.ensure()
        let (_, connection) = try ForecastPipelineTests.prepared(label, ensemble: true, target: target)
        let ensemble = try connection.execute("""
            select metrics -> 'ensemble' ->> 'used' as used, jsonb_array_length(metrics -> 'ensemble' -> 'member_rounds') as members,
                   (select sum(r::int) from jsonb_array_elements_text(metrics -> 'ensemble' -> 'member_rounds') r)
                     = (metrics ->> 'rounds')::int as rounds_add_up
            from \(registry) where status = 'approved'
            """, name: "ensemble metrics").first
        #expect(ensemble?.string("used") == "true" && ensemble?.int("members") == 3 && ensemble?.bool("rounds_add_up") == true)
        try connection.execute("create extension gridcast" + (extensionVersion.map { " version '\($0)'" } ?? ""),
                               name: "create extension")
        return connection
    }

    /// Writes `gridcast forecast`'s rows for `dates` (day-ahead mode, the champion), returning the run id.
    @discardableResult
    static func cliForecast(_ dates: [String], policy: ForecastPolicy = ForecastPolicy(), on connection: Connection) throws -> String {
        var run = ForecastRun(layout: SampleWarehouse.layout, query: try SampleWarehouse.query)
        run.model = .champion
        run.mode = .dayAhead
        run.policy = policy
        let runID = try ForecastPipelineTests.runID(connection)
        let result = try run.run(series: [series], targetDates: dates, runID: runID, on: connection, failFast: true)
        #expect(result.rowsWritten > 0)
        return runID
    }

    /// Rows of the SQL forecast that differ from the CLI's rows of that day, both ways round.
    static func differences(_ date: String, runID: String, missingWeather: String = "error", ignoring: Set<String> = [],
                            on connection: Connection) throws -> Int {
        let compared = columns.filter { !ignoring.contains($0) }.joined(separator: ", ")
        let sql = "(select \(compared) from gridcast_forecast($1::regclass, $2, $3, $4::date, missing_weather => $6))"
        let cli = "(select \(compared) from \(table) where run_id = $5::uuid and make_date(year, month, day) = $4::date)"
        return try connection.execute("""
            select (select count(*) from (\(sql) except all \(cli)) a) + (select count(*) from (\(cli) except all \(sql)) b) as n
            """, [registry, series.loadProfile, series.loadSegment, date, runID, missingWeather],
            name: "compare SQL and CLI forecasts").first?.int("n") ?? -1
    }

    /// What `body` threw, as text; "no error" when it did not throw.
    static func failure(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        return "no error"
    }

    @Test("past days (backtests as of D - 1), a DST day included: every column equal to the CLI's rows")
    func backtestsEqualCLI() throws {
        let connection = try Self.prepared("sqlfc")
        // Implausible sunshine and heat in the forecast of 2024-07-10, so its hours are out of distribution
        // and their reasons (with numbers) are compared too.
        try connection.execute("""
            update gridcast_input_dev.weather_hourly
            set temperature_2m = temperature_2m + 25, shortwave_radiation = shortwave_radiation + 2000.125
            where kind = 'forecast' and valid_at >= '2024-07-10 07:00+00' and valid_at < '2024-07-11 07:00+00'
            """, name: "heat wave")
        let runID = try Self.cliForecast(["2024-07-10", "2024-11-03"], on: connection)
        for date in ["2024-07-10", "2024-11-03"] {
            #expect(try Self.differences(date, runID: runID, on: connection) == 0, "\(date) differs")
        }
        let hot = try connection.execute("""
            select count(*) as n from \(Self.table), unnest(ood_reasons) r
            where run_id = $1::uuid and r like '% outside training range [%, %]'
            """, [runID], name: "hot hours").first?.int("n") ?? 0
        #expect(hot > 0, "the changed weather is out of distribution")
        let shape = try #require(try connection.execute("""
            select count(*) as hours, bool_and(forecast_kind = 'backtest') as backtest, bool_and(drivers is not null) as drivers,
                   bool_and(predicted_lower_bound <= predicted_lossadjustedload
                            and predicted_lossadjustedload <= predicted_upper_bound) as bounded
            from gridcast_forecast($1::regclass, $2, $3, '2024-11-03')
            """, [Self.registry, Self.series.loadProfile, Self.series.loadSegment], name: "shape").first)
        #expect(shape.int("hours") == 25)
        #expect(shape.bool("backtest") == true && shape.bool("drivers") == true && shape.bool("bounded") == true)

        // insert ... select from any SQL client: the columns are the table's, plus a run id.
        let sqlRun = try ForecastPipelineTests.runID(connection)
        let inserted = try connection.execute("""
            insert into \(Self.table) (\(Self.columns.joined(separator: ", ")), run_id)
            select f.*, $5::uuid from gridcast_forecast($1::regclass, $2, $3, $4::date) f
            """, [Self.registry, Self.series.loadProfile, Self.series.loadSegment, "2024-07-10", sqlRun], name: "insert select")
        #expect(inserted.affectedRows == 24)
    }

    @Test("a blended champion (trees and a linear member in one model_json): SQL scores it as the CLI does, column for column")
    func blendedModelEqualsCLI() throws {
        // Installed at 0.8, which scores the trees alone: gridcast check says so once a champion is blended.
        let connection = try Self.prepared("sqlfcblend", extensionVersion: "0.8")
        func outdated() throws -> [CheckFinding] {
            try HealthCheck.findings(on: connection, layout: SampleWarehouse.layout, asOf: nil)
                .filter { $0.check == "extension_outdated" }
        }
        #expect(try outdated().isEmpty, "no blended champion yet")
        let treesRun = try Self.cliForecast(["2024-07-10"], on: connection)
        // Kept aside: the next backtest of the day replaces these rows.
        let treesOnly = try connection.execute("""
            select forecast_datetime::text as hour, predicted_lossadjustedload as load from \(Self.table) where run_id = $1::uuid
            """, [treesRun], name: "trees only").rows.map { ($0.string("hour") ?? "", $0.double("load") ?? .nan) }
        #expect(treesOnly.count == 24)
        // The champion with a linear member blended in by hand, stored as training stores one.
        // Both fits: a backtest scores the evaluated one (holdout_model_json), an issued forecast the refit.
        let champion = try #require(try connection.execute("""
            select model_id, model_json::text as json, holdout_model_json::text as holdout, features
            from \(Self.registry) where status = 'approved'
            """, name: "champion").first)
        let id = try #require(champion.int("model_id"))
        func blended(_ json: String) throws -> String {
            let trees = try Booster(modelJSON: Data(json.utf8))
            let features = trees.featureNames
            let blend = LinearBlend(treesWeight: 0.75, linearWeight: 0.25, intercept: 900, features: features,
                                    center: features.indices.map { Double($0) }, scale: features.map { _ in 7.5 },
                                    coefficients: features.indices.map { Double($0 % 5) - 2 })
            return String(decoding: try BlendedModel(trees: trees, blend: blend).modelJSON(), as: UTF8.self)
        }
        try connection.execute("""
            update \(Self.registry) set model_json = $1::json, holdout_model_json = $2::json where model_id = $3
            """, [try blended(try #require(champion.string("json"))), try blended(try #require(champion.string("holdout"))), id],
            name: "blend the champion")
        let finding = try outdated()
        #expect(finding.count == 1 && finding.first?.detail.contains("older than 0.9") == true
                && finding.first?.detail.contains("\(Self.series)") == true, "\(finding)")
        try connection.execute("alter extension gridcast update", name: "update to the default")
        #expect(try outdated().isEmpty)

        let runID = try Self.cliForecast(["2024-07-10", "2024-11-03"], on: connection)
        for date in ["2024-07-10", "2024-11-03"] {
            #expect(try Self.differences(date, runID: runID, on: connection) == 0, "\(date) differs")
        }
        // Not vacuous: the blend moved every hour, and SQL's contributions still sum to its prediction.
        let blendedLoads = Dictionary(uniqueKeysWithValues: try connection.execute("""
            select forecast_datetime::text as hour, predicted_lossadjustedload as load from \(Self.table) where run_id = $1::uuid
            """, [runID], name: "blended").rows.map { ($0.string("hour") ?? "", $0.double("load") ?? .nan) })
        #expect(treesOnly.filter { hour, load in blendedLoads[hour].map { $0 != load } == true }.count == 24)
        let sums = try #require(try connection.execute("""
            select bool_and(abs((select sum(c) from unnest(gridcast_contributions($1::regclass, f.model_id, f.feature_values)) c)
                                - gridcast_predict($1::regclass, f.model_id, f.feature_values))
                            < 1e-3 * greatest(1, abs(gridcast_predict($1::regclass, f.model_id, f.feature_values)))) as ok
            from gridcast_features($1::regclass, $2, $3, '2024-07-10') f
            """, [Self.registry, Self.series.loadProfile, Self.series.loadSegment], name: "contributions").first)
        #expect(sums.bool("ok") == true)
    }

    @Test("a model that learned the deviation from the recent level: the level is added back, every column equal to the CLI's")
    func levelModelEqualsCLI() throws {
        // Installed at 0.6, which does not add the level back: gridcast check says so until the update.
        let connection = try Self.prepared("sqlfclevel", target: .level, extensionVersion: "0.6")
        #expect(try connection.execute("""
            select metrics -> 'feature_settings' ->> 'targetBase' as base from \(Self.registry) where status = 'approved'
            """, name: "target base").first?.string("base") == FeatureSettings.recentLevelBase)
        func outdated() throws -> [CheckFinding] {
            try HealthCheck.findings(on: connection, layout: SampleWarehouse.layout, asOf: nil)
                .filter { $0.check == "extension_outdated" }
        }
        let finding = try outdated()
        #expect(finding.count == 1 && finding.first?.observed == 1, "\(finding)")
        #expect(finding.first.map { $0.detail.contains("gridcast 0.6") && $0.detail.contains("\(Self.series)")
                                    && $0.detail.contains("ALTER EXTENSION gridcast UPDATE") } == true, "\(finding)")
        try connection.execute("alter extension gridcast update", name: "update to the default")
        #expect(try outdated().isEmpty)
        let runID = try Self.cliForecast(["2024-07-10", "2024-11-03"], on: connection)
        for date in ["2024-07-10", "2024-11-03"] {
            #expect(try Self.differences(date, runID: runID, on: connection) == 0, "\(date) differs")
        }
        // The model's own output is the deviation (small against the load); the forecast is it plus the level.
        let hours = try #require(try connection.execute("""
            select count(*) as hours,
                   count(*) filter (where (gridcast_predict($1::regclass, f.model_id, f.feature_values)::float4
                                           + f.target_base::float4)::float8 = c.predicted_lossadjustedload) as added,
                   avg(abs(gridcast_predict($1::regclass, f.model_id, f.feature_values))) / avg(abs(c.predicted_lossadjustedload))
                     as deviation_share
            from gridcast_features($1::regclass, $2, $3, '2024-07-10') f
            join gridcast_forecast($1::regclass, $2, $3, '2024-07-10') c using (forecast_datetime)
            """, [Self.registry, Self.series.loadProfile, Self.series.loadSegment], name: "level added").first)
        #expect(hours.int("hours") == 24 && hours.int("added") == 24)
        #expect((hours.double("deviation_share") ?? 1) < 0.3, "\(hours)")
        // No load in the 28 days behind the delay: no level to add, so no forecast (in SQL as in the CLI).
        try connection.execute("""
            delete from gridcast_input_dev.sqmd where loadprofile = $1 and tradedatelocal between '2024-05-01' and '2024-06-30'
            """, [Self.series.loadProfile], name: "forget the weeks before")
        let noLevel = Self.failure {
            try connection.execute("select * from gridcast_forecast($1::regclass, $2, $3, '2024-07-10')",
                                   [Self.registry, Self.series.loadProfile, Self.series.loadSegment], name: "no level")
        }
        #expect(noLevel.contains("recent same-hour level"), "\(noLevel)")
        let cli = Self.failure { try Self.cliForecast(["2024-07-10"], on: connection) }
        #expect(cli.contains("recent same-hour level"), "\(cli)")
    }

    @Test("what-if: gridcast_features() gives the rows gridcast_forecast() scores; changing one feature moves the forecast")
    func whatIf() throws {
        let connection = try Self.prepared("sqlfcwhatif")
        let feature = "shortwave_radiation"
        let features = try connection.execute("""
            select features::text as f from gridcast_model($1::regclass, 'SMLCOM', 'SOLAR')
            """, [Self.registry], name: "model features").first?.string("f") ?? ""
        try #require(features.contains(feature), "the quick model uses \(feature): \(features)")
        // The README's what-if query, with the feature as a parameter.
        let result = try #require(try connection.execute("""
            select count(*) as hours,
                   count(*) filter (where gridcast_predict($1::regclass, f.model_id, f.feature_values)
                                          = c.predicted_lossadjustedload) as same,
                   count(*) filter (where gridcast_predict($1::regclass, f.model_id,
                                          array(select case when u.name = $2 then u.value + 200 else u.value end
                                                from unnest(f.features, f.feature_values) with ordinality u(name, value, i)
                                                order by u.i)) <> c.predicted_lossadjustedload) as changed
            from gridcast_features($1::regclass, 'SMLCOM', 'SOLAR', '2024-07-10') f
            join gridcast_forecast($1::regclass, 'SMLCOM', 'SOLAR', '2024-07-10') c using (forecast_datetime)
            """, [Self.registry, feature], name: "what if").first)
        #expect(result.int("hours") == 24 && result.int("same") == 24)
        #expect((result.int("changed") ?? 0) > 0, "200 W/m2 more sun changes some hours")
    }

    @Test("a day without weather: an ERROR by default, the CLI's baseline or flagged model rows on request")
    func missingWeatherEqualsCLI() throws {
        let connection = try Self.prepared("sqlfcw")
        try connection.execute("""
            delete from gridcast_input_dev.weather_hourly
            where kind = 'forecast' and valid_at >= '2024-11-20 08:00+00' and valid_at <= '2024-11-21 08:00+00'
            """, name: "drop the day's weather forecasts")
        let noWeather = Self.failure {
            try connection.execute("select * from gridcast_forecast($1::regclass, $2, $3, '2024-11-20')",
                                   [Self.registry, Self.series.loadProfile, Self.series.loadSegment], name: "no weather")
        }
        #expect(noWeather.contains("24 of 24 hours have no weather forecast issued at or before the run time"), "\(noWeather)")
        #expect(noWeather.contains("seasonal_naive"), "\(noWeather)")
        let baseline = try Self.cliForecast(["2024-11-20"], policy: ForecastPolicy(fallbackToBaseline: true), on: connection)
        #expect(try Self.differences("2024-11-20", runID: baseline, missingWeather: "seasonal_naive", on: connection) == 0)
        let allowed = try Self.cliForecast(["2024-11-20"], policy: ForecastPolicy(allowMissingWeather: true), on: connection)
        #expect(try Self.differences("2024-11-20", runID: allowed, missingWeather: "allow", on: connection) == 0)
    }

    @Test("a day not begun yet is issued as of now with the champion, equal to the CLI's but for the run time")
    func issuedDayEqualsCLI() throws {
        let connection = try Self.prepared("sqlfci")
        let tomorrow = try #require(try ForecastRun.tomorrow(of: [Self.series], on: connection, layout: SampleWarehouse.layout)[Self.series])
        let day = try #require(LocalDate(tomorrow))
        try CalendarTableWriter(layout: SampleWarehouse.layout).fill(from: day, through: day.adding(days: 1), on: connection)
        let runID = try Self.cliForecast([tomorrow], policy: ForecastPolicy(allowMissingWeather: true), on: connection)
        #expect(try Self.differences(tomorrow, runID: runID, missingWeather: "allow", ignoring: ["run_time"], on: connection) == 0)
        let issued = try #require(try connection.execute("""
            select bool_and(forecast_kind = 'issued' and run_time = now()) as issued_now from
            gridcast_forecast($1::regclass, $2, $3, $4::date, missing_weather => 'allow')
            """, [Self.registry, Self.series.loadProfile, Self.series.loadSegment, tomorrow], name: "issued").first)
        #expect(issued.bool("issued_now") == true)
    }

    @Test("the caller's settings are as they were afterwards, and bad arguments are ERRORs that say what to do")
    func settingsAndErrors() throws {
        let connection = try Self.prepared("sqlfce")
        try connection.execute("set timezone = 'America/New_York'", name: "caller time zone")
        _ = try connection.execute("select count(*) from gridcast_forecast($1::regclass, $2, $3, '2024-07-10')",
                                   [Self.registry, Self.series.loadProfile, Self.series.loadSegment], name: "forecast")
        let settings = try #require(try connection.execute("""
            select current_setting('TimeZone') as tz, coalesce(current_setting('gridcast.load_profile', true), '') as profile
            """, name: "settings after").first)
        #expect(settings.string("tz") == "America/New_York" && settings.string("profile") == "")
        let cases: [(arguments: String, message: String)] = [
            ("'NOPE', 'SOLAR', '2024-07-10'", "series NOPE-SOLAR is not in the series_catalog"),
            ("'SMLCOM', 'SOLAR', '2024-07-10', version => 99", "has no model version 99"),
            ("'SMLCOM', 'SOLAR', '2024-07-10', missing_weather => 'guess'", "missing_weather must be"),
            ("'SMLCOM', 'SOLAR', '2024-07-10', issue_time => '25:00'", "issue_time must be"),
            ("'SMLCOM', 'SOLAR', '2030-01-01'", "the calendar has no hours"),
        ]
        for entry in cases {
            let message = Self.failure {
                try connection.execute("select * from gridcast_forecast('\(Self.registry)', \(entry.arguments))", name: "bad call")
            }
            #expect(message.contains(entry.message), "\(entry.arguments): \(message)")
        }
        // The runner may forecast in SQL; the BI reader, who cannot read the inputs, may not.
        try connection.execute("set role gridcast_runner_dev", name: "as runner")
        #expect(try connection.execute("select count(*) as n from gridcast_forecast($1::regclass, 'SMLCOM', 'SOLAR', '2024-07-10')",
                                       [Self.registry], name: "runner forecast").first?.int("n") == 24)
        try connection.execute("set role gridcast_bi_reader_dev", name: "as BI reader")
        let denied = Self.failure {
            try connection.execute("select * from gridcast_forecast('\(Self.registry)', 'SMLCOM', 'SOLAR', '2024-07-10')",
                                   name: "BI reader forecast")
        }
        #expect(denied.contains("permission denied"), "\(denied)")
        try connection.execute("reset role", name: "reset role")
        try connection.execute("delete from gridcast_operational_dev.feature_sql", name: "forget the feature SQL")
        let noSQL = Self.failure {
            try connection.execute("select * from gridcast_forecast('\(Self.registry)', 'SMLCOM', 'SOLAR', '2024-07-10')",
                                   name: "no SQL")
        }
        #expect(noSQL.contains("no feature SQL recorded") && noSQL.contains("gridcast train"), "\(noSQL)")
    }
}
