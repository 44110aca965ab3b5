import Foundation
import Ingest
import Testing
import Warehouse

/// A file read in another time zone than its series' location is refused (every hour would shift),
/// names the series and the --location to use, and loads when read in the right zone.
@Suite("SQMD time zone against the series' location")
struct SQMDTimeZoneTests {
    static let lines = (0..<24).map { "2024-07-01,\($0),RES,NEM2-A,\(100 + $0),10,40,Initial," }
        + (0..<24).map { "2024-07-01,\($0),MEDCI,A6-TOU,\(200 + $0),0,30,Initial," }

    @Test("RES series in Sydney: a file read as Los Angeles is refused whole; with --location sydney it loads")
    func mismatchRefused() throws {
        let harness = try SQMDHarness("sqmdzone")
        try harness.connection.executeScript("""
            insert into gridcast_input_dev.weather_locations (location, latitude, longitude, time_zone)
            values ('sydney', -33.87, 151.21, 'Australia/Sydney');
            update gridcast_operational_dev.series_catalog set location = 'sydney' where load_profile = 'RES';
            """, name: "RES in Sydney")
        try harness.write("sydney.csv", lines: Self.lines)
        do {
            _ = try harness.load("sydney.csv")
            Issue.record("a Sydney file read as Los Angeles loaded")
        } catch let error as SQMDLoadError {
            let text = "\(error)"
            #expect(text.contains("RES-NONSOLAR at sydney (Australia/Sydney), RES-SOLAR at sydney (Australia/Sydney)"), "\(text)")
            #expect(text.contains("--location sydney") && text.contains("America/Los_Angeles"), "\(text)")
        }
        #expect(try harness.int("select count(*) as n from gridcast_input_dev.sqmd") == 0)
        #expect(try harness.runs().first?.status == "failed")

        // Another name of the same zone is the same zone.
        try harness.connection.execute("update gridcast_input_dev.weather_locations set time_zone = 'US/Pacific' where location = 'san_diego'",
                                       name: "alias")
        var options = SQMDLoadOptions()
        options.timeZone = .location("sydney")
        try harness.connection.execute("update gridcast_operational_dev.series_catalog set location = 'san_diego' where load_profile = 'MEDCI'",
                                       name: "MEDCI in San Diego")
        try harness.write("res.csv", lines: Array(Self.lines.prefix(24)))
        let loaded = try harness.load("res.csv", options: options)
        #expect(loaded.inserted == 24 && loaded.timeZone == "Australia/Sydney")
        // 00:00 in Sydney on 1 July (winter, UTC+10) is 14:00 UTC the day before.
        #expect(try harness.strings("""
            select to_char(min(hour_start_utc) at time zone 'UTC', 'YYYY-MM-DD HH24:MI') from gridcast_input_dev.sqmd
            """) == ["2024-06-30 14:00"])
        try harness.write("medci.csv", lines: Array(Self.lines.suffix(24)))
        #expect(try harness.load("medci.csv").inserted == 24, "US/Pacific and America/Los_Angeles agree")
    }
}
