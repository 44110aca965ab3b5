import Foundation

/// Local-hour ranges of the day periods that shape load, each half-open: `start..<end`
/// contains hour-start values `start, ..., end - 1`. So the default morning peak `6..<10` is
/// the hours starting 06:00, 07:00, 08:00 and 09:00 (wall clock 06:00-10:00), and the evening
/// peak `20..<23` ends at 23:00. Half-open ranges make adjacent periods tile without overlap
/// and match the SPEC's "6-10" read as clock times.
public struct DayPeriods: Hashable, Sendable, Codable {
    /// Morning peak, default 06:00-10:00.
    public var morningPeak: Range<Int>
    /// Solar production hours (the duck curve's belly), default 09:00-17:00.
    public var solar: Range<Int>
    /// Evening ramp as solar fades, default 16:00-20:00.
    public var eveningRamp: Range<Int>
    /// Evening peak, default 20:00-23:00.
    public var eveningPeak: Range<Int>

    public init(morningPeak: Range<Int> = 6..<10, solar: Range<Int> = 9..<17,
                eveningRamp: Range<Int> = 16..<20, eveningPeak: Range<Int> = 20..<23) {
        self.morningPeak = morningPeak
        self.solar = solar
        self.eveningRamp = eveningRamp
        self.eveningPeak = eveningPeak
    }
}

/// Calendar features of one local date.
public struct DayFeatures: Hashable, Sendable, Codable {
    public let date: LocalDate
    /// ISO day of week, Monday = 1 ... Sunday = 7 (PostgreSQL `isodow`).
    public let dayOfWeek: Int
    public let isWeekend: Bool
    /// A holiday of any selected jurisdiction is observed on this date.
    public let isHoliday: Bool
    /// A working weekday with a non-working day (weekend or observed holiday) on both sides,
    /// e.g. the Friday after a Thursday holiday: many people take it off.
    public let isBridgeDay: Bool
    /// Days until the next observed holiday, 0 on a holiday; nil if none within 400 days.
    public let daysToNextHoliday: Int?
    /// Days since the previous observed holiday, 0 on a holiday; nil if none within 400 days.
    public let daysSincePreviousHoliday: Int?
    /// Hours in the local day: 23, 24 or 25.
    public let hoursInDay: Int
    /// Clocks spring forward during this day.
    public let isDSTStart: Bool
    /// Clocks fall back during this day.
    public let isDSTEnd: Bool
}

/// Calendar features of one local hour.
public struct HourFeatures: Hashable, Sendable, Codable {
    public let localHour: LocalHour
    /// Local wall-clock hour, 0-23.
    public var hour: Int { localHour.hour }
    public let isMorningPeak: Bool
    public let isSolar: Bool
    public let isEveningRamp: Bool
    public let isEveningPeak: Bool
    /// DST is in effect during this hour.
    public var isDaylightSavingTime: Bool { localHour.isDaylightSavingTime }
}

/// Computes day and hour calendar features for a time zone and a holiday calendar.
///
/// Defaults: America/Los_Angeles, federal plus California holidays (observed dates), the
/// SPEC's day periods. Holiday distances count observed dates and search across year
/// boundaries (the days before New Year count down to January 1 of the next year).
public struct CalendarFeatures: Sendable {
    public var clock: LocalClock
    public var holidays: HolidayCalendar
    public var periods: DayPeriods

    /// How far to look for the nearest holiday either way.
    static let searchWindowDays = 400

    public init(clock: LocalClock = .losAngeles, holidays: HolidayCalendar = HolidayCalendar(),
                periods: DayPeriods = DayPeriods()) {
        self.clock = clock
        self.holidays = holidays
        self.periods = periods
    }

    /// Features of one date.
    public func day(_ date: LocalDate) -> DayFeatures {
        day(date, index: index(from: date, through: date))
    }

    /// Features of every date from `start` through `end`, sharing one holiday lookup.
    public func days(from start: LocalDate, through end: LocalDate) -> [DayFeatures] {
        guard start <= end else { return [] }
        let index = index(from: start, through: end)
        return (start.dayNumber...end.dayNumber).map { day(LocalDate(dayNumber: $0), index: index) }
    }

    /// The hours of a local day (23, 24 or 25) with their period flags.
    public func hours(of date: LocalDate) -> [HourFeatures] {
        clock.hours(of: date).map(hour)
    }

    /// Period flags of one local hour.
    public func hour(_ localHour: LocalHour) -> HourFeatures {
        let h = localHour.hour
        return HourFeatures(localHour: localHour,
                            isMorningPeak: periods.morningPeak.contains(h),
                            isSolar: periods.solar.contains(h),
                            isEveningRamp: periods.eveningRamp.contains(h),
                            isEveningPeak: periods.eveningPeak.contains(h))
    }

    /// Weekend or observed holiday.
    public func isNonWorkingDay(_ date: LocalDate) -> Bool {
        date.isWeekend || holidays.isHoliday(date)
    }

    /// A working weekday whose previous and next days are both non-working.
    public func isBridgeDay(_ date: LocalDate) -> Bool {
        index(from: date, through: date).isBridge(date)
    }

    /// Days until the next observed holiday (0 on a holiday), across year boundaries.
    public func daysToNextHoliday(from date: LocalDate) -> Int? {
        index(from: date, through: date).daysToNext(date)
    }

    /// Days since the previous observed holiday (0 on a holiday), across year boundaries.
    public func daysSincePreviousHoliday(from date: LocalDate) -> Int? {
        index(from: date, through: date).daysSincePrevious(date)
    }

    private func index(from start: LocalDate, through end: LocalDate) -> HolidayIndex {
        HolidayIndex(holidays.observedDates(from: start.adding(days: -Self.searchWindowDays),
                                            through: end.adding(days: Self.searchWindowDays)))
    }

    private func day(_ date: LocalDate, index: HolidayIndex) -> DayFeatures {
        DayFeatures(date: date,
                    dayOfWeek: date.weekday.rawValue,
                    isWeekend: date.isWeekend,
                    isHoliday: index.contains(date),
                    isBridgeDay: index.isBridge(date),
                    daysToNextHoliday: index.daysToNext(date),
                    daysSincePreviousHoliday: index.daysSincePrevious(date),
                    hoursInDay: clock.hoursInDay(date),
                    isDSTStart: clock.isDSTStart(date),
                    isDSTEnd: clock.isDSTEnd(date))
    }
}

/// Sorted observed holiday dates with nearest-neighbour lookups by binary search.
struct HolidayIndex {
    let days: [Int]
    private let set: Set<Int>

    init(_ dates: [LocalDate]) {
        days = dates.map(\.dayNumber).sorted()
        set = Set(days)
    }

    func contains(_ date: LocalDate) -> Bool { set.contains(date.dayNumber) }

    func isNonWorking(_ date: LocalDate) -> Bool { date.isWeekend || contains(date) }

    func isBridge(_ date: LocalDate) -> Bool {
        !isNonWorking(date) && isNonWorking(date.adding(days: -1)) && isNonWorking(date.adding(days: 1))
    }

    /// Index of the first holiday on or after `day`.
    private func lowerBound(_ day: Int) -> Int {
        var low = 0, high = days.count
        while low < high {
            let mid = (low + high) / 2
            if days[mid] < day { low = mid + 1 } else { high = mid }
        }
        return low
    }

    func daysToNext(_ date: LocalDate) -> Int? {
        let i = lowerBound(date.dayNumber)
        return i < days.count ? days[i] - date.dayNumber : nil
    }

    func daysSincePrevious(_ date: LocalDate) -> Int? {
        let i = lowerBound(date.dayNumber + 1) - 1
        return i >= 0 ? date.dayNumber - days[i] : nil
    }
}
