/// Structural checks of a tree model's JSON before libxgboost reads it.
///
/// libxgboost 1.6/1.7 trusts the node indices of a model document: a tree whose `parents` holds -17 makes
/// its loader read outside the tree and crash the process. In the PostgreSQL extension that process is a
/// backend, and a crashed backend restarts the whole cluster, so a hand-edited or corrupted registry row must
/// be refused here first. Checks every tree of `learner.gradient_booster.model.trees`: its index arrays have
/// one entry per node, children are -1 (a leaf, both sides) or another node of the tree (not the root, not
/// itself), each non-root node's parent is a node of the tree, and split features are below the model's
/// `num_feature`. Not the order of nodes: XGBoost may reuse a pruned node's slot for a later split. A document of another layout (no such
/// trees, e.g. a linear booster) is left to libxgboost. Without Foundation: the extension compiles this file.
public enum TreeCheck {
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    static let trees = ["learner", "gradient_booster", "model", "trees", "[]"]
    static let featureCountPath = ["learner", "learner_model_param", "num_feature"]
    static let arrays = ["left_children", "right_children", "parents", "split_indices"]

    public static func check(_ document: [UInt8]) throws(Problem) {
        var parts: [[String: Range<Int>]] = []
        var featureCount: Range<Int>?
        var treeCount = 0
        do {
            try JSONScanner.scan(document, descendInto: { path in
                JSONScanner.isPrefix(path, of: trees) || JSONScanner.isPrefix(path, of: featureCountPath)
                    || (path.count == trees.count + 1 && JSONScanner.isPrefix(trees, of: path))
            }, visit: { path, range in
                if path == trees {
                    treeCount += 1
                } else if path == featureCountPath {
                    featureCount = range
                } else if path.count == trees.count + 1, arrays.contains(path[trees.count]) {
                    // A tree's keys are visited before the tree itself: they belong to tree number `treeCount`.
                    while parts.count <= treeCount { parts.append([:]) }
                    parts[treeCount][path[trees.count]] = range
                }
            })
        } catch {
            throw Problem("it is not valid JSON (\(error))")
        }
        guard treeCount > 0 else { return }
        let features = featureCount.flatMap { Int(unquoted(document[$0])) }
        for (index, tree) in parts.prefix(treeCount).enumerated() {
            try checkTree(index, tree, in: document, features: features)
        }
    }

    static func checkTree(_ index: Int, _ tree: [String: Range<Int>], in document: [UInt8],
                          features: Int?) throws(Problem) {
        func integers(_ key: String) throws(Problem) -> [Int] {
            guard let range = tree[key], document[range.lowerBound] == UInt8(ascii: "[") else {
                throw Problem("tree \(index) has no array \(key)")
            }
            let (values, refused) = JSONScanner.parsedNumbers(document[range]) { Int($0) }
            if let refused { throw Problem("tree \(index): \(key) holds \(refused), not a node index") }
            return values
        }
        let left = try integers("left_children"), right = try integers("right_children")
        let parents = try integers("parents"), splits = try integers("split_indices")
        let nodes = left.count
        guard nodes > 0, right.count == nodes, parents.count == nodes, splits.count == nodes else {
            throw Problem("tree \(index): its node arrays differ in length")
        }
        for node in 0..<nodes {
            let (l, r) = (left[node], right[node])
            func isChild(_ child: Int) -> Bool { child > 0 && child < nodes && child != node }
            guard (l == -1 && r == -1) || (isChild(l) && isChild(r) && l != r) else {
                throw Problem("tree \(index), node \(node): children \(l), \(r) are not other nodes of the tree")
            }
            guard node == 0 || (parents[node] >= 0 && parents[node] < nodes && parents[node] != node) else {
                throw Problem("tree \(index), node \(node): parent \(parents[node]) is not a node of the tree")
            }
            if l != -1, let features, !(splits[node] >= 0 && splits[node] < features) {
                throw Problem("tree \(index), node \(node): split feature \(splits[node]) of a model of \(features)")
            }
        }
    }

    /// A JSON value's text without surrounding quotes (XGBoost writes counts as strings: "3").
    static func unquoted(_ bytes: ArraySlice<UInt8>) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
        return text
    }
}
