import Foundation

/// One hour of a local day: the unit a trade hour (`tradehourstartlocal`) and a forecast row
/// describe.
///
/// The wall-clock label (date, hour) is ambiguous on the fall-back day, when 01:00-02:00
/// happens twice; `fold` tells the two apart (0 for the first, 1 for the repeat, as Python's
/// `datetime.fold`), and `start` is the unambiguous UTC instant.
public struct LocalHour: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The instant the hour begins.
    public let start: Date
    /// The local calendar date the hour belongs to.
    public let date: LocalDate
    /// Local wall-clock hour, 0-23.
    public let hour: Int
    /// 1 for the second occurrence of a repeated wall-clock hour, otherwise 0.
    public let fold: Int
    /// Offset of local time from UTC during this hour, in seconds (e.g. -25200 for PDT).
    public let utcOffsetSeconds: Int
    /// Whether daylight saving time is in effect during this hour.
    public let isDaylightSavingTime: Bool

    /// The instant the hour ends (one hour after `start`).
    public var end: Date { start.addingTimeInterval(3600) }
    /// The middle of the hour, where hourly solar quantities are evaluated.
    public var midpoint: Date { start.addingTimeInterval(1800) }

    public var description: String {
        let h = hour < 10 ? "0\(hour)" : "\(hour)"
        return "\(date) \(h):00\(fold == 1 ? " (fold 1)" : "") UTC\(utcOffsetSeconds / 3600)"
    }
}

/// Converts between local dates and UTC instants in one time zone.
///
/// Days are bounded by local midnight (or, in a zone whose clocks jump at midnight, by the
/// first instant of the day), so a day has 23, 24 or 25 hours and each instant belongs to
/// exactly one (date, hour, fold). Hours are stepped in UTC from the start of the day, which
/// is exact for zones whose offsets are whole or half hours and change by whole hours (all US
/// zones); the rare 30-minute DST shift (Australia/Lord_Howe) is not supported.
public struct LocalClock: Sendable {
    public let timeZone: TimeZone

    /// America/Los_Angeles, the default zone of the SQMD trade dates.
    public static let losAngeles: LocalClock = {
        guard let zone = TimeZone(identifier: "America/Los_Angeles") else {
            preconditionFailure("America/Los_Angeles is missing from the time-zone database")
        }
        return LocalClock(timeZone: zone)
    }()

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// A clock for an IANA zone name such as `America/New_York`; nil for an unknown name, and for a
    /// POSIX offset name (see `isPOSIXOffsetName`).
    public init?(identifier: String) {
        guard !Self.isPOSIXOffsetName(identifier), let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(timeZone: zone)
    }

    /// `UTC+8`, `GMT-5`, `EST+5`: PostgreSQL reads these as POSIX specs (UTC+8 is eight hours *behind*
    /// UTC), Foundation as offsets ahead of UTC, so the calendar and the SQL would disagree by 16 hours.
    /// IANA names (`Asia/Shanghai`, or `Etc/GMT-8`, which both read the same way) are unambiguous.
    public static func isPOSIXOffsetName(_ identifier: String) -> Bool {
        !identifier.hasPrefix("Etc/") && identifier.firstMatch(of: #/^[A-Za-z]*[+-][0-9]/#) != nil
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The first instant of `date` in this zone.
    public func startOfDay(_ date: LocalDate) -> Date {
        let calendar = self.calendar
        // Noon exists on every day in every zone; step back to the day's first instant.
        let parts = DateComponents(year: date.year, month: date.month, day: date.day, hour: 12)
        let noon = calendar.date(from: parts) ?? Date(timeIntervalSince1970: Double(date.dayNumber) * 86_400)
        return calendar.startOfDay(for: noon)
    }

    /// The local date of an instant.
    public func localDate(of instant: Date) -> LocalDate {
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return LocalDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
            ?? LocalDate(dayNumber: 0)
    }

    /// Number of hours in the local day: 23 on spring-forward, 25 on fall-back, else 24.
    public func hoursInDay(_ date: LocalDate) -> Int {
        let seconds = startOfDay(date.adding(days: 1)).timeIntervalSince(startOfDay(date))
        return Int((seconds / 3600).rounded())
    }

    /// Whether DST is in effect at `instant`.
    public func isDaylightSavingTime(at instant: Date) -> Bool {
        timeZone.isDaylightSavingTime(for: instant)
    }

    /// True when DST begins during `date` (clocks spring forward).
    public func isDSTStart(_ date: LocalDate) -> Bool {
        !isDaylightSavingTime(at: startOfDay(date))
            && isDaylightSavingTime(at: startOfDay(date.adding(days: 1)))
    }

    /// True when DST ends during `date` (clocks fall back).
    public func isDSTEnd(_ date: LocalDate) -> Bool {
        isDaylightSavingTime(at: startOfDay(date))
            && !isDaylightSavingTime(at: startOfDay(date.adding(days: 1)))
    }

    /// The hours of a local day in order, as UTC instants with their local labels: 23 entries
    /// on the spring-forward day (2024-03-10 has no hour 2 in Los Angeles), 25 on the
    /// fall-back day (2024-11-03 has hour 1 twice, fold 0 then fold 1), otherwise 24.
    public func hours(of date: LocalDate) -> [LocalHour] {
        let calendar = self.calendar
        let start = startOfDay(date)
        let count = hoursInDay(date)
        var seen = Set<Int>()
        var result: [LocalHour] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            let instant = start.addingTimeInterval(Double(index) * 3600)
            let hour = calendar.component(.hour, from: instant)
            let fold = seen.insert(hour).inserted ? 0 : 1
            result.append(LocalHour(start: instant, date: date, hour: hour, fold: fold,
                                    utcOffsetSeconds: timeZone.secondsFromGMT(for: instant),
                                    isDaylightSavingTime: timeZone.isDaylightSavingTime(for: instant)))
        }
        return result
    }

    /// The hour starting at wall-clock `hour` of `date`; for the repeated fall-back hour
    /// `fold` picks the occurrence. Nil for an hour that does not exist (hour 2 on the
    /// spring-forward day, fold 1 of an hour that is not repeated, an hour outside 0-23).
    public func hour(_ hour: Int, of date: LocalDate, fold: Int = 0) -> LocalHour? {
        hours(of: date).first { $0.hour == hour && $0.fold == fold }
    }
}
