import Features
import Migrations
import Warehouse

/// The holidays of a location's region (migration 0022): the built-in US federal + California rules
/// when the region's `builtin_rules` say so, and the region's rows of the holidays table by kind. The
/// calendar is computed from both, so a holiday added or patched as data survives every later fill.
public struct RegionHolidays: Sendable, Equatable {
    public var region: String
    public var usesBuiltinRules: Bool
    /// Public holidays given as data, by observed date (several on one date joined by "; ").
    public var publicHolidays: [LocalDate: String] = [:]
    public var schoolHolidays: Set<LocalDate> = []
    public var bridgeDays: Set<LocalDate> = []

    /// The holidays of `location`'s region around `from...through` (wide enough for the days-to and
    /// days-since-holiday features, which look up to 400 days away).
    public static func read(location: String, from: LocalDate, through: LocalDate, layout: SchemaLayout,
                            on connection: Connection) throws -> RegionHolidays {
        let input = SQLIdentifier.quoteValidated(layout.inputSchema)
        let rows = try connection.execute("""
            select r.region, r.builtin_rules, h.holiday_date::text as day, h.name, h.kind
            from \(input).weather_locations l
            join \(input).holiday_regions r on r.region = l.region
            left join \(input).holidays h on h.region = r.region and h.holiday_date between $2::date and $3::date
            where l.location = $1
            order by h.holiday_date, h.name
            """, [location, from.adding(days: -400).description, through.adding(days: 400).description],
            name: "holidays of \(location)").rows
        guard let first = rows.first, let region = first.string("region") else {
            throw CalendarFillError.unknownLocation(location)
        }
        var holidays = RegionHolidays(region: region, usesBuiltinRules: first.string("builtin_rules") == "us_federal_california")
        for row in rows {
            guard let day = row.string("day").flatMap(LocalDate.init), let name = row.string("name") else { continue }
            switch row.string("kind") {
            case "public": holidays.publicHolidays[day] = holidays.publicHolidays[day].map { "\($0); \(name)" } ?? name
            case "school": holidays.schoolHolidays.insert(day)
            case "bridge": holidays.bridgeDays.insert(day)
            default: break
            }
        }
        return holidays
    }

    /// The holiday calendar the calendar table is computed with: `base`'s options, the rules only when
    /// the region uses them, the public holidays given as data.
    public func calendar(base: HolidayCalendar) -> HolidayCalendar {
        HolidayCalendar(jurisdictions: usesBuiltinRules ? base.jurisdictions : [],
                        includeCaliforniaElective: usesBuiltinRules && base.includeCaliforniaElective, additional: publicHolidays)
    }
}
