import Foundation
import Migrations
import Testing
import TestSupport
import Warehouse

/// Least privilege, checked by acting as each role (SET ROLE) against a migrated database.
@Suite("Role privileges")
struct PrivilegeTests {
    static func migrated() throws -> Connection {
        let connection = try TestCluster.freshConnection("priv")
        try MigrationRunner(layout: SchemaLayout(environment: .dev), files: try MigrationFile.load(from: Repository.migrations))
            .migrate(on: connection)
        try SampleSeries.register(on: connection)
        return connection
    }

    static func denied(_ connection: Connection, as role: String, _ sql: String) -> Bool {
        defer { _ = try? connection.execute("reset role", name: "reset role") }
        do {
            try connection.execute("set role \(try SQLIdentifier(role).quoted)", name: "set role")
            try connection.execute(sql, name: "privilege probe")
            return false
        } catch let error as WarehouseError {
            return error.sqlstate == "42501"
        } catch {
            return false
        }
    }

    @Test("the BI reader reads the BI views and nothing else, and writes nothing")
    func biReader() throws {
        let connection = try Self.migrated()
        let role = "gridcast_bi_reader_dev"
        for view in ["vw_dayahead_load_forecasts", "vw_forecast_vs_actual", "vw_forecast_accuracy", "vw_forecast_accuracy_all",
                     "vw_model_registry", "vw_champion_models", "vw_run_history", "vw_series_status",
                     "vw_forecast_drivers", "vw_calendar", "vw_data_freshness", "vw_data_quality", "vw_series_drift"] {
            #expect(!Self.denied(connection, as: role, "select * from gridcast_bi_dev.\(view) limit 1"), "BI reader cannot read \(view)")
        }
        #expect(Self.denied(connection, as: role, "select * from gridcast_input_dev.sqmd"))
        #expect(Self.denied(connection, as: role, "select * from gridcast_input_dev.weather_hourly"))
        #expect(Self.denied(connection, as: role, "select model_json from gridcast_operational_dev.model_registry"))
        #expect(Self.denied(connection, as: role, "select * from gridcast_operational_dev.dayahead_load_forecasts"))
        #expect(Self.denied(connection, as: role, "insert into gridcast_operational_dev.run_log (kind) values ('train')"))
        #expect(Self.denied(connection, as: role, "create table gridcast_bi_dev.mine (id int)"))
        #expect(Self.denied(connection, as: role, "delete from gridcast_bi_dev.vw_run_history"))
        // Gridcast's locks are rows only the loader and runner may lock: a reader cannot hold up a load.
        #expect(Self.denied(connection, as: role, "select * from gridcast_operational_dev.run_locks for update"))
        #expect(Self.denied(connection, as: role, "insert into gridcast_operational_dev.run_locks (lock_name) values ('load.sqmd.x')"))
    }

    @Test("the loader writes input but not forecasts or models")
    func loader() throws {
        let connection = try Self.migrated()
        let role = "gridcast_loader_dev"
        #expect(!Self.denied(connection, as: role, """
            insert into gridcast_input_dev.sqmd (tradedatelocal, tradehourstartlocal, loadprofile, rategroup, submission,
                                                 loadlal, genlal, metercount, hour_start_utc)
            values ('2024-01-01', 0, 'RES', 'DR', 'Initial', 1, 0, 20, '2024-01-01 08:00+00')
            """))
        #expect(!Self.denied(connection, as: role, "insert into gridcast_input_dev.load_rejects (source_kind, source_file, reason) values ('sqmd', 'f.csv', 'bad')"))
        #expect(Self.denied(connection, as: role, "select * from gridcast_operational_dev.dayahead_load_forecasts"))
        #expect(Self.denied(connection, as: role, "delete from gridcast_operational_dev.dayahead_load_forecasts"))
        #expect(Self.denied(connection, as: role, "update gridcast_operational_dev.model_registry set status = 'approved'"))
        #expect(Self.denied(connection, as: role, "create table gridcast_input_dev.mine (id int)"))
    }

    @Test("the runner reads input and writes operational tables but cannot change schemas or input")
    func runner() throws {
        let connection = try Self.migrated()
        let role = "gridcast_runner_dev"
        #expect(!Self.denied(connection, as: role, "select count(*) from gridcast_input_dev.vw_sqmd_effective"))
        #expect(!Self.denied(connection, as: role, "insert into gridcast_operational_dev.run_log (kind) values ('forecast')"))
        #expect(Self.denied(connection, as: role, "delete from gridcast_input_dev.sqmd"))
        #expect(Self.denied(connection, as: role, "create table gridcast_operational_dev.mine (id int)"))
        #expect(Self.denied(connection, as: role, "alter table gridcast_operational_dev.run_log add column x int"))
        #expect(Self.denied(connection, as: role, "drop view gridcast_bi_dev.vw_run_history"))
    }

    /// Runs `sql` as `role` and returns the number of rows it affected.
    static func affected(_ connection: Connection, as role: String, _ sql: String) throws -> Int {
        defer { _ = try? connection.execute("reset role", name: "reset role") }
        try connection.execute("set role \(try SQLIdentifier(role).quoted)", name: "set role")
        return try connection.execute(sql, name: "probe").affectedRows
    }

    @Test("a loader login finishes only its own running run-log rows, once, and supersedes rejects without deleting them")
    func hostileLoader() throws {
        let connection = try Self.migrated()
        let loader = "gridcast_loader_dev", runner = "gridcast_runner_dev"
        let ops = "gridcast_operational_dev", input = "gridcast_input_dev"
        for role in [loader, runner] {
            #expect(try Self.affected(connection, as: role, "insert into \(ops).run_log (kind, arguments) values ('load', '{\"by\": \"\(role)\"}')") == 1)
        }
        let mine = "update \(ops).run_log set status = 'succeeded', finished_at = now() where arguments ->> 'by' = '\(loader)'"
        #expect(Self.denied(connection, as: loader, "update \(ops).run_log set status = 'failed' where arguments ->> 'by' = '\(runner)'"),
                "the loader finished the runner's row")
        #expect(try Self.affected(connection, as: loader, mine) == 1)
        #expect(Self.denied(connection, as: loader, mine), "a finished row was changed again")
        #expect(Self.denied(connection, as: loader, "update \(ops).run_log set kind = 'train'"))
        #expect(Self.denied(connection, as: loader, "insert into \(ops).run_log (kind, run_user) values ('load', 'someone_else')"))
        #expect(Self.denied(connection, as: loader, "insert into \(ops).run_log (kind, started_at) values ('load', '2020-01-01')"))
        #expect(Self.denied(connection, as: loader, "delete from \(ops).run_log"))

        try connection.execute("""
            insert into \(input).load_rejects (source_kind, source_file, line_number, reason) values ('sqmd', 'a.csv', 2, 'bad')
            """, name: "a reject")
        #expect(Self.denied(connection, as: loader, "delete from \(input).load_rejects"))
        #expect(Self.denied(connection, as: loader, "update \(input).load_rejects set reason = 'fine'"))
        #expect(Self.denied(connection, as: loader, "insert into \(input).load_rejects (source_kind, source_file, reason, loaded_at) values ('sqmd', 'b', 'x', '2020-01-01')"))
        #expect(try Self.affected(connection, as: loader, "update \(input).load_rejects set superseded_at = '2020-01-01'") == 1)
        #expect(Self.denied(connection, as: loader, "update \(input).load_rejects set superseded_at = null"), "un-superseded a reject")
        let row = try connection.execute("""
            select superseded_at > now() - interval '1 hour' as stamped_now, (select count(*) from \(input).vw_load_rejects_current) as current
            from \(input).load_rejects
            """, name: "reject").first
        #expect(row?.bool("stamped_now") == true && row?.int("current") == 0, "the server stamps when a reject was superseded")
    }

    @Test("a runner login moves model status only through the registry and never deletes an issued forecast")
    func hostileRunner() throws {
        let connection = try Self.migrated()
        let runner = "gridcast_runner_dev", ops = "gridcast_operational_dev"
        try connection.executeScript("""
            insert into \(ops).model_registry (load_profile, load_segment, model_version, train_start, train_end, features, model_json)
            values ('RES', 'SOLAR', 1, '2024-01-01', '2024-06-30', '{hour}', '{}');
            insert into \(ops).run_log (run_id, kind, status) values ('00000000-0000-0000-0000-000000000001', 'forecast', 'succeeded');
            insert into \(ops).dayahead_load_forecasts (forecast_datetime, predicted_lossadjustedload, run_id, model_version,
                load_profile, load_segment, year, month, day, local_hour, as_of_date, forecast_kind)
            values ('2024-07-02 07:00+00', 100, '00000000-0000-0000-0000-000000000001', 1, 'RES', 'SOLAR', 2024, 7, 2, 0, '2024-07-01', 'issued'),
                   ('2024-07-03 07:00+00', 100, '00000000-0000-0000-0000-000000000001', 1, 'RES', 'SOLAR', 2024, 7, 3, 0, '2024-07-01', 'backtest');
            """, name: "a model and two forecasts")
        #expect(Self.denied(connection, as: runner, "update \(ops).model_registry set model_json = '{\"x\": 1}'"))
        #expect(Self.denied(connection, as: runner, "update \(ops).model_registry set load_segment = 'NONSOLAR'"))
        #expect(Self.denied(connection, as: runner, "update \(ops).model_registry set status_changed_at = '2020-01-01'"))
        #expect(Self.denied(connection, as: runner, """
            insert into \(ops).model_status_history (model_id, load_profile, load_segment, model_version, new_status, changed_at)
            select model_id, 'RES', 'SOLAR', 1, 'approved', '2020-01-01' from \(ops).model_registry
            """), "a backdated status event was accepted")
        #expect(Self.denied(connection, as: runner, """
            insert into \(ops).model_status_history (model_id, load_profile, load_segment, model_version, new_status)
            select model_id, 'RES', 'SOLAR', 1, 'approved' from \(ops).model_registry
            """), "an approval event for a candidate was accepted")
        #expect(try Self.affected(connection, as: runner, "update \(ops).model_registry set status = 'approved', status_reason = 'ok'") == 1)
        let events = try connection.execute("""
            select string_agg(new_status || ' by ' || changed_by, ', ' order by event_id) as e from \(ops).model_status_history
            """, name: "events").first?.string("e")
        #expect(events?.hasPrefix("candidate by ") == true && events?.hasSuffix(", approved by \(runner)") == true, "\(events ?? "")")

        #expect(try Self.affected(connection, as: runner, "delete from \(ops).dayahead_load_forecasts") == 1, "only the backtest row goes")
        #expect(try connection.execute("select forecast_kind from \(ops).dayahead_load_forecasts", name: "left").first?.string("forecast_kind")
            == "issued")
        #expect(Self.denied(connection, as: runner, "update \(ops).dayahead_load_forecasts set predicted_lossadjustedload = 0"))
        // superseded_at: set on an older row only, never on the newest issued row, never cleared.
        let supersede = "update \(ops).dayahead_load_forecasts set superseded_at = now() where superseded_at is null"
        #expect(Self.denied(connection, as: runner, supersede), "the newest issued forecast was hidden")
        try connection.execute("""
            insert into \(ops).run_log (run_id, kind, status) values ('00000000-0000-0000-0000-000000000002', 'forecast', 'succeeded');
            """, name: "a second run")
        try connection.execute("""
            insert into \(ops).dayahead_load_forecasts (forecast_datetime, predicted_lossadjustedload, run_id, model_version,
                load_profile, load_segment, year, month, day, local_hour, as_of_date, forecast_kind, run_time)
            values ('2024-07-02 07:00+00', 101, '00000000-0000-0000-0000-000000000002', 1, 'RES', 'SOLAR', 2024, 7, 2, 0,
                    '2024-07-01', 'issued', '2024-07-01 16:00+00')
            """, name: "a newer issued forecast")
        #expect(!Self.denied(connection, as: runner, "select \(ops).supersede_forecasts()"))
        #expect(try connection.execute("select run_id::text as r from \(ops).dayahead_load_forecasts where superseded_at is null",
                                       name: "current").first?.string("r") == "00000000-0000-0000-0000-000000000002")
        #expect(Self.denied(connection, as: runner, "update \(ops).dayahead_load_forecasts set superseded_at = null"))
        #expect(!Self.denied(connection, as: runner, "select * from gridcast_bi_dev.vw_series_status"))
        #expect(!Self.denied(connection, as: runner, "select * from gridcast_bi_dev.vw_run_history"))
    }
}
