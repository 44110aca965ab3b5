import Foundation
import ModelCore

/// When a training run blends a linear member (ridge regression on the same features) into the tree model.
public enum LinearBlendRule: String, Sendable, Codable, CaseIterable {
    /// When the best blend beats the trees alone on every fold, and on their mean by `LinearTrainer.requiredGain`.
    case auto
    /// Whenever the folds' best weight is above 0, however small its gain or on however few folds.
    case always
    /// Never: the tree model alone (the linear member is not fit at all).
    case never

    /// Whether a blend the folds weighed is deployed under this rule.
    public func deploys(_ choice: LinearBlendChoice) -> Bool {
        switch self {
        case .auto: return choice.winsEveryFold
        case .always: return choice.linearWeight > 0
        case .never: return false
        }
    }
}

/// The linear member fit on one window: the blend's linear part (weights 0 / 1: the member alone).
public struct LinearFit {
    public let member: LinearBlend
    /// The ridge penalty: the one that scored best on the validation window, or the one asked for.
    public let penalty: Double
    public let validationRMSE: Double?
}

/// The blend weight the folds chose, and what it scored against the trees alone.
public struct LinearBlendChoice: Sendable, Codable, Equatable {
    /// Share of the linear member in the forecast (0 to 1 in steps of 0.1).
    public let linearWeight: Double
    /// Mean fold RMSE of the blend at that weight, and of the trees alone (weight 0).
    public let foldRMSE: Double
    public let treesFoldRMSE: Double
    /// Folds on which the blend at that weight scored below the trees alone, of how many.
    public let foldsWon: Int
    public let folds: Int

    public init(linearWeight: Double, foldRMSE: Double, treesFoldRMSE: Double, foldsWon: Int, folds: Int) {
        (self.linearWeight, self.foldRMSE, self.treesFoldRMSE) = (linearWeight, foldRMSE, treesFoldRMSE)
        (self.foldsWon, self.folds) = (foldsWon, folds)
    }

    /// A nonzero weight that beat the trees on every fold, and on their mean by the required margin (the
    /// default rule's test for deploying the blend).
    public var winsEveryFold: Bool {
        linearWeight > 0 && foldsWon == folds && foldRMSE < treesFoldRMSE * (1 - LinearTrainer.requiredGain)
    }
}

/// Ridge regression on standardized features: each column centred on its training mean and divided by
/// its standard deviation, a missing value taken as the mean. Standardized, one penalty suits every
/// feature whatever its unit, and a missing temperature reads as "typical" instead of 0 degrees.
///
/// Solved exactly from the normal equations (Cholesky of a features x features matrix) rather than with
/// XGBoost's gblinear: its coordinate descent on dozens of correlated lags ran for hundreds of rounds and
/// added 22 s to the bench's 200 fleet series (about 0.2 s of CPU each), where one pass over the rows for
/// the Gram matrix takes milliseconds and every penalty of the grid is then one small solve. The model is
/// the same kind either way (intercept and
/// one weight per standardized feature), so how it was fit does not change how it is stored or scored.
public enum LinearTrainer {
    /// Ridge penalties tried on the validation window, per training row (standardized features).
    public static let penalties = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    /// The blend weights the folds try.
    public static let weights = stride(from: 0.0, through: 1.0, by: 0.1).map { ($0 * 10).rounded() / 10 }
    /// A blend must beat the trees alone by this share of mean fold RMSE, and on every fold: its weight is
    /// chosen on the same folds it is scored on, which flatters it a little, and a gain that one window
    /// carries did not last on the public data (bench/README.md, Run O).
    public static let requiredGain = 0.005

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Fits on `train` with each of `penalties` and keeps the one with the lowest validation RMSE; without
    /// validation, the first penalty.
    public static func fit(train: FeatureMatrix, labels: [Float], validation: (FeatureMatrix, [Float])? = nil,
                           penalties: [Double] = penalties) throws -> LinearFit {
        let (center, scale) = standardization(train)
        let normal = NormalEquations(train, labels: labels, center: center, scale: scale)
        var best: LinearFit?
        for penalty in validation == nil ? Array(penalties.prefix(1)) : penalties {
            let coefficients = try normal.solve(penalty: penalty)
            let member = LinearBlend(treesWeight: 0, linearWeight: 1, intercept: normal.meanLabel,
                                     features: train.featureNames, center: center, scale: scale,
                                     coefficients: coefficients)
            guard let (matrix, actual) = validation else {
                return LinearFit(member: member, penalty: penalty, validationRMSE: nil)
            }
            let rmse = rmse(member.linearPredictions(matrix), actual)
            if rmse < best?.validationRMSE ?? .infinity {
                best = LinearFit(member: member, penalty: penalty, validationRMSE: rmse)
            }
        }
        guard let best else { throw Problem(description: "no ridge penalty gave a finite validation RMSE") }
        return best
    }

    /// Chooses the blend weight on the folds: the linear member fit on each fold's training rows (its
    /// penalty chosen on the fold's validation block, as the trees' rounds were), blended with the trees'
    /// validation predictions of that fold at each weight; the weight with the lowest mean RMSE over the folds.
    public static func chooseWeight(matrix: FeatureMatrix, labels: [Float], folds: TimeSeriesFolds,
                                    treePredictions: [[Float]]) throws -> LinearBlendChoice? {
        guard !folds.folds.isEmpty, treePredictions.count == folds.folds.count else { return nil }
        var scores = Array(repeating: [Double](), count: weights.count)  // per weight: each fold's RMSE
        for (fold, rows) in folds.folds.enumerated() {
            let validation = matrix.rows(rows.validation), actual = Array(labels[rows.validation])
            let fitted = try fit(train: matrix.rows(rows.train), labels: Array(labels[rows.train]),
                                 validation: (validation, actual))
            let linear = fitted.member.linearPredictions(validation)
            for (index, weight) in weights.enumerated() {
                let blended = zip(treePredictions[fold], linear).map { (1 - weight) * Double($0) + weight * $1 }
                scores[index].append(rmse(blended, actual))
            }
        }
        let meanRMSE = scores.map { $0.reduce(0, +) / Double(folds.folds.count) }
        let best = meanRMSE.indices.min { (meanRMSE[$0], $0) < (meanRMSE[$1], $1) }!
        let won = zip(scores[best], scores[0]).filter { $0 < $1 }.count
        return LinearBlendChoice(linearWeight: weights[best], foldRMSE: meanRMSE[best], treesFoldRMSE: meanRMSE[0],
                                 foldsWon: won, folds: folds.folds.count)
    }

    /// RMSE over the rows whose actual is known.
    public static func rmse(_ predicted: [Double], _ actual: [Float]) -> Double {
        let pairs = zip(predicted, actual).filter { !$0.1.isNaN }
        guard !pairs.isEmpty else { return .infinity }
        let squares = pairs.reduce(0.0) { $0 + ($1.0 - Double($1.1)) * ($1.0 - Double($1.1)) }
        return (squares / Double(pairs.count)).squareRoot()
    }

    /// Each column's mean and standard deviation over the rows where it is known (a column with no spread: 1).
    static func standardization(_ matrix: FeatureMatrix) -> (center: [Double], scale: [Double]) {
        var center: [Double] = [], scale: [Double] = []
        for column in 0..<matrix.columnCount {
            var (count, sum, sumOfSquares) = (0.0, 0.0, 0.0)
            for row in 0..<matrix.rowCount {
                let value = matrix[row, column]
                guard !value.isNaN else { continue }
                let wide = Double(value)
                (count, sum, sumOfSquares) = (count + 1, sum + wide, sumOfSquares + wide * wide)
            }
            let mean = count > 0 ? sum / count : 0
            let deviation = count > 1 ? (max(0, sumOfSquares / count - mean * mean)).squareRoot() : 0
            center.append(mean)
            scale.append(deviation > 1e-9 * max(1, abs(mean)) ? deviation : 1)
        }
        return (center, scale)
    }
}

/// ZᵀZ and Zᵀ(y - mean y) of the standardized rows with a known label, built in one pass; each penalty
/// is then a Cholesky solve of (ZᵀZ + penalty * n * I) w = Zᵀ(y - mean y).
struct NormalEquations {
    let columns: Int
    let rows: Int
    let meanLabel: Double
    var gram: [Double]
    var moment: [Double]

    init(_ matrix: FeatureMatrix, labels: [Float], center: [Double], scale: [Double]) {
        columns = matrix.columnCount
        let known = labels.indices.filter { !labels[$0].isNaN }
        rows = known.count
        let mean = known.isEmpty ? 0 : known.reduce(0.0) { $0 + Double(labels[$1]) } / Double(known.count)
        meanLabel = mean
        var gram = [Double](repeating: 0, count: columns * columns), moment = [Double](repeating: 0, count: columns)
        var z = [Double](repeating: 0, count: columns)
        let width = columns
        matrix.values.withUnsafeBufferPointer { values in
            gram.withUnsafeMutableBufferPointer { gram in
                for row in known {
                    for column in 0..<width {
                        let value = values[row * width + column]
                        z[column] = value.isNaN ? 0 : (Double(value) - center[column]) / scale[column]
                    }
                    let target = Double(labels[row]) - mean
                    for i in 0..<width where z[i] != 0 {
                        moment[i] += z[i] * target
                        let zi = z[i]
                        for j in i..<width { gram[i * width + j] += zi * z[j] }  // upper triangle
                    }
                }
            }
        }
        for i in 0..<columns { for j in 0..<i { gram[i * columns + j] = gram[j * columns + i] } }
        self.gram = gram
        self.moment = moment
    }

    /// The ridge weights for `penalty` (per row).
    func solve(penalty: Double) throws -> [Double] {
        let n = columns
        var a = gram
        for i in 0..<n { a[i * n + i] += penalty * Double(max(rows, 1)) }
        // Cholesky: a = L Lᵀ, L kept in the lower triangle.
        for j in 0..<n {
            var diagonal = a[j * n + j]
            for k in 0..<j { diagonal -= a[j * n + k] * a[j * n + k] }
            guard diagonal > 0, diagonal.isFinite else {
                throw LinearTrainer.Problem(
                    description: "the ridge system is not positive definite (penalty \(penalty))")
            }
            let root = diagonal.squareRoot()
            a[j * n + j] = root
            for i in (j + 1)..<n {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= a[i * n + k] * a[j * n + k] }
                a[i * n + j] = sum / root
            }
        }
        // L y = b, then Lᵀ w = y.
        var y = moment
        for i in 0..<n {
            for k in 0..<i { y[i] -= a[i * n + k] * y[k] }
            y[i] /= a[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in (i + 1)..<n { y[i] -= a[k * n + i] * y[k] }
            y[i] /= a[i * n + i]
        }
        return y
    }
}

extension LinearBlend {
    /// The linear member's value for every row (its weight in the blend not applied).
    public func linearPredictions(_ matrix: FeatureMatrix) -> [Double] {
        matrix.values.withUnsafeBufferPointer { values in
            (0..<matrix.rowCount).map { row in
                let width = matrix.columnCount
                return linear(UnsafeBufferPointer(rebasing: values[(row * width)..<((row + 1) * width)]))
            }
        }
    }

    /// This linear member blended at `linearWeight` with trees at the rest.
    public func weighted(_ linearWeight: Double) -> LinearBlend {
        var blend = self
        (blend.treesWeight, blend.linearWeight) = (1 - linearWeight, linearWeight)
        return blend
    }
}
