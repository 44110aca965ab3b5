import Foundation
import ModelCore

/// An ensemble of boosters stored as one ordinary XGBoost model.
///
/// For squared error a booster predicts base_score + the sum of its trees' leaves, so the mean of k
/// boosters is mean(base_score) + the sum of every member's trees with each leaf divided by k. Writing
/// that as one model JSON (all trees, leaves scaled, base_score averaged) keeps everything downstream
/// unchanged: the registry stores one model, the forecast and the extension score it with XGBoost, and
/// its SHAP contributions are the mean of the members' (TreeSHAP is linear in the leaf values).
/// The JSON is edited as text (JSONScanner), so memory stays near the size of the models' text.
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

    static let model = ["learner", "gradient_booster", "model"]
    static let tree = model + ["trees", "[]"]
    /// The keys of a tree that averaging edits or checks.
    static let treeKeys = ["left_children", "split_conditions", "base_weights", "id"]

    /// Where one member's parts are.
    struct Layout {
        var trees: Range<Int>? = nil
        var treeRanges: [Range<Int>] = []
        var treeInfo: Range<Int>? = nil
        var iterationIndptr: Range<Int>? = nil
        var numTrees: Range<Int>? = nil
        var baseScore: Range<Int>? = nil
        var boosterName: Range<Int>? = nil
        /// Per tree: left_children, split_conditions, base_weights, id.
        var treeParts: [[String: Range<Int>]] = []
    }

    static func layout(_ bytes: [UInt8]) throws -> Layout {
        let fields: [(path: [String], field: WritableKeyPath<Layout, Range<Int>?>)] = [
            (model + ["trees"], \.trees), (model + ["tree_info"], \.treeInfo), (model + ["iteration_indptr"], \.iterationIndptr),
            (model + ["gbtree_model_param", "num_trees"], \.numTrees), (["learner", "gradient_booster", "name"], \.boosterName),
            (["learner", "learner_model_param", "base_score"], \.baseScore),
        ]
        func isTreeKey(_ path: [String]) -> Bool { path.count == tree.count + 1 && JSONScanner.isPrefix(tree, of: path) }
        var found = Layout()
        try JSONScanner.scan(bytes, descendInto: { path in
            // The paths above (and the way to them), the trees and each tree's own keys; nothing deeper is visited.
            JSONScanner.isPrefix(path, of: tree) || isTreeKey(path)
                || fields.contains { JSONScanner.isPrefix(path, of: $0.path) }
        }, visit: { path, range in
            if path == tree {
                found.treeRanges.append(range)
            } else if let field = fields.first(where: { $0.path == path })?.field {
                found[keyPath: field] = range
            } else if isTreeKey(path), treeKeys.contains(path[tree.count]) {
                // Keys of a tree come before the tree itself is visited: start a new entry when needed.
                if found.treeParts.count == found.treeRanges.count { found.treeParts.append([:]) }
                found.treeParts[found.treeParts.count - 1][path[tree.count]] = range
            }
        })
        return found
    }

    /// The same on saved model JSON (XGBoost's format, gbtree with one output, 1.7 or later).
    public static func averageJSON(_ documents: [Data]) throws -> Data {
        let weight = 1 / Double(documents.count)
        var trees: [[UInt8]] = []
        var baseScores: [String] = []
        var first: (bytes: [UInt8], layout: Layout)?
        for document in documents {
            let bytes = [UInt8](document)
            let found = try layout(bytes)
            guard let name = found.boosterName, String(decoding: bytes[name], as: UTF8.self) == "\"gbtree\"",
                  found.trees != nil, found.treeParts.count == found.treeRanges.count, let baseScore = found.baseScore else {
                throw Problem(description: "only gbtree models in XGBoost's JSON format can be averaged")
            }
            baseScores.append(String(decoding: bytes[baseScore].dropFirst().dropLast(), as: UTF8.self))
            for (range, parts) in zip(found.treeRanges, found.treeParts) {
                trees.append(try scaled(bytes[range], parts: parts, by: weight, id: trees.count))
            }
            if first == nil { first = (bytes, found) }
        }
        guard let (bytes, found) = first, let treesRange = found.trees else { throw Problem(description: "no models to average") }
        var joined: [UInt8] = [UInt8(ascii: "[")]
        for (index, tree) in trees.enumerated() {
            if index > 0 { joined.append(UInt8(ascii: ",")) }
            joined.append(contentsOf: tree)
        }
        joined.append(UInt8(ascii: "]"))
        var edits: [(range: Range<Int>, text: String)] = []
        if let range = found.treeInfo { edits.append((range, "[" + Array(repeating: "0", count: trees.count).joined(separator: ",") + "]")) }
        // One tree per boosting round (a single output), so rounds = trees.
        if let range = found.iterationIndptr { edits.append((range, "[" + (0...trees.count).map(String.init).joined(separator: ",") + "]")) }
        if let range = found.numTrees { edits.append((range, "\"\(trees.count)\"")) }
        if Set(baseScores).count > 1, let range = found.baseScore {
            edits.append((range, "\"" + (try averagedBaseScore(baseScores, weight: weight)) + "\""))
        }
        // The trees are spliced in last, as bytes (they are most of the document).
        let before = splice(bytes[..<treesRange.lowerBound], edits.filter { $0.range.upperBound <= treesRange.lowerBound })
        let after = splice(bytes[treesRange.upperBound...], edits.filter { $0.range.lowerBound >= treesRange.upperBound })
        return Data(before + joined + after)
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

    /// A float as XGBoost writes one: always with an exponent, so never read back as an Integer.
    static func float(_ value: Double) -> String { String(format: "%.9E", value) }

    /// A tree's text with its leaf values (and node weights) multiplied by `weight`, renumbered `id`.
    static func scaled(_ tree: ArraySlice<UInt8>, parts: [String: Range<Int>], by weight: Double, id: Int) throws -> [UInt8] {
        guard let leftRange = parts["left_children"], let conditionsRange = parts["split_conditions"] else {
            throw Problem(description: "a tree without left_children / split_conditions")
        }
        let left = JSONScanner.numbers(tree[leftRange])
        let conditions = JSONScanner.numbers(tree[conditionsRange])
        guard left.count == conditions.count else { throw Problem(description: "a tree's node arrays differ in length") }
        let scaledConditions = try zip(left, conditions).map { child, condition -> String in
            guard child == "-1" else { return String(condition) }
            guard let value = Double(condition) else { throw Problem(description: "a leaf value \(condition) is not a number") }
            return float(value * weight)
        }
        var edits: [(range: Range<Int>, text: String)] = [(conditionsRange, "[" + scaledConditions.joined(separator: ",") + "]")]
        if let range = parts["base_weights"] {
            let weights = try JSONScanner.numbers(tree[range]).map { text -> String in
                guard let value = Double(text) else { throw Problem(description: "a node weight \(text) is not a number") }
                return float(value * weight)
            }
            edits.append((range, "[" + weights.joined(separator: ",") + "]"))
        }
        if let range = parts["id"] { edits.append((range, String(id))) }
        return splice(tree, edits)
    }
}
