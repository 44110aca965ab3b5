import Features
import Foundation
import Logging
import Migrations
import Warehouse

/// What one calendar fill did. `hours = inserted + updated + unchanged`.
public struct CalendarFillSummary: Sendable, Equatable {
    public var location: String
    public var timeZone: String
    public var from: LocalDate
    public var through: LocalDate
    /// Hours computed for the range (23, 24 or 25 per local day).
    public var hours = 0
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    /// Rows of the range that no longer exist (e.g. after the location's time zone changed).
    public var deleted = 0
    public var seconds: Double = 0
}

/// Why a calendar fill could not run.
public enum CalendarFillError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownLocation(String)
    case unknownTimeZone(location: String, zone: String)
    case invalidCoordinates(location: String)
    case invalidRange(from: LocalDate, through: LocalDate)

    public var description: String {
        switch self {
        case let .unknownLocation(name):
            return "No weather location named \(name.debugDescription) in weather_locations; add it with INSERT or pass an existing --location."
        case let .unknownTimeZone(location, zone):
            if LocalClock.isPOSIXOffsetName(zone) {
                return "Location \(location) has the time zone \(zone.debugDescription), a POSIX offset name that PostgreSQL reads "
                    + "with the opposite sign; set weather_locations.time_zone to an IANA name (e.g. Asia/Shanghai or Etc/GMT-8)."
            }
            return "Location \(location) has the time zone \(zone.debugDescription), which is not in this machine's time-zone database; fix weather_locations.time_zone."
        case let .invalidCoordinates(location):
            return "Location \(location) has coordinates outside -90..90 / -180..180; fix weather_locations."
        case let .invalidRange(from, through):
            return "The range \(from) to \(through) is empty or reversed; pass --from on or before --to (at most 200 years)."
        }
    }
}

/// Fills `operational.calendar_hourly` for a location and a range of local dates, from the
/// Features module: calendar and holiday features (`CalendarFeatures`, `HolidayCalendar`), DST
/// flags (`LocalClock`), sun position (`SolarPosition`, NOAA) and clear-sky irradiance
/// (`ClearSkyModel`, Ineichen-Perez) at each hour's midpoint, for the latitude, longitude,
/// elevation and time zone of the location in `weather_locations`.
///
/// The calendar lives in this table, filled by gridcast, rather than in SQL functions: the
/// holiday rules and the solar algorithm are tested Swift, and the table makes their results
/// joinable from feature SQL, indexable and inspectable by a DBA. Rows are computed in Swift,
/// COPied into a TEMP staging table and merged in one transaction; re-filling a range replaces
/// its rows, and identical rows are left untouched, so a fill is idempotent.
public struct CalendarTableWriter {
    public let layout: SchemaLayout
    public var holidays: HolidayCalendar
    public var periods: DayPeriods
    /// Turbidity climatology for clear-sky irradiance; San Diego's by default.
    public var clearSkyModel: ClearSkyModel
    public var logger: Logger

    public init(layout: SchemaLayout, holidays: HolidayCalendar = HolidayCalendar(), periods: DayPeriods = DayPeriods(),
                clearSkyModel: ClearSkyModel = .sanDiego, logger: Logger = Logger(label: "gridcast.calendar")) {
        self.layout = layout
        self.holidays = holidays
        self.periods = periods
        self.clearSkyModel = clearSkyModel
        self.logger = logger
    }

    static let columns = [
        "location", "hour_start_utc", "local_date", "local_hour", "dst_fold", "utc_offset_seconds", "day_of_week",
        "is_weekend", "is_holiday", "holiday_name", "is_bridge_day", "days_to_holiday", "days_since_holiday",
        "hours_in_day", "is_dst", "is_dst_start_day", "is_dst_end_day", "is_morning_peak", "is_solar_period",
        "is_evening_ramp", "is_evening_peak", "solar_elevation_deg", "solar_azimuth_deg", "clear_sky_ghi",
        "clear_sky_dni", "clear_sky_dhi", "is_school_holiday",
    ]

    /// Computes and merges every hour of the local dates `from` through `through` (inclusive).
    @discardableResult
    public func fill(location: String = "san_diego", from: LocalDate, through: LocalDate,
                     on connection: Connection) throws -> CalendarFillSummary {
        let started = Date()
        guard from <= through, through.days(since: from) < 200 * 366 else { throw CalendarFillError.invalidRange(from: from, through: through) }
        let site = try WeatherSite.lookupForCalendar(location, layout: layout, on: connection)
        guard let clock = LocalClock(identifier: site.timeZone) else {
            throw CalendarFillError.unknownTimeZone(location: location, zone: site.timeZone)
        }
        guard let geo = GeoLocation(latitude: site.latitude, longitude: site.longitude, elevationMeters: site.elevation ?? 0) else {
            throw CalendarFillError.invalidCoordinates(location: location)
        }
        let regional = try RegionHolidays.read(location: location, from: from, through: through, layout: layout, on: connection)
        var writer = self
        writer.holidays = regional.calendar(base: holidays)
        var summary = CalendarFillSummary(location: location, timeZone: site.timeZone, from: from, through: through)
        let table = "\(try SQLIdentifier(layout.operationalSchema).quoted).calendar_hourly"
        let list = Self.columns.joined(separator: ", ")
        let values = Self.columns.dropFirst(2).map { $0 }
        try connection.transaction(name: "calendar fill \(location)") { tx in
            try tx.lockNamed("calendar.\(location)", in: layout.runLocksTable, waitSeconds: 600)
            try tx.execute("create temp table gridcast_calendar_stage (like \(table) including defaults including indexes) on commit drop",
                           name: "calendar fill: staging table")
            summary.hours = try tx.copyIn("copy pg_temp.gridcast_calendar_stage (\(list)) from stdin", name: "calendar fill: copy") {
                try writer.writeRows(location: location, clock: clock, geo: geo, from: from, through: through,
                                     regional: regional, to: $0)
            }
            // Autovacuum never analyzes temp tables; without statistics the merge below can
            // degrade to a nested loop over both tables.
            try tx.execute("analyze pg_temp.gridcast_calendar_stage", name: "calendar fill: analyze staging")
            // The staged hours as one bound array, not an anti-join with the temp table: Citus cannot
            // join a coordinator temp table in a write to a reference table. Hashed, so it stays linear.
            let staged = try tx.execute("select array_agg(hour_start_utc)::text as hours from pg_temp.gridcast_calendar_stage",
                                        name: "calendar fill: staged hours").first?.string("hours") ?? "{}"
            summary.deleted = try tx.execute("""
                delete from \(table) c
                where c.location = $1 and c.local_date between $2::date and $3::date
                  and not exists (select 1 from unnest($4::timestamptz[]) as s(hour_start_utc)
                                  where s.hour_start_utc = c.hour_start_utc)
                """, [location, from.description, through.description, staged],
                name: "calendar fill: remove stale hours").affectedRows
            let merged = try tx.execute("""
                with merged as (
                    insert into \(table) as c (\(list))
                    select \(list) from pg_temp.gridcast_calendar_stage order by hour_start_utc
                    on conflict (location, hour_start_utc) do update set
                        \(values.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")), filled_at = excluded.filled_at
                    where (\(values.map { "c.\($0)" }.joined(separator: ", ")))
                          is distinct from (\(values.map { "excluded.\($0)" }.joined(separator: ", ")))
                    returning (xmax = 0) as inserted
                )
                select count(*) filter (where inserted) as inserted, count(*) filter (where not inserted) as updated from merged
                """, name: "calendar fill: merge").first
            summary.inserted = merged?.int("inserted") ?? 0
            summary.updated = merged?.int("updated") ?? 0
        }
        summary.unchanged = summary.hours - summary.inserted - summary.updated
        summary.seconds = Date().timeIntervalSince(started)
        logger.info("filled calendar", metadata: [
            "location": "\(location)", "from": "\(from)", "through": "\(through)", "hours": "\(summary.hours)",
            "inserted": "\(summary.inserted)", "updated": "\(summary.updated)", "deleted": "\(summary.deleted)",
        ])
        return summary
    }

    /// Streams the rows of the range in COPY text format, in the order of `columns`.
    func writeRows(location: String, clock: LocalClock, geo: GeoLocation, from: LocalDate, through: LocalDate,
                   regional: RegionHolidays, to writer: CopyInWriter) throws {
        let calendar = CalendarFeatures(clock: clock, holidays: holidays, periods: periods)
        let solar = SolarFeatures(location: geo, clock: clock, model: clearSkyModel)
        let names = holidayNames(from: from, through: through)
        func flag(_ value: Bool) -> String { value ? "t" : "f" }
        for day in calendar.days(from: from, through: through) {
            let name = names[day.date]
            for localHour in clock.hours(of: day.date) {
                let periodFlags = calendar.hour(localHour)
                let sun = solar.hour(localHour)
                try writer.append(location)
                try writer.append(CopyTimestamp.utc(localHour.start))
                try writer.append(day.date.description)
                try writer.append(localHour.hour)
                try writer.append(localHour.fold)
                try writer.append(localHour.utcOffsetSeconds)
                try writer.append(day.dayOfWeek)
                try writer.append(flag(day.isWeekend))
                try writer.append(flag(day.isHoliday))
                try writer.append(name)
                try writer.append(flag(day.isBridgeDay || regional.bridgeDays.contains(day.date)))
                try writer.append(day.daysToNextHoliday.map(String.init))
                try writer.append(day.daysSincePreviousHoliday.map(String.init))
                try writer.append(day.hoursInDay)
                try writer.append(flag(localHour.isDaylightSavingTime))
                try writer.append(flag(day.isDSTStart))
                try writer.append(flag(day.isDSTEnd))
                try writer.append(flag(periodFlags.isMorningPeak))
                try writer.append(flag(periodFlags.isSolar))
                try writer.append(flag(periodFlags.isEveningRamp))
                try writer.append(flag(periodFlags.isEveningPeak))
                try writer.append(sun.position.elevation)
                try writer.append(sun.position.azimuth)
                try writer.append(sun.clearSky.ghi)
                try writer.append(sun.clearSky.dni)
                try writer.append(sun.clearSky.dhi)
                try writer.append(flag(regional.schoolHolidays.contains(day.date)))
                try writer.endRow()
            }
        }
    }

    /// Holiday names per observed date, e.g. "New Year's Day (observed)" on Friday 2021-12-31;
    /// a holiday of both jurisdictions on the same day is named once.
    func holidayNames(from: LocalDate, through: LocalDate) -> [LocalDate: String] {
        var names: [LocalDate: String] = [:]
        var day = from
        while day <= through {
            if let name = holidays.observedName(on: day) { names[day] = name }
            day = day.adding(days: 1)
        }
        return names
    }
}

extension WeatherSite {
    static func lookupForCalendar(_ name: String, layout: SchemaLayout, on connection: Connection) throws -> WeatherSite {
        do {
            return try lookup(name, layout: layout, on: connection)
        } catch WeatherLoadError.unknownLocation {
            throw CalendarFillError.unknownLocation(name)
        }
    }
}
