import Foundation
import Testing
@testable import Features

/// Parses an ISO 8601 UTC instant such as `2024-03-10T10:00:00Z`.
func utc(_ text: String) throws -> Date {
    try #require(ISO8601DateFormatter().date(from: text), "bad instant \(text)")
}

func date(_ text: String) throws -> LocalDate {
    try #require(LocalDate(text), "bad date \(text)")
}

@Suite("Local hours and DST")
struct LocalHoursTests {
    let clock = LocalClock.losAngeles

    @Test func springForwardDayHas23HoursAndNoHour2() throws {
        let day = try date("2024-03-10")
        let hours = clock.hours(of: day)
        #expect(hours.count == 23)
        #expect(hours.map(\.hour) == [0, 1] + Array(3...23))
        #expect(hours.allSatisfy { $0.fold == 0 && $0.date == day })
        #expect(hours[0].start == (try utc("2024-03-10T08:00:00Z")))  // midnight PST
        #expect(hours[1].start == (try utc("2024-03-10T09:00:00Z")))  // 01:00 PST
        #expect(hours[2].start == (try utc("2024-03-10T10:00:00Z")))  // 03:00 PDT
        #expect(hours[1].utcOffsetSeconds == -8 * 3600 && !hours[1].isDaylightSavingTime)
        #expect(hours[2].utcOffsetSeconds == -7 * 3600 && hours[2].isDaylightSavingTime)
        #expect(clock.hour(2, of: day) == nil)
        #expect(clock.hoursInDay(day) == 23)
        #expect(clock.isDSTStart(day) && !clock.isDSTEnd(day))
    }

    @Test func fallBackDayHas25HoursWithHour1Twice() throws {
        let day = try date("2024-11-03")
        let hours = clock.hours(of: day)
        #expect(hours.count == 25)
        #expect(hours.map(\.hour) == [0, 1, 1] + Array(2...23))
        #expect(hours.map(\.fold) == [0, 0, 1] + Array(repeating: 0, count: 22))
        #expect(hours[1].start == (try utc("2024-11-03T08:00:00Z")))  // 01:00 PDT, fold 0
        #expect(hours[2].start == (try utc("2024-11-03T09:00:00Z")))  // 01:00 PST, fold 1
        #expect(hours[1].isDaylightSavingTime && !hours[2].isDaylightSavingTime)
        #expect(clock.hour(1, of: day, fold: 1)?.start == (try utc("2024-11-03T09:00:00Z")))
        #expect(clock.hour(5, of: day, fold: 1) == nil)
        #expect(clock.hoursInDay(day) == 25)
        #expect(clock.isDSTEnd(day) && !clock.isDSTStart(day))
    }

    @Test func normalAndLeapDaysHave24Hours() throws {
        for (text, midnight) in [("2024-07-15", "2024-07-15T07:00:00Z"), ("2024-02-29", "2024-02-29T08:00:00Z")] {
            let day = try date(text)
            let hours = clock.hours(of: day)
            #expect(hours.count == 24)
            #expect(hours.map(\.hour) == Array(0...23))
            #expect(hours.allSatisfy { $0.fold == 0 && $0.date == day })
            #expect(hours[0].start == (try utc(midnight)))
            #expect(!clock.isDSTStart(day) && !clock.isDSTEnd(day))
        }
        #expect(clock.localDate(of: try utc("2024-03-01T07:59:59Z")) == (try date("2024-02-29")))
        #expect(clock.localDate(of: try utc("2024-03-01T08:00:00Z")) == (try date("2024-03-01")))
    }

    @Test func aYearOfHoursTilesTimeWithoutGapsOrDuplicates() throws {
        // Nothing may break or double-count on DST days: consecutive local days must cover
        // every UTC hour exactly once.
        let first = try date("2024-01-01"), last = try date("2024-12-31")
        let starts = (first.dayNumber...last.dayNumber)
            .flatMap { clock.hours(of: LocalDate(dayNumber: $0)) }
            .map(\.start)
        #expect(starts.count == 366 * 24)
        #expect(starts.first == (try utc("2024-01-01T08:00:00Z")))
        for (a, b) in zip(starts, starts.dropFirst()) { #expect(b.timeIntervalSince(a) == 3600) }
    }

    @Test func otherZones() throws {
        let newYork = try #require(LocalClock(identifier: "America/New_York"))
        #expect(newYork.hoursInDay(try date("2024-03-10")) == 23)
        let tokyo = try #require(LocalClock(identifier: "Asia/Tokyo"))
        #expect(tokyo.hoursInDay(try date("2024-03-10")) == 24)
        #expect(LocalClock(identifier: "Not/AZone") == nil)
    }
}

@Suite("Calendar features")
struct CalendarFeaturesTests {
    let features = CalendarFeatures()

    @Test func dayFeaturesOnDSTAndLeapDays() throws {
        let spring = features.day(try date("2024-03-10"))
        #expect(spring.hoursInDay == 23 && spring.isDSTStart && !spring.isDSTEnd)
        #expect(spring.dayOfWeek == 7 && spring.isWeekend && !spring.isHoliday)
        let fall = features.day(try date("2024-11-03"))
        #expect(fall.hoursInDay == 25 && fall.isDSTEnd && !fall.isDSTStart)
        let leap = features.day(try date("2024-02-29"))
        #expect(leap.hoursInDay == 24 && leap.dayOfWeek == 4 && !leap.isWeekend)
        #expect(leap.daysSincePreviousHoliday == 10)  // Presidents' Day, 2024-02-19
        #expect(leap.daysToNextHoliday == 32)          // Cesar Chavez Day observed 2024-04-01
        #expect(features.hours(of: try date("2024-11-03")).count == 25)
    }

    @Test func bridgeDays() throws {
        // Friday after Thanksgiving is a California holiday, so not a bridge day there...
        #expect(!features.isBridgeDay(try date("2026-11-27")))
        #expect(features.day(try date("2026-11-27")).isHoliday)
        // ...but with federal holidays only, it is one.
        let federalOnly = CalendarFeatures(holidays: HolidayCalendar(jurisdictions: [.federal]))
        #expect(federalOnly.isBridgeDay(try date("2026-11-27")))
        // Friday 2025-12-26 after Christmas on Thursday; Monday 2029-12-24 before a Tuesday
        // Christmas; Friday 2024-07-05 after a Thursday Independence Day.
        #expect(features.isBridgeDay(try date("2025-12-26")))
        #expect(features.isBridgeDay(try date("2029-12-24")))
        #expect(features.isBridgeDay(try date("2024-07-05")))
        // Not bridges: an ordinary Friday, a holiday, a weekend day, a weekday next to a
        // holiday on only one side.
        #expect(!features.isBridgeDay(try date("2024-07-12")))
        #expect(!features.isBridgeDay(try date("2024-07-04")))
        #expect(!features.isBridgeDay(try date("2024-07-06")))
        #expect(!features.isBridgeDay(try date("2024-12-24")))  // Monday 12-23 is working
        // Day features agree with the standalone predicate over a whole year.
        for day in features.days(from: try date("2025-01-01"), through: try date("2025-12-31")) {
            #expect(day.isBridgeDay == features.isBridgeDay(day.date))
        }
        // 2025: the Friday after Juneteenth (Thursday), the Monday before Veterans Day
        // (Tuesday) and the Friday after Christmas (Thursday).
        let bridges = features.days(from: try date("2025-01-01"), through: try date("2025-12-31"))
            .filter(\.isBridgeDay).map(\.date.description)
        #expect(bridges == ["2025-06-20", "2025-11-10", "2025-12-26"])
    }

    @Test func daysToAndSinceAcrossYearBoundary() throws {
        #expect(features.daysToNextHoliday(from: try date("2024-12-27")) == 5)       // -> 2025-01-01
        #expect(features.daysSincePreviousHoliday(from: try date("2024-12-27")) == 2) // <- 2024-12-25
        #expect(features.daysSincePreviousHoliday(from: try date("2025-01-02")) == 1)
        #expect(features.daysToNextHoliday(from: try date("2025-01-02")) == 18)       // MLK 2025-01-20
        #expect(features.daysToNextHoliday(from: try date("2025-01-01")) == 0)
        #expect(features.daysSincePreviousHoliday(from: try date("2025-01-01")) == 0)
        // New Year's Day 2022 (Saturday): federal observes 2021-12-31, California 2022-01-01.
        let federalOnly = CalendarFeatures(holidays: HolidayCalendar(jurisdictions: [.federal]))
        let stateOnly = CalendarFeatures(holidays: HolidayCalendar(jurisdictions: [.california]))
        #expect(federalOnly.daysToNextHoliday(from: try date("2021-12-30")) == 1)
        #expect(stateOnly.daysToNextHoliday(from: try date("2021-12-30")) == 2)
        #expect(federalOnly.daysSincePreviousHoliday(from: try date("2022-01-03")) == 3)
        #expect(stateOnly.daysSincePreviousHoliday(from: try date("2022-01-03")) == 2)
        // A range query agrees with single-day queries across the boundary.
        for day in features.days(from: try date("2024-12-20"), through: try date("2025-01-25")) {
            #expect(day.daysToNextHoliday == features.daysToNextHoliday(from: day.date))
            #expect(day.daysSincePreviousHoliday == features.daysSincePreviousHoliday(from: day.date))
        }
        let none = CalendarFeatures(holidays: HolidayCalendar(jurisdictions: []))
        #expect(none.daysToNextHoliday(from: try date("2024-06-01")) == nil)
    }

    @Test func dayPeriodsAreHalfOpen() throws {
        let hours = features.hours(of: try date("2024-07-15"))
        let flagged = { (keyPath: KeyPath<HourFeatures, Bool>) in hours.filter { $0[keyPath: keyPath] }.map(\.hour) }
        #expect(flagged(\.isMorningPeak) == [6, 7, 8, 9])
        #expect(flagged(\.isSolar) == Array(9...16))
        #expect(flagged(\.isEveningRamp) == [16, 17, 18, 19])
        #expect(flagged(\.isEveningPeak) == [20, 21, 22])
        #expect(hours.allSatisfy { $0.isDaylightSavingTime })
        let custom = CalendarFeatures(periods: DayPeriods(morningPeak: 7..<9, eveningPeak: 17..<21))
        let customHours = custom.hours(of: try date("2024-07-15"))
        #expect(customHours.filter(\.isMorningPeak).map(\.hour) == [7, 8])
        #expect(customHours.filter(\.isEveningPeak).map(\.hour) == [17, 18, 19, 20])
        // On the fall-back day both hour-1 entries carry the same flags, and DST differs.
        let fall = features.hours(of: try date("2024-11-03"))
        #expect(fall[1].hour == 1 && fall[2].hour == 1)
        #expect(fall[1].isDaylightSavingTime && !fall[2].isDaylightSavingTime)
    }
}
