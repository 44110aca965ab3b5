import Foundation
import Testing
import TestSupport
import Warehouse

/// Required inputs and the as-of options of `gridcast forecast` and `backfill`, through the executable.
@Suite("Forecast inputs through the CLI", .serialized)
struct ForecastInputsCLITests {
    static let table = "gridcast_operational_dev.dayahead_load_forecasts"

    @Test("a day without weather forecasts exits 8 with what to do; --fallback seasonal-naive writes the flagged baseline")
    func missingWeatherExits8() throws {
        let warehouse = try ConcurrencyAndSecurityTests.shared.get()
        let day = "2024-12-10"
        try warehouse.connection.execute("""
            delete from gridcast_input_dev.weather_hourly
            where kind = 'forecast' and valid_at >= '2024-12-10 08:00+00' and valid_at <= '2024-12-11 08:00+00'
            """, name: "drop the day's forecasts")
        let failed = try warehouse.gridcast(["forecast", "--series", "RES-SOLAR", "--date", day])
        #expect(failed.exitCode == 8, "\(failed.stderr)")
        #expect(failed.stderr.contains("24 of 24 hours have no weather forecast issued at or before the run time"), "\(failed.stderr)")
        #expect(failed.stderr.contains("--fallback seasonal-naive"))
        let dated = "\(Self.table) where load_profile = 'RES' and load_segment = 'SOLAR' and make_date(year, month, day) = '\(day)'"
        #expect(try warehouse.int("select count(*) as n from \(dated)") == 0)

        let fallback = try warehouse.gridcast(["forecast", "--series", "RES-SOLAR", "--date", day, "--fallback", "seasonal-naive"])
        #expect(fallback.exitCode == 0, "\(fallback.stderr)")
        #expect(try warehouse.int("""
            select count(*) as n from \(dated) and fallback = 'seasonal_naive' and forecast_kind = 'backtest'
            """) == 24)
    }

    @Test("--issue-time sets each backtest's run time (D - 1 local); a bad time is refused before anything runs")
    func issueTime() throws {
        let warehouse = try ConcurrencyAndSecurityTests.shared.get()
        let bad = try warehouse.gridcast(["backfill", "--series", "RES-SOLAR", "--date", "2024-12-12", "--issue-time", "25:00"])
        #expect(bad.exitCode == 64, "\(bad.stderr)")
        #expect(bad.stderr.contains("--issue-time '25:00' is not a local time HH:MM"), "\(bad.stderr)")
        try warehouse.mustRun(["backfill", "--series", "RES-SOLAR", "--date", "2024-12-12", "--issue-time", "06:30"])
        #expect(try warehouse.string("""
            select string_agg(distinct to_char(run_time at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), ',') from \(Self.table)
            where load_profile = 'RES' and load_segment = 'SOLAR' and make_date(year, month, day) = '2024-12-12'
            """) == "2024-12-11 14:30")
    }

    @Test("target days the calendar has not reached are filled before forecasting; hand-edited days are left alone")
    func calendarExtendsItself() throws {
        let warehouse = try ConcurrencyAndSecurityTests.shared.get()
        let calendar = "gridcast_operational_dev.calendar_hourly"
        try warehouse.connection.executeScript("""
            delete from \(calendar) where location = 'san_diego' and local_date in ('2024-12-16', '2024-12-17', '2024-12-19');
            update \(calendar) set is_holiday = true, holiday_name = 'Patched by hand'
            where location = 'san_diego' and local_date = '2024-12-18';
            """, name: "calendar gaps and a patch")
        defer {
            try? warehouse.connection.execute("""
                update \(calendar) set is_holiday = false, holiday_name = null where location = 'san_diego' and local_date = '2024-12-18'
                """, name: "undo the patch")
        }
        let outcome = try warehouse.gridcast(["backfill", "--series", "RES-SOLAR", "--from", "2024-12-16", "--to", "2024-12-19"])
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        #expect(try warehouse.int("""
            select count(*) as n from \(calendar) where location = 'san_diego' and local_date between '2024-12-16' and '2024-12-19'
            """) == 96)
        #expect(try warehouse.int("""
            select count(*) as n from \(calendar) where local_date = '2024-12-18' and holiday_name = 'Patched by hand'
            """) == 24, "a day with rows is never refilled")
        #expect(try warehouse.int("""
            select count(*) as n from \(Self.table) where series_id = 'RES-SOLAR' and forecast_date_local between '2024-12-16' and '2024-12-19'
            """) >= 96)
    }
}

/// What `gridcast load weather` says about a file that lacks variables the warehouse stores.
@Suite("Weather files with missing variables")
struct WeatherMissingVariablesCLITests {
    @Test("a file without some stored variables loads, warns which on stderr and lists them in the JSON summary")
    func missingVariablesAreReported() throws {
        let warehouse = try ConcurrencyAndSecurityTests.shared.get()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-partial-\(UUID().uuidString.prefix(8)).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try #"""
            {"latitude":32.71,"longitude":-117.16,"utc_offset_seconds":-28800,"timezone":"America/Los_Angeles",
             "hourly_units":{"time":"iso8601","temperature_2m":"°C","cloud_cover":"%"},
             "hourly":{"time":["2022-06-01T00:00"],"temperature_2m":[9.5],"cloud_cover":[40]}}
            """#.write(to: file, atomically: true, encoding: .utf8)
        let outcome = try warehouse.gridcast(["load", "weather", file.path, "--json"])
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("has no apparent_temperature, direct_radiation"), "\(outcome.stderr)")
        #expect(outcome.stdout.contains(#""missing_variables":["apparent_temperature","direct_radiation","diffuse_radiation""#),
                "\(outcome.stdout)")
    }
}
