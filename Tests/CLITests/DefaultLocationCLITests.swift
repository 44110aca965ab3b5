import Foundation
import Testing
import TestSupport
import Warehouse

/// `calendar fill` and `load weather` without `--location` work on the one location the active series use
/// (or the only location there is), and refuse to guess between several: no built-in region.
@Suite("The location of calendar fill and load weather")
struct DefaultLocationCLITests {
    @Test("the active series' one location is the default; several are refused naming them; --location always wins")
    func defaultLocation() throws {
        let warehouse = try CLIWarehouse("defaultlocation", start: "2024-06-01", end: "2024-06-03", registerSeries: false)
        let input = "gridcast_input_dev", catalog = "gridcast_operational_dev.series_catalog"
        let calendar = ["calendar", "fill", "--from", "2024-06-01", "--to", "2024-06-02"]
        func calendarHours(_ location: String) throws -> Int? {
            try warehouse.int("select count(*) as n from gridcast_operational_dev.calendar_hourly where location = '\(location)'")
        }
        // A new warehouse knows one location (the seeded one) and no series: that location.
        try warehouse.mustRun(calendar)
        #expect(try calendarHours("san_diego") == 48)

        // A second location and no series: ambiguous, refused with both names, nothing written.
        try warehouse.connection.executeScript("""
            insert into \(input).holiday_regions (region, description) values ('AU-VIC', 'Victoria');
            insert into \(input).weather_locations (location, latitude, longitude, time_zone, region)
            values ('melbourne', -37.81, 144.96, 'Australia/Melbourne', 'AU-VIC')
            """, name: "second location")
        let ambiguous = try warehouse.gridcast(calendar)
        #expect(ambiguous.exitCode == 64, "\(ambiguous.stderr)")
        #expect(ambiguous.stderr.contains("melbourne, san_diego") && ambiguous.stderr.contains("--location"), "\(ambiguous.stderr)")
        #expect(try calendarHours("melbourne") == 0)

        // The series all forecast Melbourne: the seeded San Diego row no longer makes it ambiguous.
        try warehouse.connection.execute("""
            insert into \(catalog) (load_profile, load_segment, location) values ('RES', 'SOLAR', 'melbourne'), ('RES', 'NONSOLAR', 'melbourne')
            """, name: "melbourne series")
        try warehouse.mustRun(calendar)
        #expect(try calendarHours("melbourne") == 48)
        let weather = try warehouse.gridcast(["load", "weather", warehouse.weatherJSON])
        #expect(weather.exitCode != 0 && weather.stderr.contains("melbourne"),
                "San Diego's file checked against Melbourne's coordinates: \(weather.stderr)")
        try warehouse.mustRun(["load", "weather", "--location", "san_diego", warehouse.weatherJSON])
        #expect(try warehouse.int("select count(*) as n from \(input).weather_hourly where location = 'melbourne'") == 0)

        // Series in two places: the command must be told which.
        try warehouse.connection.execute("insert into \(catalog) (load_profile, load_segment, location) values ('MEDCI', 'SOLAR', 'san_diego')",
                                         name: "a second region")
        let twoRegions = try warehouse.gridcast(["load", "weather", warehouse.weatherJSON])
        #expect(twoRegions.exitCode == 64 && twoRegions.stderr.contains("The active series use melbourne, san_diego"),
                "\(twoRegions.stderr)")
        try warehouse.mustRun(calendar + ["--location", "san_diego"])
    }
}
