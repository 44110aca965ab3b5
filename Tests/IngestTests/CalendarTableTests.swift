import Features
import Foundation
import Ingest
import Migrations
import Testing
import TestSupport
import Warehouse

@Suite("Calendar table")
struct CalendarTableTests {
    static let layout = SchemaLayout(environment: .dev)
    static let table = "gridcast_operational_dev.calendar_hourly"

    static func migrated(_ label: String) throws -> Connection {
        let connection = try TestCluster.freshConnection(label)
        try MigrationRunner(layout: layout, files: try MigrationFile.load(from: Repository.migrations)).migrate(on: connection)
        return connection
    }

    static func int(_ connection: Connection, _ sql: String, _ parameters: [any SQLBindable] = []) throws -> Int {
        try connection.execute(sql, parameters, name: "test query").first?.int("n") ?? -1
    }

    @Test("2020-2030 for san_diego: 23/25-hour DST days, 8784 hours in 2024, holidays as HolidayCalendar, idempotent re-fill")
    func elevenYears() throws {
        let connection = try Self.migrated("cal")
        let from = LocalDate("2020-01-01")!, through = LocalDate("2030-12-31")!
        let writer = CalendarTableWriter(layout: Self.layout)
        let first = try writer.fill(location: "san_diego", from: from, through: through, on: connection)
        let clock = LocalClock.losAngeles
        let expectedHours = (from.dayNumber...through.dayNumber).reduce(0) { $0 + clock.hoursInDay(LocalDate(dayNumber: $1)) }
        #expect(first.hours == expectedHours && first.inserted == expectedHours && first.deleted == 0)
        print("calendar fill 2020-2030: \(first.hours) hours in \(String(format: "%.2f", first.seconds)) s")

        #expect(try Self.int(connection, "select count(*) as n from \(Self.table)") == expectedHours)
        #expect(try Self.int(connection, "select count(*) as n from \(Self.table) where local_date between '2024-01-01' and '2024-12-31'") == 8784)
        // Every DST day: 23 hours in spring (no 02:00), 25 in fall (01:00 twice); one of each per year.
        let dstDays = try connection.execute("""
            select local_date::text as d, count(*) as hours, bool_or(is_dst_start_day) as spring,
                   count(*) filter (where local_hour = 2) as twos, count(*) filter (where local_hour = 1) as ones,
                   count(*) filter (where dst_fold = 1) as folds
            from \(Self.table) where is_dst_start_day or is_dst_end_day group by local_date order by local_date
            """, name: "dst days").rows
        #expect(dstDays.count == 22)
        for day in dstDays {
            let spring = day.bool("spring") == true
            #expect(day.int("hours") == (spring ? 23 : 25), "\(day.string("d") ?? "?")")
            #expect(day.int("twos") == (spring ? 0 : 1) && day.int("ones") == (spring ? 1 : 2) && day.int("folds") == (spring ? 0 : 1))
        }
        #expect(dstDays.compactMap { $0.string("d") }.contains("2024-03-10") && dstDays.compactMap { $0.string("d") }.contains("2024-11-03"))
        #expect(try Self.int(connection, "select count(*) as n from \(Self.table) where hours_in_day <> 24") == 11 * (23 + 25))
        // No gaps or duplicates in the instants.
        #expect(try Self.int(connection, """
            select (extract(epoch from max(hour_start_utc) - min(hour_start_utc)) / 3600)::int + 1 - count(distinct hour_start_utc) as n
            from \(Self.table)
            """) == 0)

        // Observed holidays in SQL are exactly HolidayCalendar's, with names.
        let sqlHolidays = try connection.execute("select distinct local_date::text as d from \(Self.table) where is_holiday order by 1",
                                                 name: "holidays").rows.compactMap { $0.string("d") }
        #expect(sqlHolidays == HolidayCalendar().observedDates(from: from, through: through).map(\.description))
        let names = try connection.execute("""
            select local_date::text as d, min(holiday_name) as name, bool_and(is_holiday) as holiday, min(day_of_week) as dow
            from \(Self.table) where local_date in ('2021-12-31', '2023-11-24', '2023-11-23', '2024-07-04', '2024-03-11')
            group by local_date order by local_date
            """, name: "named holidays").rows
        #expect(names.map { "\($0.string("d")!) \($0.string("name") ?? "-") \($0.bool("holiday")!) \($0.int("dow")!)" } == [
            "2021-12-31 New Year's Day (observed) true 5",
            "2023-11-23 Thanksgiving Day true 4",
            "2023-11-24 Day after Thanksgiving true 5",
            "2024-03-11 - false 1",
            "2024-07-04 Independence Day true 4",
        ])
        #expect(try Self.int(connection, "select count(*) as n from \(Self.table) where local_date = '2023-11-24' and is_bridge_day") == 0)
        #expect(try Self.int(connection, "select min(days_to_holiday) as n from \(Self.table) where local_date = '2023-11-22'") == 1)

        // Re-filling changes nothing; a sub-range too.
        let stamp = try connection.execute("select max(filled_at)::text as t from \(Self.table)", name: "stamp").first?.string("t")
        let again = try writer.fill(location: "san_diego", from: from, through: through, on: connection)
        #expect(again.inserted == 0 && again.updated == 0 && again.deleted == 0 && again.unchanged == expectedHours)
        print("calendar re-fill 2020-2030: \(String(format: "%.2f", again.seconds)) s")
        let part = try writer.fill(location: "san_diego", from: LocalDate("2024-11-01")!, through: LocalDate("2024-11-05")!, on: connection)
        #expect(part.hours == 121 && part.unchanged == 121)
        #expect(try connection.execute("select max(filled_at)::text as t from \(Self.table)", name: "stamp").first?.string("t") == stamp)
    }

    @Test("solar columns match Features.SolarPosition and the clear-sky model at the hour midpoint")
    func solar() throws {
        let connection = try Self.migrated("calsun")
        try CalendarTableWriter(layout: Self.layout).fill(from: LocalDate("2024-06-21")!, through: LocalDate("2024-06-21")!, on: connection)
        // The hour starting 12:00 PDT (19:00 UTC) is evaluated at 19:30 UTC.
        let row = try #require(try connection.execute("""
            select solar_elevation_deg, solar_azimuth_deg, clear_sky_ghi, clear_sky_dni, clear_sky_dhi, is_solar_period, is_dst, utc_offset_seconds
            from \(Self.table) where hour_start_utc = '2024-06-21 19:00+00'
            """, name: "sun").first)
        let midpoint = Date(timeIntervalSince1970: 1_718_998_200)  // 2024-06-21T19:30:00Z
        let site = GeoLocation(latitude: 32.7157, longitude: -117.1611, elevationMeters: 20)!
        let position = SolarPosition(at: midpoint, location: site)
        let clear = ClearSkyModel.sanDiego.irradiance(at: midpoint, position: position, location: site)
        #expect(abs(row.double("solar_elevation_deg")! - position.elevation) < 1e-9)
        #expect(abs(row.double("solar_azimuth_deg")! - position.azimuth) < 1e-9)
        #expect(abs(row.double("clear_sky_ghi")! - clear.ghi) < 1e-9 && abs(row.double("clear_sky_dni")! - clear.dni) < 1e-9)
        #expect(abs(row.double("clear_sky_dhi")! - clear.dhi) < 1e-9)
        #expect(position.elevation > 75 && position.elevation < 81 && clear.ghi > 900)
        #expect(row.bool("is_solar_period") == true && row.bool("is_dst") == true && row.int("utc_offset_seconds") == -25_200)
        // Night hours have the sun below the horizon and no clear-sky irradiance.
        #expect(try Self.int(connection, """
            select count(*) as n from \(Self.table) where solar_elevation_deg < 0 and (clear_sky_ghi > 0 or clear_sky_dni > 0)
            """) == 0)
        #expect(try Self.int(connection, "select count(*) as n from \(Self.table) where solar_elevation_deg < 0") >= 8)
    }

    @Test("the runner role fills the calendar; the loader cannot touch it; unknown locations and reversed ranges are refused")
    func rolesAndErrors() throws {
        let connection = try Self.migrated("calrole")
        try connection.execute("set role gridcast_runner_dev", name: "as runner")
        let summary = try CalendarTableWriter(layout: Self.layout).fill(from: LocalDate("2024-03-10")!, through: LocalDate("2024-03-10")!,
                                                                        on: connection)
        #expect(summary.hours == 23)
        try connection.execute("reset role", name: "reset")
        try connection.execute("set role gridcast_loader_dev", name: "as loader")
        #expect(throws: WarehouseError.self) { try connection.execute("select count(*) from \(Self.table)", name: "probe") }
        try connection.execute("reset role", name: "reset")

        let writer = CalendarTableWriter(layout: Self.layout)
        #expect(throws: CalendarFillError.unknownLocation("atlantis")) {
            try writer.fill(location: "atlantis", from: LocalDate("2024-01-01")!, through: LocalDate("2024-01-02")!, on: connection)
        }
        #expect(throws: CalendarFillError.invalidRange(from: LocalDate("2024-02-01")!, through: LocalDate("2024-01-01")!)) {
            try writer.fill(from: LocalDate("2024-02-01")!, through: LocalDate("2024-01-01")!, on: connection)
        }
        // Another location in another zone gets its own rows: New York's spring-forward day also has 23 hours.
        try connection.execute("""
            insert into gridcast_input_dev.weather_locations (location, latitude, longitude, time_zone) values ('nyc', 40.7128, -74.006, 'America/New_York')
            """, name: "add location")
        let nyc = try writer.fill(location: "nyc", from: LocalDate("2024-03-10")!, through: LocalDate("2024-03-10")!, on: connection)
        #expect(nyc.hours == 23 && nyc.timeZone == "America/New_York")
        #expect(try connection.execute("select min(hour_start_utc) = '2024-03-10 05:00+00' as ok from \(Self.table) where location = 'nyc'",
                                       name: "nyc").first?.bool("ok") == true)
    }
}
