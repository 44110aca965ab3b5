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

    /// Folds already cut (e.g. by calendar days), each training on rows before its validation block.
    public init(folds: [(train: Range<Int>, validation: Range<Int>)]) {
        self.folds = folds
    }
}

/// How a search spends its fits on the candidates.
public enum SearchStrategy: String, Sendable, Codable, CaseIterable {
    /// Successive halving over the folds: every candidate on the newest fold, the best third on the next
    /// fold as well, and so on; the last rung ranks the survivors on every fold.
    case halving
    /// Every candidate on every fold.
    case full
}

/// When the search deploys its ensemble of finalists instead of the best candidate alone.
public enum EnsembleRule: String, Sendable, Codable, CaseIterable {
    /// When the averaged finalists score a lower mean RMSE on the folds than the best alone.
    case auto
    /// Whenever at least two finalists were fit on every fold.
    case always
    /// Never: the best candidate alone.
    case never
}

/// Random search over `BoostParameters` scored by mean validation RMSE across time-series folds,
/// each fit with early stopping on its own fold.
///
/// `.halving` (the default) is successive halving with the folds as the resource: rung 0 fits every
/// candidate on the newest fold only, each later rung keeps the best 1/`reduction` of the candidates
/// (by mean RMSE over the folds they have seen) and fits them on one more fold, and the last rung's
/// survivors, scored on every fold, decide. With 50 candidates and 3 folds that is 50 + 17 + 6 = 73
/// fits instead of 150. Each fold's matrices (and XGBoost's quantile sketch cached in them) are built
/// once for the whole search; a candidate's fits on earlier rungs are kept, not repeated.
public struct RandomSearch {
    public var trials: Int
    public var seed: UInt64
    public var patience: Int
    public var threads: Int
    public var strategy: SearchStrategy
    /// Halving keeps 1 / reduction of the candidates at each rung.
    public var reduction: Int = 3
    /// Up to this many of the best finalists are averaged into the ensemble the search scores (1: none).
    public var ensembleSize: Int = 3
    public var ensembleRule: EnsembleRule = .auto
    /// Histogram bins of every candidate's fits.
    public var maxBins = BoostParameters.defaultMaxBins

    public init(trials: Int = 50, seed: UInt64 = 42, patience: Int = 30, threads: Int = 1, strategy: SearchStrategy = .halving) {
        self.trials = trials
        self.seed = seed
        self.patience = patience
        self.threads = threads
        self.strategy = strategy
    }

    public struct Trial: Sendable {
        public let parameters: BoostParameters
        /// The seed its fits used: a final fit with it on a fold's windows is that fold's fit again.
        public let seed: UInt64
        /// Mean validation RMSE over the folds this candidate was fit on.
        public let meanRMSE: Double
        public let meanRounds: Int
        /// Folds it was fit on: all of them for a finalist, fewer for one halving pruned.
        public let folds: Int
    }

    /// The mean of the best finalists' predictions, scored on the same folds as they were.
    public struct Ensemble: Sendable {
        /// Best first; each was fit on every fold.
        public let members: [Trial]
        /// Mean over the folds of the RMSE of the members' averaged validation predictions.
        public let meanRMSE: Double
    }

    public struct Outcome: Sendable {
        public let best: Trial
        public let trials: [Trial]
        /// The best finalists averaged (when at least two were fit on every fold), chosen or not.
        public var ensemble: Ensemble? = nil
        public var ensembleRule: EnsembleRule = .auto
        /// What to deploy: the ensemble's members when the rule says so (by default, when it scored below
        /// the best single candidate on the folds), else the best candidate alone.
        public var chosen: [Trial] {
            guard let ensemble else { return [best] }
            switch ensembleRule {
            case .never: return [best]
            case .always: return ensemble.members
            case .auto: return ensemble.meanRMSE < best.meanRMSE ? ensemble.members : [best]
            }
        }
        /// Fits the search made (candidate x fold).
        public var fits: Int { trials.reduce(0) { $0 + $1.folds } }
        /// Per fold, the validation predictions of what `chosen` deploys (its members' mean): what a linear
        /// member is blended with when the blend weight is chosen on the same folds.
        public var chosenFoldPredictions: [[Float]] = []
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

    /// Runs the search; the first trial is always the defaults, so the search never does worse than them
    /// (under halving, unless they are pruned by candidates that beat them on the newest folds).
    /// - Parameter memo: where fits on the final model's windows are remembered (rows numbered as in
    ///   `matrix`, whose first row must be the memo's first).
    public func run(matrix: FeatureMatrix, labels: [Float], folds: TimeSeriesFolds, maxRounds: Int = 1000,
                    memo: FitMemo? = nil) throws -> Outcome {
        let foldMatrices = try folds.folds.map { fold in
            (train: try DMatrix(matrix.rows(fold.train), labels: Array(labels[fold.train]), threads: threads),
             validation: try DMatrix(matrix.rows(fold.validation), labels: Array(labels[fold.validation]), threads: threads))
        }
        let candidates = Self.candidates(trials: trials, seed: seed).map { candidate in
            var parameters = candidate
            parameters.maxRounds = maxRounds
            parameters.maxBins = maxBins
            return parameters
        }
        func seedOf(_ candidate: Int) -> UInt64 { seed &+ UInt64(candidate) }
        // fits[candidate][fold]: (validation RMSE, best rounds, validation predictions), filled as rungs reach them.
        typealias Fit = (rmse: Double, rounds: Int, predictions: [Float])
        var fits = Array(repeating: [Fit?](repeating: nil, count: foldMatrices.count), count: candidates.count)
        func fit(_ candidate: Int, _ fold: Int) throws {
            guard fits[candidate][fold] == nil else { return }
            let (parameters, fitSeed, matrices) = (candidates[candidate], seedOf(candidate), foldMatrices[fold])
            let make = {
                try Trainer.fit(parameters, train: matrices.train, validation: matrices.validation,
                                featureNames: matrix.featureNames, patience: patience, threads: threads, seed: fitSeed)
            }
            let rows = folds.folds[fold]
            let fitted = try memo?.fit(parameters, seed: fitSeed, patience: patience, features: matrix.featureNames,
                                       train: rows.train, validation: rows.validation, make: make) ?? make()
            fits[candidate][fold] = (fitted.bestValidationRMSE ?? .infinity, fitted.bestRounds,
                                     try fitted.booster.predict(foldMatrices[fold].validation))
        }
        func trial(_ candidate: Int) -> Trial {
            let done = fits[candidate].compactMap { $0 }
            return Trial(parameters: candidates[candidate], seed: seedOf(candidate),
                         meanRMSE: done.isEmpty ? .infinity : done.map(\.rmse).reduce(0, +) / Double(done.count),
                         meanRounds: done.isEmpty ? maxRounds : done.map(\.rounds).reduce(0, +) / done.count, folds: done.count)
        }

        var alive = Array(candidates.indices)
        if strategy == .full || foldMatrices.count <= 1 {
            for candidate in alive { for fold in foldMatrices.indices { try fit(candidate, fold) } }
        } else {
            // Rung r adds the r-th newest fold; the last rung's survivors are fit on every fold.
            let newestFirst = Array(foldMatrices.indices.reversed())
            for rung in newestFirst.indices {
                let isLast = rung == newestFirst.count - 1
                for candidate in alive { for fold in isLast ? newestFirst : Array(newestFirst[...rung]) { try fit(candidate, fold) } }
                if isLast { break }
                let keep = max(1, (alive.count + reduction - 1) / max(2, reduction))
                alive = Array(alive.sorted { (trial($0).meanRMSE, $0) < (trial($1).meanRMSE, $1) }.prefix(keep))
            }
        }
        let results = candidates.indices.map(trial)
        let bestCandidate = alive.min { trial($0).meanRMSE < trial($1).meanRMSE }!
        let best = trial(bestCandidate)
        // The ensemble: the best finalists fit on every fold, their validation predictions averaged per fold.
        let members = alive.filter { candidate in fits[candidate].allSatisfy { $0 != nil } }
            .sorted { (trial($0).meanRMSE, $0) < (trial($1).meanRMSE, $1) }.prefix(max(1, ensembleSize))
        var outcome = Outcome(best: best, trials: results)
        outcome.ensembleRule = ensembleRule
        if members.count >= 2 {
            let rmse = folds.folds.indices.map { fold -> Double in
                let actual = labels[folds.folds[fold].validation]
                let averaged = members.map { fits[$0][fold]!.predictions }.reduce(into: [Double](repeating: 0, count: actual.count)) {
                    for (index, value) in $1.enumerated() { $0[index] += Double(value) / Double(members.count) }
                }
                let squares = zip(averaged, actual).map { ($0 - Double($1)) * ($0 - Double($1)) }
                return (squares.reduce(0, +) / Double(max(1, squares.count))).squareRoot()
            }
            outcome.ensemble = Ensemble(members: members.map(trial), meanRMSE: rmse.reduce(0, +) / Double(rmse.count))
        }
        let chosen = outcome.chosen.count > 1 ? Array(members) : [bestCandidate]
        outcome.chosenFoldPredictions = foldMatrices.indices.map { fold in
            let predictions = chosen.compactMap { fits[$0][fold]?.predictions }
            guard predictions.count == chosen.count, let first = predictions.first else { return [] }
            guard predictions.count > 1 else { return first }
            return first.indices.map { row in
                Float(predictions.reduce(0.0) { $0 + Double($1[row]) } / Double(predictions.count))
            }
        }
        return outcome
    }
}
