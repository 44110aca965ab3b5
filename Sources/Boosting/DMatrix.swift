import Foundation
import CXGBoost

/// A dense feature matrix in row-major Float32, the shape XGBoost reads without conversion.
/// NaN marks a missing value (XGBoost learns a default direction for it).
public struct FeatureMatrix: Sendable {
    public let featureNames: [String]
    public private(set) var values: [Float]
    public var rowCount: Int { featureNames.isEmpty ? 0 : values.count / featureNames.count }
    public var columnCount: Int { featureNames.count }

    public init(featureNames: [String], values: [Float]) {
        precondition(featureNames.isEmpty || values.count % featureNames.count == 0, "values must fill whole rows")
        self.featureNames = featureNames
        self.values = values
    }

    public subscript(row: Int, column: Int) -> Float { values[row * columnCount + column] }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: some Collection<Int>) -> FeatureMatrix {
        var selected: [Float] = []
        selected.reserveCapacity(indices.count * columnCount)
        for row in indices { selected.append(contentsOf: values[(row * columnCount)..<((row + 1) * columnCount)]) }
        return FeatureMatrix(featureNames: featureNames, values: selected)
    }

    /// The columns named `names`, in that order.
    public func columns(_ names: [String]) -> FeatureMatrix {
        let positions = names.compactMap { featureNames.firstIndex(of: $0) }
        var selected: [Float] = []
        selected.reserveCapacity(rowCount * positions.count)
        for row in 0..<rowCount {
            for position in positions { selected.append(values[row * columnCount + position]) }
        }
        return FeatureMatrix(featureNames: positions.map { featureNames[$0] }, values: selected)
    }

    /// A copy with the columns `names` shuffled together by `permutation` (for permutation importance):
    /// the rows of those columns move as one, so their values stay paired with each other.
    public func permutingColumns(_ names: [String], by permutation: [Int]) -> FeatureMatrix {
        let columns = names.compactMap { featureNames.firstIndex(of: $0) }
        var copy = self
        for row in 0..<rowCount {
            for column in columns { copy.values[row * columnCount + column] = values[permutation[row] * columnCount + column] }
        }
        return copy
    }

    /// One column as an array.
    public func column(_ name: String) -> [Float] {
        guard let column = featureNames.firstIndex(of: name) else { return [] }
        return (0..<rowCount).map { values[$0 * columnCount + column] }
    }
}

/// XGBoost's own matrix (a DMatrix), built from a `FeatureMatrix` and optional labels. Frees itself.
public final class DMatrix {
    let handle: DMatrixHandle
    public let rowCount: Int

    public init(_ matrix: FeatureMatrix, labels: [Float]? = nil, threads: Int = 0) throws {
        var out: DMatrixHandle?
        try matrix.values.withUnsafeBufferPointer { buffer in
            try XGBoostError.check(XGDMatrixCreateFromMat_omp(buffer.baseAddress, UInt64(matrix.rowCount), UInt64(matrix.columnCount),
                                                              Float.nan, &out, Int32(threads)), "XGDMatrixCreateFromMat")
        }
        guard let out else { throw XGBoostError(call: "XGDMatrixCreateFromMat", message: "no matrix returned") }
        handle = out
        rowCount = matrix.rowCount
        if let labels {
            precondition(labels.count == matrix.rowCount, "one label per row")
            try labels.withUnsafeBufferPointer {
                try XGBoostError.check(XGDMatrixSetFloatInfo(handle, "label", $0.baseAddress, UInt64(labels.count)), "XGDMatrixSetFloatInfo(label)")
            }
        }
        try setFeatureNames(matrix.featureNames)
    }

    deinit { XGDMatrixFree(handle) }

    private func setFeatureNames(_ names: [String]) throws {
        guard !names.isEmpty else { return }
        let cNames = names.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        var pointers = cNames.map { UnsafePointer<CChar>($0) }
        try XGBoostError.check(XGDMatrixSetStrFeatureInfo(handle, "feature_name", &pointers, UInt64(names.count)), "XGDMatrixSetStrFeatureInfo")
    }
}
