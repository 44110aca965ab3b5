import Foundation
import Migrations
import Testing
import TestSupport
import Warehouse

@Suite("Migration runner")
struct MigrationRunnerTests {
    /// Files in migrations/: a file lost or added by mistake fails here.
    static let migrationCount = 31
    static let biViews: Set<String> = ["vw_dayahead_load_forecasts", "vw_forecast_vs_actual", "vw_forecast_accuracy",
                                       "vw_forecast_accuracy_all", "vw_model_registry", "vw_champion_models", "vw_run_history",
                                       "vw_series_status", "vw_forecast_drivers", "vw_calendar",
                                       "vw_data_freshness", "vw_data_quality", "vw_series_drift"]

    static func runner(_ environment: DeploymentEnvironment, directory: URL = Repository.migrations) throws -> MigrationRunner {
        MigrationRunner(layout: SchemaLayout(environment: environment), files: try MigrationFile.load(from: directory))
    }

    static func relations(_ connection: Connection, schema: String) throws -> Set<String> {
        Set(try connection.execute("""
            select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = $1 and c.relkind in ('r', 'v')
            """, [schema], name: "list relations").rows.compactMap { $0.string("relname") })
    }

    @Test("dev and prod get their own schemas, tables, views and roles with the right names", arguments: [
        (DeploymentEnvironment.dev, "_dev"), (.prod, ""),
    ])
    func createsEverything(environment: DeploymentEnvironment, suffix: String) throws {
        let connection = try TestCluster.freshConnection("mig\(environment.rawValue)")
        let applied = try Self.runner(environment).migrate(on: connection)
        #expect(applied.map(\.version) == Array(1...Self.migrationCount))

        #expect(try Self.relations(connection, schema: "gridcast_input\(suffix)")
            == ["sqmd", "vw_sqmd_effective", "weather_locations", "weather_hourly", "load_rejects", "vw_sqmd_known",
                "vw_load_rejects_current", "holiday_regions", "holidays"])
        #expect(try Self.relations(connection, schema: "gridcast_operational\(suffix)")
            == ["schema_migrations", "series_catalog", "run_log", "dayahead_load_forecasts", "model_registry",
                "model_status_history", "vw_series_actuals_hourly", "calendar_hourly", "vw_forecasts_by_kind", "vw_latest_forecasts",
                "run_locks", "feature_sql", "series_actuals_hourly",
                "vw_forecast_accuracy_live", "forecast_accuracy_daily", "check_thresholds",
                "gridcast_settings", "data_quality_findings", "training_exclusions", "vw_series_drift",
                "work_queue", "vw_work_queue_tasks", "vw_work_queue_progress", "segment_rules"])
        #expect(try Self.relations(connection, schema: "gridcast_bi\(suffix)")
            == Self.biViews)
        let roles = try connection.execute("select rolname from pg_roles where rolname = any($1::text[]) order by 1",
                                           ["{gridcast_loader\(suffix),gridcast_runner\(suffix),gridcast_bi_reader\(suffix)}"],
                                           name: "roles").rows.compactMap { $0.string("rolname") }
        #expect(roles.count == 3)
        let series = try connection.execute("select string_agg(series_id, ',' order by series_id) as ids from gridcast_operational\(suffix).series_catalog",
                                            name: "catalog").first?.string("ids")
        #expect(series == nil, "a new warehouse has no series (0028): \(series ?? "")")
        // Every column of every BI view has a comment.
        let uncommented = try connection.execute("""
            select c.relname || '.' || a.attname as col
            from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = $1 and a.attnum > 0 and not a.attisdropped and col_description(c.oid, a.attnum) is null
            """, ["gridcast_bi\(suffix)"], name: "uncommented columns").rows.compactMap { $0.string("col") }
        #expect(uncommented.isEmpty, "BI columns without COMMENT: \(uncommented)")
    }

    @Test("a second run applies nothing and status shows every file applied")
    func rerunIsIdempotent() throws {
        let connection = try TestCluster.freshConnection("migrerun")
        let runner = try Self.runner(.qa)
        try runner.migrate(on: connection)
        let history = "gridcast_operational_qa.schema_migrations"
        let before = try connection.execute("select count(*) as n, max(applied_at)::text as last from \(history)", name: "history").first
        #expect(try runner.migrate(on: connection).isEmpty)
        let after = try connection.execute("select count(*) as n, max(applied_at)::text as last from \(history)", name: "history").first
        #expect(before?.int("n") == Self.migrationCount && after?.int("n") == Self.migrationCount)
        #expect(before?.string("last") == after?.string("last"))
        let states = try runner.status(on: connection)
        #expect(states.count == Self.migrationCount)
        #expect(states.allSatisfy { if case .applied = $0.status { true } else { false } })
    }

    @Test("other input schema names under an operational schema migrated with the defaults: refused, not 'up to date'")
    func historyOfOtherSchemaNames() throws {
        let connection = try TestCluster.freshConnection("migothernames")
        try Self.runner(.qa).migrate(on: connection)
        let other = MigrationRunner(layout: SchemaLayout(environment: .qa, inputBase: "other_input"),
                                    files: try MigrationFile.load(from: try MigrationFile.locateDirectory()))
        do {
            let applied = try other.migrate(on: connection)
            Issue.record("migrate reported \(applied.count) applied and created no other_input_qa")
        } catch let error as MigrationError {
            guard case .historyOfOtherSchemas(_, "other_input_qa", Self.migrationCount) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(error.description.contains("own --operational-schema"))
        }
    }

    @Test("weather_locations refuses POSIX offset zone names, which PostgreSQL reads with the opposite sign")
    func posixZoneNamesRefused() throws {
        let connection = try TestCluster.freshConnection("migzones")
        try Self.runner(.dev).migrate(on: connection)
        let insert = "insert into gridcast_input_dev.weather_locations (location, latitude, longitude, time_zone) values ($1, 31.2, 121.5, $2)"
        for (index, zone) in ["UTC+8", "GMT-5", "+03"].enumerated() {
            #expect(throws: WarehouseError.self) { try connection.execute(insert, ["bad\(index)", zone], name: "posix zone") }
        }
        for (index, zone) in ["Asia/Shanghai", "Etc/GMT-8", "America/Port-au-Prince"].enumerated() {
            try connection.execute(insert, ["good\(index)", zone], name: "iana zone")
        }
    }

    @Test("an applied file that was edited is refused with a message naming the file, and nothing runs")
    func editedFileIsRefused() throws {
        let connection = try TestCluster.freshConnection("migedit")
        let directory = try Repository.copyOfMigrations()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.runner(.dev, directory: directory).migrate(on: connection)

        let edited = directory.appendingPathComponent("0003_operational_tables.sql")
        try (try String(contentsOf: edited, encoding: .utf8) + "\n-- a quiet edit\n").write(to: edited, atomically: true, encoding: .utf8)
        try "create table {{operational_schema}}.should_not_exist (id int);\n"
            .write(to: directory.appendingPathComponent("0099_later.sql"), atomically: true, encoding: .utf8)
        do {
            try Self.runner(.dev, directory: directory).migrate(on: connection)
            Issue.record("expected the edit to be refused")
        } catch let error as MigrationError {
            guard case .checksumMismatch = error else { Issue.record("wrong error: \(error)"); return }
            #expect(error.description.contains("0003_operational_tables.sql"))
            #expect(error.description.contains("new, higher-numbered migration"))
        }
        #expect(try connection.execute("select to_regclass('gridcast_operational_dev.should_not_exist') is null as absent",
                                       name: "check").first?.bool("absent") == true)
        let states = try Self.runner(.dev, directory: directory).status(on: connection)
        #expect(states.first { $0.version == 3 }?.status == .edited(appliedChecksum: try MigrationFile.load(from: Repository.migrations)[2].checksum))
        #expect(states.first { $0.version == 99 }?.status == .pending)
    }

    @Test("a failing migration is rolled back whole and reported with file and line")
    func failingMigrationRollsBack() throws {
        let connection = try TestCluster.freshConnection("migfail")
        let directory = try Repository.copyOfMigrations()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "create table {{operational_schema}}.half_done (id int);\n\nselect * from no_such_table;\n"
            .write(to: directory.appendingPathComponent("0099_broken.sql"), atomically: true, encoding: .utf8)
        do {
            try Self.runner(.dev, directory: directory).migrate(on: connection)
            Issue.record("expected a failure")
        } catch let MigrationError.failed(file, line, underlying) {
            #expect(file.hasSuffix("0099_broken.sql"))
            #expect(line == 3)
            #expect(underlying.sqlstate == "42P01")
        }
        #expect(try connection.execute("select to_regclass('gridcast_operational_dev.half_done') is null as absent",
                                       name: "check").first?.bool("absent") == true)
        #expect(try connection.execute("select max(version) as v from gridcast_operational_dev.schema_migrations",
                                       name: "history").first?.int("v") == Self.migrationCount)
    }

    @Test("0028 removes the seeded sample series a warehouse never used, keeps used or edited ones, and the location has no default")
    func unusedSampleSeriesRemoved() throws {
        let connection = try TestCluster.freshConnection("migseeds")
        let files = try MigrationFile.load(from: Repository.migrations)
        let layout = SchemaLayout(environment: .dev)
        try MigrationRunner(layout: layout, files: files.filter { $0.version < 28 }).migrate(on: connection)
        let operational = "gridcast_operational_dev"
        // An existing warehouse: RES-SOLAR has hourly actuals, SMLCOM-NONSOLAR a model, MEDCI-SOLAR was described by a DBA.
        try connection.execute("""
            insert into \(operational).series_actuals_hourly (load_profile, load_segment, hour_start_utc, tradedatelocal,
                tradehourstartlocal, dst_fold, net_load_kwh, meter_count, all_final)
            values ('RES', 'SOLAR', '2024-06-01 07:00+00', '2024-06-01', 0, 0, 1.5, 20, true)
            """, name: "actuals")
        try connection.execute("""
            insert into \(operational).model_registry (load_profile, load_segment, model_version, train_start, train_end,
                features, model_json)
            values ('SMLCOM', 'NONSOLAR', 1, '2024-01-01', '2024-06-30', '{hour}', '{}')
            """, name: "model")
        try connection.execute("update \(operational).series_catalog set description = 'ours' where series_id = 'MEDCI-SOLAR'",
                               name: "edit")
        try MigrationRunner(layout: layout, files: files).migrate(on: connection)
        let series = try connection.execute("select string_agg(series_id, ',' order by series_id) as ids from \(operational).series_catalog",
                                            name: "catalog").first?.string("ids")
        #expect(series == "MEDCI-SOLAR,RES-SOLAR,SMLCOM-NONSOLAR")
        do {
            try connection.execute("insert into \(operational).series_catalog (load_profile, load_segment) values ('LRGCOM', 'SOLAR')",
                                   name: "no location")
            Issue.record("a series without a location was accepted")
        } catch let error as WarehouseError {
            #expect(error.sqlstate == "23502", "not-null violation on location: \(error)")
        }
    }

    @Test("two concurrent migrate runs apply each file exactly once")
    func concurrentRunsApplyOnce() async throws {
        let target = try TestCluster.freshDatabase("migconc")
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    let connection = try Connection.open(target)
                    return try Self.runner(.preprod).migrate(on: connection).count
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // Each file is applied under the history lock by whichever run gets there first, so the two
        // runs may share the work; together they apply every file once.
        #expect(counts.reduce(0, +) == Self.migrationCount)
        let connection = try Connection.open(target)
        let history = try connection.execute("select count(*) as n, count(distinct version) as d from gridcast_operational_preprod.schema_migrations",
                                             name: "history").first
        #expect(history?.int("n") == Self.migrationCount && history?.int("d") == Self.migrationCount)
    }

    @Test("the printed script, run by hand, builds the same schema and records history")
    func printedScriptMatches() throws {
        let connection = try TestCluster.freshConnection("migprint")
        let runner = try Self.runner(.dev)
        let script = try runner.script()
        #expect(!script.contains("{{"))
        // Run as a DBA would, with psql; the second run must skip every file.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-migrate-\(UUID().uuidString).sql")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        for attempt in ["first", "second"] {
            let psql = Process()
            psql.executableURL = try TestCluster.cluster().binDirectory.appendingPathComponent("psql")
            psql.arguments = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", connection.target.conninfo, "-f", file.path]
            let errors = Pipe()
            psql.standardError = errors
            psql.standardOutput = FileHandle.nullDevice
            try psql.run()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            psql.waitUntilExit()
            #expect(psql.terminationStatus == 0, "\(attempt) psql run: \(message)")
        }
        #expect(try runner.migrate(on: connection).isEmpty)
        #expect(try Self.relations(connection, schema: "gridcast_bi_dev").count == Self.biViews.count)
    }

    @Test("an unknown placeholder is refused with file and line")
    func unknownPlaceholder() throws {
        let template = SQLTemplate("select 1;\nselect * from {{input_schema}}.t join {{inptu_schema}}.u on true;", origin: "x.sql")
        do {
            _ = try template.render(try SchemaLayout(environment: .dev).identifiers())
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("x.sql:2"))
            #expect("\(error)".contains("{{inptu_schema}}"))
        }
        let hostile = try SQLIdentifier("evil\"; drop schema x; --")
        #expect(try SQLTemplate("select * from {{s}}.t", origin: "y").render(["s": hostile]) == #"select * from "evil""; drop schema x; --".t"#)
    }
}
