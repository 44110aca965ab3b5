import ArgumentParser
import Boosting
import Foundation
import Pipeline
import Warehouse

enum TrainingWeatherChoice: String, ExpressibleByArgument, CaseIterable {
    case asIssued = "as-issued"
    case observed
}

/// `gridcast train`: train, evaluate and register models for the selected series.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train, evaluate and register a model per series; approve it when it beats the baseline and the champion.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var seriesOptions: SeriesOptions

    @Option(help: "Random-search trials per series.") var trials: Int = 50
    @Option(help: ArgumentHelp("How the search spends its fits: halving (every candidate on the newest fold, the best third "
                               + "on one more fold per rung, the finalists on all) or full (every candidate on every fold).",
                               valueName: "halving|full"))
    var search: SearchStrategy = .halving
    @Option(help: ArgumentHelp("Deploy the average of the search's best 3 finalists: auto (when it scores a lower RMSE on the "
                               + "folds than the best alone), always, or never.", valueName: "auto|always|never"))
    var ensemble: EnsembleRule = .auto
    @Option(name: .customLong("linear-blend"),
            help: ArgumentHelp("Blend a ridge regression on the same features into the trees: auto (when the blend "
                               + "weight chosen on the folds beats the trees alone on every fold, and on their mean by "
                               + "0.5% RMSE), always (whenever the folds' best weight is above 0), or never.",
                               valueName: "auto|always|never"))
    var linearBlend: LinearBlendRule = .auto
    @Option(name: .customLong("feature-set"),
            help: ArgumentHelp("Features of the model: auto (the consensus selection when a default fit on it validates no "
                               + "worse than every feature), all, or selected.", valueName: "auto|all|selected"))
    var featureSet: FeatureSetRule = .auto
    @Option(help: ArgumentHelp("What the model learns: load (the hour's load), level (its deviation from the recent "
                               + "same-hour level, added back to every forecast), or auto (whichever a default fit "
                               + "validates better, where data arrive within 7 days; else load).", valueName: "auto|load|level"))
    var target: TargetRule = .auto
    @Option(help: "Time-series cross-validation folds.") var folds: Int = 3
    @Option(help: ArgumentHelp("Days each fold validates on. One fold of --validation-days days is the validation window: "
                               + "the final fit then reuses the search's fit instead of fitting again.")) var foldDays: Int = 28
    @Option(help: "Days held out for the test window.") var testDays: Int = 56
    @Option(help: "Days of validation before the test window.") var validationDays: Int = 56
    @Option(help: "Days of history to train on.") var historyDays: Int = 3 * 365
    @Option(help: "Last target date to train on (YYYY-MM-DD); default the newest actual.") var endDate: String?
    @Option(help: "Data delay in days for this run (default: each series' series_catalog.delay_days).") var delayDays: Int?
    @Option(help: "Same-hour lags in days, comma-separated, each at least delay + 1 (default: series_catalog.lag_days, else the delay's defaults).")
    var lags: String?
    @Option(name: .customLong("lead-days"),
            help: ArgumentHelp("The horizon the model learns: 1 day-ahead (default), 2 for D+2, 3 for D+3 (the 72-hour "
                + "horizon), each row as known N days before its day; the model competes with, and replaces, the champion "
                + "of the same lead only. Lags shorter than delay + N are dropped.", valueName: "N"))
    var leadDays: Int = 1
    @Option(help: "Nominal coverage of the prediction intervals.") var coverage: Double = 0.8
    @Option(help: "Approve only when skill (1 - RMSE/baseline RMSE) is at least this.") var minimumSkill: Double = 0
    @Option(help: "Approve only when test MAPE (percent) is at most this.") var maximumMape: Double?
    @Option(help: "Approve only when test WAPE (percent, sum |error| / sum |actual|) is at most this; for net load near zero.")
    var maximumWape: Double?
    @Option(help: "Series trained at once (default: one per core; with --shard i/N, one per N cores).") var parallel: Int = 0
    @Option(help: "XGBoost threads per series (default: cores / series at once; --shard i/N assumes its N processes share this machine).")
    var threads: Int = 0
    @Option(help: "Random seed of the search.") var seed: UInt64 = 42
    @Option(help: ArgumentHelp("Histogram bins per feature of each tree fit (XGBoost's max_bin, 2-4096; XGBoost's own "
                               + "default is 256).")) var maxBins: Int = BoostParameters.defaultMaxBins
    @Option(name: .customLong("training-weather"),
            help: "Weather of the training rows: as-issued (the forecast known on D-1 at --issue-time where one is stored, else the observation) or observed (hindsight).")
    var trainingWeather: TrainingWeatherChoice = .asIssued
    @Option(name: .customLong("issue-time"), help: "Local time HH:MM on D-1 at which each training day is taken as known.")
    var issueTime: String = AsOfRule.defaultIssueTime
    @Flag(name: .customLong("no-refit"),
          help: "Deploy the fit that was evaluated (through the validation window) instead of refitting it on every day up to the newest actuals.")
    var noRefit = false
    @Flag(name: .customLong("if-drifted"),
          help: "Train only the selected series that drifted (vw_series_drift) or have no champion; list the others as skipped.")
    var ifDrifted = false
    @Option(name: .customLong("sql-dir"), help: "Folder holding features/dayahead_features.sql (default: the nearest sql/).") var sqlDirectory: String?

    func validate() throws {
        guard (lags ?? "").split(separator: ",").allSatisfy({ Int($0.trimmingCharacters(in: .whitespaces)) != nil }) else {
            throw ValidationError("--lags must be whole days separated by commas, e.g. 21,28,35.")
        }
        do { try configuration.validate() } catch { throw ValidationError("\(error)") }
    }

    var configuration: TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.trials = trials
        configuration.search = search
        configuration.ensemble = ensemble
        configuration.linearBlend = linearBlend
        configuration.featureSet = featureSet
        configuration.target = target
        configuration.folds = folds
        configuration.foldDays = foldDays
        configuration.testDays = testDays
        configuration.validationDays = validationDays
        configuration.historyDays = historyDays
        configuration.endDate = endDate
        configuration.features.leadDays = leadDays
        configuration.catalogFeatures = .init(delayDays: delayDays, lagDays: lags.map { text in
            text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        })
        configuration.intervalCoverage = coverage
        configuration.minimumSkill = minimumSkill
        configuration.maximumMAPE = maximumMape
        configuration.maximumWAPE = maximumWape
        configuration.parallelSeries = parallel
        configuration.threadsPerSeries = threads
        configuration.processesSharingCores = seriesOptions.selection.shard?.count ?? 1
        configuration.seed = seed
        configuration.maxBins = maxBins
        configuration.trainingWeather = trainingWeather == .observed ? .observed : .asIssuedOrObserved
        configuration.issueTime = AsOfRule.parseIssueTime(issueTime) ?? issueTime
        configuration.refit = !noRefit
        return configuration
    }

    func run() throws {
        try CommandRunner.run(options, command: "train") { logger in
            let connection = try options.connect(logger)
            let layout = options.layout
            let (series, skipped) = try selectSeries(on: connection)
            if !options.json {
                for (id, reason) in skipped { print("\(id.description.padding(toLength: 16, withPad: " ", startingAt: 0)) skipped: \(reason)") }
            }
            let skippedRows: [JSONValue] = skipped.map { ["series": .string($0.series.description), "status": "skipped",
                                                          "reason": .string($0.reason)] }
            if series.isEmpty {
                if !options.json { print("No selected series to train.") }
                return ["series": [], "skipped": .array(skippedRows)]
            }
            var run = TrainingRun(target: options.target, layout: layout, configuration: configuration,
                                  query: try FeatureQuery.dayAhead(sqlDirectory: sqlDirectory).checked(for: layout))
            var outcomes: [(series: SeriesID, result: Result<SeriesTrainingResult, Error>)] = []
            struct Arguments: Encodable { let series: [String]; let queue: String?; let configuration: TrainingConfiguration }
            let arguments = Arguments(series: series.map(\.description), queue: seriesOptions.queue, configuration: configuration)
            let failure = try RunLogging.record(options, kind: .train, arguments: arguments, logger: logger) { runID in
                run.runID = runID
                if let name = seriesOptions.queue {
                    let queue = WorkQueue(name: name, task: .train, layout: layout)
                    try queue.enqueue(series, on: connection)
                    outcomes = try run.train(queue: queue, logger: logger, progress: { Progress.step($0) })
                } else {
                    outcomes = Array(zip(series, try run.train(series, logger: logger, progress: { Progress.step($0) })))
                        .map { (series: $0.0, result: $0.1) }
                }
                let failed = outcomes.compactMap { id, result -> (series: SeriesID, error: Error)? in
                    if case let .failure(error) = result { return (id, error) } else { return nil }
                }
                return (outcomes.count - failed.count, failed.isEmpty ? nil : TrainingFailed(failures: failed, total: outcomes.count))
            }
            var rows: [JSONValue] = []
            var failures = 0
            if !options.json {
                print("series           version  status     rmse       baseline   skill   mape%   coverage  learns  features")
            }
            for (id, result) in outcomes {
                switch result {
                case let .success(trained):
                    if !options.json {
                        print(String(format: "%@ %7d  %@ %9.2f  %9.2f  %6.3f  %6.2f  %8.3f  %@  %d",
                                     id.description.padding(toLength: 16, withPad: " ", startingAt: 0), trained.version,
                                     trained.status.padding(toLength: 10, withPad: " ", startingAt: 0), trained.model.rmse,
                                     trained.baseline.rmse, trained.skill, trained.model.mape, trained.intervalCoverage,
                                     trained.learns.padding(toLength: 6, withPad: " ", startingAt: 0), trained.features.count))
                    }
                    rows.append(["series": .string(id.description), "version": .int(trained.version), "status": .string(trained.status),
                                 "reason": .string(trained.reason), "rmse": .number(trained.model.rmse), "baseline_rmse": .number(trained.baseline.rmse),
                                 "skill": .number(trained.skill), "mape": .number(trained.model.mape), "learns": .string(trained.learns),
                                 "seconds": .number(trained.seconds), "lead_days": .int(leadDays)])
                case let .failure(error):
                    failures += 1
                    let message = options.target.redact("\(error)")
                    if !options.json { print("\(id.description.padding(toLength: 16, withPad: " ", startingAt: 0)) FAILED: \(message)") }
                    rows.append(["series": .string(id.description), "status": "failed", "error": .string(message)])
                }
            }
            if let failure, failures > 0 { throw failure }
            return skipped.isEmpty && !ifDrifted ? ["series": .array(rows)] : ["series": .array(rows), "skipped": .array(skippedRows)]
        }
    }

    /// The series to train and those skipped with why: with --all, series without any actuals yet; with
    /// --if-drifted, series that did not drift.
    private func selectSeries(on connection: Connection) throws -> (train: [SeriesID], skipped: [(series: SeriesID, reason: String)]) {
        var series = try seriesOptions.selection.resolve(on: connection, layout: options.layout)
        var skipped: [(series: SeriesID, reason: String)] = []
        if seriesOptions.selection.all {
            let empty = try SeriesSelection.withoutActuals(series, on: connection, layout: options.layout)
            skipped += series.filter(empty.contains).map { ($0, "no SQMD for its load profile in the warehouse yet; load its data, "
                + "or deactivate it: update series_catalog set active = false where series_id = '\($0)'") }
            series = series.filter { !empty.contains($0) }
        }
        if ifDrifted {
            let (drifted, steady) = try SeriesDrift.partition(series, on: connection, layout: options.layout)
            skipped += steady.map { ($0.series, $0.explanation) }
            series = drifted
        }
        return (series, skipped)
    }
}

/// Its description is masked where it is shown (CommandRunner, the run log), like every error's.
struct TrainingFailed: Error, CustomStringConvertible, FailureDetails {
    let failures: [(series: SeriesID, error: Error)], total: Int
    var description: String {
        let first = failures.first.map { " First: \($0.series): \($0.error)" } ?? ""
        return "\(failures.count) of \(total) series failed to train.\(first)"
    }
    var causes: [Error] { failures.map(\.error) }
    var nothingWritten: Bool { failures.count == total }
    func details(exitCode: (Error) -> Int32, redact: (String) -> String) -> [JSONValue] {
        failures.map { ["series": .string($0.series.description), "error": .string(redact("\($0.error)")),
                        "exit_code": .int(Int(exitCode($0.error)))] }
    }
}

extension SearchStrategy: ExpressibleByArgument {}
extension EnsembleRule: ExpressibleByArgument {}
extension LinearBlendRule: ExpressibleByArgument {}
extension FeatureSetRule: ExpressibleByArgument {}
extension TargetRule: ExpressibleByArgument {}
