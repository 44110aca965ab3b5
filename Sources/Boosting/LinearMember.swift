import Foundation
import ModelCore

/// When a training run blends a linear member into the tree model.
public enum LinearBlendRule: String, Sendable, Codable, CaseIterable {
    /// When the best blend on the folds scores at least `LinearTrainer.requiredGain` below the trees alone.
    case auto
    /// Never: the tree model alone (the linear member is not fit at all).
    case never
}

/// The linear member fit on one window: the blend's linear part (weights 0 / 1: the member alone).
public struct LinearFit {
    public let member: LinearBlend
    /// Coordinate-descent rounds: the best on the validation window, or the fixed count asked for.
    public let rounds: Int
    public let validationRMSE: Double?
}

/// The blend weight the folds chose, and what it scored against the trees alone.
public struct LinearBlendChoice: Sendable, Codable, Equatable {
    /// Share of the linear member in the forecast (0 to 1 in steps of 0.1).
    public let linearWeight: Double
    /// Mean fold RMSE of the blend at that weight, and of the trees alone (weight 0).
    public let foldRMSE: Double
    public let treesFoldRMSE: Double
    /// Mean of the folds' best coordinate-descent rounds.
    public let rounds: Int

    /// Whether the blend is deployed: a nonzero weight that beat the trees by the required margin.
    public var used: Bool { linearWeight > 0 && foldRMSE < treesFoldRMSE * (1 - LinearTrainer.requiredGain) }
}

/// XGBoost's linear booster (gblinear, coordinate descent) on standardized features: each column centred
/// on its training mean and divided by its standard deviation, a missing value taken as the mean. The
/// standardization is what makes one small L2 penalty fit every feature, whatever its unit, and a
/// missing temperature read as "typical" instead of 0 degrees.
public enum LinearTrainer {
    public static let maxRounds = 200
    public static let patience = 10
    /// XGBoost's gblinear L2 penalty (already per training row there).
    public static let lambda = 0.01
    /// The blend weights the folds try.
    public static let weights = stride(from: 0.0, through: 1.0, by: 0.1).map { ($0 * 10).rounded() / 10 }
    /// A blend must beat the trees alone by this share of fold RMSE: its weight is chosen on the same
    /// folds it is scored on, which flatters it a little.
    public static let requiredGain = 0.005

    /// Fits on `train`, stopping when the validation RMSE has not improved for `patience` rounds; without
    /// validation, `rounds` rounds.
    public static func fit(train: FeatureMatrix, labels: [Float], validation: (FeatureMatrix, [Float])? = nil,
                           rounds: Int = maxRounds, threads: Int = 1) throws -> LinearFit {
        let (center, scale) = standardization(train)
        let trainMatrix = try DMatrix(standardized(train, center: center, scale: scale), labels: labels, threads: threads)
        let validationMatrix = try validation.map {
            try DMatrix(standardized($0.0, center: center, scale: scale), labels: $0.1, threads: threads)
        }
        let known = labels.filter { !$0.isNaN }
        let mean = known.isEmpty ? 0 : known.reduce(0.0) { $0 + Double($1) } / Double(known.count)
        let booster = try Booster(parameters: [
            "booster": "gblinear", "updater": "coord_descent", "feature_selector": "cyclic",
            "objective": "reg:squarederror", "eval_metric": "rmse", "eta": "0.5", "lambda": "\(lambda)", "alpha": "0",
            "base_score": "\(mean)", "nthread": "\(threads)", "verbosity": "0",
        ], cache: [trainMatrix] + (validationMatrix.map { [$0] } ?? []))
        var best = (rounds: 0, rmse: Double.infinity, json: Data())
        for iteration in 0..<max(1, rounds) {
            try booster.update(iteration: iteration, on: trainMatrix)
            guard let validationMatrix else { continue }
            let rmse = try booster.evaluate(iteration: iteration, on: validationMatrix)
            // A linear model's JSON is its weights: cheap to keep at each improvement (gblinear cannot be sliced).
            if rmse < best.rmse { best = (iteration + 1, rmse, try booster.modelJSON()) }
            if iteration + 1 - best.rounds >= patience { break }
        }
        let json = validationMatrix == nil ? try booster.modelJSON() : best.json
        let (intercept, coefficients) = try weights(json, features: train.columnCount)
        let member = LinearBlend(treesWeight: 0, linearWeight: 1, intercept: intercept, features: train.featureNames,
                                 center: center, scale: scale, coefficients: coefficients)
        return LinearFit(member: member, rounds: validationMatrix == nil ? max(1, rounds) : best.rounds,
                         validationRMSE: validationMatrix == nil ? nil : best.rmse)
    }

    /// Chooses the blend weight on the folds: the linear member fit on each fold's training rows (rounds
    /// chosen on its validation block, as the trees' were), blended with the trees' validation predictions
    /// of that fold at each weight; the weight with the lowest mean RMSE over the folds.
    public static func chooseWeight(matrix: FeatureMatrix, labels: [Float], folds: TimeSeriesFolds,
                                    treePredictions: [[Float]], threads: Int = 1) throws -> LinearBlendChoice? {
        guard !folds.folds.isEmpty, treePredictions.count == folds.folds.count else { return nil }
        var squares = Array(repeating: 0.0, count: weights.count)  // per weight: sum over folds of RMSE
        var rounds = 0
        for (fold, rows) in folds.folds.enumerated() {
            let validation = matrix.rows(rows.validation), actual = Array(labels[rows.validation])
            let fitted = try fit(train: matrix.rows(rows.train), labels: Array(labels[rows.train]),
                                 validation: (validation, actual), threads: threads)
            rounds += fitted.rounds
            let linear = fitted.member.linearPredictions(validation)
            for (index, weight) in weights.enumerated() {
                let blended = zip(treePredictions[fold], linear).map { (1 - weight) * Double($0) + weight * $1 }
                squares[index] += rmse(blended, actual)
            }
        }
        let meanRMSE = squares.map { $0 / Double(folds.folds.count) }
        let best = meanRMSE.indices.min { (meanRMSE[$0], $0) < (meanRMSE[$1], $1) }!
        return LinearBlendChoice(linearWeight: weights[best], foldRMSE: meanRMSE[best], treesFoldRMSE: meanRMSE[0],
                                 rounds: max(1, rounds / folds.folds.count))
    }

    /// RMSE over the rows whose actual is known.
    public static func rmse(_ predicted: [Double], _ actual: [Float]) -> Double {
        let pairs = zip(predicted, actual).filter { !$0.1.isNaN }
        guard !pairs.isEmpty else { return .infinity }
        return (pairs.reduce(0.0) { $0 + ($1.0 - Double($1.1)) * ($1.0 - Double($1.1)) } / Double(pairs.count)).squareRoot()
    }

    /// Each column's mean and standard deviation over the rows where it is known (a column with no spread: 1).
    static func standardization(_ matrix: FeatureMatrix) -> (center: [Double], scale: [Double]) {
        var center: [Double] = [], scale: [Double] = []
        for column in 0..<matrix.columnCount {
            var (count, sum, sumOfSquares) = (0.0, 0.0, 0.0)
            for row in 0..<matrix.rowCount {
                let value = matrix[row, column]
                guard !value.isNaN else { continue }
                (count, sum, sumOfSquares) = (count + 1, sum + Double(value), sumOfSquares + Double(value) * Double(value))
            }
            let mean = count > 0 ? sum / count : 0
            let deviation = count > 1 ? (max(0, sumOfSquares / count - mean * mean)).squareRoot() : 0
            center.append(mean)
            scale.append(deviation > 1e-9 * max(1, abs(mean)) ? deviation : 1)
        }
        return (center, scale)
    }

    static func standardized(_ matrix: FeatureMatrix, center: [Double], scale: [Double]) -> FeatureMatrix {
        var values = matrix.values
        for index in values.indices {
            let column = index % matrix.columnCount
            values[index] = values[index].isNaN ? 0 : Float((Double(values[index]) - center[column]) / scale[column])
        }
        return FeatureMatrix(featureNames: matrix.featureNames, values: values)
    }

    /// The intercept (base_score + bias) and one weight per feature of a saved gblinear model.
    static func weights(_ json: Data, features: Int) throws -> (intercept: Double, coefficients: [Double]) {
        let document = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        let learner = document?["learner"] as? [String: Any]
        let model = (learner?["gradient_booster"] as? [String: Any])?["model"] as? [String: Any]
        let base = ((learner?["learner_model_param"] as? [String: Any])?["base_score"] as? String)
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "[]")) }.flatMap(Double.init)
        guard let weights = (model?["weights"] as? [NSNumber])?.map(\.doubleValue), weights.count == features + 1,
              let base else {
            throw XGBoostError(call: "gblinear model", message: "the saved linear model has no weights for \(features) features")
        }
        return (base + weights[features], Array(weights.prefix(features)))
    }
}

extension LinearBlend {
    /// The linear member's value for every row (its weight in the blend not applied).
    public func linearPredictions(_ matrix: FeatureMatrix) -> [Double] {
        matrix.values.withUnsafeBufferPointer { values in
            (0..<matrix.rowCount).map { row in
                linear(UnsafeBufferPointer(rebasing: values[(row * matrix.columnCount)..<((row + 1) * matrix.columnCount)]))
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
