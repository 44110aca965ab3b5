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
                     "vw_model_registry", "vw_champion_models", "vw_run_history"] {
            #expect(!Self.denied(connection, as: role, "select * from gridcast_bi_dev.\(view) limit 1"), "BI reader cannot read \(view)")
        }
        #expect(Self.denied(connection, as: role, "select * from gridcast_input_dev.sqmd"))
        #expect(Self.denied(connection, as: role, "select * from gridcast_input_dev.weather_hourly"))
        #expect(Self.denied(connection, as: role, "select model_json from gridcast_operational_dev.model_registry"))
        #expect(Self.denied(connection, as: role, "select * from gridcast_operational_dev.dayahead_load_forecasts"))
        #expect(Self.denied(connection, as: role, "insert into gridcast_operational_dev.run_log (kind) values ('train')"))
        #expect(Self.denied(connection, as: role, "create table gridcast_bi_dev.mine (id int)"))
        #expect(Self.denied(connection, as: role, "delete from gridcast_bi_dev.vw_run_history"))
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
}
