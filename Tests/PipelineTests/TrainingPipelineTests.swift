import Boosting
import Foundation
import Migrations
import Pipeline
import Testing
import TestSupport
import Warehouse

@Suite("Training on sample data", .serialized)
struct TrainingPipelineTests {
    static let all = ["MEDCI-NONSOLAR", "MEDCI-SOLAR", "RES-NONSOLAR", "RES-SOLAR", "SMLCOM-NONSOLAR", "SMLCOM-SOLAR"].compactMap(SeriesID.init)

    @Test("every default series beats the seasonal-naive baseline on the held-out window, and the stored JSON predicts identically")
    func beatsBaseline() throws {
        let target = try SampleWarehouse.clone("trainall")
        let run = TrainingRun(target: target, layout: SampleWarehouse.layout, configuration: SampleWarehouse.quickTraining,
                              query: try SampleWarehouse.query)
        let results = try run.train(Self.all)
        let connection = try Connection.open(target)
        let registry = ModelRegistry(connection: connection, layout: SampleWarehouse.layout)
        for (series, result) in zip(Self.all, results) {
            let trained = try result.get()
            #expect(trained.skill > 0.2, "\(series): RMSE \(trained.model.rmse) vs baseline \(trained.baseline.rmse)")
            #expect(trained.status == "approved", "\(series): \(trained.reason)")
            #expect(trained.features.count >= 5)
            // The registry's evaluated fit, loaded into a fresh booster, gives exactly the in-memory predictions.
            let (stored, json) = try #require(try registry.championAsEvaluated(series))
            #expect(stored.version == trained.version)
            let data = try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout, series: series,
                                                       start: trained.testWindow.start, end: trained.testWindow.end,
                                                       settings: FeatureSettings(), requireTarget: true,
                                                       asOf: SampleWarehouse.quickTraining.asOf)
            // A model that learned the deviation from the recent level has it added back (`--target`, auto here).
            let settings = try JSONDecoder().decode(FeatureSettings.self, from: Data(try #require(try connection.execute("""
                select (metrics -> 'feature_settings')::text as settings from gridcast_operational_dev.model_registry
                where load_profile = $1 and load_segment = $2 and model_version = $3
                """, [series.loadProfile, series.loadSegment, trained.version], name: "feature settings").first?.string("settings")).utf8))
            let reloaded = try zip(BlendedModel(modelJSON: json).predict(data.matrix.columns(stored.features)),
                                   settings.baseValues(data.matrix)).map { Double($0 + $1) }
            #expect(reloaded == trained.testPredictions, "\(series): stored model predicts differently")
        }
        // Recency: every deployed model was refit on every day through the newest actuals, test window included.
        let windows = try connection.execute("""
            select count(*) filter (where m.refit_start = m.train_start and m.refit_end = m.test_end
                                      and m.refit_end = (select max(a.tradedatelocal) from gridcast_operational_dev.vw_series_actuals_hourly a
                                                         where a.load_profile = m.load_profile and a.load_segment = m.load_segment)
                                      and m.model_json::text <> m.holdout_model_json::text) as refit,
                   count(*) as n
            from gridcast_operational_dev.model_registry m
            """, name: "refit windows").first
        #expect(windows?.int("refit") == 6 && windows?.int("n") == 6)
        // The linear blend was weighed on the folds for every series, and stored exactly where its rule chose it.
        let blends = try connection.execute("""
            select count(*) filter (where (metrics -> 'linear_blend' ->> 'used')::boolean
                                      = ((metrics -> 'linear_blend' ->> 'linear_weight')::float8 > 0
                                         and metrics -> 'linear_blend' -> 'folds_won' = metrics -> 'linear_blend' -> 'folds'
                                         and (metrics -> 'linear_blend' ->> 'fold_rmse')::float8
                                             < (metrics -> 'linear_blend' ->> 'trees_fold_rmse')::float8 * 0.995)
                                      and (metrics -> 'linear_blend' ->> 'used')::boolean
                                      = gridcast_operational_dev.model_is_blended(model_json)
                                      and (metrics -> 'linear_blend' ->> 'used')::boolean
                                      = gridcast_operational_dev.model_is_blended(holdout_model_json)) as consistent
            from gridcast_operational_dev.model_registry
            """, name: "linear blends").first
        #expect(blends?.int("consistent") == 6)
        // The consensus selection is kept only where it validated no worse than every feature.
        let featureSets = try connection.execute("""
            select load_profile || '-' || load_segment as series, metrics->>'feature_set' as chosen,
                   (metrics->'feature_set_validation_rmse'->>'selected')::float8 as selected,
                   (metrics->'feature_set_validation_rmse'->>'all')::float8 as all_features
            from gridcast_operational_dev.model_registry
            """, name: "feature sets").rows
        #expect(featureSets.count == 6)
        for row in featureSets {
            let (chosen, selected, all) = (row.string("chosen"), Double(row.string("selected") ?? ""), Double(row.string("all_features") ?? ""))
            let series = row.string("series") ?? "?"
            #expect(chosen == "selected" || chosen == "all", "\(series): \(chosen ?? "nil")")
            if let selected, let all {
                #expect(chosen == (selected <= all ? "selected" : "all"), "\(series): selected \(selected), all \(all), chose \(chosen ?? "nil")")
            }
        }
        // A training run is visible to BI: the champion view lists all six.
        #expect(try connection.execute("select count(*) as n from gridcast_bi_dev.vw_champion_models", name: "champions").first?.int("n") == 6)
    }

    @Test("without refit the deployed model is the evaluated fit; a WAPE limit it misses keeps it a candidate, saying so")
    func withoutRefit() throws {
        let target = try SampleWarehouse.clone("norefit")
        let series = try #require(SeriesID("RES-SOLAR"))
        var configuration = SampleWarehouse.quickTraining
        configuration.refit = false
        configuration.maximumWAPE = 0.01
        let trained = try #require(try TrainingRun(target: target, layout: SampleWarehouse.layout, configuration: configuration,
                                                   query: try SampleWarehouse.query).train([series]).first).get()
        let wape = try #require(trained.model.wape)
        #expect(trained.status == "candidate" && trained.reason.contains(String(format: "WAPE %.2f%% exceeds 0.01%%", wape)), "\(trained.reason)")
        let connection = try Connection.open(target)
        let row = try #require(try connection.execute("""
            select refit_start is null and refit_end is null and holdout_model_json is null as plain, validation_end::text as v
            from gridcast_operational_dev.model_registry where model_version = $1 and load_profile = 'RES' and load_segment = 'SOLAR'
            """, [trained.version], name: "plain fit").first)
        #expect(row.bool("plain") == true)
        let (model, _) = try #require(try ModelRegistry(connection: connection, layout: SampleWarehouse.layout).version(series, trained.version))
        #expect(model.fitEnd == row.string("v"))
    }

    @Test("--linear-blend always: a blended model is stored with its blend and reloads to the same test predictions, not its trees'")
    func blendedModel() throws {
        let target = try SampleWarehouse.clone("blend")
        var configuration = SampleWarehouse.quickTraining
        configuration.linearBlend = .always
        let results = try TrainingRun(target: target, layout: SampleWarehouse.layout, configuration: configuration,
                                      query: try SampleWarehouse.query).train(Self.all)
        let connection = try Connection.open(target)
        let registry = ModelRegistry(connection: connection, layout: SampleWarehouse.layout)
        var blended = 0
        for (series, result) in zip(Self.all, results) {
            let trained = try result.get()
            let (stored, _) = try #require(try registry.version(series, trained.version))
            // The evaluated fit (the refit has seen the test window).
            let json = try #require(try connection.execute("""
                select coalesce(holdout_model_json, model_json)::text as json from gridcast_operational_dev.model_registry
                where load_profile = $1 and load_segment = $2 and model_version = $3
                """, [series.loadProfile, series.loadSegment, trained.version], name: "evaluated fit").first?.string("json"))
            let model = try BlendedModel(modelJSON: Data(json.utf8))
            guard let blend = model.blend else { continue }
            blended += 1
            #expect(blend.linearWeight > 0 && abs(blend.treesWeight + blend.linearWeight - 1) < 1e-12)
            #expect(blend.features == stored.features)
            let metrics = try #require(try connection.execute("""
                select (metrics -> 'linear_blend' ->> 'used')::boolean as used,
                       (metrics -> 'linear_blend' ->> 'linear_weight')::float8 as weight,
                       (metrics -> 'feature_settings')::text as settings,
                       gridcast_operational_dev.model_is_blended(model_json) as deployed
                from gridcast_operational_dev.model_registry
                where load_profile = $1 and load_segment = $2 and model_version = $3
                """, [series.loadProfile, series.loadSegment, trained.version], name: "blend metrics").first)
            #expect(metrics.bool("used") == true && metrics.bool("deployed") == true
                    && metrics.double("weight") == blend.linearWeight)
            // The stored blend scores the test window exactly as the in-memory model did.
            let settings = try JSONDecoder().decode(FeatureSettings.self, from: Data((metrics.string("settings") ?? "").utf8))
            let data = try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout, series: series,
                                                       start: trained.testWindow.start, end: trained.testWindow.end,
                                                       settings: settings, requireTarget: true,
                                                       asOf: SampleWarehouse.quickTraining.asOf)
            let reloaded = try zip(model.predict(data.matrix.columns(stored.features)), settings.baseValues(data.matrix))
                .map { Double($0 + $1) }
            #expect(reloaded == trained.testPredictions, "\(series): the stored blend predicts differently")
            // And differs from its tree member alone: the blend is not a label.
            let treesOnly = try zip(model.trees.predict(DMatrix(data.matrix.columns(stored.features))),
                                    settings.baseValues(data.matrix)).map { Double($0 + $1) }
            #expect(treesOnly != reloaded)
        }
        #expect(blended > 0, "no series' folds weighted the linear member above 0")
    }

    @Test("--feature-set all skips the selection and keeps every column; selected keeps the vote's set whatever it scores")
    func featureSetRule() throws {
        let target = try SampleWarehouse.clone("featureset")
        let series = try #require(SeriesID("SMLCOM-NONSOLAR"))
        func train(_ rule: FeatureSetRule) throws -> (SeriesTrainingResult, QueryResult.Row) {
            var configuration = SampleWarehouse.quickTraining
            configuration.featureSet = rule
            let trained = try #require(try TrainingRun(target: target, layout: SampleWarehouse.layout, configuration: configuration,
                                                       query: try SampleWarehouse.query).train([series]).first).get()
            let row = try #require(try Connection.open(target).execute("""
                select metrics->>'feature_set' as chosen, metrics->'feature_votes' = '{}'::jsonb as no_votes,
                       metrics ? 'feature_set_validation_rmse' as compared,
                       (select count(*) from jsonb_object_keys(metrics->'feature_votes')) as voted
                from gridcast_operational_dev.model_registry
                where load_profile = 'SMLCOM' and load_segment = 'NONSOLAR' and model_version = $1
                """, [trained.version], name: "feature set").first)
            return (trained, row)
        }
        let columns = try SampleWarehouse.query.fetch(on: Connection.open(target), layout: SampleWarehouse.layout, series: series,
                                                      start: "2024-12-01", end: "2024-12-01", settings: FeatureSettings(),
                                                      requireTarget: false, asOf: .dayAhead()).matrix.featureNames
        let (all, allRow) = try train(.all)
        #expect(all.features == columns)
        #expect(allRow.string("chosen") == "all" && allRow.bool("no_votes") == true && allRow.bool("compared") == false)

        let (selected, selectedRow) = try train(.selected)
        #expect(selectedRow.string("chosen") == "selected" && selectedRow.bool("compared") == true)
        #expect(selected.features.count < columns.count && selected.features.allSatisfy(columns.contains))
        #expect((selectedRow.int("voted") ?? 0) > 0)
    }

    @Test("--target auto on fresh data scores a default fit learning each target and records the winner; on data a week late, and with load, neither")
    func targetRule() throws {
        let target = try SampleWarehouse.clone("targetrule")
        let series = try #require(SeriesID("RES-NONSOLAR"))
        func train(_ rule: TargetRule, delayDays: Int = 1, fromCatalog: Bool = false) throws -> QueryResult.Row {
            var configuration = SampleWarehouse.quickTraining
            configuration.target = rule
            if fromCatalog {
                // The series' delay as `train --delay-days` gives it: the run's own settings keep the default.
                configuration.catalogFeatures = .init(delayDays: delayDays)
            } else {
                configuration.features = FeatureSettings(delayDays: delayDays)
            }
            let trained = try #require(try TrainingRun(target: target, layout: SampleWarehouse.layout, configuration: configuration,
                                                       query: try SampleWarehouse.query).train([series]).first).get()
            return try #require(try Connection.open(target).execute("""
                select metrics -> 'feature_settings' ->> 'targetBase' as base,
                       (metrics -> 'target_validation_rmse' ->> 'load')::float8 as load,
                       (metrics -> 'target_validation_rmse' ->> 'level')::float8 as level, train_start::text as start
                from gridcast_operational_dev.model_registry
                where load_profile = 'RES' and load_segment = 'NONSOLAR' and model_version = $1
                """, [trained.version], name: "target").first)
        }
        let auto = try train(.auto)
        let (load, level) = (try #require(auto.double("load")), try #require(auto.double("level")))
        #expect(load.isFinite && level.isFinite && load != level)
        #expect(auto.string("base") == (level < load ? FeatureSettings.recentLevelBase : nil), "\(auto)")
        // The delay that decides is the series' (here from the catalog's override), not the run's default of 14.
        let catalog = try train(.auto, fromCatalog: true)
        #expect(catalog.double("load") == load && catalog.double("level") == level, "\(catalog)")
        let plain = try train(.load)
        #expect(plain.string("base") == nil && plain.double("load") == nil)
        let late = try train(.auto, delayDays: TargetRule.freshDelayDays)
        #expect(late.string("base") == nil && late.double("load") == nil && late.double("level") == nil)
        let forced = try train(.level)
        #expect(forced.string("base") == FeatureSettings.recentLevelBase && forced.double("level") == nil)
        // A level model learns only from days whose level was known: the first days of history have none.
        #expect((forced.string("start") ?? "") > (plain.string("start") ?? "~"), "\(forced) \(plain)")
    }

    @Test("a worse new model stays a candidate with the reason, the champion stays, and rollback restores the previous champion")
    func approvalRule() throws {
        let target = try SampleWarehouse.clone("trainrule")
        let series = try #require(SeriesID("RES-NONSOLAR"))
        let good = TrainingRun(target: target, layout: SampleWarehouse.layout, configuration: SampleWarehouse.quickTraining,
                               query: try SampleWarehouse.query)
        let first = try #require(try good.train([series]).first).get()
        #expect(first.status == "approved")

        var crippled = SampleWarehouse.quickTraining
        crippled.trials = 1
        crippled.maxRounds = 3      // three shallow rounds from the mean: far worse than the champion
        let worse = try #require(try TrainingRun(target: target, layout: SampleWarehouse.layout, configuration: crippled,
                                                 query: try SampleWarehouse.query).train([series]).first).get()
        #expect(worse.status == "candidate")
        #expect(worse.reason.contains("champion") || worse.reason.contains("baseline"), "\(worse.reason)")
        let connection = try Connection.open(target)
        let registry = ModelRegistry(connection: connection, layout: SampleWarehouse.layout)
        #expect(try registry.champion(series)?.0.version == first.version)

        // A better model replaces the champion; rollback brings the first one back.
        var better = SampleWarehouse.quickTraining
        better.seed = 99
        better.trials = 4
        let second = try #require(try TrainingRun(target: target, layout: SampleWarehouse.layout, configuration: better,
                                                  query: try SampleWarehouse.query).train([series]).first).get()
        if second.status == "approved" {
            let (from, to) = try registry.rollback(series, reason: "test rollback")
            #expect(from == second.version && to == first.version)
        } else {
            // Equal data and settings can give an equally good model that does not strictly beat the champion.
            try registry.setStatus(series, version: worse.version, status: "approved", reason: "force for rollback test")
            let (from, to) = try registry.rollback(series, reason: "test rollback")
            #expect(from == worse.version && to == first.version)
        }
        #expect(try registry.champion(series)?.0.version == first.version)
    }

    @Test("no feature reads SQMD newer than the as-of date minus the delay: planted future values never reach the matrix")
    func noLeakage() throws {
        let target = try SampleWarehouse.clone("leak")
        let connection = try Connection.open(target)
        let series = try #require(SeriesID("RES-SOLAR"))
        let targetDay = "2024-11-20", delay = 14
        // Every SQMD row with a trade date after the as-of cutoff (target - 1 - delay) gets a huge marker
        // load, except the target day itself, whose actual is the label and not a feature.
        let planted = try connection.execute("""
            update gridcast_input_dev.sqmd set loadlal = 1e9
            where tradedatelocal > $1::date - 1 - $2::int and tradedatelocal <> $1::date
            """, [targetDay, delay], name: "plant markers").affectedRows
        #expect(planted > 1000)
        let data = try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout, series: series,
                                                   start: targetDay, end: targetDay, settings: FeatureSettings(delayDays: delay),
                                                   requireTarget: false)
        #expect(data.keys.count == 24)
        let leaked = data.matrix.featureNames.enumerated().filter { column, _ in
            (0..<data.matrix.rowCount).contains { data.matrix[$0, column] > 1e7 }
        }.map(\.element)
        #expect(leaked.isEmpty, "features that saw future SQMD: \(leaked)")
        // The lags that are allowed are present (so the check above is not vacuous).
        #expect(data.matrix.column("lag_21d").allSatisfy { !$0.isNaN })
        // And the same markers do show up once they are old enough: a cutoff one day later would read them.
        let later = try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout, series: series,
                                                    start: "2024-12-12", end: "2024-12-12", settings: FeatureSettings(delayDays: delay),
                                                    requireTarget: false)
        #expect(later.matrix.column("lag_21d").contains { $0 > 1e7 })
    }

    @Test("with one fold of the validation window's days, the final fit and the probe are the search's fits, not made again")
    func finalFitReusesTheSearch() throws {
        let target = try SampleWarehouse.clone("memo")
        var configuration = SampleWarehouse.quickTraining
        configuration.folds = 1
        configuration.foldDays = configuration.validationDays
        configuration.featureSet = .auto
        configuration.ensemble = .never
        let series = try #require(SeriesID("SMLCOM-SOLAR"))
        let trained = try #require(try TrainingRun(target: target, layout: SampleWarehouse.layout, configuration: configuration,
                                                   query: try SampleWarehouse.query).train([series]).first).get()
        #expect(trained.status == "approved", "\(trained.reason)")
        let reused = try Connection.open(target).execute("""
            select (metrics ->> 'fits_reused')::int as n, (metrics ->> 'search_fits')::int as fits
            from gridcast_operational_dev.model_registry where load_profile = 'SMLCOM' and load_segment = 'SOLAR'
            """, name: "fits reused").first
        // The search's defaults on the one fold are the selection's probe (or its selected fit), and the final fit
        // of the best candidate is its fit on that fold.
        #expect((reused?.int("n") ?? 0) >= 2 && reused?.int("fits") == 3, "\(String(describing: reused))")
    }

    @Test("a lag shorter than delay + 1 days is refused with a clear error")
    func leakyLagRefused() throws {
        do {
            try FeatureSettings(delayDays: 14, lagDays: [7, 21]).validate()
            Issue.record("expected a refusal")
        } catch {
            #expect(error.description.contains("at least 15 days"))
            #expect(error.description.contains("7 days"))
        }
    }
}
