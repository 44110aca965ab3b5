import Boosting
import Foundation
import Testing
import TestSupport
import Warehouse

/// The gridcast PostgreSQL extension, built from this checkout and loaded into the test cluster:
/// SQL predictions equal the executable's to the bit, and bad input is an ERROR, never a crash.
@Suite("PostgreSQL extension: scoring in SQL")
struct ExtensionScoringTests {
    /// A small model on hourly-like data with some missing values, its JSON and its rows.
    struct Fixture {
        let json: String
        let rows: [[Float]]
        let predictions: [Float]
    }

    static let fixture: Result<Fixture, Error> = Result {
        var state: UInt64 = 42
        func next() -> Double {  // SplitMix64 in [0, 1)
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        var rows: [[Float]] = [], labels: [Float] = []
        for index in 0..<2000 {
            let hour = Float(index % 24), temperature = Float(10 + 20 * next())
            let noise = index % 17 == 0 ? Float.nan : Float(next())
            rows.append([hour, temperature, noise])
            labels.append(100 + 30 * sin(hour / 24 * 2 * .pi) + 3 * max(temperature - 18, 0) + Float(next()))
        }
        var parameters = BoostParameters()
        parameters.maxRounds = 80
        let matrix = FeatureMatrix(featureNames: ["hour", "temperature", "noise"], values: rows.flatMap { $0 })
        let fitted = try Trainer.fit(parameters, train: matrix, labels: labels)
        let predictions = try fitted.booster.predict(DMatrix(matrix))
        return Fixture(json: String(decoding: try fitted.booster.modelJSON(), as: UTF8.self), rows: rows, predictions: predictions)
    }

    static func database() throws -> Connection {
        try ExtensionInstall.ensure()
        let connection = try TestCluster.freshConnection("ext")
        try connection.execute("create extension gridcast", name: "create extension")
        return connection
    }

    /// A float8[][] literal; NaN becomes NULL, the extension's missing value.
    static func literal(_ rows: [[Float]]) -> String {
        "{" + rows.map { "{" + $0.map { $0.isNaN ? "NULL" : "\(Double($0))" }.joined(separator: ",") + "}" }.joined(separator: ",") + "}"
    }

    static func floats(_ arrayText: String?) -> [Float] {
        (arrayText ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",").map { Float(Double($0) ?? .nan) }
    }

    @Test("row and batch predictions in SQL equal the executable's Booster.predict bit for bit, NULL features as missing")
    func predictionsMatch() throws {
        let fixture = try Self.fixture.get()
        let connection = try Self.database()
        let batch = try connection.execute("select gridcast_predict_batch($1::json, $2::float8[])::text as p",
                                           [fixture.json, Self.literal(fixture.rows)], name: "batch").first?.string("p")
        #expect(Self.floats(batch) == fixture.predictions)
        let perRow = try connection.execute("""
            select array_agg(gridcast_predict($1::json, array(select unnest(m[i:i][:]))) order by i)::text as p
            from (select $2::float8[] as m) x, generate_series(1, array_length($2::float8[], 1)) i
            """, [fixture.json, Self.literal(fixture.rows)], name: "per row").first?.string("p")
        #expect(Self.floats(perRow) == fixture.predictions)
        #expect(fixture.rows.contains { $0[2].isNaN }, "the fixture has missing values")
        // The text overload reads the same model.
        let viaText = try connection.execute("select gridcast_predict($1::text, $2::float8[]) as p",
                                             [fixture.json, "{\(fixture.rows[5].map { "\(Double($0))" }.joined(separator: ","))}"],
                                             name: "text").first?.double("p")
        #expect(viaText.map(Float.init) == fixture.predictions[5])
    }

    @Test("contributions: one per feature plus the bias, summing to the prediction")
    func contributions() throws {
        let fixture = try Self.fixture.get()
        let connection = try Self.database()
        for index in [0, 17, 1000] {
            let row = fixture.rows[index]
            let text = try connection.execute("select gridcast_contributions($1::json, $2::float8[])::text as c",
                                              [fixture.json, Self.literal([row]).dropFirst().dropLast().description],
                                              name: "contributions").first?.string("c")
            let values = Self.floats(text)
            #expect(values.count == 4)
            #expect(abs(values.reduce(0, +) - fixture.predictions[index]) < 0.01, "row \(index): \(values)")
        }
    }

    @Test("a corrupt model, a wrong-length or wrong-shape array are ERRORs with hints; NULLs give NULL; the backend lives on")
    func badInput() throws {
        let fixture = try Self.fixture.get()
        let connection = try Self.database()
        func sqlstate(_ sql: String, _ parameters: [any SQLBindable]) -> String? {
            do {
                try connection.execute(sql, parameters, name: "bad input")
                return nil
            } catch let error as WarehouseError {
                return error.sqlstate
            } catch {
                return "?"
            }
        }
        let row = "{1,20,0.5}"
        #expect(sqlstate("select gridcast_predict($1::json, $2::float8[])", [#"{"learner": {"gradient_booster": 7}}"#, row]) == "22023")
        #expect(sqlstate("select gridcast_predict($1::text, $2::float8[])", ["not a model", row]) == "22023")
        #expect(sqlstate("select gridcast_predict($1::text, $2::float8[])", [String(fixture.json.prefix(500)), row]) == "22023")
        #expect(sqlstate("select gridcast_predict($1::json, $2::float8[])", [fixture.json, "{1,20}"]) == "2202E")
        #expect(sqlstate("select gridcast_predict($1::json, $2::float8[])", [fixture.json, "{{1,20,0.5}}"]) == "2202E")
        #expect(sqlstate("select gridcast_predict_batch($1::json, $2::float8[])", [fixture.json, row]) == "2202E")
        #expect(sqlstate("select gridcast_predict_batch($1::json, $2::float8[])", [fixture.json, "{{1,2},{3,4}}"]) == "2202E")
        let nulls = try connection.execute("""
            select gridcast_predict(null::json, '{1,2,3}') is null as a, gridcast_predict($1::json, null) is null as b,
                   gridcast_predict_batch($1::json, '{}'::float8[])::text as c
            """, [fixture.json], name: "nulls").first
        #expect(nulls?.bool("a") == true && nulls?.bool("b") == true && nulls?.string("c") == "{}")
        #expect(sqlstate("select gridcast_predict($1::json, '{}'::float8[])", [fixture.json]) == "2202E")
        let version = try connection.execute("select gridcast_xgboost_version() as v", name: "alive").first?.string("v") ?? ""
        #expect(version.split(separator: ".").count == 3, "the backend still answers: \(version)")
    }

    @Test("statement_timeout and pg_cancel_backend stop a long batch with an ERROR; the session goes on")
    func cancelled() throws {
        let fixture = try Self.fixture.get()
        let connection = try Self.database()
        try connection.execute("""
            create temp table big as select array_agg(array[(g % 24)::float8, 20, 0.5]) as m from generate_series(1, 600000) g
            """, name: "big batch")
        try connection.execute("set statement_timeout = '100ms'", name: "timeout")
        do {
            try connection.execute("select array_length(gridcast_predict_batch($1::json, m), 1) from big", [fixture.json], name: "long")
            Issue.record("600,000 rows scored within 100 ms: the batch is too small to test cancellation")
        } catch let error as WarehouseError {
            #expect(error.sqlstate == "57014", "\(error)")
        }
        try connection.execute("reset statement_timeout", name: "reset")
        // A cancel from another session, as pg_cancel_backend or a client's cancel key does.
        let pid = try connection.execute("select pg_backend_pid() as p", name: "pid").first?.int("p") ?? 0
        let target = connection.target
        let canceller = Thread {
            Thread.sleep(forTimeInterval: 0.15)
            _ = try? Connection.open(target).execute("select pg_cancel_backend($1)", [pid], name: "cancel")
        }
        canceller.start()
        do {
            try connection.execute("select array_length(gridcast_predict_batch($1::json, m), 1) from big", [fixture.json], name: "long")
            Issue.record("the batch finished before the cancel arrived")
        } catch let error as WarehouseError {
            #expect(error.sqlstate == "57014", "\(error)")
        }
        #expect(try connection.execute("select gridcast_predict($1::json, '{1,20,0.5}') is not null as ok", [fixture.json],
                                       name: "after").first?.bool("ok") == true)
    }
}
