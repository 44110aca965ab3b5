import Foundation

/// Consensus feature selection: three independent methods each nominate the features that matter,
/// and a feature is kept when at least `votesNeeded` methods nominate it.
///  1. gain importance of a model fit on the training window,
///  2. permutation importance on the validation window (RMSE increase when the columns are shuffled),
///     scored per group of strongly correlated features (see `groupCorrelation`),
///  3. absolute Pearson correlation with the target.
/// Gain and permutation nominate features with at least `minimumShare` of the method's total
/// positive score; correlation nominates features significant at about 95% (|r| >= 2/sqrt(n)).
public struct FeatureSelection {
    public var minimumShare: Double = 0.01
    public var votesNeeded: Int = 2
    /// Features whose training columns correlate at |r| >= this with a group's first feature are shuffled
    /// together and share the group's score. Shuffled one at a time, each of several near-copies (the
    /// same hour 2, 3, 4 ... days back) barely hurts, since the model reads the others instead, and none
    /// collected a vote: at delay 1 the selection dropped lags worth 6% RMSE to the peer (bench/README.md).
    public var groupCorrelation: Double = 0.9
    /// Never keep fewer than this many features (the top ones by summed rank).
    public var minimumFeatures: Int = 5
    public var seed: UInt64 = 7

    public init() {}

    public struct Outcome: Sendable {
        public let selected: [String]
        /// Per feature: which methods nominated it ("gain", "permutation", "correlation").
        public let votes: [String: [String]]
    }

    public func select(model: Booster, train: FeatureMatrix, labels: [Float],
                       validation: FeatureMatrix, validationLabels: [Float], threads: Int = 1) throws -> Outcome {
        let names = train.featureNames
        let gain = try model.featureScores("gain")
        let groups = Self.correlatedGroups(train, threshold: groupCorrelation)
        let groupScores = try permutationImportance(model: model, groups: groups, matrix: validation, labels: validationLabels,
                                                    threads: threads)
        var permutation: [String: Double] = [:]
        for (group, score) in zip(groups, groupScores) { for name in group { permutation[name] = score } }
        let correlation = Dictionary(uniqueKeysWithValues: names.map { ($0, abs(Self.pearson(train.column($0), labels))) })
        let methods = [("gain", gain), ("permutation", permutation), ("correlation", correlation)]
        let significantCorrelation = 2 / Double(max(train.rowCount, 4)).squareRoot()

        var votes: [String: [String]] = [:]
        for name in nominateByShare(gain, order: names) { votes[name, default: []].append("gain") }
        // A group is nominated by its share of the groups' total, and then every member is.
        let groupNames = groups.map { $0.joined(separator: ",") }
        let nominatedGroups = Set(nominateByShare(Dictionary(uniqueKeysWithValues: zip(groupNames, groupScores)), order: groupNames))
        for (group, key) in zip(groups, groupNames) where nominatedGroups.contains(key) {
            for name in group { votes[name, default: []].append("permutation") }
        }
        for (name, value) in correlation where value >= significantCorrelation { votes[name, default: []].append("correlation") }
        var selected = names.filter { (votes[$0]?.count ?? 0) >= votesNeeded }
        if selected.count < minimumFeatures {
            // Rank by the sum of normalised scores across methods and top up.
            let total = names.map { name in
                (name, methods.reduce(0.0) { sum, method in
                    let maximum = method.1.values.max() ?? 0
                    return sum + (maximum > 0 ? (method.1[name] ?? 0) / maximum : 0)
                })
            }.sorted { $0.1 > $1.1 }
            for (name, _) in total where selected.count < minimumFeatures && !selected.contains(name) { selected.append(name) }
            selected = names.filter { selected.contains($0) }
        }
        return Outcome(selected: selected, votes: votes)
    }

    /// Sums in the matrix's column order: a dictionary's order changes from process to process, and a
    /// share that sits on the threshold would then flip between runs of the same training.
    private func nominateByShare(_ scores: [String: Double], order names: [String]) -> [String] {
        let positive = names.compactMap { name in scores[name].map { (name, $0) } }.filter { $0.1 > 0 && $0.1.isFinite }
        let total = positive.reduce(0) { $0 + $1.1 }
        return positive.filter { $0.1 >= minimumShare * total }.map(\.0)
    }

    /// Per group: the validation RMSE's increase when the group's columns are shuffled together.
    private func permutationImportance(model: Booster, groups: [[String]], matrix: FeatureMatrix, labels: [Float],
                                       threads: Int) throws -> [Double] {
        let base = try rmse(model.predict(DMatrix(matrix, threads: threads)), labels)
        let permutation = Self.permutation(rowCount: matrix.rowCount, seed: seed)
        return try groups.map { group in
            try rmse(model.predict(DMatrix(matrix.permutingColumns(group, by: permutation), threads: threads)), labels) - base
        }
    }

    /// Leader clustering in column order: each feature joins the first group whose first feature it
    /// correlates with at |r| >= `threshold` (pairwise over rows where both are present), else starts a
    /// group. Deterministic and linear in the number of groups; a chain a ~ b ~ c does not merge a and c
    /// unless c is close to a itself.
    public static func correlatedGroups(_ matrix: FeatureMatrix, threshold: Double) -> [[String]] {
        var groups: [[String]] = [], leaders: [[Float]] = []
        for name in matrix.featureNames {
            let column = matrix.column(name)
            if let index = leaders.firstIndex(where: { abs(pearson($0, column)) >= threshold }) {
                groups[index].append(name)
            } else {
                groups.append([name])
                leaders.append(column)
            }
        }
        return groups
    }

    /// The row order permutation importance shuffles a validation window of `rowCount` rows into.
    /// Public so a reference implementation (the bench's Python) can shuffle exactly the same way.
    public static func permutation(rowCount: Int, seed: UInt64 = 7) -> [Int] {
        var generator = SeededGenerator(seed: seed)
        return Array(0..<rowCount).shuffled(using: &generator)
    }

    private func rmse(_ predicted: [Float], _ actual: [Float]) -> Double {
        guard !actual.isEmpty else { return 0 }
        return (zip(predicted, actual).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(actual.count)).squareRoot()
    }

    /// Pearson correlation; 0 for a constant column. NaN entries (missing values) are skipped pairwise.
    static func pearson(_ x: [Float], _ y: [Float]) -> Double {
        let pairs = zip(x, y).filter { !$0.0.isNaN && !$0.1.isNaN }.map { (Double($0.0), Double($0.1)) }
        guard pairs.count > 2 else { return 0 }
        let n = Double(pairs.count)
        let meanX = pairs.reduce(0) { $0 + $1.0 } / n, meanY = pairs.reduce(0) { $0 + $1.1 } / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in pairs { sxy += (a - meanX) * (b - meanY); sxx += (a - meanX) * (a - meanX); syy += (b - meanY) * (b - meanY) }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }
}
