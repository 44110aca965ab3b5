import Features
import Foundation
import Ingest
import Migrations
import Testing
import TestSupport
import Warehouse

/// The extension's calendar functions run the same CalendarCore code as `calendar fill`: every hour
/// of calendar_hourly is reproduced by gridcast_sun at the hour's midpoint and gridcast_holiday.
@Suite("PostgreSQL extension: calendar functions")
struct ExtensionCalendarTests {
    @Test("gridcast_sun and gridcast_holiday reproduce calendar_hourly for every hour of 2021-2024 sample days")
    func matchesCalendarFill() throws {
        try ExtensionInstall.ensure()
        let connection = try TestCluster.freshConnection("extcal")
        try connection.execute("create extension gridcast", name: "create extension")
        let layout = SchemaLayout(environment: .dev)
        try MigrationRunner(layout: layout, files: try MigrationFile.load(from: Repository.migrations)).migrate(on: connection)
        // Two DST changes, New Year observed on the Friday before, Thanksgiving and the day after (California).
        for (from, through) in [("2021-12-30", "2022-01-01"), ("2024-03-09", "2024-03-11"), ("2024-11-02", "2024-11-04"),
                                ("2024-11-27", "2024-11-30"), ("2024-06-19", "2024-06-21")] {
            _ = try CalendarTableWriter(layout: layout).fill(from: try #require(LocalDate(from)), through: try #require(LocalDate(through)),
                                                       on: connection)
        }
        let row = try connection.execute("""
            select count(*) as hours,
                   count(*) filter (where s.elevation = c.solar_elevation_deg and s.azimuth = c.solar_azimuth_deg
                                      and s.clear_sky_ghi = c.clear_sky_ghi and s.clear_sky_dni = c.clear_sky_dni
                                      and s.clear_sky_dhi = c.clear_sky_dhi) as same_sun,
                   count(*) filter (where gridcast_holiday(c.local_date) is not distinct from c.holiday_name) as same_holiday,
                   max(abs(s.elevation - c.solar_elevation_deg)) as worst,
                   count(distinct c.holiday_name) as holidays
            from gridcast_operational_dev.calendar_hourly c
            join gridcast_input_dev.weather_locations w using (location)
            cross join lateral gridcast_sun(c.hour_start_utc + interval '30 minutes', w.latitude, w.longitude,
                                            coalesce(w.elevation_m, 0)) s
            """, name: "compare").first
        let hours = row?.int("hours") ?? 0
        #expect(hours == 16 * 24 - 1 + 1, "16 days, one of 23 hours and one of 25")
        #expect(row?.int("same_sun") == hours, "worst elevation difference \(row?.double("worst") ?? -1)")
        #expect(row?.int("same_holiday") == hours)
        #expect((row?.int("holidays") ?? 0) >= 4, "New Year (observed), Thanksgiving, the day after, Juneteenth")
        #expect(try connection.execute("select gridcast_holiday('2021-12-31') as h", name: "observed").first?.string("h")
            == "New Year's Day (observed)")
        #expect(try connection.execute("select gridcast_holiday('2024-07-03') is null as h", name: "ordinary").first?.bool("h") == true)
        do {
            try connection.execute("select * from gridcast_sun(now(), 95, 0)", name: "bad latitude")
            Issue.record("latitude 95 was accepted")
        } catch let error as WarehouseError {
            #expect(error.sqlstate == "22023")
        }
    }
}
