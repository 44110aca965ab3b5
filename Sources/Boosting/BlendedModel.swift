import Foundation
import ModelCore

/// A deployed model: the tree model, and the linear member blended into it when the search chose one
/// (`LinearBlend`). Scores exactly as the extension does: XGBoost's output, then the same blend code.
public final class BlendedModel {
    public let trees: Booster
    public let blend: LinearBlend?

    public init(trees: Booster, blend: LinearBlend?) {
        self.trees = trees
        self.blend = blend
    }

    /// A registry row's model_json: XGBoost's document, with the blend under its own key when there is one.
    public convenience init(modelJSON: Data, threads: Int = 0) throws {
        let document = [UInt8](modelJSON)
        // A registry row edited by hand must be an error, not a crash inside libxgboost.
        do {
            try TreeCheck.check(document)
        } catch {
            throw XGBoostError(call: "model_json", message: "the model is unusable: \(error.description)")
        }
        let trees = try Booster(modelJSON: modelJSON, threads: threads)
        let blend: LinearBlend?
        do {
            blend = try LinearBlend.read(from: document)
            try blend?.check(featureCount: trees.featureCount)
        } catch {
            throw XGBoostError(call: "model_json", message: "the model's blend is unusable: \(error.description)")
        }
        self.init(trees: trees, blend: blend)
    }

    public var featureNames: [String] { trees.featureNames }
    public var featureCount: Int { trees.featureCount }

    /// One prediction per row of `matrix`.
    public func predict(_ matrix: FeatureMatrix, threads: Int = 1) throws -> [Float] {
        try blended(trees.predict(DMatrix(matrix, threads: threads)), matrix, contributions: false)
    }

    /// SHAP contributions per row (one per feature, then the bias), the linear member's added by weight.
    public func contributions(_ matrix: FeatureMatrix, threads: Int = 1) throws -> [Float] {
        try blended(trees.contributions(DMatrix(matrix, threads: threads)), matrix, contributions: true)
    }

    /// Predictions and contributions from one XGBoost matrix (a forecast needs both for the same rows).
    public func predictionsAndContributions(_ matrix: FeatureMatrix, threads: Int = 1)
        throws -> (predictions: [Float], contributions: [Float]) {
        let input = try DMatrix(matrix, threads: threads)
        return (blended(try trees.predict(input), matrix, contributions: false),
                blended(try trees.contributions(input), matrix, contributions: true))
    }

    /// The tree member's output with the linear member blended in (unchanged without a blend).
    private func blended(_ output: [Float], _ matrix: FeatureMatrix, contributions: Bool) -> [Float] {
        guard let blend else { return output }
        var output = output
        matrix.values.withUnsafeBufferPointer { values in
            output.withUnsafeMutableBufferPointer {
                if contributions {
                    blend.blend(contributions: $0, values: values, columns: matrix.columnCount)
                } else {
                    blend.blend(predictions: $0, values: values, columns: matrix.columnCount)
                }
            }
        }
        return output
    }

    /// The document the registry stores.
    public func modelJSON() throws -> Data {
        let json = try trees.modelJSON()
        guard let blend else { return json }
        do {
            return Data(try blend.embedded(in: [UInt8](json)))
        } catch {
            throw XGBoostError(call: "model_json", message: "cannot store the blend: \(error.description)")
        }
    }
}
