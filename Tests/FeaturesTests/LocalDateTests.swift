import Testing
@testable import Features

@Suite("LocalDate")
struct LocalDateTests {
    @Test func rejectsNonexistentDates() {
        #expect(LocalDate(year: 2023, month: 2, day: 29) == nil)
        #expect(LocalDate(year: 2024, month: 13, day: 1) == nil)
        #expect(LocalDate(year: 2024, month: 4, day: 31) == nil)
        #expect(LocalDate(year: 1900, month: 2, day: 29) == nil)  // century, not leap
        #expect(LocalDate(year: 2000, month: 2, day: 29) != nil)  // 400-year rule, leap
        #expect(LocalDate("2024-2-29") == nil)
        #expect(LocalDate("2024-02-30") == nil)
        #expect(LocalDate("garbage") == nil)
    }

    @Test("dates read from text must fall in the supported years: 0000-01-01 and 0224-05-01 are typos, not dates")
    func textDatesOutsideTheSupportedYears() {
        #expect(LocalDate("0000-01-01") == nil)
        #expect(LocalDate("0224-05-01") == nil)
        #expect(LocalDate("1899-12-31") == nil)
        #expect(LocalDate("1900-01-01") != nil)
        #expect(LocalDate("2999-12-31") != nil)
    }

    @Test("POSIX offset zone names, which PostgreSQL reads with the opposite sign, are refused; IANA names are not")
    func posixOffsetZones() {
        for name in ["UTC+8", "GMT-5", "EST+5", "+03"] { #expect(LocalClock(identifier: name) == nil, "\(name)") }
        for name in ["Etc/GMT-8", "America/Port-au-Prince", "Asia/Shanghai", "UTC"] {
            #expect(LocalClock(identifier: name) != nil, "\(name)")
        }
    }

    @Test func leapDay2024() throws {
        let leap = try #require(LocalDate("2024-02-29"))
        #expect(leap.weekday == .thursday)
        #expect(leap.dayOfYear == 60)
        #expect(leap.adding(days: 1) == LocalDate(year: 2024, month: 3, day: 1))
        #expect(leap.adding(days: -1) == LocalDate(year: 2024, month: 2, day: 28))
        #expect(leap.description == "2024-02-29")
    }

    @Test func dayNumberRoundTripsAndKnownAnchors() throws {
        #expect(LocalDate(dayNumber: 0) == LocalDate(year: 1970, month: 1, day: 1))
        #expect(try #require(LocalDate("2000-03-01")).dayNumber == 11_017)
        #expect(try #require(LocalDate("1969-12-31")).dayNumber == -1)
        for n in stride(from: -800_000, through: 800_000, by: 997) {
            #expect(LocalDate(dayNumber: n).dayNumber == n)
        }
        // Weekdays of known dates.
        #expect(try #require(LocalDate("1970-01-01")).weekday == .thursday)
        #expect(try #require(LocalDate("2024-11-03")).weekday == .sunday)
        #expect(try #require(LocalDate("2030-12-31")).weekday == .tuesday)
        #expect(try #require(LocalDate("2024-12-31")).dayOfYear == 366)
        #expect(try #require(LocalDate("2025-12-31")).dayOfYear == 365)
    }

    @Test func nthAndLastWeekday() {
        #expect(LocalDate.nthWeekday(4, .thursday, month: 11, year: 2024) == LocalDate(year: 2024, month: 11, day: 28))
        #expect(LocalDate.nthWeekday(5, .thursday, month: 11, year: 2024) == nil)
        #expect(LocalDate.nthWeekday(0, .monday, month: 1, year: 2024) == nil)
        #expect(LocalDate.lastWeekday(.monday, month: 5, year: 2021) == LocalDate(year: 2021, month: 5, day: 31))
        #expect(LocalDate.lastWeekday(.monday, month: 5, year: 2022) == LocalDate(year: 2022, month: 5, day: 30))
    }
}
