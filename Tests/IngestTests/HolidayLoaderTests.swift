import Features
import Foundation
import Ingest
import Migrations
import Testing
import TestSupport
import Warehouse

/// Holiday calendars as data (migration 0022): a CSV loaded per region with its bad rows rejected,
/// the calendar of another region's location built from it alone, and a holiday patched into the
/// built-in US-CA calendar surviving every later fill.
@Suite("Holiday regions and gridcast load holidays")
struct HolidayLoaderTests {
    static let layout = SchemaLayout(environment: .dev)
    static let calendar = "gridcast_operational_dev.calendar_hourly"

    static func file(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("holidays-\(UUID().uuidString).csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// One row per local date: is_holiday, holiday_name, is_school_holiday, is_bridge_day of its first hour.
    static func day(_ connection: Connection, _ location: String, _ date: String) throws -> String? {
        try connection.execute("""
            select concat_ws('|', is_holiday::text, coalesce(holiday_name, ''), is_school_holiday::text, is_bridge_day::text,
                             count(*) over ()) as d
            from \(calendar) where location = $1 and local_date = $2::date order by hour_start_utc limit 1
            """, [location, date], name: "calendar day").first?.string("d")
    }

    @Test("a region's CSV: good rows load, bad ones are rejected with line and reason, and its location's calendar uses only them")
    func anotherRegion() throws {
        let connection = try CalendarTableTests.migrated("holregion")
        try connection.executeScript("""
            insert into gridcast_input_dev.holiday_regions (region, description) values ('AU-NSW', 'New South Wales');
            insert into gridcast_input_dev.weather_locations (location, latitude, longitude, time_zone, region)
            values ('sydney', -33.87, 151.21, 'Australia/Sydney', 'AU-NSW');
            """, name: "a region and its location")
        let path = try Self.file("""
            date,name,region,kind
            2024-01-26,Australia Day,AU-NSW,public
            2024-04-25,"Anzac Day, a public holiday",AU-NSW,
            2024-04-15,Autumn school holidays,AU-NSW,school
            2024-12-27,Between Boxing Day and the weekend,AU-NSW,bridge
            2024-02-30,Not a day,AU-NSW,public
            2024-03-01,Harbour Day,AU-NSW,festival
            2024-03-02,Somewhere Day,AU-VIC,public
            2024-03-03,,AU-NSW,public
            2024-03-04,"Unclosed,AU-NSW,public
            """)
        let summary = try HolidayLoader(layout: Self.layout).load(path: path, runID: nil, on: connection)
        #expect(summary.read == 9 && summary.upserted == 4 && summary.rejected == 5)
        #expect(summary.regions == ["AU-NSW"] && summary.locations == ["sydney"])
        let rejects = try connection.execute("""
            select line_number, split_part(reason, ':', 1) as reason from gridcast_input_dev.load_rejects
            where source_kind = 'holidays' order by line_number
            """, name: "rejects").rows.map { "\($0.int("line_number") ?? 0) \($0.string("reason") ?? "")" }
        #expect(rejects == ["6 bad_date", "7 bad_kind", "8 unknown_region", "9 bad_name", "10 bad_quote"])

        try CalendarTableWriter(layout: Self.layout).fill(location: "sydney", from: LocalDate("2024-01-01")!,
                                                          through: LocalDate("2024-12-31")!, on: connection)
        #expect(try Self.day(connection, "sydney", "2024-01-26") == "true|Australia Day|false|false|24")
        #expect(try Self.day(connection, "sydney", "2024-04-25") == "true|Anzac Day, a public holiday|false|false|24")
        #expect(try Self.day(connection, "sydney", "2024-04-15") == "false||true|false|24")
        #expect(try Self.day(connection, "sydney", "2024-12-27") == "false||false|true|24")
        #expect(try Self.day(connection, "sydney", "2024-07-04") == "false||false|false|24", "no US holiday in New South Wales")
        #expect(try Self.day(connection, "sydney", "2024-10-06") == "false||false|false|23", "Sydney's own DST day")
        #expect(try connection.execute("""
            select days_to_holiday as n from \(Self.calendar) where location = 'sydney' and local_date = '2024-01-20' limit 1
            """, name: "days to holiday").first?.int("n") == 6)
    }

    @Test("a holiday added to US-CA as data is in the calendar beside the built-in ones and survives a later fill")
    func patchSurvivesRefill() throws {
        let connection = try CalendarTableTests.migrated("holpatch")
        let writer = CalendarTableWriter(layout: Self.layout)
        let (from, through) = (LocalDate("2024-11-01")!, LocalDate("2024-12-31")!)
        try writer.fill(location: "san_diego", from: from, through: through, on: connection)
        #expect(try Self.day(connection, "san_diego", "2024-12-24") == "false||false|false|24")

        let path = try Self.file("date,name\n2024-12-24,Christmas Eve\n")
        let summary = try HolidayLoader(layout: Self.layout, region: "US-CA").load(path: path, runID: nil, on: connection)
        #expect(summary.upserted == 1 && summary.locations == ["san_diego"])
        for _ in 1...2 {
            try writer.fill(location: "san_diego", from: from, through: through, on: connection)
            #expect(try Self.day(connection, "san_diego", "2024-12-24") == "true|Christmas Eve|false|false|24")
            #expect(try Self.day(connection, "san_diego", "2024-11-29") == "true|Day after Thanksgiving|false|false|24")
            #expect(try Self.day(connection, "san_diego", "2024-12-25") == "true|Christmas Day|false|false|24")
        }
    }

    @Test("a file without date and name columns, or without a region, is refused before anything is stored")
    func badHeader() throws {
        let connection = try CalendarTableTests.migrated("holheader")
        let path = try Self.file("day,title\n2024-01-01,New Year\n")
        #expect(throws: HolidayLoadError.self) { try HolidayLoader(layout: Self.layout).load(path: path, runID: nil, on: connection) }
        let noRegion = try Self.file("date,name\n2024-01-01,New Year\n")
        #expect(throws: HolidayLoadError.self) { try HolidayLoader(layout: Self.layout).load(path: noRegion, runID: nil, on: connection) }
        #expect(try connection.execute("select count(*) as n from gridcast_input_dev.holidays", name: "none").first?.int("n") == 0)
    }
}
