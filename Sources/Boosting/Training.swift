import Foundation

/// XGBoost hyperparameters that the search varies, plus the round budget.
public struct BoostParameters: Sendable, Hashable, Codable {
    public var learningRate: Double = 0.1
    public var maxDepth: Int = 6
    public var minChildWeight: Double = 1
    public var subsample: Double = 0.8
    public var columnSampleByTree: Double = 0.8
    public var lambda: Double = 1
    public var alpha: Double = 0
    public var gamma: Double = 0
    /// Upper bound on boosting rounds; early stopping usually ends sooner.
    public var maxRounds: Int = 1000
    /// Histogram bins per feature (XGBoost's max_bin; its default is 256). Not searched: with a year of
    /// hourly rows, enumerating each node's candidate splits costs bins x features and was most of a fit;
    /// 64 bins trained 200 fleet series 26% faster, with the same accuracy on the public data over five
    /// seeds (bench/README.md, Run P).
    public var maxBins: Int = BoostParameters.defaultMaxBins
    public static let defaultMaxBins = 64

    public init() {}

    enum CodingKeys: String, CodingKey {
        case learningRate = "eta", maxDepth = "max_depth", minChildWeight = "min_child_weight", subsample
        case columnSampleByTree = "colsample_bytree", lambda, alpha, gamma, maxRounds = "max_rounds", maxBins = "max_bin"
    }

    /// Documents written before `max_bin` was recorded were fit with XGBoost's 256.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        learningRate = try container.decode(Double.self, forKey: .learningRate)
        maxDepth = try container.decode(Int.self, forKey: .maxDepth)
        minChildWeight = try container.decode(Double.self, forKey: .minChildWeight)
        subsample = try container.decode(Double.self, forKey: .subsample)
        columnSampleByTree = try container.decode(Double.self, forKey: .columnSampleByTree)
        lambda = try container.decode(Double.self, forKey: .lambda)
        alpha = try container.decode(Double.self, forKey: .alpha)
        gamma = try container.decode(Double.self, forKey: .gamma)
        maxRounds = try container.decode(Int.self, forKey: .maxRounds)
        maxBins = try container.decodeIfPresent(Int.self, forKey: .maxBins) ?? 256
    }

    /// The parameter map XGBoost reads. `hist` trees, squared error, RMSE as the stopping metric.
    public func xgboostParameters(threads: Int, seed: UInt64) -> [String: String] {
        [
            "objective": "reg:squarederror", "eval_metric": "rmse", "tree_method": "hist",
            "eta": "\(learningRate)", "max_depth": "\(maxDepth)", "min_child_weight": "\(minChildWeight)",
            "subsample": "\(subsample)", "colsample_bytree": "\(columnSampleByTree)",
            "lambda": "\(lambda)", "alpha": "\(alpha)", "gamma": "\(gamma)",
            "nthread": "\(threads)", "seed": "\(seed % UInt64(Int32.max))", "verbosity": "0", "max_bin": "\(maxBins)",
        ]
    }
}

/// A booster trimmed to its best round, with the validation curve that chose it.
public struct FittedModel {
    public let booster: Booster
    public let bestRounds: Int
    public let bestValidationRMSE: Double?
}

public enum Trainer {
    /// Trains on `train`, stopping when the validation RMSE has not improved for `patience` rounds,
    /// and returns the model cut back to its best round. Without validation, trains `maxRounds` rounds.
    public static func fit(_ parameters: BoostParameters, train: FeatureMatrix, labels: [Float],
                           validation: (FeatureMatrix, [Float])? = nil, patience: Int = 30,
                           threads: Int = 1, seed: UInt64 = 42) throws -> FittedModel {
        let trainMatrix = try DMatrix(train, labels: labels, threads: threads)
        let validationMatrix = try validation.map { try DMatrix($0.0, labels: $0.1, threads: threads) }
        return try fit(parameters, train: trainMatrix, validation: validationMatrix, featureNames: train.featureNames,
                       patience: patience, threads: threads, seed: seed)
    }

    /// The same, on matrices already built: a search reuses each fold's matrices across its trials, so
    /// XGBoost builds each fold's histogram index once instead of once per trial.
    public static func fit(_ parameters: BoostParameters, train trainMatrix: DMatrix, validation validationMatrix: DMatrix?,
                           featureNames: [String], patience: Int = 30, threads: Int = 1, seed: UInt64 = 42) throws -> FittedModel {
        let booster = try Booster(parameters: parameters.xgboostParameters(threads: threads, seed: seed),
                                  cache: [trainMatrix] + (validationMatrix.map { [$0] } ?? []))
        try booster.setFeatureNames(featureNames)
        var best = (rounds: 0, rmse: Double.infinity)
        for iteration in 0..<parameters.maxRounds {
            try booster.update(iteration: iteration, on: trainMatrix)
            guard let validationMatrix else { continue }
            let rmse = try booster.evaluate(iteration: iteration, on: validationMatrix)
            if rmse < best.rmse { best = (iteration + 1, rmse) }
            if iteration + 1 - best.rounds >= patience { break }
        }
        guard validationMatrix != nil else {
            return FittedModel(booster: booster, bestRounds: booster.rounds, bestValidationRMSE: nil)
        }
        let trimmed = best.rounds < booster.rounds ? try booster.sliced(rounds: best.rounds) : booster
        return FittedModel(booster: trimmed, bestRounds: best.rounds, bestValidationRMSE: best.rmse)
    }
}
