import Foundation
import Testing
import TestSupport
import Warehouse

/// Data-quality findings after SQMD loads: each planted fault is found on its day and series, and
/// the clean days around them have none.
@Suite("Data quality")
struct DataQualityTests {
    /// Restates SQMD rows of the sample through the loader; the file must not be empty.
    static func restate(_ connection: Connection, _ condition: String, _ change: String) throws {
        try #require(try SampleWarehouse.restate(connection, where: condition, values: change).rows > 0)
    }

    static func findings(_ connection: Connection) throws -> [String] {
        try connection.execute("""
            select series_id || ' ' || local_date || ' ' || check_name as line from gridcast_bi_dev.vw_data_quality
            where local_date between '2024-11-10' and '2024-11-30' order by 1
            """, name: "findings").rows.compactMap { $0.string("line") }
    }

    @Test("missing hours, a meter drop, a flat line and an outlier are found where planted, and nowhere else")
    func plantedFaults() throws {
        let connection = try Connection.open(try SampleWarehouse.clone("dataquality"))
        let before = try Self.findings(connection)
        #expect(before.isEmpty, "the sample itself has findings: \(before)")
        let solar = "(rategroup like 'NEM%' or rategroup like 'SBP%')"
        try Self.restate(connection, "tradedatelocal = '2024-11-20' and loadprofile = 'RES' and \(solar)",
                         "loadlal, genlal, metercount / 2")
        try Self.restate(connection, "tradedatelocal = '2024-11-21' and loadprofile = 'SMLCOM' and tradehourstartlocal between 8 and 15",
                         "100, 0, metercount")
        try Self.restate(connection, "tradedatelocal = '2024-11-22' and loadprofile = 'MEDCI' and not \(solar) and tradehourstartlocal = 18",
                         "loadlal * 5, genlal, metercount")
        try Self.restate(connection, "tradedatelocal = '2024-11-23' and loadprofile = 'RES' and not \(solar) and tradehourstartlocal between 3 and 5",
                         "loadlal, genlal, 0")
        #expect(try Self.findings(connection) == [
            "MEDCI-NONSOLAR 2024-11-22 outlier", "RES-NONSOLAR 2024-11-23 missing_hours", "RES-SOLAR 2024-11-20 meter_drop",
            "SMLCOM-NONSOLAR 2024-11-21 flat_line", "SMLCOM-SOLAR 2024-11-21 flat_line",
        ])
        let missing = try connection.execute("""
            select detail from gridcast_bi_dev.vw_data_quality where check_name = 'missing_hours'
            """, name: "detail").first?.string("detail")
        #expect(missing?.hasPrefix("21 of 24 hours have actuals") == true, "\(missing ?? "")")
    }
}
