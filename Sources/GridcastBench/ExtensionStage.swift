import Boosting
import Foundation
import Warehouse

/// Scoring inside the server with the gridcast extension, per row and in one batch call, against the
/// client path gridcast itself uses (COPY the features out, predict with libxgboost, COPY the
/// predictions back), on the same rows and model. Each path ends with the predictions in a table.
struct ExtensionStage {
    let context: BenchContext
    static let featureCount = 20

    func run(_ report: BenchReport) throws {
        let rows = context.size.name == "full" ? 200_000 : 20_000
        context.step("extension: \(rows) rows, \(Self.featureCount) features, SQL per row and batch vs the client path")
        let connection = try context.connect()
        do {
            try connection.execute("create extension if not exists gridcast", name: "create extension")
        } catch {
            throw BenchError.setup("the gridcast extension is not installed in this server "
                                   + "(run ./setup, or extension/build --install as root): \(error)")
        }
        let model = try Self.model()
        try connection.execute("""
            create table bench_scoring_rows as
            select g as id,
                   array(select ((g * 7919 + k * 104729) % 1000) / 10.0 from generate_series(1, \(Self.featureCount)) k)::float8[] as f
            from generate_series(1, $1::int) g
            """, [rows], name: "scoring rows")
        try connection.execute("analyze bench_scoring_rows", name: "analyze")

        let perRow = try timed(connection, table: "scored_per_row") {
            try connection.execute("""
                create temp table scored_per_row as select id, gridcast_predict($1::json, f) as p from bench_scoring_rows
                """, [model.json], name: "per row")
        }
        let batch = try timed(connection, table: "scored_batch") {
            try connection.execute("""
                create temp table scored_batch as
                select unnest(ids) as id, unnest(gridcast_predict_batch($1::json, features)) as p
                from (select array_agg(id order by id) as ids, array_agg(f order by id) as features from bench_scoring_rows) b
                """, [model.json], name: "batch")
        }
        let client = try timed(connection, table: "scored_client") { try clientPath(connection, model: model.booster) }
        let same = try connection.execute("""
            select count(*) filter (where a.p::real = b.p::real and a.p::real = c.p::real) as n
            from scored_per_row a join scored_batch b using (id) join scored_client c using (id)
            """, name: "compare").first?.int("n") ?? -1
        report.add(.throughput("extension", "SQL gridcast_predict, one call a row", Double(rows) / perRow, "rows/s",
                               against: "client path: COPY out, libxgboost, COPY back", Double(rows) / client))
        report.add(.throughput("extension", "SQL gridcast_predict_batch, one call", Double(rows) / batch, "rows/s",
                               against: "client path: COPY out, libxgboost, COPY back", Double(rows) / client))
        report.add(.measured("extension", "rows with the same prediction on all three paths", Double(same), "rows"))
        if same != rows { report.note("extension: only \(same) of \(rows) predictions agree across the three paths") }
        try connection.executeScript("drop table bench_scoring_rows", name: "clean up")
    }

    /// A model shaped like a champion: 20 features, 300 rounds of depth 6.
    static func model() throws -> (json: String, booster: Booster) {
        var values: [Float] = [], labels: [Float] = []
        for row in 0..<20_000 {
            var total: Float = 0
            for column in 0..<featureCount {
                let value = Float((row * 7919 + (column + 1) * 104_729) % 1000) / 10
                values.append(value)
                total += value * Float(column % 5 + 1)
            }
            labels.append(total.truncatingRemainder(dividingBy: 997))
        }
        var parameters = BoostParameters()
        parameters.maxRounds = 300
        let matrix = FeatureMatrix(featureNames: (1...featureCount).map { "f\($0)" }, values: values)
        let fitted = try Trainer.fit(parameters, train: matrix, labels: labels)
        return (String(decoding: try fitted.booster.modelJSON(), as: UTF8.self), fitted.booster)
    }

    private func clientPath(_ connection: Connection, model: Booster) throws {
        var ids: [Int] = [], values: [Float] = []
        let columns = (1...Self.featureCount).map { "f[\($0)]" }.joined(separator: ", ")
        _ = try connection.copyOut("copy (select id, \(columns) from bench_scoring_rows) to stdout", name: "features out") { row in
            ids.append(Int(row.double(0) ?? 0))
            for column in 1...Self.featureCount { values.append(Float(row.double(column) ?? .nan)) }
        }
        let matrix = FeatureMatrix(featureNames: (1...Self.featureCount).map { "f\($0)" }, values: values)
        let predictions = try model.predict(DMatrix(matrix))
        try connection.execute("create temp table scored_client (id bigint, p float8)", name: "client table")
        _ = try connection.copyIn("copy scored_client (id, p) from stdin", name: "predictions in") { writer in
            for (id, prediction) in zip(ids, predictions) {
                try writer.append(id)
                try writer.append(Double(prediction))
                try writer.endRow()
            }
        }
    }

    /// Median seconds of the body over the repeats; the body makes `table`, dropped before each repeat.
    private func timed(_ connection: Connection, table: String, _ body: () throws -> Void) throws -> Double {
        var seconds: [Double] = []
        for _ in 1...context.size.repeats {
            try connection.executeScript("drop table if exists \(table)", name: "reset \(table)")
            let started = Date()
            try body()
            seconds.append(Date().timeIntervalSince(started))
        }
        return median(seconds)
    }
}
