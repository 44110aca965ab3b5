import Foundation
import Pipeline
import Warehouse

/// Feature SQL: the time to build the training matrix of every series (the window `gridcast train`
/// reads), against the same queries with index scans turned off, which shows what the indexes buy;
/// the EXPLAIN (ANALYZE, BUFFERS) of one series, and the indexes the plan uses. Also exports each
/// matrix (label first, float32) for the Python training reference, so both sides learn from the same numbers.
struct FeatureStage {
    let context: BenchContext

    /// - Returns: the folder of exported matrices.
    func run(_ report: BenchReport) throws -> URL {
        let layout = context.layout(.dev)
        let connection = try context.connect()
        let query = try FeatureQuery.dayAhead()
        let training = TrainingConfiguration()
        let settings = training.features
        let series = try SeriesSelection(all: true).resolve(on: connection, layout: layout)
        let windows = try series.map {
            try SeriesTrainer.trainingWindow($0, layout: layout, historyDays: context.size.historyDays, endDate: nil, on: connection)
        }
        context.step("features: training matrices of \(series.count) series, with and without index scans")
        let exports = context.workDirectory.appendingPathComponent("matrices")
        try? FileManager.default.removeItem(at: exports)
        try FileManager.default.createDirectory(at: exports, withIntermediateDirectories: true)

        var indexed: [Double] = [], matrices: [SeriesFeatures] = []
        for _ in 1...context.size.repeats {
            let started = Date()
            matrices = try zip(series, windows).map { id, window in
                try query.fetch(on: connection, layout: layout, series: id, start: window.start, end: window.end,
                                settings: settings, requireTarget: true, asOf: training.asOf)
            }
            indexed.append(Date().timeIntervalSince(started))
        }
        for (id, data) in zip(series, matrices) { try export(data, series: id, to: exports) }
        let rows = matrices.map(\.keys.count).reduce(0, +)
        let unindexed = try context.connectWithoutIndexScans()
        let started = Date()
        for (id, window) in zip(series, windows) {
            _ = try query.fetch(on: unindexed, layout: layout, series: id, start: window.start, end: window.end,
                                settings: settings, requireTarget: true, asOf: training.asOf)
        }
        let withoutIndexes = Date().timeIntervalSince(started)
        report.add(.duration("features", "training matrices, \(series.count) series, \(rows) rows", median(indexed),
                             against: "same queries, index scans off", withoutIndexes))

        let plan = try query.explain(on: connection, layout: layout, series: [series[0]], start: windows[0].start, end: windows[0].end,
                                     settings: settings, requireTarget: true, asOf: training.asOf)
        let planFile = context.workDirectory.appendingPathComponent("explain_features.txt")
        try plan.write(to: planFile, atomically: true, encoding: .utf8)
        let indexes = Self.indexes(in: plan)
        let execution = plan.split(separator: "\n").first { $0.contains("Execution Time") }?.trimmingCharacters(in: .whitespaces) ?? "?"
        report.note("feature SQL plan for \(series[0]) (\(windows[0].start) to \(windows[0].end)): \(execution); indexes used: "
                    + (indexes.isEmpty ? "none" : indexes.joined(separator: ", ")) + "; full plan in \(planFile.path)")
        return exports
    }

    /// Index names from `Index Scan using X`, `Index Only Scan using X` and `Bitmap Index Scan on X` lines.
    static func indexes(in plan: String) -> [String] {
        var names: [String] = []
        for line in plan.split(separator: "\n") {
            for marker in [" using ", "Bitmap Index Scan on "] where line.contains("Index") {
                guard let range = line.range(of: marker) else { continue }
                let name = line[range.upperBound...].prefix { !$0.isWhitespace }
                if !name.isEmpty, !names.contains(String(name)) { names.append(String(name)) }
            }
        }
        return names
    }

    /// SERIES.json (series, feature names, rows, local dates) and SERIES.f32 (rows x (1 + features), label first).
    private func export(_ data: SeriesFeatures, series: SeriesID, to folder: URL) throws {
        let names = data.matrix.featureNames
        var values: [Float] = []
        values.reserveCapacity(data.keys.count * (names.count + 1))
        for row in 0..<data.keys.count {
            values.append(Float(data.targets[row] ?? .nan))
            for column in 0..<names.count { values.append(data.matrix[row, column]) }
        }
        let meta: [String: Any] = ["series": series.description, "features": names, "rows": data.keys.count,
                                   "dates": data.keys.map(\.localDate)]
        try JSONSerialization.data(withJSONObject: meta).write(to: folder.appendingPathComponent("\(series).json"))
        try values.withUnsafeBufferPointer { Data(buffer: $0) }.write(to: folder.appendingPathComponent("\(series).f32"))
    }
}
