import Boosting
import Foundation
import Migrations
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
        /// A second, smaller model of the same features.
        let otherJSON: String
        let otherPredictions: [Float]
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
        parameters.maxRounds = 5
        let other = try Trainer.fit(parameters, train: matrix, labels: labels)
        return Fixture(json: String(decoding: try fitted.booster.modelJSON(), as: UTF8.self), rows: rows, predictions: predictions,
                       otherJSON: String(decoding: try other.booster.modelJSON(), as: UTF8.self),
                       otherPredictions: try other.booster.predict(DMatrix(matrix)))
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
        // A model from a column may change from row to row: each row is scored with its own model
        // (a call site keeps a model's key only when the argument is a constant or parameter).
        let mixed = try connection.execute("""
            select string_agg(gridcast_predict(m, $3::float8[])::real::text, ',' order by k) as p
            from (values (1, $1::json), (2, $2::json), (3, $1::json)) v(k, m)
            """, [fixture.json, fixture.otherJSON, "{\(fixture.rows[5].map { "\(Double($0))" }.joined(separator: ","))}"],
            name: "mixed").first?.string("p")
        let expected = [fixture.predictions[5], fixture.otherPredictions[5], fixture.predictions[5]]
        #expect(mixed?.split(separator: ",").map { Float(String($0)) } == expected, "\(mixed ?? "nil")")
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

    @Test("by registry row: same predictions, the JSON re-read after the row changes, the BI reader refused, unknown ids an ERROR")
    func registryRows() throws {
        let fixture = try Self.fixture.get()
        let connection = try Self.database()
        try MigrationRunner(layout: SchemaLayout(environment: .dev), files: try MigrationFile.load(from: Repository.migrations))
            .migrate(on: connection)
        try SampleSeries.register(on: connection)
        let registry = "gridcast_operational_dev.model_registry"
        let id = try connection.execute("""
            insert into \(registry) (load_profile, load_segment, model_version, train_start, train_end, features, model_json)
            values ('RES', 'SOLAR', 1, '2024-01-01', '2024-06-30', '{hour,temperature,noise}', $1::json) returning model_id
            """, [fixture.json], name: "register").first?.int("model_id") ?? 0
        func batch() throws -> [Float] {
            Self.floats(try connection.execute("select gridcast_predict_batch($1::regclass, $2, $3::float8[])::text as p",
                                               [registry, id, Self.literal(fixture.rows)], name: "batch").first?.string("p"))
        }
        #expect(try batch() == fixture.predictions)
        let row = "{\(fixture.rows[3].map { "\(Double($0))" }.joined(separator: ","))}"
        #expect(try connection.execute("select gridcast_predict($1::regclass, $2, $3::float8[]) as p", [registry, id, row],
                                       name: "row").first?.double("p").map(Float.init) == fixture.predictions[3])
        // A changed row is a new xmin: the cached model is not served for it.
        try connection.execute("update \(registry) set model_json = $1::json where model_id = $2", [fixture.otherJSON, id], name: "swap")
        #expect(try batch() == fixture.otherPredictions)
        #expect(fixture.otherPredictions != fixture.predictions)

        func sqlstate(as role: String?, _ sql: String, _ parameters: [any SQLBindable]) -> String? {
            defer { _ = try? connection.execute("reset role", name: "reset") }
            do {
                if let role { try connection.execute("set role \(role)", name: "role") }
                try connection.execute(sql, parameters, name: "probe")
                return nil
            } catch let error as WarehouseError { return error.sqlstate } catch { return "?" }
        }
        let predict = "select gridcast_predict($1::regclass, $2, '{1,20,0.5}')"
        #expect(sqlstate(as: "gridcast_bi_reader_dev", predict, [registry, id]) == "42501", "the BI reader cannot read model_json")
        #expect(sqlstate(as: "gridcast_runner_dev", predict, [registry, id]) == nil)
        #expect(sqlstate(as: nil, predict, [registry, id + 1000]) == "P0002")
    }

    @Test("version 0.1 installs and updates to 0.2 (registry functions), 0.3 (calendar), 0.4 (forecast) 0.5 (refit window) 0.6 (bound feature parameters), 0.7 (target base), 0.8 (leads) and the default 0.9 (blends)")
    func upgradePath() throws {
        try ExtensionInstall.ensure()
        let connection = try TestCluster.freshConnection("extup")
        try connection.execute("create extension gridcast version '0.1'", name: "0.1")
        func registryFunctions() throws -> Int {
            try connection.execute("""
                select count(*) as n from pg_proc where proname = 'gridcast_predict' and pronargs = 3
                """, name: "functions").first?.int("n") ?? -1
        }
        #expect(try registryFunctions() == 0)
        try connection.execute("alter extension gridcast update to '0.2'", name: "update to 0.2")
        #expect(try registryFunctions() == 1)
        try connection.execute("alter extension gridcast update to '0.3'", name: "update to 0.3")
        #expect(try connection.execute("select gridcast_holiday('2024-12-25') as h", name: "0.3").first?.string("h") == "Christmas Day")
        try connection.execute("alter extension gridcast update", name: "update to the default")
        #expect(try connection.execute("select extversion from pg_extension where extname = 'gridcast'", name: "version")
            .first?.string("extversion") == "0.9")
        #expect(try Self.forecastSearchPath(connection) == "search_path=public, pg_catalog, pg_temp")
        let featuresSource = try connection.execute("select prosrc from pg_proc where proname = 'gridcast_features'",
                                                    name: "0.6 source").first?.string("prosrc") ?? ""
        #expect(featuresSource.contains("using profile, segment"), "0.6 binds the feature SQL's values as parameters")
        #expect(try connection.execute("""
            select count(*) as n from pg_proc where proname = 'gridcast_features' and 'target_base' = any(proargnames)
            """, name: "0.7 target base").first?.int("n") == 1)
        // 0.8: each of the three takes the lead, and one function of each name is left (no ambiguous overload).
        let leads = try connection.execute("""
            select proname, count(*) as n, bool_and('lead' = any(proargnames)) as lead from pg_proc
            where proname in ('gridcast_model', 'gridcast_features', 'gridcast_forecast') group by proname
            """, name: "0.8 leads").rows
        #expect(leads.count == 3 && leads.allSatisfy { $0.int("n") == 1 && $0.bool("lead") == true }, "\(leads)")
        #expect(try connection.execute("""
            select obj_description('gridcast_predict(json, float8[])'::regprocedure) as d
            """, name: "0.9 comments").first?.string("d")?.contains("linear blend") == true)
    }

    @Test("created in a schema of the DBA's choice, gridcast_forecast() finds its helpers there whatever the caller's path")
    func chosenSchema() throws {
        try ExtensionInstall.ensure()
        let connection = try TestCluster.freshConnection("extschema")
        try connection.execute("create schema analytics", name: "schema")
        try connection.execute("create extension gridcast schema analytics", name: "create in a schema")
        #expect(try Self.forecastSearchPath(connection) == "search_path=analytics, pg_catalog, pg_temp")
        // The helpers resolve without analytics on the caller's search path.
        #expect(try connection.execute("select analytics.gridcast_feature_value('true') as v", name: "helper")
            .first?.double("v") == 1)
    }

    /// The search_path gridcast_forecast() runs with (its SET clause).
    static func forecastSearchPath(_ connection: Connection) throws -> String? {
        try connection.execute("""
            select c as path from pg_proc, unnest(proconfig) c where proname = 'gridcast_forecast' and c like 'search_path=%'
            """, name: "forecast search path").first?.string("path")
    }

    @Test("parallel workers and six backends at once give the same predictions as one backend")
    func parallelAndConcurrent() throws {
        let fixture = try Self.fixture.get()
        let connection = try Self.database()
        try connection.execute("""
            create table features as
            select g as id, array[(g % 24)::float8, 10 + (g % 200) / 10.0, (g % 7) / 7.0] as f from generate_series(1, 20000) g
            """, name: "features")
        try connection.execute("analyze features", name: "analyze")
        let query = "select sum(gridcast_predict($1::json, f)::numeric)::text as s, count(*) as n from features"
        let serial = try connection.execute(query, [fixture.json], name: "serial").first?.string("s")
        try connection.executeScript("""
            set parallel_setup_cost = 0; set parallel_tuple_cost = 0; set min_parallel_table_scan_size = 0;
            set max_parallel_workers_per_gather = 2; set force_parallel_mode = on;
            """, name: "parallel")
        let plan = try connection.execute("explain " + query, [fixture.json], name: "plan").rows.compactMap { $0.string(at: 0) }
        #expect(plan.contains { $0.contains("Gather") }, "\(plan)")
        #expect(try connection.execute(query, [fixture.json], name: "parallel").first?.string("s") == serial)

        let target = connection.target
        let sums = try (0..<6).map { _ in
            let worker = Thread.detachNewThreadWithResult {
                try Connection.open(target).execute(query, [fixture.json], name: "concurrent").first?.string("s")
            }
            return worker
        }.map { try $0.value() }
        #expect(sums.allSatisfy { $0 == serial }, "\(sums) vs \(serial ?? "nil")")
    }
}

/// A thread whose closure's result (or error) is collected with `value()`.
final class ThreadResult<T>: @unchecked Sendable {
    private let done = NSCondition()
    private var result: Result<T, Error>?

    func set(_ value: Result<T, Error>) {
        done.lock()
        result = value
        done.signal()
        done.unlock()
    }

    func value() throws -> T {
        done.lock()
        defer { done.unlock() }
        while result == nil { done.wait() }
        return try result!.get()
    }
}

extension Thread {
    static func detachNewThreadWithResult<T>(_ body: @escaping @Sendable () throws -> T) -> ThreadResult<T> {
        let box = ThreadResult<T>()
        Thread.detachNewThread { box.set(Result { try body() }) }
        return box
    }
}
