import Features
import Foundation
import SampleData
import Testing

/// The generated load behaves like load: shapes, weather response, holidays, solar, meter counts.
@Suite("Sample data: plausibility")
struct SamplePlausibilityTests {
    static let rows: [SampleRow] = { try! Samples.rows(Samples.year2024.sqmdInitial) }()

    /// Mean net load per meter of the rows selected.
    static func perMeter(_ filter: (SampleRow) -> Bool) -> Double {
        var net = 0.0, meters = 0
        for row in rows where filter(row) {
            net += row.net
            meters += row.meters
        }
        return net / Double(max(meters, 1))
    }

    @Test("solar rate groups import less than others at noon, export in the middle of the day, and not at night",
          arguments: ["RES", "SMLCOM", "MEDCI"])
    func duckCurve(profile: String) {
        let noonSolar = Self.perMeter { $0.profile == profile && $0.isSolar && $0.hour == 12 }
        let noonOther = Self.perMeter { $0.profile == profile && !$0.isSolar && $0.hour == 12 }
        #expect(noonSolar < 0.5 * noonOther)
        #expect(noonSolar < 0)   // net export at noon, averaged over the year
        let eveningSolar = Self.perMeter { $0.profile == profile && $0.isSolar && $0.hour == 19 }
        #expect(eveningSolar > 0.8 * Self.perMeter { $0.profile == profile && !$0.isSolar && $0.hour == 19 })
        #expect(Self.rows.filter { $0.profile == profile && (0...4).contains($0.hour) }.allSatisfy { $0.genlal == 0 })
        #expect(Self.rows.filter { !$0.isSolar }.allSatisfy { $0.genlal == 0 })
    }

    @Test("residential load peaks in the evening and is higher on summer afternoons than in spring")
    func residentialShapeAndCooling() {
        func res(_ months: ClosedRange<Int>, _ hours: ClosedRange<Int>) -> Double {
            Self.perMeter { $0.profile == "RES" && !$0.isSolar && months.contains($0.date.month) && hours.contains($0.hour) }
        }
        #expect(res(1...12, 18...20) > 1.4 * res(1...12, 2...4))
        #expect(res(7...9, 15...20) > 1.1 * res(3...5, 15...20))
    }

    @Test("commercial load is lower on weekends and holidays than on workdays")
    func commercialCalendar() {
        let holidays = Set(HolidayCalendar().observedDates(from: LocalDate("2024-01-01")!, through: LocalDate("2024-12-31")!))
        for profile in ["SMLCOM", "MEDCI"] {
            let workday = Self.perMeter { $0.profile == profile && !$0.isSolar && !$0.date.isWeekend && !holidays.contains($0.date) && $0.hour == 11 }
            let holiday = Self.perMeter { $0.profile == profile && !$0.isSolar && holidays.contains($0.date) && !$0.date.isWeekend && $0.hour == 11 }
            let weekend = Self.perMeter { $0.profile == profile && !$0.isSolar && $0.date.isWeekend && $0.hour == 11 }
            #expect(holiday < 0.75 * workday && weekend < 0.75 * workday, "\(profile)")
        }
    }

    @Test("meter counts are never negative, solar customers grow, a small group dips below 10")
    func meterCounts() {
        #expect(Self.rows.allSatisfy { $0.meters >= 0 && $0.loadlal >= 0 && $0.genlal >= 0 })
        func meters(_ group: String, _ date: String) -> Int {
            Self.rows.first { $0.rateGroup == group && $0.date == LocalDate(date)! && $0.hour == 12 }?.meters ?? -1
        }
        #expect(meters("NEM2", "2024-12-01") > meters("NEM2", "2024-01-02"))
        #expect(Double(meters("SBP", "2024-12-01")) > 1.5 * Double(meters("SBP", "2024-06-01")))
        #expect(Self.rows.contains { $0.meters < 10 })
        #expect(Self.rows.contains { $0.rateGroup == "DR" && $0.meters > 500_000 })
    }

    @Test("Final rows restate Initial rows slightly: a few more meters, values within a few percent")
    func restatements() throws {
        let final = try Samples.rows(Samples.year2024.sqmdFinal)
        var initialByKey: [String: SampleRow] = [:]
        for row in Self.rows { initialByKey["\(row.date) \(row.hour) \(row.fold) \(row.rateGroup)"] = row }
        var differing = 0
        for row in final {
            guard let initial = initialByKey["\(row.date) \(row.hour) \(row.fold) \(row.rateGroup)"] else {
                Issue.record("Final without Initial: \(row)")
                continue
            }
            #expect(row.meters >= initial.meters)
            if row.loadlal != initial.loadlal { differing += 1 }
            if row.loadlal > 1000 { #expect(abs(row.loadlal / initial.loadlal - 1) < 0.05) }
        }
        #expect(differing > final.count * 9 / 10)
    }
}
