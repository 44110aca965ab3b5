import Boosting
import Features
import Foundation

/// Time-ordered split of feature rows by local date: train, then validation, then test. No shuffling.
struct DateSplit {
    let train: Range<Int>
    let validation: Range<Int>
    let test: Range<Int>
    /// The first row of each day with actuals, in order (the rows are in time order).
    let dayStarts: [Int]

    init(keys: [FeatureRowKey], testDays: Int, validationDays: Int, series: SeriesID) throws {
        dayStarts = keys.indices.filter { $0 == 0 || keys[$0 - 1].localDate != keys[$0].localDate }
        guard dayStarts.count > testDays + validationDays + 28 else {
            throw FeatureError.noRows(series: series.description,
                                      reason: "only \(dayStarts.count) days with actuals; training needs more than \(testDays + validationDays + 28) (test + validation + 4 weeks)")
        }
        let firstValidation = dayStarts[dayStarts.count - testDays - validationDays]
        let firstTest = dayStarts[dayStarts.count - testDays]
        train = 0..<firstValidation
        validation = firstValidation..<firstTest
        test = firstTest..<keys.count
    }

    /// Time-series folds over the rows before the test window, cut by days with actuals as the split is:
    /// fold k (oldest first) validates on the k-th newest block of `days` days before the test window and
    /// trains on every row before that block; a fold whose training rows would be fewer than its
    /// validation rows is left out. One fold of `validationDays` days is exactly the training and
    /// validation windows, so the final fit can take the search's fit of its candidate (`FitMemo`).
    func folds(count: Int, days: Int) -> TimeSeriesFolds {
        // The first row of each day before the test window, then the test window's first row.
        let starts = dayStarts.filter { $0 < test.lowerBound } + [test.lowerBound]
        let folds = (0..<max(0, count)).reversed().compactMap { newerBlocks -> (train: Range<Int>, validation: Range<Int>)? in
            let end = starts.count - 1 - newerBlocks * days, start = end - days
            guard start > 0 else { return nil }
            let validation = starts[start]..<starts[end]
            guard validation.lowerBound > validation.count else { return nil }
            return (0..<validation.lowerBound, validation)
        }
        return TimeSeriesFolds(folds: folds)
    }
}

/// The seasonal-naive forecast: the same hour one week-multiple back, using the shortest weekly lag
/// the data delay allows (21 days with the default 14-day delay). Missing values fall back to the
/// 28-day same-hour mean, then to the training mean.
struct SeasonalNaive {
    let settings: FeatureSettings

    var lagName: String {
        let weekly = settings.lagDays.filter { $0 % 7 == 0 }.min() ?? settings.lagDays.min() ?? 21
        return "lag_\(weekly)d"
    }

    /// The baseline of one row without a training mean to fall back on (a forecast's fallback): the
    /// weekly lag, else the 28-day same-hour mean, else nil.
    func value(_ matrix: FeatureMatrix, row: Int) -> Double? {
        let lag = matrix.column(lagName), mean28 = matrix.column("same_hour_mean_28d")
        if row < lag.count, !lag[row].isNaN { return Double(lag[row]) }
        if row < mean28.count, !mean28[row].isNaN { return Double(mean28[row]) }
        return nil
    }

    func predict(_ matrix: FeatureMatrix, rows: Range<Int>, fallback labels: [Float], train: Range<Int>) -> [Double] {
        let lag = matrix.column(lagName), mean28 = matrix.column("same_hour_mean_28d")
        let trainMean = train.isEmpty ? 0 : Double(train.reduce(Float(0)) { $0 + labels[$1] }) / Double(train.count)
        return rows.map { row in
            if row < lag.count, !lag[row].isNaN { return Double(lag[row]) }
            if row < mean28.count, !mean28[row].isNaN { return Double(mean28[row]) }
            return trainMean
        }
    }
}

/// What a model learns (`TrainingConfiguration.target`): the base added back to its output (nil: the load
/// itself), the rows it learns from (with a base, those whose base is known), the default fit the feature
/// selection can reuse, and under auto both targets' validation RMSE.
struct TargetChoice {
    let base: String?
    let rows: SeriesFeatures
    let probe: FittedModel?
    let validationRMSE: [String: Double]?
}

/// What a model stores in `metrics`: test metrics for model and baseline, interval calibration, and
/// what forecasting needs later (feature ranges for out-of-distribution flags, feature settings).
struct MetricsDocument: Codable {
    var model: ForecastMetrics
    var baseline: ForecastMetrics
    var skill: Double
    var intervalCoverage: Double
    var intervalNominal: Double
    var intervals: PredictionIntervals
    var championRMSE: Double?
    var featureVotes: [String: [String]]
    var rounds: Int
    var searchTrials: Int
    var searchBestCVRMSE: Double
    /// halving or full, and the candidate x fold fits made; nil for models trained before they were recorded.
    var searchStrategy: String?
    var searchFits: Int?
    /// Fits taken from the search instead of made again (probe, final members; `FitMemo`); nil before recorded.
    var fitsReused: Int?
    /// "selected" or "all", and the validation RMSE of a default fit on each (nil before they were recorded).
    var featureSet: String?
    var featureSetValidationRMSE: [String: Double]?
    /// Under `--target auto`, the validation RMSE of a default fit learning each target (nil otherwise).
    var targetValidationRMSE: [String: Double]?
    var featureSettings: FeatureSettings
    var featureRanges: [String: [Float]] = [:]
    /// The as-of rule of the training rows (run time per day, weather mode); nil for models trained
    /// before it was recorded.
    var asOf: AsOfRule?
    /// Share of training rows whose weather was a forecast vintage known at the row's run time.
    var weatherAsIssuedShare: Double?
    /// Series-days left out of training (training_exclusions), local date to reason.
    var excludedDays: [String: String]?
    /// The search's ensemble of its best finalists and whether it was deployed (nil: fewer than two finalists).
    var ensemble: EnsembleMetrics?
    /// The linear member the folds weighed against the trees alone, and whether it was blended in (nil: not
    /// weighed, --linear-blend never or a model trained before the blend existed).
    var linearBlend: LinearBlendMetrics?

    enum CodingKeys: String, CodingKey {
        case model, baseline, skill, intervals, rounds, ensemble, excludedDays = "excluded_days"
        case linearBlend = "linear_blend"
        case asOf = "as_of", weatherAsIssuedShare = "weather_as_issued_share"
        case intervalCoverage = "interval_coverage", intervalNominal = "interval_nominal", championRMSE = "champion_rmse"
        case featureVotes = "feature_votes", searchTrials = "search_trials", searchBestCVRMSE = "search_best_cv_rmse"
        case searchStrategy = "search_strategy", searchFits = "search_fits", fitsReused = "fits_reused"
        case featureSet = "feature_set", featureSetValidationRMSE = "feature_set_validation_rmse"
        case targetValidationRMSE = "target_validation_rmse"
        case featureSettings = "feature_settings", featureRanges = "feature_ranges"
    }
}

/// The search's ensemble in a model's metrics: the members' mean fold RMSE against the best single
/// candidate's, and, when deployed, each member's parameters and rounds (the registry's hyperparameters
/// column holds the best member's).
struct EnsembleMetrics: Codable {
    var used: Bool
    var members: Int
    var foldRMSE: Double
    var bestSingleFoldRMSE: Double
    var memberRounds: [Int]?
    var memberParameters: [BoostParameters]?

    enum CodingKeys: String, CodingKey {
        case used, members, foldRMSE = "fold_rmse", bestSingleFoldRMSE = "best_single_fold_rmse"
        case memberRounds = "member_rounds", memberParameters = "member_parameters"
    }
}

/// The linear blend in a model's metrics: the weight the folds chose, its mean fold RMSE against the
/// trees alone, whether that beat them by enough to deploy, and the deployed member's ridge penalty.
struct LinearBlendMetrics: Codable {
    var used: Bool
    var linearWeight: Double
    var foldRMSE: Double
    var treesFoldRMSE: Double
    var foldsWon: Int
    var folds: Int
    var penalty: Double?

    /// - Parameter deployed: the linear member blended into the deployed model (nil: the trees alone).
    init(_ choice: LinearBlendChoice, deployed: LinearFit?) {
        (used, linearWeight, foldRMSE, treesFoldRMSE) = (deployed != nil, choice.linearWeight, choice.foldRMSE,
                                                         choice.treesFoldRMSE)
        (foldsWon, folds) = (choice.foldsWon, choice.folds)
        penalty = deployed?.penalty
    }

    enum CodingKeys: String, CodingKey {
        case used, linearWeight = "linear_weight", foldRMSE = "fold_rmse", treesFoldRMSE = "trees_fold_rmse", penalty
        case foldsWon = "folds_won", folds
    }
}

enum JSONCoding {
    /// JSON text for jsonb columns; NaN and infinities become strings PostgreSQL can cast back to float8.
    static func string<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try decoder.decode(type, from: Data(text.utf8))
    }
}

extension FeatureMatrix {
    /// Min and max of each column over `rows`, ignoring missing values.
    func ranges(_ rows: Range<Int>) -> [String: [Float]] {
        var result: [String: [Float]] = [:]
        for (column, name) in featureNames.enumerated() {
            var low = Float.infinity, high = -Float.infinity
            for row in rows {
                let value = self[row, column]
                if !value.isNaN { low = min(low, value); high = max(high, value) }
            }
            if low <= high { result[name] = [low, high] }
        }
        return result
    }
}

/// A stable day key for an ISO local date, for per-day metrics.
func dayKey(_ isoDate: String) -> Int { LocalDate(isoDate)?.dayNumber ?? isoDate.hashValue }
