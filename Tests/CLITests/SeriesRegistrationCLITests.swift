import Foundation
import Testing
import TestSupport
import Warehouse

/// Migrations seed no series (0028): a warehouse's series come from `load sqmd --register-series` or an
/// INSERT. Rows loaded for no series are stored, and the load says so instead of staying silent.
@Suite("Series registered by the SQMD loader")
struct SeriesRegistrationCLITests {
    static func json(_ outcome: GridcastProcess.Outcome) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome.stdout)")
    }

    @Test("without series a load warns and builds no actuals; --register-series adds each profile x segment at its location")
    func registerSeries() throws {
        let warehouse = try CLIWarehouse("registerseries", registerSeries: false)
        let catalog = "gridcast_operational_dev.series_catalog"
        #expect(try warehouse.int("select count(*) as n from \(catalog)") == 0, "a migrated warehouse has no series")

        let unregistered = try warehouse.mustRun(["load", "sqmd", "--json", warehouse.initialCSV])
        let first = try Self.json(unregistered)
        #expect(first["unforecast_series"] as? [String] == SampleSeries.ids)
        #expect(first["registered_series"] as? [String] == [])
        #expect(unregistered.stderr.contains("feed no series") && unregistered.stderr.contains("--register-series"),
                "\(unregistered.stderr)")
        #expect(try warehouse.int("select count(*) as n from gridcast_operational_dev.series_actuals_hourly") == 0)

        let noLocation = try warehouse.gridcast(["load", "sqmd", "--register-series", warehouse.finalCSV])
        #expect(noLocation.exitCode == 64 && noLocation.stderr.contains("--location"), "\(noLocation.stderr)")

        let registered = try warehouse.mustRun(["load", "sqmd", "--json", "--register-series", "--location", "san_diego",
                                                warehouse.initialCSV, warehouse.finalCSV])
        let second = try Self.json(registered)
        #expect(second["registered_series"] as? [String] == SampleSeries.ids)
        #expect(second["unforecast_series"] as? [String] == [])
        #expect(!registered.stderr.contains("feed no series"), "\(registered.stderr)")
        #expect(try warehouse.int("select count(*) as n from \(catalog) where location = 'san_diego'") == 6)
        // The same load's refresh built the new series' actuals (the files' dates, both submissions).
        #expect(try warehouse.int("""
            select count(distinct (load_profile, load_segment)) as n from gridcast_operational_dev.series_actuals_hourly
            """) == 6)

        // Loading again registers nothing and leaves a DBA's edits alone.
        try warehouse.connection.execute("update \(catalog) set active = false where series_id = 'MEDCI-SOLAR'", name: "edit")
        let again = try Self.json(try warehouse.mustRun(["load", "sqmd", "--json", "--register-series", "--location", "san_diego",
                                                         warehouse.finalCSV]))
        #expect(again["registered_series"] as? [String] == [])
        #expect(try warehouse.int("select count(*) as n from \(catalog) where not active") == 1)
    }
}
