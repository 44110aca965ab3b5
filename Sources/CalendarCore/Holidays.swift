// Foundation only for the Chinese calendar behind the elective Lunar New Year; the PostgreSQL
// extension compiles this file with GRIDCAST_NO_FOUNDATION (no ICU there), where elective days,
// off by default and absent from calendar_hourly, lack Lunar New Year.
#if !GRIDCAST_NO_FOUNDATION
import Foundation
#endif

/// Whose holiday a `Holiday` is. Load responds to both: federal offices and banks close on
/// federal holidays, state offices and many schools on California's.
public enum Jurisdiction: String, Sendable, Codable, CaseIterable, Comparable {
    case federal
    case california

    public static func < (lhs: Jurisdiction, rhs: Jurisdiction) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

/// One holiday of one jurisdiction in one year.
///
/// `date` is the holiday's own calendar date (e.g. July 4); `observed` is the day offices
/// actually close for it (e.g. Friday July 3 when July 4 is a Saturday). Features use
/// `observed`, because that is the day load looks like a holiday.
public struct Holiday: Hashable, Sendable, Codable, CustomStringConvertible {
    public let name: String
    public let jurisdiction: Jurisdiction
    /// The statutory date of the holiday.
    public let date: LocalDate
    /// The day off: `date` moved by the jurisdiction's weekend rule. It may fall in another
    /// calendar year (New Year's Day on a Saturday is observed federally on December 31).
    public let observed: LocalDate
    /// True for California days that state employees may elect to take as holiday credit
    /// but on which state offices stay open (see `HolidayCalendar`); false for closures.
    public let isElective: Bool

    public init(name: String, jurisdiction: Jurisdiction, date: LocalDate, observed: LocalDate,
                isElective: Bool = false) {
        self.name = name
        self.jurisdiction = jurisdiction
        self.date = date
        self.observed = observed
        self.isElective = isElective
    }

    public var description: String {
        "\(observed) \(name) (\(jurisdiction.rawValue)\(observed == date ? "" : ", actual \(date)"))"
    }
}

/// US federal and California state holidays with their observed days.
///
/// **Federal** (5 U.S.C. 6103, as published by OPM): New Year's Day, Birthday of Martin Luther
/// King Jr. (3rd Monday of January), Washington's Birthday (3rd Monday of February), Memorial
/// Day (last Monday of May), Juneteenth National Independence Day (June 19, from 2021),
/// Independence Day, Labor Day (1st Monday of September), Columbus Day (2nd Monday of October),
/// Veterans Day (November 11), Thanksgiving Day (4th Thursday of November), Christmas Day.
/// Observed rule (5 U.S.C. 6103(b), Executive Order 11582): a Saturday holiday is observed on
/// the preceding Friday, a Sunday holiday on the following Monday, which moves New Year's Day
/// on a Saturday to December 31 of the previous year. One-off closures by executive order
/// (e.g. December 24, 2020) and Inauguration Day (Washington DC area only) are not included.
///
/// **California** (paid holidays of state employees, Government Code 19853, as published by
/// CalHR each year): New Year's Day, Martin Luther King Jr. Day, Presidents' Day, Cesar Chavez
/// Day (March 31), Memorial Day, Independence Day, Labor Day, Veterans Day, Thanksgiving Day,
/// the Day after Thanksgiving, Christmas Day. CalHR's observed rule differs from OPM's: a
/// Sunday holiday is observed on the following Monday, but a Saturday holiday is *not* moved
/// (employees accrue holiday credit and offices are open on Friday), except Veterans Day,
/// which is observed on the preceding Friday. So a Saturday California holiday has
/// `observed == date`. This list is the one in force since the February 2009 budget, which
/// ended Lincoln's Birthday and Columbus Day as paid state holidays; earlier years are
/// computed with the same rules, so they omit those two days.
///
/// **California elective days** (off by default): Government Code 6700 also names Native
/// American Day (4th Friday of September), and AB 1655 and AB 2596 (2022) added Juneteenth and
/// Lunar New Year from 2023, but for these state employees may only *elect* holiday credit
/// instead of a personal holiday; CalHR's published schedules (e.g. 2024) do not list them
/// and state offices stay open, so they are not closure days and are excluded unless
/// `includeCaliforniaElective` is set. They are never moved off weekends. Later elective days
/// (e.g. Diwali, 2025) are not modelled.
public struct HolidayCalendar: Sendable {
    /// Jurisdictions whose holidays count.
    public var jurisdictions: Set<Jurisdiction>
    /// Whether California's elective days count (see the type's documentation).
    public var includeCaliforniaElective: Bool
    /// Public holidays given as data (a region's rows of the holidays table, migration 0022), by
    /// observed date: they count beside the rules' holidays, for regions the rules do not know.
    public var additional: [LocalDate: String]

    public init(jurisdictions: Set<Jurisdiction> = [.federal, .california],
                includeCaliforniaElective: Bool = false, additional: [LocalDate: String] = [:]) {
        self.jurisdictions = jurisdictions
        self.includeCaliforniaElective = includeCaliforniaElective
        self.additional = additional
    }

    /// Holidays whose statutory `date` falls in `year`, ordered by observed date, then
    /// jurisdiction. The observed date of New Year's Day may be in `year - 1`.
    public func holidays(year: Int) -> [Holiday] {
        var result: [Holiday] = []
        if jurisdictions.contains(.federal) { result += Self.federal(year: year) }
        if jurisdictions.contains(.california) {
            result += Self.california(year: year)
            if includeCaliforniaElective { result += Self.californiaElective(year: year) }
        }
        return result.sorted { ($0.observed, $0.jurisdiction, $0.name) < ($1.observed, $1.jurisdiction, $1.name) }
    }

    /// Holidays whose `observed` date falls in `year`: the list an HR office publishes for
    /// that year (OPM's 2021 table, for instance, ends with Friday December 31, 2021).
    public func holidays(observedIn year: Int) -> [Holiday] {
        (holidays(year: year - 1) + holidays(year: year) + holidays(year: year + 1))
            .filter { $0.observed.year == year }
            .sorted { ($0.observed, $0.jurisdiction, $0.name) < ($1.observed, $1.jurisdiction, $1.name) }
    }

    /// The holidays observed on `date` (empty on an ordinary day).
    public func holidays(observedOn date: LocalDate) -> [Holiday] {
        holidays(observedIn: date.year).filter { $0.observed == date }
    }

    /// What is observed on `date` as one name, as calendar_hourly.holiday_name and the extension's
    /// gridcast_holiday show it: "New Year's Day (observed)" when the holiday itself falls on another
    /// day, several joined by "; ", a holiday of both jurisdictions named once; nil on an ordinary day.
    public func observedName(on date: LocalDate) -> String? {
        var names: [String] = []
        for holiday in holidays(observedOn: date) {
            let name = holiday.observed == holiday.date ? holiday.name : "\(holiday.name) (observed)"
            if !names.contains(name) { names.append(name) }
        }
        if let given = additional[date], !names.contains(given) { names.append(given) }
        return names.isEmpty ? nil : names.joined(separator: "; ")
    }

    /// True when some holiday of the selected jurisdictions, or one given as data, is observed on `date`.
    public func isHoliday(_ date: LocalDate) -> Bool {
        additional[date] != nil || !holidays(observedOn: date).isEmpty
    }

    /// Distinct observed holiday dates from `start` through `end`, ascending.
    public func observedDates(from start: LocalDate, through end: LocalDate) -> [LocalDate] {
        guard start <= end else { return [] }
        let dates = (start.year - 1...end.year + 1)
            .flatMap { holidays(year: $0) }
            .map(\.observed)
            .filter { $0 >= start && $0 <= end }
        return Array(Set(dates + additional.keys.filter { $0 >= start && $0 <= end })).sorted()
    }

    // MARK: - Rules

    /// Federal holidays with statutory date in `year`, observed per OPM.
    static func federal(year: Int) -> [Holiday] {
        var fixed: [(String, Int, Int)] = [("New Year's Day", 1, 1)]
        if year >= 2021 { fixed.append(("Juneteenth National Independence Day", 6, 19)) }
        fixed += [("Independence Day", 7, 4), ("Veterans Day", 11, 11), ("Christmas Day", 12, 25)]
        let floating: [(String, LocalDate?)] = [
            ("Birthday of Martin Luther King, Jr.", LocalDate.nthWeekday(3, .monday, month: 1, year: year)),
            ("Washington's Birthday", LocalDate.nthWeekday(3, .monday, month: 2, year: year)),
            ("Memorial Day", LocalDate.lastWeekday(.monday, month: 5, year: year)),
            ("Labor Day", LocalDate.nthWeekday(1, .monday, month: 9, year: year)),
            ("Columbus Day", LocalDate.nthWeekday(2, .monday, month: 10, year: year)),
            ("Thanksgiving Day", LocalDate.nthWeekday(4, .thursday, month: 11, year: year)),
        ]
        return build(.federal, year: year, fixed: fixed, floating: floating) { date, _ in
            nearestWeekday(date)
        }
    }

    /// California paid state holidays with statutory date in `year`, observed per CalHR.
    static func california(year: Int) -> [Holiday] {
        let fixed: [(String, Int, Int)] = [
            ("New Year's Day", 1, 1), ("Cesar Chavez Day", 3, 31), ("Independence Day", 7, 4),
            ("Veterans Day", 11, 11), ("Christmas Day", 12, 25),
        ]
        let thanksgiving = LocalDate.nthWeekday(4, .thursday, month: 11, year: year)
        let floating: [(String, LocalDate?)] = [
            ("Martin Luther King Jr. Day", LocalDate.nthWeekday(3, .monday, month: 1, year: year)),
            ("Presidents' Day", LocalDate.nthWeekday(3, .monday, month: 2, year: year)),
            ("Memorial Day", LocalDate.lastWeekday(.monday, month: 5, year: year)),
            ("Labor Day", LocalDate.nthWeekday(1, .monday, month: 9, year: year)),
            ("Thanksgiving Day", thanksgiving),
            ("Day after Thanksgiving", thanksgiving?.adding(days: 1)),
        ]
        return build(.california, year: year, fixed: fixed, floating: floating) { date, name in
            switch date.weekday {
            case .sunday: return date.adding(days: 1)
            case .saturday where name == "Veterans Day": return date.adding(days: -1)
            default: return date
            }
        }
    }

    /// California's elective days (holiday credit only, offices open), never moved.
    static func californiaElective(year: Int) -> [Holiday] {
        var days: [(String, LocalDate?)] = [
            ("Native American Day", LocalDate.nthWeekday(4, .friday, month: 9, year: year)),
        ]
        if year >= 2023 {
            days.append(("Juneteenth", LocalDate(year: year, month: 6, day: 19)))
            days.append(("Lunar New Year", lunarNewYear(year: year)))
        }
        return days.compactMap { name, date in
            date.map { Holiday(name: name, jurisdiction: .california, date: $0, observed: $0,
                               isElective: true) }
        }
    }

    private static func build(_ jurisdiction: Jurisdiction, year: Int,
                              fixed: [(String, Int, Int)], floating: [(String, LocalDate?)],
                              observe: (LocalDate, String) -> LocalDate) -> [Holiday] {
        let dated = fixed.map { ($0.0, LocalDate(year: year, month: $0.1, day: $0.2)) } + floating
        return dated.compactMap { name, date in
            guard let date else { return nil }
            return Holiday(name: name, jurisdiction: jurisdiction, date: date,
                           observed: observe(date, name))
        }
    }

    /// OPM's rule: Saturday to the preceding Friday, Sunday to the following Monday.
    static func nearestWeekday(_ date: LocalDate) -> LocalDate {
        switch date.weekday {
        case .saturday: return date.adding(days: -1)
        case .sunday: return date.adding(days: 1)
        default: return date
        }
    }

    /// First day of the first month of the Chinese lunisolar calendar in `year` (between
    /// January 21 and February 20), using Foundation's astronomical Chinese calendar; this is
    /// the "second new moon after the winter solstice" of Government Code 6700.
    static func lunarNewYear(year: Int) -> LocalDate? {
        #if GRIDCAST_NO_FOUNDATION
        return nil
        #else
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = utc
        var chinese = Calendar(identifier: .chinese)
        chinese.timeZone = utc
        guard let start = LocalDate(year: year, month: 1, day: 21) else { return nil }
        for offset in 0..<31 {
            let candidate = start.adding(days: offset)
            let parts = DateComponents(year: candidate.year, month: candidate.month,
                                       day: candidate.day, hour: 12)
            guard let instant = gregorian.date(from: parts) else { continue }
            let lunar = chinese.dateComponents([.month, .day], from: instant)
            if lunar.month == 1, lunar.day == 1, lunar.isLeapMonth != true { return candidate }
        }
        return nil
        #endif
    }
}
