import Foundation
import Migrations
import Pipeline
import Testing
import TestSupport
import Warehouse

@Suite("Model registry")
struct ModelRegistryTests {
    static let series = SeriesID(loadProfile: "RES", loadSegment: "SOLAR")

    static func migrated() throws -> (Connection, ModelRegistry) {
        let connection = try TestCluster.freshConnection("registry")
        try MigrationRunner(layout: SchemaLayout(environment: .dev), files: try MigrationFile.load(from: Repository.migrations))
            .migrate(on: connection)
        try SampleSeries.register(on: connection)
        return (connection, ModelRegistry(connection: connection, layout: SchemaLayout(environment: .dev)))
    }

    static func registration(status: String, features: [String] = ["hour_of_day", "lag_21d"]) -> ModelRegistration {
        ModelRegistration(series: series, trainStart: "2023-01-01", trainEnd: "2024-01-01", validationStart: "2024-01-02",
                          validationEnd: "2024-02-01", testStart: "2024-02-02", testEnd: "2024-03-01", hyperparameters: "{}",
                          features: features, metrics: #"{"model": {"rmse": 1.5}, "skill": 0.3}"#, status: status,
                          statusReason: "test", trainingRunID: nil, xgboostVersion: "1.7.4", modelJSON: Data(#"{"learner": {}}"#.utf8))
    }

    static func statuses(_ registry: ModelRegistry) throws -> [Int: String] {
        Dictionary(uniqueKeysWithValues: try registry.list(series).map { ($0.version, $0.status) })
    }

    @Test("versions count up per series, and approving one retires the previous champion")
    func approvalRetiresChampion() throws {
        let (connection, registry) = try Self.migrated()
        #expect(try registry.register(Self.registration(status: "approved")) == 1)
        #expect(try registry.register(Self.registration(status: "candidate")) == 2)
        #expect(try Self.statuses(registry) == [1: "approved", 2: "candidate"])
        try registry.setStatus(Self.series, version: 2, status: "approved", reason: "better")
        #expect(try Self.statuses(registry) == [1: "retired", 2: "approved"])
        #expect(try registry.champion(Self.series)?.0.version == 2)
        // The BI view shows the same champion, and the status history recorded every change.
        #expect(try connection.execute("select model_version from gridcast_bi_dev.vw_champion_models where series_id = 'RES-SOLAR'",
                                       name: "bi champion").first?.int("model_version") == 2)
        let history = try connection.execute("""
            select string_agg(model_version || ':' || coalesce(old_status, '-') || '>' || new_status, ' ' order by event_id) as h
            from gridcast_operational_dev.model_status_history
            """, name: "history").first?.string("h")
        #expect(history == "1:->approved 2:->candidate 1:approved>retired 2:candidate>approved")
    }

    @Test("a plain SQL UPDATE approves a model just like the CLI, keeping one champion")
    func plainSQLApproval() throws {
        let (connection, registry) = try Self.migrated()
        try registry.register(Self.registration(status: "approved"))
        try registry.register(Self.registration(status: "candidate"))
        try connection.execute("""
            update gridcast_operational_dev.model_registry set status = 'approved'
            where load_profile = 'RES' and load_segment = 'SOLAR' and model_version = 2
            """, name: "approve by hand")
        #expect(try Self.statuses(registry) == [1: "retired", 2: "approved"])
    }

    @Test("rollback rejects the champion and restores the one before it")
    func rollback() throws {
        let (_, registry) = try Self.migrated()
        try registry.register(Self.registration(status: "approved"))
        try registry.register(Self.registration(status: "approved"))
        try registry.register(Self.registration(status: "candidate"))
        #expect(try Self.statuses(registry) == [1: "retired", 2: "approved", 3: "candidate"])
        let (from, to) = try registry.rollback(Self.series, reason: "bad forecasts")
        #expect(from == 2 && to == 1)
        #expect(try Self.statuses(registry) == [1: "approved", 2: "rejected", 3: "candidate"])
        let again = #expect(throws: RegistryError.self) { try registry.rollback(Self.series, reason: "again") }
        #expect(again?.description.contains("no earlier day-ahead champion") == true, "\(String(describing: again))")
        // A lead without a champion says which lead it looked at.
        let dPlusThree = #expect(throws: RegistryError.self) { try registry.rollback(Self.series, lead: 3, reason: "x") }
        #expect(dPlusThree?.description.contains("no approved D+3 model to roll back") == true,
                "\(String(describing: dPlusThree))")
    }

    @Test("the champion at a past instant comes from the status history")
    func championThen() throws {
        let (connection, registry) = try Self.migrated()
        try registry.register(Self.registration(status: "approved"))
        let between = try connection.execute("select clock_timestamp()::text as t", name: "now").first?.string("t") ?? ""
        try registry.register(Self.registration(status: "approved"))
        #expect(try registry.champion(Self.series, at: between)?.0.version == 1)
        #expect(try registry.champion(Self.series, at: "2000-01-01 00:00+00") == nil)
        #expect(try registry.champion(Self.series)?.0.version == 2)
    }

    @Test("feature names with commas and quotes survive the text[] round trip")
    func featureNames() throws {
        let (_, registry) = try Self.migrated()
        let odd = ["plain", "with,comma", "with \"quote\"", "back\\slash", "{brace}"]
        try registry.register(Self.registration(status: "candidate", features: odd))
        #expect(try registry.list(Self.series).first?.features == odd)
    }
}
