import Foundation
import Testing
import TestSupport
import Warehouse

/// Every command under the login recipe the README documents for its kind of user: a loader login
/// loads, a runner login fills the calendar, trains, forecasts, backfills, manages models and reads
/// status, a BI login reads status. The DBA (the test's superuser) only migrates and creates logins.
@Suite("Commands under their least-privilege logins", .serialized)
struct LeastPrivilegeCLITests {
    /// A login `IN ROLE` one of gridcast's group roles, as in the README's recipe; names are unique
    /// because roles are cluster-wide.
    static func login(_ warehouse: CLIWarehouse, inRole role: String) throws -> [String: String?] {
        let name = "svc_\(role.replacingOccurrences(of: "gridcast_", with: ""))_\(UUID().uuidString.prefix(6).lowercased())"
        try warehouse.connection.execute("create role \(try SQLIdentifier(name).quoted) login in role \(try SQLIdentifier(role).quoted)",
                                         name: "create login")
        return ["GRIDCAST_DATABASE_URL": warehouse.target.conninfo + " user=\(name)"]
    }

    @discardableResult
    static func run(_ warehouse: CLIWarehouse, _ arguments: [String], as login: [String: String?]) throws -> GridcastProcess.Outcome {
        let outcome = try warehouse.gridcast(arguments, environment: login)
        try #require(outcome.exitCode == 0, "gridcast \(arguments.joined(separator: " ")) exited \(outcome.exitCode): \(outcome.stderr)")
        // Quiet as well as working: no "only owner can analyze", no permission warnings.
        #expect(!outcome.stderr.lowercased().contains("warning"), "gridcast \(arguments.first ?? ""): \(outcome.stderr)")
        return outcome
    }

    @Test("loader, runner and BI logins each run their commands with exit 0 and no warnings")
    func everyCommandUnderItsRole() throws {
        let warehouse = try CLIWarehouse("leastpriv")
        let loader = try Self.login(warehouse, inRole: "gridcast_loader_dev")
        let runner = try Self.login(warehouse, inRole: "gridcast_runner_dev")
        let reader = try Self.login(warehouse, inRole: "gridcast_bi_reader_dev")

        try Self.run(warehouse, ["load", "sqmd", warehouse.initialCSV, warehouse.finalCSV], as: loader)
        try Self.run(warehouse, ["load", "weather", warehouse.weatherJSON], as: loader)
        try Self.run(warehouse, ["load", "weather", "--kind", "forecast", warehouse.weatherForecastJSON], as: loader)
        try Self.run(warehouse, ["load", "sqmd", warehouse.finalCSV], as: loader)  // again: supersedes its rejects
        let holidays = warehouse.directory.appendingPathComponent("holidays.csv")
        try "date,name,region,kind\n2024-12-24,Christmas Eve,US-CA,public\n2024-13-01,Bad,US-CA,public\n"
            .write(to: holidays, atomically: true, encoding: .utf8)
        let loaded = try Self.run(warehouse, ["load", "holidays", holidays.path], as: loader)
        #expect(loaded.stdout.contains("1 loaded, 1 rejected") && loaded.stdout.contains("gridcast calendar fill --location san_diego"),
                "\(loaded.stdout)")

        try Self.run(warehouse, ["calendar", "fill", "--from", "2023-01-01", "--to", "2025-01-02"], as: runner)
        try Self.run(warehouse, ["train", "--series", "RES-SOLAR"] + CLIWarehouse.trainArguments, as: runner)
        try Self.run(warehouse, ["forecast", "--series", "RES-SOLAR", "--date", "2024-12-20"], as: runner)
        try Self.run(warehouse, ["backfill", "--series", "RES-SOLAR", "--from", "2024-12-10", "--to", "2024-12-12"], as: runner)
        try Self.run(warehouse, ["models", "list"], as: runner)
        let runnerStatus = try Self.run(warehouse, ["status", "--json"], as: runner)
        let readerStatus = try Self.run(warehouse, ["status", "--json"], as: reader)
        for status in [runnerStatus, readerStatus] {
            #expect(status.stdout.contains("\"champion_version\":1") && status.stdout.contains("RES-SOLAR"), "\(status.stdout)")
        }
        #expect(try warehouse.int("""
            select count(*) as n from gridcast_operational_dev.dayahead_load_forecasts
            where load_profile = 'RES' and load_segment = 'SOLAR' and run_user like 'svc_runner_dev_%'
            """) == 24 * 4)
        #expect(try warehouse.int("""
            select count(*) as n from gridcast_operational_dev.run_log where status <> 'succeeded'
            """) == 0)
    }
}
