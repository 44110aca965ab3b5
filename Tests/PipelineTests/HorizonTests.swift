import Features
import Foundation
import Pipeline
import Testing
import TestSupport
import Warehouse

/// Forecast horizons (migration 0030, `--lead-days`): a model for D+N sees only what a run N days before
/// its target day knew, has its own champion, and writes rows that say their lead.
@Suite("Forecast horizons: D+2 and D+3 as known N days ahead")
struct HorizonTests {
    static let series = ForecastPipelineTests.series
    static let table = ForecastPipelineTests.table

    @Test("lead 3: no SQMD after D - 3 - delay and no weather issued after D - 3 at the issue time reach a feature")
    func leadThreeSeesNoFuture() throws {
        let connection = try Connection.open(try SampleWarehouse.clone("lead3"))
        let targetDay = "2024-11-20", delay = 14
        // Every submission arrives the day after its trade date, so the lead's cutoff alone must hold the
        // markers back, not their arrival: a huge load on every trade date after D - 3 - delay (the target
        // day itself is the label, not a feature) ...
        try connection.execute("""
            update gridcast_input_dev.sqmd
            set available_at = ((tradedatelocal + 1)::timestamp at time zone 'America/Los_Angeles'),
                loadlal = case when tradedatelocal > $1::date - 3 - $2::int and tradedatelocal <> $1::date
                               then 1e9 else loadlal end
            """, [targetDay, delay], name: "markers and early arrival")
        // ... and a weather forecast of the target day issued on D - 1 at 08:30 local (after the D - 3 run,
        // before the D - 1 run) saying 60 degrees, as of the day before too (the temperature history).
        try connection.execute("""
            insert into gridcast_input_dev.weather_hourly
                (location, kind, valid_at, issued_at, temperature_2m, apparent_temperature, cloud_cover, direct_radiation,
                 diffuse_radiation, shortwave_radiation, wind_speed_10m, relative_humidity_2m, is_day, source)
            select distinct on (valid_at) location, 'forecast', valid_at,
                   (($1::date - 1) + time '08:30') at time zone 'America/Los_Angeles', 60, 60, cloud_cover, direct_radiation,
                   diffuse_radiation, shortwave_radiation, wind_speed_10m, relative_humidity_2m, is_day, 'planted'
            from gridcast_input_dev.weather_hourly
            where location = 'san_diego' and kind = 'observed'
              and valid_at >= ($1::date - 1)::timestamp at time zone 'America/Los_Angeles'
              and valid_at < ($1::date + 1)::timestamp at time zone 'America/Los_Angeles'
            order by valid_at
            """, [targetDay], name: "planted weather")

        func features(lead: Int) throws -> SeriesFeatures {
            try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout, series: Self.series,
                                            start: targetDay, end: targetDay,
                                            settings: FeatureSettings(delayDays: delay, leadDays: lead),
                                            requireTarget: false, asOf: .dayAhead())
        }
        func leaked(_ data: SeriesFeatures) -> [String] {
            data.matrix.featureNames.enumerated().filter { column, name in
                (0..<data.matrix.rowCount).contains { row in
                    let value = data.matrix[row, column]
                    return value > 1e7 || (name.contains("temperature") && value == 60)
                }
            }.map(\.element)
        }
        let three = try features(lead: 3)
        #expect(three.keys.count == 24)
        #expect(leaked(three).isEmpty, "features that saw the future at lead 3: \(leaked(three))")
        let runTime = try connection.execute("""
            select to_char(((($1::date - 3) + time '09:00') at time zone 'America/Los_Angeles') at time zone 'UTC',
                           'YYYY-MM-DD HH24:MI:SS') || '+00' as t
            """, [targetDay], name: "D - 3 run time").first?.string("t")
        #expect(Set(three.keys.map(\.runTime)) == [try #require(runTime)], "every row as of D - 3 at 09:00")
        #expect(three.keys.allSatisfy { $0.sqmdKnownAt.map { $0 <= runTime! } ?? true })
        #expect(three.matrix.column("lag_21d").allSatisfy { !$0.isNaN }, "the lags a D - 3 run knows are there")
        #expect(three.matrix.column("same_hour_mean_7d").allSatisfy { !$0.isNaN })

        // Not vacuous: the day-ahead run knows two more days of load and the D - 1 weather forecast.
        let one = try features(lead: 1)
        #expect(Set(leaked(one)).isSuperset(of: ["same_hour_mean_7d", "temperature_2m"]), "\(leaked(one))")
    }

    @Test("a lead below delay + lead days is refused; a lead's default lags start at delay + lead")
    func leadSettings() throws {
        #expect(FeatureSettings(delayDays: 1, leadDays: 3).lagDays == [4, 5, 6, 7, 14, 21, 28, 35, 364])
        #expect(FeatureSettings(delayDays: 14, leadDays: 2).lagDays == [21, 28, 35, 42, 364])
        do {
            try FeatureSettings(delayDays: 1, lagDays: [2, 3, 7], leadDays: 2).validate()
            Issue.record("a lag of 2 days at delay 1, lead 2 reads a day the run cannot know")
        } catch {
            #expect(error.description.contains("at least 3 days") && error.description.contains("lead 2"), "\(error)")
        }
        #expect(throws: FeatureError.self) { try FeatureSettings(delayDays: 14, leadDays: 0).validate() }
        #expect(throws: FeatureError.self) { try FeatureSettings(delayDays: 14, leadDays: 8).validate() }
        // A model stored before leads existed is a day-ahead model.
        let old = try JSONDecoder().decode(FeatureSettings.self, from: Data(#"{"delayDays":14,"lagDays":[21,28]}"#.utf8))
        #expect(old.leadDays == 1)
    }

    @Test("a D+2 model is champion beside the day-ahead one; its backtests are as of D - 2, in the CLI and in SQL")
    func dPlusTwoChampion() throws {
        try ExtensionInstall.ensure()
        let (target, connection) = try ForecastPipelineTests.prepared("lead2")
        var configuration = SampleWarehouse.quickTraining
        configuration.trials = 1
        configuration.maxRounds = 150
        configuration.features = FeatureSettings(delayDays: 14, leadDays: 2)
        let trained = try #require(try TrainingRun(target: target, layout: SampleWarehouse.layout, configuration: configuration,
                                                   query: try SampleWarehouse.query).train([Self.series]).first).get()
        #expect(trained.status == "approved", "\(trained.reason)")
        let champions = try connection.execute("""
            select lead_days, model_version, (metrics -> 'feature_settings' ->> 'leadDays')::int as settings_lead
            from gridcast_operational_dev.model_registry where status = 'approved' order by lead_days
            """, name: "champions").rows
        #expect(champions.map { $0.int("lead_days") } == [1, 2], "one champion per lead: \(champions)")
        #expect(champions.last?.int("settings_lead") == 2)
        let registry = ModelRegistry(connection: connection, layout: SampleWarehouse.layout)
        #expect(try registry.champion(Self.series, lead: 2)?.0.version == champions.last?.int("model_version"))
        #expect(try registry.champion(Self.series)?.0.version == champions.first?.int("model_version"))

        // A backtest at lead 2: as of D - 2 at 09:00, with weather issued by then only (the sample's vintages
        // are 24 and 48 hours ahead, so the afternoon hours have none and are flagged).
        let day = "2024-07-10"
        var run = ForecastRun(layout: SampleWarehouse.layout, query: try SampleWarehouse.query)
        run.policy.leadDays = 2
        run.policy.allowMissingWeather = true
        let runID = try ForecastPipelineTests.runID(connection)
        let result = try run.run(series: [Self.series], targetDates: [day], runID: runID, on: connection, failFast: true)
        #expect(result.rowsWritten == 24)
        let rows = try #require(try connection.execute("""
            select count(*) as n, bool_and(lead_days = 2) as lead, bool_and(as_of_date = $2::date - 2) as as_of,
                   bool_and(run_time = ($2::date - 2 + time '09:00') at time zone 'America/Los_Angeles') as run_time,
                   bool_and(weather_issued_at is null or weather_issued_at <= run_time) as weather_known,
                   bool_and(sqmd_known_at <= run_time) as sqmd_known,
                   count(*) filter (where weather_issued_at is null) as no_weather,
                   min(model_version) as version
            from \(Self.table) where run_id = $1::uuid
            """, [runID, day], name: "lead 2 rows").first)
        #expect(rows.int("n") == 24 && rows.bool("lead") == true && rows.bool("as_of") == true && rows.bool("run_time") == true)
        #expect(rows.bool("weather_known") == true && rows.bool("sqmd_known") == true)
        #expect((rows.int("no_weather") ?? 0) > 0, "hours without a forecast issued by D - 2 09:00 are flagged, not filled")
        #expect(rows.int("version") == champions.last?.int("model_version"), "the D+2 champion made them")

        // The same forecast in SQL, column for column.
        try connection.execute("create extension gridcast", name: "create extension")
        let columns = ForecastWriter.columns.filter { $0 != "run_id" }.joined(separator: ", ")
        let sql = """
            (select \(columns) from gridcast_forecast($1::regclass, $2, $3, $4::date, missing_weather => 'allow', lead => 2))
            """
        let cli = "(select \(columns) from \(Self.table) where run_id = $5::uuid)"
        #expect(try connection.execute("""
            select (select count(*) from (\(sql) except all \(cli)) a) + (select count(*) from (\(cli) except all \(sql)) b) as n
            """, ["gridcast_operational_dev.model_registry", Self.series.loadProfile, Self.series.loadSegment, day, runID],
            name: "SQL and CLI at lead 2").first?.int("n") == 0)

        // A day-ahead backtest of the same day later supersedes the D+2 rows: its run time is newer.
        run.policy.leadDays = 1
        let dayAhead = try run.run(series: [Self.series], targetDates: [day], runID: try ForecastPipelineTests.runID(connection),
                                   on: connection, failFast: true)
        #expect(dayAhead.rowsWritten == 24)
        let current = try connection.execute("""
            select lead_days, count(*) filter (where superseded_at is null) as current, count(*) as n
            from \(Self.table) where forecast_date_local = $1::date group by lead_days order by lead_days
            """, [day], name: "current rows").rows
        #expect(current.map { [$0.int("lead_days"), $0.int("current"), $0.int("n")] } == [[1, 24, 24], [2, 0, 24]], "\(current)")
    }
}
