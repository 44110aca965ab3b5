import Boosting

/// Which features a series' model uses (`train --feature-set`).
public enum FeatureSetRule: String, Sendable, Codable, CaseIterable {
    /// The consensus selection when a default fit on it validates no worse than on every feature, else all.
    case auto
    /// Every feature of the feature SQL: no selection step (saves its fits).
    case all
    /// The consensus selection, whatever it scores.
    case selected
}

/// What a series' model learns (`train --target`).
public enum TargetRule: String, Sendable, Codable, CaseIterable {
    /// Where the series' data arrive within `freshDelayDays`, the one of the two below that a fit with default
    /// parameters on every feature validates better; with older data, the load.
    case auto
    /// The hour's load.
    case load
    /// The hour's load minus its recent same-hour level (`FeatureSettings.recentLevelBase`), added back to
    /// every forecast: trees cannot predict a level they never saw, and fresh data carries it.
    case level

    /// Delay (days) from which auto no longer compares and learns the load: the level is then the mean of days
    /// at least a week old. Measured (bench/README.md, sixth session): of 312 comparisons at delay 14 (the
    /// public data's 12 models over four seeds, 300 synthetic series), the level won 1, and the comparison
    /// added 19% to training time; at delay 1 it won most and cut RMSE by 10%.
    public static let freshDelayDays = 7
}

/// Everything a training run can be told. Defaults are what `gridcast train` uses.
public struct TrainingConfiguration: Sendable, Codable {
    public var features = FeatureSettings()
    /// Random-search trials per series (the first is always XGBoost's defaults).
    public var trials = 50
    /// How the search spends its fits: successive halving over the folds (default) or every fold for all.
    public var search: SearchStrategy = .halving
    /// Whether the average of the search's best finalists is deployed: auto (when it scores better on the folds).
    public var ensemble: EnsembleRule = .auto
    /// Whether a linear member (ridge regression on the standardized features) is blended into the trees:
    /// auto (when the best blend weight beats the trees alone on every fold and on their mean by 0.5%), always
    /// (whenever that weight is above 0), or never.
    public var linearBlend: LinearBlendRule = .auto
    /// Which features the search and the model use: the consensus selection when a default fit on it
    /// validates no worse than on every feature (auto), every feature, or the selection whatever it scores.
    public var featureSet: FeatureSetRule = .auto
    /// What the model learns: the load, its deviation from the recent same-hour level, or (auto) whichever
    /// a default fit validates better. The choice is recorded in the model's feature settings (`targetBase`).
    public var target: TargetRule = .auto
    /// Time-series cross-validation folds inside the training window.
    public var folds = 3
    /// Days per cross-validation block.
    public var foldDays = 28
    /// The last `testDays` dates with actuals are held out for evaluation and approval.
    public var testDays = 56
    /// The `validationDays` before the test window pick the number of rounds and calibrate intervals.
    public var validationDays = 56
    /// Days of history to train on, ending at the newest actual.
    public var historyDays = 3 * 365
    /// Last target date of the window (ISO); nil = the newest date with actuals.
    public var endDate: String?
    /// Boosting round cap and early-stopping patience.
    public var maxRounds = 1000
    public var patience = 30
    /// Histogram bins per feature of every tree fit (XGBoost's max_bin; see `BoostParameters.maxBins`).
    public var maxBins = BoostParameters.defaultMaxBins
    /// Nominal coverage of the prediction intervals.
    public var intervalCoverage = 0.8
    /// Approval thresholds: skill (1 - RMSE/baseline RMSE) at least this, MAPE (percent) at most this.
    public var minimumSkill = 0.0
    public var maximumMAPE: Double? = nil
    /// Approval threshold on WAPE (percent): the gate for net-load series near zero, where MAPE explodes.
    public var maximumWAPE: Double? = nil
    public var seed: UInt64 = 42
    /// Series trained at once; 0 = automatic (see `CoreBudget`).
    public var parallelSeries = 0
    /// XGBoost threads per series; 0 = automatic (see `CoreBudget`).
    public var threadsPerSeries = 0
    /// Training processes sharing this machine's cores (the N of `--shard i/N`).
    public var processesSharingCores = 1
    /// Weather for the training rows' target hours: the forecast issued before each day's run time where a
    /// vintage is stored, else the observation (`.asIssuedOrObserved`, the default), or hindsight
    /// (`.observed`). Recorded in the model's metrics (`as_of`).
    public var trainingWeather: AsOfRule.WeatherMode = .asIssuedOrObserved
    /// Local time on D - 1 at which each training row's day is taken as known (the daily schedule).
    public var issueTime = AsOfRule.defaultIssueTime
    /// Recency: after evaluation, refit the chosen parameters and rounds on every day up to the newest
    /// actuals and deploy that fit (the evaluated one is kept as `holdout_model_json`).
    public var refit = true
    /// Where each series' delay and lags come from: nil, `features` for every series (tests, bench);
    /// else the series catalog (migration 0021), with these overrides (`train --delay-days/--lags`).
    /// The lead (horizon) is `features.leadDays` either way (`train --lead-days`).
    public var catalogFeatures: CatalogFeatureOverrides?

    /// `train --delay-days` and `--lags`: each replaces the catalog's value for one run; lags not given
    /// follow the delay (the catalog's lags, else the delay's defaults).
    public struct CatalogFeatureOverrides: Sendable, Codable, Equatable {
        public var delayDays: Int?
        public var lagDays: [Int]?
        public init(delayDays: Int? = nil, lagDays: [Int]? = nil) {
            self.delayDays = delayDays
            self.lagDays = lagDays
        }
    }

    public init() {}

    /// What each training row may know: its day as of D - lead (`features.leadDays`) at `issueTime`, with
    /// `trainingWeather`.
    public var asOf: AsOfRule { .dayAhead(issueTime: issueTime, weather: trainingWeather) }

    public func validate() throws(FeatureError) {
        if catalogFeatures == nil { try features.validate() }
        if let delay = catalogFeatures?.delayDays, let lags = catalogFeatures?.lagDays {
            try FeatureSettings(delayDays: delay, lagDays: lags, leadDays: features.leadDays).validate()
        }
        try FeatureSettings.validateLead(features.leadDays)
        guard trials >= 1 else { throw .invalidSetting("trials must be at least 1") }
        guard (2...4096).contains(maxBins) else { throw .invalidSetting("max bins must be 2 to 4096, not \(maxBins)") }
        guard folds >= 1, foldDays >= 1, testDays >= 1, validationDays >= 1 else {
            throw .invalidSetting("folds, fold days, test days and validation days must be at least 1")
        }
        guard historyDays > testDays + validationDays + folds * foldDays else {
            throw .invalidSetting("history of \(historyDays) days is too short for \(testDays) test + \(validationDays) validation + \(folds)x\(foldDays) fold days")
        }
        guard parallelSeries >= 0, threadsPerSeries >= 0, processesSharingCores >= 1 else {
            throw .invalidSetting("parallel series and threads must be 0 (automatic) or more")
        }
        guard trainingWeather != .asKnown else {
            throw .invalidSetting("training weather must be as-issued or observed (as-known is the forecast rule)")
        }
        guard AsOfRule.parseIssueTime(issueTime) != nil else { throw .invalidSetting("issue time '\(issueTime)' is not HH:MM") }
        guard intervalCoverage > 0, intervalCoverage < 1 else { throw .invalidSetting("interval coverage must be between 0 and 1") }
    }
}
