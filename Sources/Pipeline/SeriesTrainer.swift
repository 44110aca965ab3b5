import Boosting
import Foundation
import Logging
import Migrations
import Warehouse

/// The outcome of training one series.
public struct SeriesTrainingResult: Sendable {
    public let series: SeriesID
    public let version: Int
    public let status: String
    public let reason: String
    public let model: ForecastMetrics
    public let baseline: ForecastMetrics
    public let championRMSE: Double?
    public let skill: Double
    public let intervalCoverage: Double
    public let features: [String]
    /// What the model learns: "load", or "level" (the deviation from the recent same-hour level).
    public let learns: String
    public let rounds: Int
    public let trainingRows: Int
    public let seconds: Double
    /// The in-memory model's predictions for the test window (checked against the stored JSON model).
    public let testPredictions: [Double]
    public let testWindow: (start: String, end: String)
}

/// Trains, evaluates and registers one series: time-ordered split, consensus feature selection,
/// random search over time-series folds, final fit with early stopping, seasonal-naive baseline,
/// conformal intervals, comparison with the champion, registration with the approval rule.
public struct SeriesTrainer: Sendable {
    public let configuration: TrainingConfiguration
    public let query: FeatureQuery
    public let layout: SchemaLayout
    public var threads = 1
    public var logger = Logger(label: "gridcast.train")
    public var runID: String?

    public init(configuration: TrainingConfiguration, query: FeatureQuery, layout: SchemaLayout) {
        self.configuration = configuration
        self.query = query
        self.layout = layout
    }

    public func train(_ series: SeriesID, on connection: Connection) throws -> SeriesTrainingResult {
        let started = Date()
        var configuration = self.configuration
        configuration.features = try featureSettings(series, on: connection)
        let window = try trainingWindow(series, on: connection)
        let asOf = configuration.asOf
        // Exclusions first: the feature transaction stays the session's last statement while the fits run.
        let excluded = try exclusions(series, from: window.start, through: window.end, on: connection)
        let fetched = try query.fetch(on: connection, layout: layout, series: series, start: window.start, end: window.end,
                                      settings: configuration.features, requireTarget: true, asOf: asOf)
        if !FeatureSettings.levelColumns.allSatisfy(fetched.matrix.featureNames.contains) {
            // A feature SQL edited without the rolling means: the load is all a model can learn.
            guard configuration.target != .level else {
                throw FeatureError.templateShape("train --target level needs the columns "
                    + FeatureSettings.levelColumns.joined(separator: " and ") + "; use --target load")
            }
            configuration.target = .load
        }
        let kept = Self.dropping(excluded, from: fetched)

        // 1. What the model learns (the load, or its deviation from the recent level: `labels`; the `loads` are
        // what forecasts are measured against), then its features: by default the consensus selection, when it
        // validates no worse than every feature. A level model learns only from rows whose level is known.
        let target = try chooseTarget(data: kept, series: series, settings: configuration.features)
        configuration.features.targetBase = target.base
        let data = target.rows
        let split = try DateSplit(keys: data.keys, testDays: configuration.testDays, validationDays: configuration.validationDays, series: series)
        let loads = data.targets.map { Float($0 ?? .nan) }
        let base = configuration.features.baseValues(data.matrix)
        let labels = zip(loads, base).map { $0 - $1 }
        // Fits on the final windows, kept so the final fit does not repeat one the search (or the probe) made.
        let memo = FitMemo(train: split.train, validation: split.validation)
        let (featureSet, votes) = try chooseFeatures(data: data, labels: labels, split: split, probe: target.probe, memo: memo)
        let features = featureSet.features
        let selected = data.matrix.columns(features)

        // 2. Random search over time-series folds of everything before the test window.
        let beforeTest = 0..<split.test.lowerBound
        let folds = split.folds(count: configuration.folds, days: configuration.foldDays)
        var searcher = RandomSearch(trials: configuration.trials, seed: configuration.seed, patience: configuration.patience,
                                    threads: threads, strategy: configuration.search)
        searcher.ensembleRule = configuration.ensemble
        searcher.maxBins = configuration.maxBins
        let search = try searcher
            .run(matrix: selected.rows(beforeTest), labels: Array(labels[beforeTest]), folds: folds,
                 maxRounds: configuration.maxRounds, memo: memo)
        // A linear member blended into what the search chose, at the weight the same folds score best (LinearBlend).
        let blendChoice = configuration.linearBlend == .never ? nil
            : try LinearTrainer.chooseWeight(matrix: selected.rows(beforeTest), labels: Array(labels[beforeTest]),
                                             folds: folds, treePredictions: search.chosenFoldPredictions)

        // 3. Final fit on the training window, rounds chosen on the validation window: the best candidate, or
        // each member of the search's ensemble when it scored better on the folds, averaged into one model. Each
        // with the seed it had in the search, so a fold that is these windows has made the fit already.
        let members = try search.chosen.map { member in
            try memo.fit(member.parameters, seed: member.seed, patience: configuration.patience, features: features,
                         train: split.train, validation: split.validation) {
                try Trainer.fit(member.parameters, train: selected.rows(split.train), labels: Array(labels[split.train]),
                                validation: (selected.rows(split.validation), Array(labels[split.validation])),
                                patience: configuration.patience, threads: threads, seed: member.seed)
            }
        }
        let trees = try ModelAveraging.average(members.map(\.booster), threads: threads)
        // The linear member on the same windows, its penalty chosen on the validation window like the trees' rounds.
        let linear = try blendChoice.flatMap { configuration.linearBlend.deploys($0) ? $0 : nil }.map { choice in
            (choice, try LinearTrainer.fit(train: selected.rows(split.train), labels: Array(labels[split.train]),
                                           validation: (selected.rows(split.validation), Array(labels[split.validation]))))
        }
        let final = BlendedModel(trees: trees, blend: linear.map { $0.1.member.weighted($0.0.linearWeight) })
        let validationPredictions = try final.predict(selected.rows(split.validation), threads: threads)
        let intervals = PredictionIntervals(residuals: split.validation.map { Double(labels[$0] - validationPredictions[$0 - split.validation.lowerBound]) },
                                            hours: split.validation.map { data.keys[$0].localHour }, coverage: configuration.intervalCoverage)

        // 4. Evaluation on the held-out test window, against the baseline and the champion.
        let testPredictions = try zip(final.predict(selected.rows(split.test), threads: threads), base[split.test])
            .map { Double($0 + $1) }
        let actual = split.test.map { Double(loads[$0]) }
        let days = split.test.map { dayKey(data.keys[$0].localDate) }
        let duck = series.loadSegment == "SOLAR" ? split.test.map { (9..<20).contains(data.keys[$0].localHour) } : nil
        let baselinePredictions = SeasonalNaive(settings: configuration.features).predict(data.matrix, rows: split.test, fallback: loads, train: split.train)
        let model = ForecastMetrics(actual: actual, predicted: testPredictions, days: days, duckCurveHours: duck)
        let baseline = ForecastMetrics(actual: actual, predicted: baselinePredictions, days: days, duckCurveHours: duck)
        let coverage = intervals.coverage(actual: actual, predicted: testPredictions, hours: split.test.map { data.keys[$0].localHour })
        // 5. Recency: the same parameters and rounds refit on every day, so the deployed model has seen the newest actuals.
        let refit = configuration.refit
            ? try refitOnEveryDay(search.chosen, members: members, linear: linear, matrix: selected, labels: labels) : nil
        let memberRounds = members.map(\.bestRounds)
        let rounds = memberRounds.reduce(0, +)   // trees of the deployed model: every member's
        let evaluation = Evaluation(model: model, baseline: baseline, coverage: coverage, intervals: intervals, votes: votes,
                                    target: target, featureSet: featureSet, rounds: rounds, memberRounds: memberRounds,
                                    search: search, fitsReused: memo.reused,
                                    linearBlend: blendChoice.map { LinearBlendMetrics($0, deployed: linear?.1) },
                                    featureRanges: refit == nil ? selected.ranges(split.train) : selected.ranges(0..<data.keys.count),
                                    weatherAsIssuedShare: Lineage.asIssuedShare(data.keys))
        var registration = ModelRegistration(
            series: series, trainStart: data.keys[split.train.lowerBound].localDate, trainEnd: data.keys[split.train.upperBound - 1].localDate,
            validationStart: data.keys[split.validation.lowerBound].localDate, validationEnd: data.keys[split.validation.upperBound - 1].localDate,
            testStart: data.keys[split.test.lowerBound].localDate, testEnd: data.keys[split.test.upperBound - 1].localDate,
            hyperparameters: try JSONCoding.string(search.best.parameters), features: features, metrics: "{}",
            status: "candidate", statusReason: "", trainingRunID: runID,
            xgboostVersion: xgboostVersion, modelJSON: try (refit ?? final).modelJSON())
        if refit != nil {
            (registration.refitStart, registration.refitEnd) = (data.keys[0].localDate, data.keys[data.keys.count - 1].localDate)
            registration.holdoutModelJSON = try final.modelJSON()
        }
        // 6. The champion comparison, the approval rule and the registration under one series lock: a
        // concurrent train of the series registers before or after this one, never between the
        // comparison and the insert (two first versions were both approved as "no previous champion").
        // The connection idled through the fits above; a lost one is reopened rather than losing them.
        try connection.reconnectIfLost()
        let (version, approved, reason, championRMSE) = try connection.transaction(name: "register \(series)") { tx in
            try tx.lockNamed("series.\(series)", in: layout.runLocksTable, waitSeconds: 600)
            let registry = ModelRegistry(connection: connection, layout: layout)
            let championRMSE = try championScore(registry: registry, series: series, data: data, rows: split.test, actual: actual, days: days)
            var (approved, reason) = approval(evaluation, championRMSE: championRMSE)
            if approved, try registry.approvalPolicy() == "manual" {
                (approved, reason) = (false, "awaiting approval (approval_policy = manual); " + reason.replacingOccurrences(
                    of: "auto-approved: ", with: "passed the approval rule: "))
            }
            var metrics = evaluation.metrics(championRMSE: championRMSE, configuration: configuration)
            metrics.asOf = asOf
            metrics.excludedDays = excluded.isEmpty ? nil : excluded
            var decided = registration
            decided.metrics = try JSONCoding.string(metrics)
            decided.status = approved ? "approved" : "candidate"
            decided.statusReason = reason
            return (try registry.register(decided), approved, reason, championRMSE)
        }
        let skill = model.skill(against: baseline)
        logger.info("trained", metadata: ["series": "\(series)", "version": "\(version)", "status": "\(approved ? "approved" : "candidate")",
                                          "rmse": "\(model.rmse)", "baseline_rmse": "\(baseline.rmse)"])
        return SeriesTrainingResult(series: series, version: version, status: approved ? "approved" : "candidate", reason: reason,
                                    model: model, baseline: baseline, championRMSE: championRMSE, skill: skill, intervalCoverage: coverage,
                                    features: features, learns: configuration.features.targetBase == nil ? "load" : "level",
                                    rounds: rounds, trainingRows: split.train.count,
                                    seconds: Date().timeIntervalSince(started), testPredictions: testPredictions,
                                    testWindow: (data.keys[split.test.lowerBound].localDate, data.keys[split.test.upperBound - 1].localDate))
    }

    /// What the approval rule and the metrics document need from one fit.
    struct Evaluation {
        let model: ForecastMetrics, baseline: ForecastMetrics
        let coverage: Double, intervals: PredictionIntervals
        let votes: [String: [String]]
        let target: TargetChoice
        let featureSet: FeatureSetChoice
        /// Trees of the deployed model (every member's best rounds), and each member's.
        let rounds: Int, memberRounds: [Int], search: RandomSearch.Outcome, fitsReused: Int
        /// The linear blend the folds weighed (nil under --linear-blend never).
        let linearBlend: LinearBlendMetrics?
        let featureRanges: [String: [Float]]
        let weatherAsIssuedShare: Double?

        func metrics(championRMSE: Double?, configuration: TrainingConfiguration) -> MetricsDocument {
            var metrics = MetricsDocument(model: model, baseline: baseline, skill: model.skill(against: baseline), intervalCoverage: coverage,
                                          intervalNominal: configuration.intervalCoverage, intervals: intervals, championRMSE: championRMSE,
                                          featureVotes: votes, rounds: rounds, searchTrials: search.trials.count,
                                          searchBestCVRMSE: search.best.meanRMSE, featureSettings: configuration.features)
            metrics.featureRanges = featureRanges
            metrics.featureSet = featureSet.name
            metrics.targetValidationRMSE = target.validationRMSE
            if let selectedRMSE = featureSet.selectedRMSE, let allRMSE = featureSet.allRMSE {
                metrics.featureSetValidationRMSE = ["selected": selectedRMSE, "all": allRMSE]
            }
            metrics.searchStrategy = configuration.search.rawValue
            metrics.searchFits = search.fits
            metrics.fitsReused = fitsReused
            metrics.weatherAsIssuedShare = weatherAsIssuedShare
            metrics.linearBlend = linearBlend
            metrics.ensemble = search.ensemble.map { ensemble in
                EnsembleMetrics(used: search.chosen.count > 1, members: ensemble.members.count,
                                foldRMSE: ensemble.meanRMSE, bestSingleFoldRMSE: search.best.meanRMSE,
                                memberRounds: search.chosen.count > 1 ? memberRounds : nil,
                                memberParameters: search.chosen.count > 1 ? search.chosen.map(\.parameters) : nil)
            }
            return metrics
        }
    }

    /// Approved when the model beats the baseline, passes the skill and MAPE limits and beats the champion.
    func approval(_ evaluation: Evaluation, championRMSE: Double?) -> (approved: Bool, reason: String) {
        let (model, baseline) = (evaluation.model, evaluation.baseline)
        let skill = model.skill(against: baseline)
        var problems: [String] = []
        if !(model.rmse < baseline.rmse) { problems.append(String(format: "RMSE %.3f does not beat the seasonal-naive baseline %.3f", model.rmse, baseline.rmse)) }
        if !(skill >= configuration.minimumSkill) { problems.append(String(format: "skill %.3f is below the threshold %.3f", skill, configuration.minimumSkill)) }
        if let limit = configuration.maximumMAPE, !(model.mape <= limit) { problems.append(String(format: "MAPE %.2f%% exceeds %.2f%%", model.mape, limit)) }
        if let limit = configuration.maximumWAPE, !((model.wape ?? .nan) <= limit) {
            problems.append(String(format: "WAPE %.2f%% exceeds %.2f%%", model.wape ?? .nan, limit))
        }
        if let championRMSE, !(model.rmse < championRMSE) { problems.append(String(format: "RMSE %.3f does not beat the champion's %.3f on the same test window", model.rmse, championRMSE)) }
        guard problems.isEmpty else { return (false, "kept as candidate: " + problems.joined(separator: "; ")) }
        return (true, String(format: "auto-approved: RMSE %.3f vs baseline %.3f (skill %.3f)%@", model.rmse, baseline.rmse, skill,
                             championRMSE.map { String(format: ", champion %.3f", $0) } ?? ", no previous champion"))
    }

    /// The model's features under `configuration.featureSet`, and the selection's votes (empty when every
    /// feature is used without a selection step). The selection probes with default parameters: a fit on
    /// every feature, whose gain and permutation importance vote. Under `.auto` one more default fit, on
    /// the selection and the same windows, must validate no worse than the probe, or every feature is
    /// kept: the selection alone cost the sample's series up to 30% test RMSE (bench/README.md).
    private func chooseFeatures(data: SeriesFeatures, labels: [Float], split: DateSplit, probe known: FittedModel?,
                                memo: FitMemo) throws -> (FeatureSetChoice, votes: [String: [String]]) {
        let all = data.matrix.featureNames
        guard configuration.featureSet != .all else {
            return (FeatureSetChoice(features: all, name: "all", selectedRMSE: nil, allRMSE: nil), [:])
        }
        let train = data.matrix.rows(split.train), validation = data.matrix.rows(split.validation)
        let trainLabels = Array(labels[split.train]), validationLabels = Array(labels[split.validation])
        // Default fits on the final windows: the search's first candidate (the defaults, the run's seed) on a
        // fold that is those windows is the same fit.
        func fitDefaults(_ train: FeatureMatrix, _ validation: FeatureMatrix,
                         known: FittedModel? = nil) throws -> FittedModel {
            try memo.fit(defaultParameters, seed: configuration.seed, patience: configuration.patience,
                         features: train.featureNames, train: split.train, validation: split.validation) {
                try known ?? self.fitDefaults(train: train, labels: trainLabels, validation: validation,
                                              validationLabels: validationLabels)
            }
        }
        let probe = try fitDefaults(train, validation, known: known)
        let selection = try FeatureSelection().select(model: probe.booster, train: train, labels: trainLabels, validation: validation,
                                                      validationLabels: validationLabels, threads: threads)
        let chosen = selection.selected, allRMSE = probe.bestValidationRMSE ?? .infinity
        guard chosen.count < all.count else {
            return (FeatureSetChoice(features: all, name: "all", selectedRMSE: allRMSE, allRMSE: allRMSE), selection.votes)
        }
        let selectedRMSE = try fitDefaults(train.columns(chosen), validation.columns(chosen)).bestValidationRMSE ?? .infinity
        let keep = configuration.featureSet == .selected || selectedRMSE <= allRMSE
        return (FeatureSetChoice(features: keep ? chosen : all, name: keep ? "selected" : "all",
                                 selectedRMSE: selectedRMSE, allRMSE: allRMSE), selection.votes)
    }

    /// What the model learns under `configuration.target`. Under `.auto` with data fresher than
    /// `TargetRule.freshDelayDays`, a fit with default parameters on every feature for each target, on the
    /// training and validation windows; the lower validation RMSE wins (both are errors of the load: the base
    /// cancels). The winner's fit is the feature selection's probe, so the comparison costs one fit; with older
    /// data, the load without a comparison.
    /// `settings` are the series' own (the catalog's delay, not the run's defaults).
    private func chooseTarget(data: SeriesFeatures, series: SeriesID, settings: FeatureSettings) throws -> TargetChoice {
        var level = settings
        level.targetBase = FeatureSettings.recentLevelBase
        switch configuration.target {
        case .load: return TargetChoice(base: nil, rows: data, probe: nil, validationRMSE: nil)
        case .level:
            return TargetChoice(base: level.targetBase, rows: Self.keepingKnownBase(data, settings: level), probe: nil,
                                validationRMSE: nil)
        case .auto where settings.delayDays >= TargetRule.freshDelayDays:
            return TargetChoice(base: nil, rows: data, probe: nil, validationRMSE: nil)
        case .auto:
            // Each target on its own rows (the level's where it is known), scored on the same validation hours.
            let known = Self.keepingKnownBase(data, settings: level)
            func split(_ data: SeriesFeatures) throws -> DateSplit {
                try DateSplit(keys: data.keys, testDays: configuration.testDays, validationDays: configuration.validationDays,
                              series: series)
            }
            func probe(_ data: SeriesFeatures, _ split: DateSplit, base: [Float]) throws -> FittedModel {
                let labels = zip(data.targets, base).map { Float($0 ?? .nan) - $1 }
                return try fitDefaults(train: data.matrix.rows(split.train), labels: Array(labels[split.train]),
                                       validation: data.matrix.rows(split.validation),
                                       validationLabels: Array(labels[split.validation]))
            }
            let loadSplit = try split(data)
            let loadProbe = try probe(data, loadSplit, base: [Float](repeating: 0, count: data.keys.count))
            let loadRMSE = loadProbe.bestValidationRMSE ?? .infinity
            let keepLoad = TargetChoice(base: nil, rows: data, probe: configuration.featureSet == .all ? nil : loadProbe,
                                        validationRMSE: ["load": loadRMSE])
            // Too few days with a known level (history that arrived after the run times, e.g. rows inserted by
            // hand), or hours of unknown level in the validation window: no like-for-like comparison, the load.
            guard let levelSplit = try? split(known), levelSplit.validation.count == loadSplit.validation.count else {
                return keepLoad
            }
            let levelProbe = try probe(known, levelSplit, base: level.baseValues(known.matrix))
            let levelRMSE = levelProbe.bestValidationRMSE ?? .infinity
            let scores = ["load": loadRMSE, "level": levelRMSE]
            guard levelRMSE < loadRMSE else {
                return TargetChoice(base: nil, rows: data, probe: keepLoad.probe, validationRMSE: scores)
            }
            return TargetChoice(base: level.targetBase, rows: known,
                                probe: configuration.featureSet == .all ? nil : levelProbe, validationRMSE: scores)
        }
    }

    /// XGBoost's defaults with the run's round cap: the search's first candidate.
    private var defaultParameters: BoostParameters {
        var defaults = BoostParameters()
        defaults.maxRounds = configuration.maxRounds
        defaults.maxBins = configuration.maxBins
        return defaults
    }

    /// XGBoost's defaults (with the run's round cap), early-stopped on the validation window.
    private func fitDefaults(train: FeatureMatrix, labels: [Float], validation: FeatureMatrix, validationLabels: [Float])
        throws -> FittedModel {
        try Trainer.fit(defaultParameters, train: train, labels: labels, validation: (validation, validationLabels),
                        patience: configuration.patience, threads: threads, seed: configuration.seed)
    }

    /// A fit of `rounds` rounds on every row of `matrix` (no early stopping: the rounds were chosen on
    /// the validation window), for deployment.
    private func refit(_ parameters: BoostParameters, rounds: Int, matrix: FeatureMatrix, labels: [Float]) throws -> Booster {
        var fixed = parameters
        fixed.maxRounds = max(1, rounds)
        return try Trainer.fit(fixed, train: matrix, labels: labels, threads: threads, seed: configuration.seed).booster
    }

    /// The deployed model refit on every row: each tree member with its parameters and rounds, the linear
    /// member (when blended) with its penalty, at the same weight.
    private func refitOnEveryDay(_ chosen: [RandomSearch.Trial], members: [FittedModel],
                                 linear: (LinearBlendChoice, LinearFit)?, matrix: FeatureMatrix,
                                 labels: [Float]) throws -> BlendedModel {
        let trees = try ModelAveraging.average(try zip(chosen, members).map { member, fitted in
            try refit(member.parameters, rounds: fitted.bestRounds, matrix: matrix, labels: labels)
        }, threads: threads)
        let blend = try linear.map { choice, fitted in
            try LinearTrainer.fit(train: matrix, labels: labels, penalties: [fitted.penalty]).member.weighted(choice.linearWeight)
        }
        return BlendedModel(trees: trees, blend: blend)
    }

    /// The champion's RMSE on this test window (as evaluated: its holdout fit, since a refit has seen
    /// these days), or nil when there is no champion or it uses features
    /// this matrix lacks (then it cannot be compared, and the reason says so through its absence).
    private func championScore(registry: ModelRegistry, series: SeriesID, data: SeriesFeatures, rows: Range<Int>,
                               actual: [Double], days: [Int]) throws -> Double? {
        guard let (champion, json) = try registry.championAsEvaluated(series, lead: configuration.features.leadDays),
              champion.features.allSatisfy(data.matrix.featureNames.contains) else { return nil }
        let booster = try BlendedModel(modelJSON: json, threads: threads)
        let settings = try JSONCoding.decode(MetricsDocument.self, from: champion.metrics).featureSettings
        let base = settings.baseValues(data.matrix.rows(rows))
        guard !base.contains(where: \.isNaN) else { return nil }
        let predictions = try zip(booster.predict(data.matrix.columns(champion.features).rows(rows), threads: threads), base)
            .map { Double($0 + $1) }
        return ForecastMetrics(actual: actual, predicted: predictions, days: days).rmse
    }

    /// The series' delay and lags: the configuration's, or the catalog's with the run's overrides.
    private func featureSettings(_ series: SeriesID, on connection: Connection) throws -> FeatureSettings {
        guard let overrides = configuration.catalogFeatures else { return configuration.features }
        return try FeatureSettings.catalog(series, overrides: overrides, leadDays: configuration.features.leadDays,
                                           layout: layout, on: connection)
    }

    /// Days of `series` a person took out of training (training_exclusions, migration 0018): date to reason.
    private func exclusions(_ series: SeriesID, from start: String, through end: String,
                            on connection: Connection) throws -> [String: String] {
        let rows = try connection.execute("""
            select local_date::text as day, reason
            from \(SQLIdentifier.quoteValidated(layout.operationalSchema)).training_exclusions
            where series_id = $1 and local_date between $2::date and $3::date
            """, [series.description, start, end], name: "training exclusions \(series)").rows
        return Dictionary(rows.compactMap { row in row.string("day").map { ($0, row.string("reason") ?? "") } }) { first, _ in first }
    }

    /// The rows whose target base is known (all of them without a base), in the same order: a row with no
    /// recent same-hour load has nothing to learn a deviation from.
    static func keepingKnownBase(_ features: SeriesFeatures, settings: FeatureSettings) -> SeriesFeatures {
        let base = settings.baseValues(features.matrix)
        guard base.contains(where: \.isNaN) else { return features }
        return features.keeping(features.keys.indices.filter { !base[$0].isNaN })
    }

    /// The rows of `features` whose local date is not excluded, in the same order.
    static func dropping(_ excluded: [String: String], from features: SeriesFeatures) -> SeriesFeatures {
        guard !excluded.isEmpty else { return features }
        return features.keeping(features.keys.indices.filter { excluded[features.keys[$0].localDate] == nil })
    }

    /// Newest target date with actuals (or the configured end), and the start `historyDays` before.
    private func trainingWindow(_ series: SeriesID, on connection: Connection) throws -> (start: String, end: String) {
        try Self.trainingWindow(series, layout: layout, historyDays: configuration.historyDays, endDate: configuration.endDate, on: connection)
    }

    /// The target dates training reads for `series`: the newest date with actuals (or `endDate`) and
    /// `historyDays` back. Public so the bench exports exactly the matrix training sees.
    public static func trainingWindow(_ series: SeriesID, layout: SchemaLayout, historyDays: Int, endDate: String?,
                                      on connection: Connection) throws -> (start: String, end: String) {
        let row = try connection.execute("""
            select coalesce($3::date, max(tradedatelocal))::text as end_date,
                   (coalesce($3::date, max(tradedatelocal)) - $4::int + 1)::text as start_date
            from \(SQLIdentifier.quoteValidated(layout.operationalSchema)).vw_series_actuals_hourly
            where load_profile = $1 and load_segment = $2
            """, [series.loadProfile, series.loadSegment, endDate, historyDays], name: "training window \(series)").first
        guard let end = row?.string("end_date"), let start = row?.string("start_date") else {
            throw FeatureError.noRows(series: series.description, reason: "no actuals yet; load SQMD first (gridcast load sqmd)")
        }
        return (start, end)
    }
}

/// Which features a model trains on, and the validation RMSE of a default-parameter fit on each set.
struct FeatureSetChoice {
    let features: [String]
    /// "selected" (the consensus selection) or "all".
    let name: String
    /// Validation RMSE of a default fit on each set; nil when every feature was used without selection.
    let selectedRMSE: Double?
    let allRMSE: Double?
}
