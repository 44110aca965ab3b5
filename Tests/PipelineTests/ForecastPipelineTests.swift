import Foundation
import Ingest
import Migrations
import Pipeline
import Testing
import TestSupport
import Warehouse

@Suite("Forecast and backfill on sample data", .serialized)
struct ForecastPipelineTests {
    static let series = SeriesID(loadProfile: "SMLCOM", loadSegment: "SOLAR")
    static let table = "gridcast_operational_dev.dayahead_load_forecasts"

    /// A clone of the sample warehouse with one quickly trained champion for `series`.
    /// - Parameter ensemble: deploy the average of 3 candidates (one model JSON of all their trees).
    static func prepared(_ label: String, endDate: String? = nil, ensemble: Bool = false,
                         target learn: TargetRule = .auto) throws -> (ConnectionTarget, Connection) {
        let target = try SampleWarehouse.clone(label)
        var configuration = SampleWarehouse.quickTraining
        configuration.target = learn
        configuration.trials = ensemble ? 3 : 1
        configuration.maxRounds = 150
        configuration.endDate = endDate
        if ensemble { (configuration.search, configuration.ensemble) = (.full, .always) }
        let trained = try #require(try TrainingRun(target: target, layout: SampleWarehouse.layout, configuration: configuration,
                                                   query: try SampleWarehouse.query).train([series]).first).get()
        #expect(trained.status == "approved", "\(trained.reason)")
        return (target, try Connection.open(target))
    }

    static func runID(_ connection: Connection, kind: RunKind = .forecast) throws -> String {
        let log = try RunLog(connection: connection, layout: SampleWarehouse.layout)
        return try log.start(kind: kind, arguments: ["test": true]).uuidString.lowercased()
    }

    static func count(_ connection: Connection, _ condition: String = "true") throws -> Int {
        try connection.execute("select count(*) as n from \(table) where \(condition)", name: "count").first?.int("n") ?? -1
    }

    @Test("DST days get 23 and 25 hourly rows, a normal day 24, each with bounds symmetric about the prediction")
    func dstDays() throws {
        let (_, connection) = try Self.prepared("fcdst")
        let run = ForecastRun(layout: SampleWarehouse.layout, query: try SampleWarehouse.query)
        let result = try run.run(series: [Self.series], targetDates: ["2024-03-10", "2024-11-03", "2024-07-10"],
                                 runID: try Self.runID(connection), on: connection, failFast: true)
        #expect(result.rowsWritten == 23 + 25 + 24)
        let perDay = try connection.execute("""
            select make_date(year, month, day)::text as d, count(*) as n, count(distinct forecast_datetime) as distinct_hours,
                   bool_and(predicted_lower_bound <= predicted_lossadjustedload and predicted_lossadjustedload <= predicted_upper_bound) as bounded,
                   bool_and(abs((predicted_upper_bound - predicted_lossadjustedload)
                                - (predicted_lossadjustedload - predicted_lower_bound)) < 1e-6 * abs(predicted_lossadjustedload)
                            and predicted_upper_bound > predicted_lower_bound) as symmetric,
                   bool_and(as_of_date = make_date(year, month, day) - 1) as as_of_ok
            from \(Self.table) group by 1 order by 1
            """, name: "per day").rows
        #expect(perDay.map { $0.string("d") ?? "" } == ["2024-03-10", "2024-07-10", "2024-11-03"])
        #expect(perDay.map { $0.int("n") ?? 0 } == [23, 24, 25])
        for day in perDay {
            #expect(day.int("n") == day.int("distinct_hours"))
            #expect(day.bool("bounded") == true, "bounds do not contain the prediction on \(day.string("d") ?? "")")
            #expect(day.bool("symmetric") == true, "bounds not symmetric on \(day.string("d") ?? "") (see PredictionIntervals)")
            #expect(day.bool("as_of_ok") == true)
        }
        // Local hour 2 is missing on the spring-forward day and 1 appears twice on the fall-back day.
        let hours = try connection.execute("""
            select string_agg(local_hour::text, ',' order by forecast_datetime) as h from \(Self.table)
            where (year, month, day) = (2024, 11, 3)
            """, name: "hours").first?.string("h")
        #expect(hours == "0,1,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23")
    }

    @Test("each forecast hour keeps its three largest SHAP drivers, which the BI reader sees one row per driver")
    func drivers() throws {
        let (_, connection) = try Self.prepared("fcdrivers")
        let run = ForecastRun(layout: SampleWarehouse.layout, query: try SampleWarehouse.query)
        _ = try run.run(series: [Self.series], targetDates: ["2024-07-10"], runID: try Self.runID(connection), on: connection,
                        failFast: true)
        let check = try connection.execute("""
            select count(*) as hours,
                   count(*) filter (where jsonb_array_length(f.drivers) = 3) as with_three,
                   count(*) filter (where not exists (
                       select 1 from jsonb_array_elements(f.drivers) e where not (e ->> 'feature') = any (m.features))) as known_features,
                   count(*) filter (where abs((f.drivers -> 0 ->> 'kwh')::float8) >= abs((f.drivers -> 1 ->> 'kwh')::float8)
                                      and abs((f.drivers -> 1 ->> 'kwh')::float8) >= abs((f.drivers -> 2 ->> 'kwh')::float8)) as ordered
            from \(Self.table) f
            join gridcast_operational_dev.model_registry m
              on m.load_profile = f.load_profile and m.load_segment = f.load_segment and m.model_version = f.model_version
            """, name: "drivers").first
        #expect(check?.int("hours") == 24)
        #expect(check?.int("with_three") == 24 && check?.int("known_features") == 24 && check?.int("ordered") == 24)
        try connection.execute("set role gridcast_bi_reader_dev", name: "as BI")
        defer { _ = try? connection.execute("reset role", name: "reset") }
        let view = try connection.execute("""
            select count(*) as n, min(rank) as first, max(rank) as last, count(distinct forecast_datetime) as hours
            from gridcast_bi_dev.vw_forecast_drivers where series_id = 'SMLCOM-SOLAR' and forecast_date_local = '2024-07-10'
            """, name: "view").first
        #expect(view?.int("n") == 72 && view?.int("first") == 1 && view?.int("last") == 3 && view?.int("hours") == 24)
    }

    @Test("re-running the same date replaces its rows instead of duplicating them")
    func rerunIsIdempotent() throws {
        let (_, connection) = try Self.prepared("fcrerun")
        let run = ForecastRun(layout: SampleWarehouse.layout, query: try SampleWarehouse.query)
        let first = try Self.runID(connection)
        try run.run(series: [Self.series], targetDates: ["2024-12-01"], runID: first, on: connection, failFast: true)
        let second = try Self.runID(connection)
        try run.run(series: [Self.series], targetDates: ["2024-12-01"], runID: second, on: connection, failFast: true)
        #expect(try Self.count(connection) == 24)
        #expect(try Self.count(connection, "run_id = '\(second)'") == 24)
        // The writer marked the first run's rows superseded, so BI shows each hour once, the second run's.
        let shown = try connection.execute("""
            select count(*) as n, count(*) filter (where run_id = $1::uuid) as second
            from gridcast_bi_dev.vw_dayahead_load_forecasts
            """, [second], name: "bi").first
        #expect(shown?.int("n") == 24 && shown?.int("second") == 24)
        #expect(try Self.count(connection, "superseded_at is not null") == 0)
    }

    @Test("a registry row whose features list does not match its model_json is refused, not scored into wrong columns")
    func inconsistentRegistryRow() throws {
        let (_, connection) = try Self.prepared("fcmismatch")
        // A hand edit: one feature dropped from the list, the model left as trained.
        try connection.execute("""
            update gridcast_operational_dev.model_registry set features = features[2:]
            where load_profile = 'SMLCOM' and load_segment = 'SOLAR' and status = 'approved'
            """, name: "edit the champion's feature list")
        let run = ForecastRun(layout: SampleWarehouse.layout, query: try SampleWarehouse.query)
        do {
            try run.run(series: [Self.series], targetDates: ["2024-12-01"], runID: try Self.runID(connection), on: connection, failFast: true)
            Issue.record("a model scored with a feature list it was not trained on")
        } catch let error as ForecastError {
            guard case .inconsistentModel = error else { Issue.record("unexpected \(error)"); return }
            #expect("\(error)".contains("does not match its registry row"))
        }
        #expect(try Self.count(connection) == 0)
    }

    @Test("binary COPY stores what text COPY stores, every column; rows printed in another form go as text")
    func binaryCopyEqualsText() throws {
        let (_, connection) = try Self.prepared("fcbinary")
        let forecaster = SeriesForecaster(query: try SampleWarehouse.query, layout: SampleWarehouse.layout)
        var rows = try forecaster.forecast(Self.series, targetDate: "2024-11-03", model: .champion, on: connection).rows
        #expect(rows.count == 25 && rows.allSatisfy { $0.drivers != nil && $0.modelRegisteredAt != nil })
        // The awkward cases a day's rows rarely have: flags with quotes and commas, a fallback without bounds.
        var flagged = ForecastRow(series: rows[0].series, hourStart: rows[0].hourStart, localDate: rows[0].localDate,
                                  localHour: rows[0].localHour, prediction: -0.5, lower: nil, upper: nil, modelVersion: 0,
                                  asOfDate: rows[0].asOfDate,
                                  outOfDistribution: ["temperature_2m 41.2 > 40.1", #"a "quoted", {odd} \ one"#])
        (flagged.fallback, flagged.kind, flagged.inSample) = ("seasonal_naive", .issued, true)
        rows[0] = flagged
        let runID = try Self.runID(connection)
        for table in ["binary_rows", "text_rows", "utc_rows"] {
            try connection.execute("create temporary table \(table) (like \(Self.table) including defaults)",
                                   name: "staging \(table)")
        }
        try ForecastWriter.copy(rows, runID: runID, into: "binary_rows", on: connection)
        try ForecastWriter.copy(rows, runID: runID, into: "text_rows", on: connection, binary: false)
        // "... UTC" is not the ISO form the binary encoder reads: the whole write goes as text, same instants.
        let utc = rows.map { row in
            var copy = ForecastRow(series: row.series, hourStart: row.hourStart.replacingOccurrences(of: "+00", with: " UTC"),
                                   localDate: row.localDate, localHour: row.localHour, prediction: row.prediction,
                                   lower: row.lower, upper: row.upper, modelVersion: row.modelVersion,
                                   asOfDate: row.asOfDate, outOfDistribution: row.outOfDistribution)
            (copy.kind, copy.runTime, copy.weatherIssuedAt) = (row.kind, row.runTime, row.weatherIssuedAt)
            (copy.sqmdKnownAt, copy.modelRegisteredAt) = (row.sqmdKnownAt, row.modelRegisteredAt)
            (copy.inSample, copy.fallback, copy.drivers) = (row.inSample, row.fallback, row.drivers)
            return copy
        }
        #expect(utc.allSatisfy { $0.hourStart.hasSuffix(" UTC") })
        #expect(ForecastWriter.copiesInBinary(rows, runID: runID) && !ForecastWriter.copiesInBinary(utc, runID: runID))
        try ForecastWriter.copy(utc, runID: runID, into: "utc_rows", on: connection)
        let columns = ForecastWriter.columns.joined(separator: ", ")
        for other in ["text_rows", "utc_rows"] {
            let differences = try connection.execute("""
                select count(*) as n from ((select \(columns) from binary_rows except all select \(columns) from \(other))
                  union all (select \(columns) from \(other) except all select \(columns) from binary_rows)) d
                """, name: "compare \(other)").first?.int("n")
            #expect(differences == 0, "binary_rows and \(other) differ")
        }
        #expect(try connection.execute("""
            select count(*) as n from binary_rows where ood_reasons[2] = $1 and predicted_upper_bound is null
            """, [#"a "quoted", {odd} \ one"#], name: "reasons").first?.int("n") == 1)
    }

    @Test("a failure after the merge but before COMMIT leaves the earlier forecast untouched")
    func failureLeavesNothingHalfWritten() throws {
        struct Injected: Error {}
        let (_, connection) = try Self.prepared("fcfail")
        let run = ForecastRun(layout: SampleWarehouse.layout, query: try SampleWarehouse.query)
        let good = try Self.runID(connection)
        try run.run(series: [Self.series], targetDates: ["2024-12-02"], runID: good, on: connection, failFast: true)
        let before = try connection.execute("select sum(predicted_lossadjustedload) as s from \(Self.table)", name: "sum").first?.double("s")

        let forecaster = SeriesForecaster(query: try SampleWarehouse.query, layout: SampleWarehouse.layout)
        let rows = try forecaster.forecast(Self.series, targetDate: "2024-12-02", model: .champion, on: connection).rows
        let altered = rows.map { row in
            ForecastRow(series: row.series, hourStart: row.hourStart, localDate: row.localDate, localHour: row.localHour,
                        prediction: row.prediction + 1000, lower: row.lower, upper: row.upper.map { $0 + 1000 }, modelVersion: row.modelVersion,
                        asOfDate: row.asOfDate, outOfDistribution: row.outOfDistribution)
        }
        #expect(throws: Injected.self) {
            try ForecastWriter(layout: SampleWarehouse.layout).write(altered, runID: try Self.runID(connection), on: connection,
                                                                     beforeCommit: { throw Injected() })
        }
        #expect(try Self.count(connection) == 24)
        #expect(try Self.count(connection, "run_id = '\(good)'") == 24)
        #expect(try connection.execute("select sum(predicted_lossadjustedload) as s from \(Self.table)", name: "sum").first?.double("s") == before)
    }

    @Test("a run over several series sends one feature query for all of them, and each series gets the forecast it gets alone")
    func oneFeatureQueryForManySeries() throws {
        let target = try SampleWarehouse.clone("fcbatch")
        let others = [SeriesID(loadProfile: "RES", loadSegment: "SOLAR"), SeriesID(loadProfile: "MEDCI", loadSegment: "NONSOLAR")]
        var configuration = SampleWarehouse.quickTraining
        configuration.trials = 1
        configuration.maxRounds = 150
        let trained = try TrainingRun(target: target, layout: SampleWarehouse.layout, configuration: configuration,
                                      query: try SampleWarehouse.query).train([Self.series] + others)
        #expect(trained.allSatisfy { (try? $0.get().status) == "approved" })
        let connection = try Connection.open(target)
        let run = ForecastRun(layout: SampleWarehouse.layout, query: try SampleWarehouse.query)
        let days = ["2024-12-09", "2024-12-10"]
        let together = try run.run(series: [Self.series] + others, targetDates: days,
                                   runID: try Self.runID(connection, kind: .backfill), on: connection, failFast: true)
        #expect(together.rowsWritten == 3 * 48)
        #expect(together.featureQueries == 1, "three series, one settings, one range: \(together.featureQueries) queries")
        func stored() throws -> [String: Double] {
            Dictionary(uniqueKeysWithValues: try connection.execute("""
                select series_id || ' ' || forecast_datetime as k, predicted_lossadjustedload as p from \(Self.table)
                """, name: "stored forecasts").rows.map { ($0.string("k") ?? "", $0.double("p") ?? .nan) })
        }
        let batched = try stored()
        for id in [Self.series] + others {
            let alone = try run.run(series: [id], targetDates: days, runID: try Self.runID(connection, kind: .backfill),
                                    on: connection, failFast: true)
            #expect(alone.featureQueries == 1 && alone.rowsWritten == 48)
        }
        #expect(try stored() == batched, "every hour of every series as in the batched run")
        #expect(Set(batched.values).count == 3 * 48, "three series with forecasts of their own")
    }

    @Test("a series without a model (cold start) gets its flagged seasonal-naive baseline with the fallback, an error without")
    func coldStart() throws {
        let (_, connection) = try Self.prepared("fccold")
        let cold = SeriesID(loadProfile: "MEDCI", loadSegment: "SOLAR")
        var run = ForecastRun(layout: SampleWarehouse.layout, query: try SampleWarehouse.query)
        let days = ["2024-12-10", "2024-12-11"]
        let refused = try run.run(series: [cold], targetDates: days, runID: try Self.runID(connection, kind: .backfill), on: connection)
        #expect(refused.rowsWritten == 0 && refused.failures.count == 2)
        #expect(refused.failures.first?.error?.contains("has no approved model") == true, "\(refused.failures)")

        run.policy.fallbackToBaseline = true
        let result = try run.run(series: [cold, Self.series], targetDates: days, runID: try Self.runID(connection, kind: .backfill),
                                 on: connection, failFast: true)
        #expect(result.rowsWritten == 4 * 24)
        #expect(result.days.filter { $0.series == cold }.allSatisfy { $0.note.contains("cold start") && $0.modelVersion == 0 })
        // Each hour is the same hour 21 days back as known on the run time: the lag feature itself.
        let features = try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout, series: cold, start: days[0],
                                                       end: days[1], settings: FeatureSettings(), requireTarget: false, asOf: .dayAhead())
        let lag = features.matrix.column("lag_21d").map(Double.init)
        let stored = try connection.execute("""
            select predicted_lossadjustedload as p, fallback, model_version, predicted_lower_bound is null as no_bounds,
                   model_registered_at is null as no_model, in_sample
            from \(Self.table) where series_id = 'MEDCI-SOLAR' order by forecast_datetime
            """, name: "cold start rows").rows
        #expect(stored.map { $0.double("p") ?? .nan } == lag && lag.allSatisfy(\.isFinite))
        #expect(stored.allSatisfy { $0.string("fallback") == "seasonal_naive" && $0.int("model_version") == 0
            && $0.bool("no_bounds") == true && $0.bool("no_model") == true && $0.bool("in_sample") == false })
        // The trained series next to it is forecast by its model, not the fallback.
        #expect(try Self.count(connection, "series_id = 'SMLCOM-SOLAR' and fallback is null") == 48)
    }

    @Test("backfill forecasts each day as of the day before, and the BI reader sees accuracy against actuals")
    func backfillAndAccuracy() throws {
        let (_, connection) = try Self.prepared("fcback", endDate: "2024-11-20")
        var run = ForecastRun(layout: SampleWarehouse.layout, query: try SampleWarehouse.query)
        run.model = .championAtRunTime
        let dates = try BackfillDates.daysBack(7, before: "2024-12-01")
        #expect(dates == ["2024-11-24", "2024-11-25", "2024-11-26", "2024-11-27", "2024-11-28", "2024-11-29", "2024-11-30"])
        let result = try run.run(series: [Self.series], targetDates: dates, runID: try Self.runID(connection, kind: .backfill),
                                 on: connection, failFast: true)
        #expect(result.rowsWritten == 7 * 24)
        #expect(result.days.allSatisfy { $0.note.contains("no model was champion") })  // trained after those days
        #expect(try Self.count(connection, "as_of_date <> make_date(year, month, day) - 1") == 0)

        try connection.execute("set role gridcast_bi_reader_dev", name: "become BI reader")
        defer { _ = try? connection.execute("reset role", name: "reset role") }
        let accuracy = try connection.execute("""
            select forecast_date_local::text as d, hours_compared, mape_percent, rmse_kwh, bias_kwh, interval_coverage
            from gridcast_bi_dev.vw_forecast_accuracy where series_id = 'SMLCOM-SOLAR' order by 1
            """, name: "accuracy").rows
        #expect(accuracy.count == 7)
        #expect(accuracy.allSatisfy { ($0.int("hours_compared") ?? 0) >= 20 && ($0.double("rmse_kwh") ?? -1) >= 0 })
        // Solar net load crosses zero at midday, so MAPE is not meaningful here; compare RMSE with the load's scale.
        let scale = try connection.execute("""
            select avg(abs(actual_lossadjustedload)) as scale from gridcast_bi_dev.vw_forecast_vs_actual where series_id = 'SMLCOM-SOLAR'
            """, name: "scale").first?.double("scale") ?? 0
        let rmse = accuracy.compactMap { $0.double("rmse_kwh") }.reduce(0, +) / Double(max(accuracy.count, 1))
        #expect(scale > 0 && rmse < 0.5 * scale, "mean daily RMSE \(rmse) vs mean |load| \(scale)")
    }
}
