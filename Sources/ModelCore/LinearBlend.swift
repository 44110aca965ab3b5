/// A tree model blended with a linear model on the same features, as stored in one model document.
///
/// Trees cannot extrapolate: above the warmest hour in training, a tree model predicts the load of that
/// hour. A linear member on the same features can, so the search may blend one in where it scores better
/// on the folds. The deployed prediction is
///
///     trees_weight * trees(x) + linear_weight * (intercept + sum_j coefficients[j] * z_j)
///     z_j = (x_j - center[j]) / scale[j], and 0 (the training mean) where x_j is missing
///
/// It is stored as one more top-level key of XGBoost's model JSON, `gridcast_blend`, which XGBoost ignores
/// when it loads the document: the registry keeps one model_json, the extension and the executable read
/// the blend from it, and any XGBoost still loads the tree member (unweighted) from the same text.
/// Without Foundation: the PostgreSQL extension compiles this file too.
public struct LinearBlend: Equatable, Sendable {
    public static let key = "gridcast_blend"

    public var treesWeight: Double
    public var linearWeight: Double
    public var intercept: Double
    public var features: [String]
    public var center: [Double]
    public var scale: [Double]
    public var coefficients: [Double]

    public init(treesWeight: Double, linearWeight: Double, intercept: Double, features: [String],
                center: [Double], scale: [Double], coefficients: [Double]) {
        self.treesWeight = treesWeight
        self.linearWeight = linearWeight
        self.intercept = intercept
        self.features = features
        self.center = center
        self.scale = scale
        self.coefficients = coefficients
    }

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    // MARK: scoring

    /// The linear member's value for one row of features (NaN: missing).
    public func linear(_ row: UnsafeBufferPointer<Float>) -> Double {
        var sum = intercept
        for column in 0..<min(row.count, coefficients.count) {
            sum += coefficients[column] * standardized(row[column], column)
        }
        return sum
    }

    func standardized(_ value: Float, _ column: Int) -> Double {
        value.isNaN ? 0 : (Double(value) - center[column]) / scale[column]
    }

    /// Blends the tree member's predictions (one per row of `values`, `columns` wide) in place.
    public func blend(predictions: UnsafeMutableBufferPointer<Float>, values: UnsafeBufferPointer<Float>,
                      columns: Int) {
        for row in 0..<predictions.count {
            let features = UnsafeBufferPointer(rebasing: values[(row * columns)..<((row + 1) * columns)])
            predictions[row] = Float(treesWeight * Double(predictions[row]) + linearWeight * linear(features))
        }
    }

    /// Blends the tree member's SHAP contributions (per row `columns` values, then the bias) in place: the
    /// linear member's contribution of feature j is its coefficient times z_j, its intercept goes to the
    /// bias, so a row's values still sum to its blended prediction.
    public func blend(contributions: UnsafeMutableBufferPointer<Float>, values: UnsafeBufferPointer<Float>,
                      columns: Int) {
        let width = columns + 1
        for row in 0..<(contributions.count / width) {
            for column in 0..<columns {
                let index = row * width + column
                let linear = column < coefficients.count
                    ? coefficients[column] * standardized(values[row * columns + column], column) : 0
                contributions[index] = Float(treesWeight * Double(contributions[index]) + linearWeight * linear)
            }
            let bias = row * width + columns
            contributions[bias] = Float(treesWeight * Double(contributions[bias]) + linearWeight * intercept)
        }
    }

    /// Refuses a blend whose arrays disagree with each other or with the tree member's feature count.
    public func check(featureCount: Int) throws(Problem) {
        let counts = [features.count, center.count, scale.count, coefficients.count]
        guard counts.allSatisfy({ $0 == featureCount }) else {
            throw Problem("its \(Self.key) has \(counts.map(String.init).joined(separator: "/")) "
                + "features/center/scale/coefficients for a model of \(featureCount) features")
        }
        guard scale.allSatisfy({ $0 > 0 && $0.isFinite }), (center + coefficients).allSatisfy(\.isFinite),
              intercept.isFinite, treesWeight.isFinite, linearWeight.isFinite else {
            throw Problem("its \(Self.key) holds a scale that is not positive or a value that is not finite")
        }
    }

    // MARK: the document

    /// The blend stored in a model document, or nil when the document has none (a tree model alone).
    public static func read(from document: [UInt8]) throws(Problem) -> LinearBlend? {
        var ranges: [String: Range<Int>] = [:]
        do {
            try JSONScanner.scan(document, descendInto: { path in
                path.count <= 2 && path.first == key
            }, visit: { path, range in
                if path.count == 2 { ranges[path[1]] = range } else if path.count == 1 { ranges[""] = range }
            })
        } catch {
            throw Problem("it is not valid JSON (\(error))")
        }
        guard ranges[""] != nil else { return nil }
        func numbers(_ name: String) throws(Problem) -> [Double] {
            guard let range = ranges[name], document[range.lowerBound] == UInt8(ascii: "[") else {
                throw Problem("its \(key) lacks the array \(name)")
            }
            let (values, refused) = JSONScanner.parsedNumbers(document[range]) { Double($0) }
            if let refused { throw Problem("its \(key).\(name) holds \(refused), not a number") }
            return values
        }
        func number(_ name: String) throws(Problem) -> Double {
            guard let range = ranges[name], let value = Double(String(decoding: document[range], as: UTF8.self)) else {
                throw Problem("its \(key) lacks the number \(name)")
            }
            return value
        }
        guard let namesRange = ranges["features"], document[namesRange.lowerBound] == UInt8(ascii: "[") else {
            throw Problem("its \(key) lacks the array features")
        }
        return LinearBlend(treesWeight: try number("trees_weight"), linearWeight: try number("linear_weight"),
                           intercept: try number("intercept"), features: try strings(document[namesRange]),
                           center: try numbers("center"), scale: try numbers("scale"),
                           coefficients: try numbers("coefficients"))
    }

    /// A flat array of plain strings (feature names have no escapes; one with a backslash is refused).
    static func strings(_ array: ArraySlice<UInt8>) throws(Problem) -> [String] {
        var names: [String] = []
        var current: [UInt8]? = nil
        for byte in array.dropFirst().dropLast() {
            if byte == UInt8(ascii: "\\") { throw Problem("its \(key).features holds an escaped name") }
            if byte == UInt8(ascii: "\"") {
                if let name = current {
                    names.append(String(decoding: name, as: UTF8.self))
                    current = nil
                } else {
                    current = []
                }
            } else if current != nil {
                current!.append(byte)
            }
        }
        return names
    }

    /// The blend as the value of its key (numbers in Swift's shortest form that reads back exactly).
    public var json: String {
        func list(_ values: [Double]) -> String { "[" + values.map { "\($0)" }.joined(separator: ",") + "]" }
        return "{\"trees_weight\":\(treesWeight),\"linear_weight\":\(linearWeight),\"intercept\":\(intercept),"
            + "\"features\":[" + features.map { "\"\($0)\"" }.joined(separator: ",") + "],"
            + "\"center\":\(list(center)),\"scale\":\(list(scale)),\"coefficients\":\(list(coefficients))}"
    }

    /// XGBoost's model document with this blend as its first key.
    public func embedded(in model: [UInt8]) throws(Problem) -> [UInt8] {
        guard let open = model.firstIndex(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
              model[open] == UInt8(ascii: "{") else { throw Problem("the tree member is not a JSON object") }
        guard features.allSatisfy({ !$0.utf8.contains(UInt8(ascii: "\"")) && !$0.utf8.contains(UInt8(ascii: "\\")) })
        else { throw Problem("a feature name holds a quote or a backslash") }
        return Array(model[...open]) + Array("\"\(Self.key)\":\(json),".utf8) + Array(model[(open + 1)...])
    }
}
