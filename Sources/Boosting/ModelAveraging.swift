import Foundation

/// An ensemble of boosters stored as one ordinary XGBoost model.
///
/// For squared error a booster predicts base_score + the sum of its trees' leaves, so the mean of k
/// boosters is mean(base_score) + the sum of every member's trees with each leaf divided by k. Writing
/// that as one model JSON (all trees, leaves scaled, base_score averaged) keeps everything downstream
/// unchanged: the registry stores one model, the forecast and the extension score it with XGBoost, and
/// its SHAP contributions are the mean of the members' (TreeSHAP is linear in the leaf values).
public enum ModelAveraging {
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// The members' average as one booster. One member is returned as it is.
    public static func average(_ members: [Booster], threads: Int = 0) throws -> Booster {
        guard members.count > 1 else {
            guard let only = members.first else { throw Problem(description: "no models to average") }
            return only
        }
        return try Booster(modelJSON: try averageJSON(try members.map { try $0.modelJSON() }), threads: threads)
    }

    /// The same on saved model JSON (XGBoost's format, gbtree with one output, 1.7 or later).
    public static func averageJSON(_ documents: [Data]) throws -> Data {
        let weight = 1 / Double(documents.count)
        let parsed = try documents.map { try ModelJSON(parsing: $0) }
        var trees: [ModelJSON] = []
        var baseScores: [String] = []
        for document in parsed {
            let learner = document["learner"]
            guard let booster = learner?["gradient_booster"], booster["name"]?.string == "gbtree",
                  let memberTrees = booster["model"]?["trees"]?.array,
                  let baseScore = learner?["learner_model_param"]?["base_score"]?.string else {
                throw Problem(description: "only gbtree models in XGBoost's JSON format can be averaged")
            }
            baseScores.append(baseScore)
            for tree in memberTrees { trees.append(try scaled(tree, by: weight, id: trees.count)) }
        }
        var document = parsed[0]
        var learner = document["learner"]!
        var booster = learner["gradient_booster"]!
        var model = booster["model"]!
        model["trees"] = .array(trees)
        model["tree_info"] = .array(Array(repeating: .number("0"), count: trees.count))
        // One tree per boosting round (a single output), so rounds = trees.
        if model["iteration_indptr"] != nil { model["iteration_indptr"] = .array((0...trees.count).map { .number(String($0)) }) }
        var treeParameters = model["gbtree_model_param"]!
        treeParameters["num_trees"] = .string(String(trees.count))
        model["gbtree_model_param"] = treeParameters
        booster["model"] = model
        learner["gradient_booster"] = booster
        if Set(baseScores).count > 1 {
            var parameters = learner["learner_model_param"]!
            parameters["base_score"] = .string(try averagedBaseScore(baseScores, weight: weight))
            learner["learner_model_param"] = parameters
        }
        document["learner"] = learner
        return Data(document.rendered.utf8)
    }

    /// base_score is a decimal string ("5E-1"); XGBoost 3 writes a bracketed vector ("[5E-1]").
    static func averagedBaseScore(_ scores: [String], weight: Double) throws -> String {
        let values = try scores.map { text -> Double in
            guard let value = Double(text.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))) else {
                throw Problem(description: "base_score \(text) is not a number")
            }
            return value
        }
        let mean = String(format: "%.9E", values.reduce(0, +) * weight)
        return scores[0].hasPrefix("[") ? "[\(mean)]" : mean
    }

    /// A tree with its leaf values (and node weights) multiplied by `weight`, renumbered `id`.
    static func scaled(_ tree: ModelJSON, by weight: Double, id: Int) throws -> ModelJSON {
        guard let left = tree["left_children"]?.array?.map({ $0.int }), let conditions = tree["split_conditions"]?.array,
              conditions.count == left.count else {
            throw Problem(description: "a tree without left_children / split_conditions")
        }
        var result = tree
        result["split_conditions"] = .array(try conditions.indices.map { node in
            guard left[node] == -1 else { return conditions[node] }
            guard let value = conditions[node].double else { throw Problem(description: "a leaf value is not a number") }
            return .float(value * weight)
        })
        if let weights = tree["base_weights"]?.array {
            result["base_weights"] = .array(try weights.map { node in
                guard let value = node.double else { throw Problem(description: "a node weight is not a number") }
                return .float(value * weight)
            })
        }
        result["id"] = .number(String(id))
        return result
    }
}
