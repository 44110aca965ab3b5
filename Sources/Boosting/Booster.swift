import CXGBoost
import Foundation

/// A gradient-boosted tree model through XGBoost's C API. Owns its handle; not shared between threads.
public final class Booster {
    let handle: BoosterHandle

    init(handle: BoosterHandle) { self.handle = handle }

    /// A fresh booster with `parameters` (XGBoost names, e.g. "max_depth": "6"), cached on `matrices`.
    public convenience init(parameters: [String: String], cache matrices: [DMatrix] = []) throws {
        var out: BoosterHandle?
        var handles: [DMatrixHandle?] = matrices.map { $0.handle }
        try XGBoostError.check(XGBoosterCreate(&handles, UInt64(handles.count), &out), "XGBoosterCreate")
        guard let out else { throw XGBoostError(call: "XGBoosterCreate", message: "no booster returned") }
        self.init(handle: out)
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            try XGBoostError.check(XGBoosterSetParam(handle, name, value), "XGBoosterSetParam(\(name))")
        }
    }

    /// Loads a model saved by any XGBoost as JSON (or UBJSON / legacy binary).
    /// - Parameter threads: XGBoost's `nthread`, set before the load: OpenMP threads started by the load
    ///   would spin on a core after it (a forecast scoring one series at a time spent a quarter of its CPU
    ///   there). 0 = XGBoost's default (every core).
    public convenience init(modelJSON: Data, threads: Int = 0) throws {
        try self.init(parameters: threads > 0 ? ["nthread": String(threads)] : [:])
        try modelJSON.withUnsafeBytes { raw in
            try XGBoostError.check(XGBoosterLoadModelFromBuffer(handle, raw.baseAddress, UInt64(raw.count)), "XGBoosterLoadModelFromBuffer")
        }
    }

    deinit { XGBoosterFree(handle) }

    /// Names the features (saved in the model JSON, and used as keys by `featureScores`).
    public func setFeatureNames(_ names: [String]) throws {
        guard !names.isEmpty else { return }
        let cNames = names.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        var pointers = cNames.map { UnsafePointer<CChar>($0) }
        try XGBoostError.check(XGBoosterSetStrFeatureInfo(handle, "feature_name", &pointers, UInt64(names.count)), "XGBoosterSetStrFeatureInfo")
    }

    /// The feature names stored in the model.
    public var featureNames: [String] {
        var count: UInt64 = 0
        var names: UnsafeMutablePointer<UnsafePointer<CChar>?>?
        guard XGBoosterGetStrFeatureInfo(handle, "feature_name", &count, &names) == 0, let names else { return [] }
        return (0..<Int(count)).compactMap { names[$0].map { String(cString: $0) } }
    }

    public func setParameter(_ name: String, _ value: String) throws {
        try XGBoostError.check(XGBoosterSetParam(handle, name, value), "XGBoosterSetParam(\(name))")
    }

    /// Adds one boosting round trained on `matrix`.
    public func update(iteration: Int, on matrix: DMatrix) throws {
        try XGBoostError.check(XGBoosterUpdateOneIter(handle, Int32(iteration), matrix.handle), "XGBoosterUpdateOneIter")
    }

    /// The first metric XGBoost reports for `matrix` after `iteration` (e.g. rmse).
    public func evaluate(iteration: Int, on matrix: DMatrix, name: String = "valid") throws -> Double {
        var handles: [DMatrixHandle?] = [matrix.handle]
        let cName = strdup(name)
        defer { free(cName) }
        var names: [UnsafePointer<CChar>?] = [UnsafePointer(cName)]
        var result: UnsafePointer<CChar>?
        try XGBoostError.check(XGBoosterEvalOneIter(handle, Int32(iteration), &handles, &names, 1, &result), "XGBoosterEvalOneIter")
        // "[12]\tvalid-rmse:0.4512"
        let text = result.map { String(cString: $0) } ?? ""
        guard let colon = text.lastIndex(of: ":"), let value = Double(text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)) else {
            throw XGBoostError(call: "XGBoosterEvalOneIter", message: "unreadable evaluation '\(text)'")
        }
        return value
    }

    /// Number of boosting rounds in the model.
    public var rounds: Int {
        var out: Int32 = 0
        _ = XGBoosterBoostedRounds(handle, &out)
        return Int(out)
    }

    /// The number of input columns the model was trained on.
    public var featureCount: Int {
        var out: UInt64 = 0
        _ = XGBoosterGetNumFeature(handle, &out)
        return Int(out)
    }

    /// A new booster with the first `rounds` rounds only (the best iteration after early stopping).
    public func sliced(rounds: Int) throws -> Booster {
        var out: BoosterHandle?
        try XGBoostError.check(XGBoosterSlice(handle, 0, Int32(rounds), 1, &out), "XGBoosterSlice")
        guard let out else { throw XGBoostError(call: "XGBoosterSlice", message: "no booster returned") }
        return Booster(handle: out)
    }

    /// Predictions for every row of `matrix`.
    public func predict(_ matrix: DMatrix) throws -> [Float] {
        try output(matrix, type: 0, call: "XGBoosterPredictFromDMatrix")
    }

    /// SHAP contributions (XGBoost's pred_contribs) for every row of `matrix`: per row one value per
    /// feature, then the bias; a row's values sum to its prediction.
    public func contributions(_ matrix: DMatrix) throws -> [Float] {
        try output(matrix, type: 2, call: "XGBoosterPredictFromDMatrix(contributions)")
    }

    /// XGBoost's prediction output of `type` (0 value, 2 contributions), as many values as its shape says.
    private func output(_ matrix: DMatrix, type: Int, call: String) throws -> [Float] {
        var shape: UnsafePointer<UInt64>?
        var dimension: UInt64 = 0
        var result: UnsafePointer<Float>?
        let config = "{\"type\": \(type), \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, \"strict_shape\": false}"
        try XGBoostError.check(XGBoosterPredictFromDMatrix(handle, matrix.handle, config, &shape, &dimension, &result), call)
        guard let result, let shape, dimension >= 1 else { return [] }
        let count = (0..<Int(dimension)).reduce(1) { $0 * Int(shape[$1]) }
        return Array(UnsafeBufferPointer(start: result, count: count))
    }

    /// The model in XGBoost's JSON format, loadable by any XGBoost (`Booster.load_model` in Python).
    public func modelJSON() throws -> Data {
        var length: UInt64 = 0
        var bytes: UnsafePointer<CChar>?
        try XGBoostError.check(XGBoosterSaveModelToBuffer(handle, #"{"format": "json"}"#, &length, &bytes), "XGBoosterSaveModelToBuffer")
        guard let bytes else { return Data() }
        return Data(bytes: bytes, count: Int(length))
    }

    /// Importance per feature name ("gain", "weight", "cover", "total_gain"); features never split on are absent.
    public func featureScores(_ kind: String = "gain") throws -> [String: Double] {
        var count: UInt64 = 0
        var names: UnsafeMutablePointer<UnsafePointer<CChar>?>?
        var dimension: UInt64 = 0
        var shape: UnsafePointer<UInt64>?
        var scores: UnsafePointer<Float>?
        try XGBoostError.check(XGBoosterFeatureScore(handle, "{\"importance_type\": \"\(kind)\"}", &count, &names,
                                                     &dimension, &shape, &scores), "XGBoosterFeatureScore")
        var result: [String: Double] = [:]
        guard let names, let scores else { return result }
        for index in 0..<Int(count) {
            if let name = names[index] { result[String(cString: name)] = Double(scores[index]) }
        }
        return result
    }
}
