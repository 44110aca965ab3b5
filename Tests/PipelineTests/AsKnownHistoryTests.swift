import Features
import Foundation
import Ingest
import Pipeline
import Testing
import TestSupport
import Warehouse

/// Leak tests: a backtest or forecast sees only what was known at its run time (SPEC 8). Each plants a
/// value the run must not see, checks it is not seen, then moves the plant before the run time and
/// checks it is seen, so a test cannot pass by looking at nothing.
@Suite("As-known history: no leaks from the future", .serialized)
struct AsKnownHistoryTests {
    static let series = SeriesID(loadProfile: "SMLCOM", loadSegment: "SOLAR")
    static let day = "2024-11-20"
    /// D - 1 at 09:00 in San Diego (PST), the default issue time.
    static let runTime = "2024-11-19 17:00:00+00"
    static let dayStart = "2024-11-20 08:00:00+00", dayEnd = "2024-11-21 08:00:00+00"
    static let weather = "gridcast_input_dev.weather_hourly"
    static let forecasts = "gridcast_operational_dev.dayahead_load_forecasts"

    static func features(_ connection: Connection, weather: AsOfRule.WeatherMode = .asKnown) throws -> SeriesFeatures {
        try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout, series: series, start: day, end: day,
                                        settings: FeatureSettings(), requireTarget: false, asOf: .dayAhead(weather: weather))
    }

    static func column(_ data: SeriesFeatures, _ name: String) throws -> [Float] {
        let index = try #require(data.matrix.featureNames.firstIndex(of: name), "no feature \(name)")
        return (0..<data.matrix.rowCount).map { data.matrix[$0, index] }
    }

    /// Copies of the day's observed weather as a forecast issued at `issuedAt`, with `temperature`.
    static func plantForecast(_ connection: Connection, issuedAt: String, temperature: Double) throws {
        try connection.execute("""
            insert into \(weather) (location, kind, valid_at, issued_at, temperature_2m, apparent_temperature, cloud_cover,
                                    direct_radiation, diffuse_radiation, shortwave_radiation, wind_speed_10m,
                                    relative_humidity_2m, is_day, source)
            select location, 'forecast', valid_at, $3::timestamptz, $4::float8, apparent_temperature, cloud_cover,
                   direct_radiation, diffuse_radiation, shortwave_radiation, wind_speed_10m, relative_humidity_2m, is_day, 'test plant'
            from \(weather) where kind = 'observed' and valid_at >= $1::timestamptz and valid_at <= $2::timestamptz
            on conflict (location, kind, valid_at, issued_at) do update set temperature_2m = excluded.temperature_2m
            """, [dayStart, dayEnd, issuedAt, temperature], name: "plant forecast")
    }

    @Test("observed weather of the target day and forecasts issued after the run time never reach a backtest's features")
    func weatherAsKnown() throws {
        let connection = try Connection.open(try SampleWarehouse.clone("askwx"))
        try connection.execute("""
            update \(Self.weather) set temperature_2m = 99 where kind = 'observed' and valid_at >= $1::timestamptz and valid_at <= $2::timestamptz
            """, [Self.dayStart, Self.dayEnd], name: "plant observed marker")
        try Self.plantForecast(connection, issuedAt: "2024-11-19 17:00:01+00", temperature: 77)

        let known = try Self.features(connection)
        #expect(known.keys.count == 24)
        let temperatures = try Self.column(known, "temperature_2m")
        #expect(!temperatures.contains(99) && !temperatures.contains(77), "\(temperatures)")
        #expect(temperatures.allSatisfy { $0.isFinite }, "every hour has a forecast issued before the run time")
        for key in known.keys {
            #expect(key.runTime == Self.runTime)
            let issued = try #require(key.weatherIssuedAt, "\(key.hourStart) has no weather")
            #expect(issued <= key.runTime, "\(key.hourStart): weather issued \(issued) after the run time \(key.runTime)")
        }
        // Hindsight mode does see the marker, so the check above could have failed.
        #expect(try Self.column(try Self.features(connection, weather: .observed), "temperature_2m").allSatisfy { $0 == 99 })

        // The newest forecast issued at or before the run time wins.
        try Self.plantForecast(connection, issuedAt: Self.runTime, temperature: 55)
        let newest = try Self.features(connection)
        #expect(try Self.column(newest, "temperature_2m").allSatisfy { $0 == 55 })
        #expect(newest.keys.allSatisfy { $0.weatherIssuedAt == Self.runTime })
    }

    @Test("the temperature of the days before: observations up to the run time, forecasts issued by then, nothing later")
    func temperatureHistoryAsKnown() throws {
        let connection = try Connection.open(try SampleWarehouse.clone("asktemp"))
        let before = try Self.features(connection)
        let yesterday = try Self.column(before, "temperature_mean_1d_before"), threeDays = try Self.column(before, "temperature_mean_3d_before")
        #expect(yesterday.allSatisfy { $0.isFinite && $0 == yesterday[0] } && threeDays.allSatisfy { $0.isFinite && $0 == threeDays[0] },
                "one value per target day: \(yesterday) \(threeDays)")

        // D - 1's observations after the run time (17:00 UTC) had not been made at the run time: 99 is never seen.
        try connection.execute("""
            update \(Self.weather) set temperature_2m = 99
            where kind = 'observed' and valid_at > $1::timestamptz and valid_at < $2::timestamptz
            """, [Self.runTime, Self.dayStart], name: "plant late observations")
        let late = try Self.features(connection)
        #expect(try Self.column(late, "temperature_mean_1d_before") == yesterday)
        #expect(try Self.column(late, "temperature_mean_3d_before") == threeDays)
        // In hindsight they are seen, so the check above could have failed.
        #expect(try Self.column(try Self.features(connection, weather: .observed), "temperature_mean_1d_before").allSatisfy { $0 > 40 })

        // D - 2's observations were made before the run time: seen in the three-day mean, not in yesterday's.
        try connection.execute("""
            update \(Self.weather) set temperature_2m = 99
            where kind = 'observed' and valid_at >= $1::timestamptz - interval '2 days' and valid_at < $1::timestamptz - interval '1 day'
            """, [Self.dayStart], name: "plant D - 2 observations")
        let early = try Self.features(connection)
        #expect(try Self.column(early, "temperature_mean_1d_before") == yesterday)
        #expect(try Self.column(early, "temperature_mean_3d_before").allSatisfy { $0 > threeDays[0] + 20 })
    }

    @Test("a Final restatement that arrives after the run time never reaches that run's lags and rolling means")
    func sqmdAsKnown() throws {
        let connection = try Connection.open(try SampleWarehouse.clone("asksqmd"))
        let before = try Self.features(connection)
        let history = ["lag_21d", "lag_28d", "lag_35d", "lag_42d", "same_hour_mean_7d", "same_hour_mean_28d", "all_hours_mean_7d",
                       "newest_day_shape"]
            .filter(before.matrix.featureNames.contains)
        #expect(history.count == 8, "\(before.matrix.featureNames)")
        #expect(before.keys.allSatisfy { ($0.sqmdKnownAt ?? "") <= Self.runTime && $0.sqmdKnownAt != nil })

        // Restate every Final the lags read, five times larger, arriving one hour after the run time.
        let (late, early) = ("2024-11-19 18:00:00+00", "2024-11-19 16:00:00+00")
        let read = "loadprofile = 'SMLCOM' and tradedatelocal between $1::date - 42 and $1::date - 15"
        try connection.execute("""
            insert into gridcast_input_dev.sqmd (tradedatelocal, tradehourstartlocal, dst_fold, loadprofile, rategroup, submission,
                                                 loadlal, genlal, metercount, hour_start_utc, available_at)
            select tradedatelocal, tradehourstartlocal, dst_fold, loadprofile, rategroup, 'Final', loadlal, genlal, metercount,
                   hour_start_utc, $2::timestamptz
            from gridcast_input_dev.sqmd where \(read) and submission = 'Initial'
            on conflict do nothing
            """, [Self.day, late], name: "a Final for every day read")
        try connection.execute("""
            update gridcast_input_dev.sqmd set loadlal = loadlal * 5, available_at = $2::timestamptz
            where \(read) and submission = 'Final'
            """, [Self.day, late], name: "late restatement")
        let afterLate = try Self.features(connection)
        for name in history {
            #expect(try Self.column(afterLate, name) == Self.column(before, name), "\(name) saw a Final that arrived after the run time")
        }

        // The same restatement arriving before the run time is seen.
        try connection.execute("update gridcast_input_dev.sqmd set available_at = $2::timestamptz where \(read) and submission = 'Final'",
                               [Self.day, early], name: "early restatement")
        let afterEarly = try Self.features(connection)
        #expect(try Self.column(afterEarly, "lag_21d") != Self.column(before, "lag_21d"))
        #expect(afterEarly.keys.allSatisfy { $0.sqmdKnownAt == early })
    }

    @Test("an issued forecast survives a backfill of its day; views show it as issued and grade both kinds")
    func issuedSurvivesBackfill() throws {
        let (_, connection) = try ForecastPipelineTests.prepared("askissued", endDate: "2024-11-10")
        let forecaster = SeriesForecaster(query: try SampleWarehouse.query, layout: SampleWarehouse.layout)
        let issuedRun = "2024-11-19 16:30:00+00"
        let issued = try forecaster.forecast(Self.series, targetDate: Self.day, model: .champion, kind: .issued, runTime: issuedRun,
                                             on: connection).rows
        #expect(issued.allSatisfy { $0.kind == .issued && $0.runTime == issuedRun })
        try ForecastWriter(layout: SampleWarehouse.layout).write(issued, runID: try ForecastPipelineTests.runID(connection), on: connection)
        let issuedSum = try connection.execute("""
            select sum(predicted_lossadjustedload) as s from \(Self.forecasts) where forecast_kind = 'issued'
            """, name: "issued sum").first?.double("s")

        var backfill = ForecastRun(layout: SampleWarehouse.layout, query: try SampleWarehouse.query)
        backfill.model = .championAtRunTime
        for _ in 1...2 {  // twice: the second replaces the first backtest, never the issued rows
            try backfill.run(series: [Self.series], targetDates: [Self.day], runID: try ForecastPipelineTests.runID(connection, kind: .backfill),
                             on: connection, failFast: true)
        }
        #expect(try ForecastPipelineTests.count(connection, "forecast_kind = 'issued'") == 24)
        #expect(try ForecastPipelineTests.count(connection, "forecast_kind = 'backtest'") == 24)
        #expect(try connection.execute("""
            select sum(predicted_lossadjustedload) as s from \(Self.forecasts) where forecast_kind = 'issued'
            """, name: "issued sum").first?.double("s") == issuedSum)
        #expect(try connection.execute("""
            select count(*) filter (where forecast_kind = 'issued') as n from gridcast_operational_dev.vw_latest_forecasts
            """, name: "latest").first?.int("n") == 24)
        #expect(try connection.execute("""
            select string_agg(forecast_kind, ',' order by forecast_kind) as kinds from gridcast_bi_dev.vw_forecast_accuracy
            where series_id = 'SMLCOM-SOLAR' and forecast_date_local = $1::date
            """, [Self.day], name: "accuracy kinds").first?.string("kinds") == "backtest,issued")
        // Lineage: the backtest ran as of D - 1 09:00 local and knew nothing newer.
        let lineage = try connection.execute("""
            select bool_and(run_time = $1::timestamptz) as at_run_time, bool_and(weather_issued_at <= run_time) as weather_ok,
                   bool_and(sqmd_known_at <= run_time) as sqmd_ok, bool_and(model_registered_at > run_time) as model_later
            from \(Self.forecasts) where forecast_kind = 'backtest'
            """, [Self.runTime], name: "lineage").first
        #expect(lineage?.bool("at_run_time") == true && lineage?.bool("weather_ok") == true && lineage?.bool("sqmd_ok") == true)
        #expect(lineage?.bool("model_later") == true, "the model was trained after 2024, so it was not known at the run time")
    }

    @Test("a backfill of days the deployed model was fitted on (through its refit end) is flagged in-sample and left out of accuracy")
    func inSampleFlagged() throws {
        let (_, connection) = try ForecastPipelineTests.prepared("askinsample", endDate: "2024-11-30")
        let (model, _) = try #require(try ModelRegistry(connection: connection, layout: SampleWarehouse.layout).champion(Self.series))
        // The deployed model was refit through the training window's end, not only the validation end (2024-10-19).
        #expect(model.fitEnd == "2024-11-30")
        let fitEnd = try #require(model.fitEnd.flatMap { LocalDate($0) })
        let inside = fitEnd.adding(days: -30).description, outside = fitEnd.adding(days: 7).description
        var run = ForecastRun(layout: SampleWarehouse.layout, query: try SampleWarehouse.query)
        run.model = .championAtRunTime
        let result = try run.run(series: [Self.series], targetDates: [inside, outside],
                                 runID: try ForecastPipelineTests.runID(connection, kind: .backfill), on: connection, failFast: true)
        #expect(result.rowsWritten == 48)
        #expect(try ForecastPipelineTests.count(connection, "in_sample and make_date(year, month, day) = '\(inside)'") == 24)
        #expect(try ForecastPipelineTests.count(connection, "not in_sample and make_date(year, month, day) = '\(outside)'") == 24)
        let graded = try connection.execute("""
            select string_agg(forecast_date_local::text, ',' order by 1) as d from gridcast_bi_dev.vw_forecast_accuracy
            where series_id = 'SMLCOM-SOLAR'
            """, name: "graded").first?.string("d")
        #expect(graded == outside)
        #expect(try connection.execute("""
            select count(*) as n from gridcast_bi_dev.vw_forecast_accuracy_all where series_id = 'SMLCOM-SOLAR' and in_sample
            """, name: "all").first?.int("n") == 1)
    }

    @Test("a day without weather forecasts fails with a clear error; the flagged fallback or --allow-missing-weather write it")
    func missingWeather() throws {
        let (_, connection) = try ForecastPipelineTests.prepared("asknowx", endDate: "2024-11-10")
        try connection.execute("""
            delete from \(Self.weather) where kind = 'forecast' and valid_at >= $1::timestamptz and valid_at <= $2::timestamptz
            """, [Self.dayStart, Self.dayEnd], name: "drop the day's forecasts")
        var run = ForecastRun(layout: SampleWarehouse.layout, query: try SampleWarehouse.query)
        let failed = try run.run(series: [Self.series], targetDates: [Self.day], runID: try ForecastPipelineTests.runID(connection),
                                 on: connection)
        #expect(failed.rowsWritten == 0)
        let message = try #require(failed.failures.first?.error)
        #expect(message.contains("24 of 24 hours have no weather forecast issued at or before the run time \(Self.runTime)"), "\(message)")
        #expect(message.contains("--fallback seasonal-naive"))
        #expect(throws: ForecastError.self) {
            try run.run(series: [Self.series], targetDates: [Self.day], runID: try ForecastPipelineTests.runID(connection),
                        on: connection, failFast: true)
        }

        run.policy.fallbackToBaseline = true
        let fallback = try run.run(series: [Self.series], targetDates: [Self.day], runID: try ForecastPipelineTests.runID(connection),
                                   on: connection, failFast: true)
        #expect(fallback.rowsWritten == 24)
        #expect(try ForecastPipelineTests.count(connection, """
            fallback = 'seasonal_naive' and predicted_lower_bound is null and out_of_distribution and weather_issued_at is null
            """) == 24)
        #expect(try connection.execute("""
            select fallback_hours as n from gridcast_bi_dev.vw_forecast_accuracy where forecast_date_local = $1::date
            """, [Self.day], name: "fallback hours").first?.int("n") == 24)

        run.policy = ForecastPolicy(allowMissingWeather: true)
        try run.run(series: [Self.series], targetDates: [Self.day], runID: try ForecastPipelineTests.runID(connection),
                    on: connection, failFast: true)
        #expect(try ForecastPipelineTests.count(connection, """
            fallback is null and out_of_distribution and exists (select 1 from unnest(ood_reasons) r where r like '% missing')
            """) == 24)
    }
}
