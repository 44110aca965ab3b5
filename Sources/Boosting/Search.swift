import Foundation

/// SplitMix64: a small, fast, seedable generator so that searches are reproducible run to run.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Expanding-window time-series folds over rows already in time order: fold k trains on everything
/// before its validation block. No shuffling, so no fold ever validates on the past of its training data.
public struct TimeSeriesFolds: Sendable {
    public let folds: [(train: Range<Int>, validation: Range<Int>)]

    /// - Parameters:
    ///   - rowCount: rows in time order.
    ///   - foldCount: number of validation blocks, taken from the end.
    ///   - validationSize: rows per validation block.
    ///   - gap: rows skipped between training and validation (e.g. the data delay), so lags cannot bridge them.
    public init(rowCount: Int, foldCount: Int, validationSize: Int, gap: Int = 0) {
        var folds: [(Range<Int>, Range<Int>)] = []
        for fold in 0..<foldCount {
            let validationEnd = rowCount - (foldCount - 1 - fold) * validationSize
            let validationStart = validationEnd - validationSize
            let trainEnd = validationStart - gap
            guard trainEnd > validationSize, validationStart >= 0 else { continue }
            folds.append((0..<trainEnd, validationStart..<validationEnd))
        }
        self.folds = folds
    }
}

/// Random search over `BoostParameters` scored by mean validation RMSE across time-series folds,
/// each fit with early stopping.
public struct RandomSearch {
    public var trials: Int
    public var seed: UInt64
    public var patience: Int
    public var threads: Int

    public init(trials: Int = 50, seed: UInt64 = 42, patience: Int = 30, threads: Int = 1) {
        self.trials = trials
        self.seed = seed
        self.patience = patience
        self.threads = threads
    }

    public struct Trial: Sendable {
        public let parameters: BoostParameters
        public let meanRMSE: Double
        public let meanRounds: Int
    }

    public struct Outcome: Sendable {
        public let best: Trial
        public let trials: [Trial]
    }

    /// Draws one candidate. Ranges are the usual ones for hourly load with a few dozen features.
    public static func sample(_ generator: inout SeededGenerator) -> BoostParameters {
        var parameters = BoostParameters()
        parameters.learningRate = exp(Double.random(in: log(0.02)...log(0.3), using: &generator))
        parameters.maxDepth = Int.random(in: 3...10, using: &generator)
        parameters.minChildWeight = exp(Double.random(in: log(1)...log(50), using: &generator))
        parameters.subsample = Double.random(in: 0.5...1.0, using: &generator)
        parameters.columnSampleByTree = Double.random(in: 0.4...1.0, using: &generator)
        parameters.lambda = exp(Double.random(in: log(0.1)...log(20), using: &generator))
        parameters.alpha = Double.random(in: 0...1, using: &generator) < 0.5 ? 0 : exp(Double.random(in: log(0.01)...log(5), using: &generator))
        parameters.gamma = Double.random(in: 0...1, using: &generator) < 0.5 ? 0 : Double.random(in: 0...5, using: &generator)
        return parameters
    }

    /// The parameters the search tries, in order: the defaults, then `trials - 1` draws from `seed`.
    /// Public so a reference implementation (the bench's Python) can try exactly the same candidates.
    public static func candidates(trials: Int, seed: UInt64) -> [BoostParameters] {
        var generator = SeededGenerator(seed: seed)
        return (0..<max(trials, 1)).map { $0 == 0 ? BoostParameters() : sample(&generator) }
    }

    /// Runs the search; the first trial is always the defaults, so the search never does worse than them.
    public func run(matrix: FeatureMatrix, labels: [Float], folds: TimeSeriesFolds, maxRounds: Int = 1000) throws -> Outcome {
        var results: [Trial] = []
        let foldMatrices = try folds.folds.map { fold in
            (train: try DMatrix(matrix.rows(fold.train), labels: Array(labels[fold.train]), threads: threads),
             validation: try DMatrix(matrix.rows(fold.validation), labels: Array(labels[fold.validation]), threads: threads))
        }
        for (trial, candidate) in Self.candidates(trials: trials, seed: seed).enumerated() {
            var parameters = candidate
            parameters.maxRounds = maxRounds
            var rmses: [Double] = [], rounds: [Int] = []
            for fold in foldMatrices {
                let fitted = try Trainer.fit(parameters, train: fold.train, validation: fold.validation, featureNames: matrix.featureNames,
                                             patience: patience, threads: threads, seed: seed &+ UInt64(trial))
                rmses.append(fitted.bestValidationRMSE ?? .infinity)
                rounds.append(fitted.bestRounds)
            }
            let mean = rmses.isEmpty ? .infinity : rmses.reduce(0, +) / Double(rmses.count)
            results.append(Trial(parameters: parameters, meanRMSE: mean,
                                 meanRounds: rounds.isEmpty ? parameters.maxRounds : rounds.reduce(0, +) / rounds.count))
        }
        let best = results.min { $0.meanRMSE < $1.meanRMSE }!
        return Outcome(best: best, trials: results)
    }
}
