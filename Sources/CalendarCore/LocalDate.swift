/// A calendar date with no time of day and no time zone: the `tradedatelocal` of a meter row,
/// the date of a holiday.
///
/// Holidays and trade dates are wall-calendar facts, so they are kept as (year, month, day)
/// rather than as a Foundation `Date` instant, which would silently pick up a time zone.
/// Arithmetic uses a proleptic Gregorian day number (days since 1970-01-01), computed with
/// Howard Hinnant's civil-from-days algorithms, so it is exact and needs no `Calendar`.
public struct LocalDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a date, or returns nil when the month or day does not exist (e.g. 2023-02-29).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month),
              (1...LocalDate.daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Years a date read from text may have: load and weather data, not history or science fiction
    /// (year 0000 does not exist in PostgreSQL's calendar, and a typo such as 0224 is not a real date).
    public static let supportedYears = 1900...2999

    /// Parses an ISO 8601 calendar date such as `2024-02-29`; nil when malformed, nonexistent or
    /// outside `supportedYears`.
    public init?(_ iso: String) {
        let parts = iso.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), Self.supportedYears.contains(y)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The date `dayNumber` days after 1970-01-01 (negative numbers count backwards).
    public init(dayNumber: Int) {
        // civil_from_days, http://howardhinnant.github.io/date_algorithms.html
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// Days since 1970-01-01 (the Unix epoch date); 0 for 1970-01-01 itself.
    public var dayNumber: Int {
        // days_from_civil
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The day of the week.
    public var weekday: Weekday {
        // 1970-01-01 was a Thursday (ISO 4).
        let iso = ((dayNumber + 3) % 7 + 7) % 7 + 1
        return Weekday(rawValue: iso) ?? .monday
    }

    /// Ordinal day of the year, 1 for January 1 through 365 or 366.
    public var dayOfYear: Int {
        (1..<month).reduce(day) { $0 + LocalDate.daysInMonth(year: year, month: $1) }
    }

    /// True on Saturday and Sunday.
    public var isWeekend: Bool { weekday == .saturday || weekday == .sunday }

    /// The date `days` days later (earlier when negative).
    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

    /// Whole days from `other` to `self` (positive when `self` is later).
    public func days(since other: LocalDate) -> Int { dayNumber - other.dayNumber }

    /// ISO 8601 form, `YYYY-MM-DD`.
    public var description: String {
        let y = String(year), m = String(month), d = String(day)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-"
            + (m.count < 2 ? "0" : "") + m + "-" + (d.count < 2 ? "0" : "") + d
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Whether `year` has a February 29 in the Gregorian calendar.
    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// Number of days in the month, 28-31; 0 for a month outside 1-12.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        case 2: return isLeapYear(year) ? 29 : 28
        default: return 0
        }
    }

    /// The `n`-th (1-based) given weekday of a month, e.g. the 4th Thursday of November;
    /// nil when the month has fewer than `n` such days.
    public static func nthWeekday(_ n: Int, _ weekday: Weekday, month: Int, year: Int) -> LocalDate? {
        guard n >= 1, let first = LocalDate(year: year, month: month, day: 1) else { return nil }
        let offset = ((weekday.rawValue - first.weekday.rawValue) % 7 + 7) % 7
        let result = first.adding(days: offset + 7 * (n - 1))
        return result.month == month ? result : nil
    }

    /// The last given weekday of a month, e.g. the last Monday of May.
    public static func lastWeekday(_ weekday: Weekday, month: Int, year: Int) -> LocalDate? {
        let length = daysInMonth(year: year, month: month)
        guard let last = LocalDate(year: year, month: month, day: length) else { return nil }
        let back = ((last.weekday.rawValue - weekday.rawValue) % 7 + 7) % 7
        return last.adding(days: -back)
    }
}

/// Day of the week numbered as ISO 8601 and PostgreSQL's `isodow`: Monday = 1 ... Sunday = 7.
public enum Weekday: Int, Sendable, Codable, CaseIterable, Comparable {
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }
}
