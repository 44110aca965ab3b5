import Foundation
import Ingest
import Testing
import TestSupport
import Warehouse

@Suite("SQMD loader: DST days, concurrency, streaming")
struct SQMDDSTTests {
    /// Every real hour of a day as CSV lines: hours 0-23 without `skip`, plus a fold-1 copy of `repeat`.
    static func day(_ date: String, skip: Int? = nil, repeated: Int? = nil) -> [String] {
        var lines: [String] = []
        for hour in 0..<24 where hour != skip {
            lines.append("\(date),\(hour),RES,DR,\(100 + hour),0,40,Initial,0")
            if hour == repeated { lines.append("\(date),\(hour),RES,DR,\(200 + hour),0,40,Initial,1") }
        }
        return lines
    }

    @Test("both DST days of 2024: 23 and 25 hours, the repeated hour by dst_fold, and the right UTC instants")
    func dstDays() throws {
        let harness = try SQMDHarness("sqmddst")
        try harness.write("dst.csv", lines: Self.day("2024-03-10", skip: 2) + Self.day("2024-11-03", repeated: 1) + Self.day("2024-06-01"))
        let summary = try harness.load("dst.csv")
        #expect(summary.rejected == 0 && summary.inserted == 23 + 25 + 24)
        let counts = try harness.strings("""
            select tradedatelocal || ' ' || count(*) || ' ' || count(distinct (tradehourstartlocal, dst_fold)) || ' '
                   || count(distinct hour_start_utc)
            from gridcast_input_dev.vw_sqmd_effective group by tradedatelocal order by tradedatelocal
            """)
        #expect(counts == ["2024-03-10 23 23 23", "2024-06-01 24 24 24", "2024-11-03 25 25 25"])
        // Hand-computed: PST is UTC-8, PDT is UTC-7.
        let instants = try harness.strings("""
            select tradedatelocal || ' ' || tradehourstartlocal || '/' || dst_fold || ' '
                   || to_char(hour_start_utc at time zone 'UTC', 'YYYY-MM-DD HH24:MI')
            from gridcast_input_dev.sqmd
            where (tradedatelocal, tradehourstartlocal) in (('2024-03-10', 0), ('2024-03-10', 1), ('2024-03-10', 3),
                   ('2024-03-10', 23), ('2024-11-03', 0), ('2024-11-03', 1), ('2024-11-03', 2), ('2024-11-03', 23),
                   ('2024-06-01', 0))
            order by hour_start_utc
            """)
        #expect(instants == [
            "2024-03-10 0/0 2024-03-10 08:00", "2024-03-10 1/0 2024-03-10 09:00", "2024-03-10 3/0 2024-03-10 10:00",
            "2024-03-10 23/0 2024-03-11 06:00",
            "2024-06-01 0/0 2024-06-01 07:00",
            "2024-11-03 0/0 2024-11-03 07:00", "2024-11-03 1/0 2024-11-03 08:00", "2024-11-03 1/1 2024-11-03 09:00",
            "2024-11-03 2/0 2024-11-03 10:00", "2024-11-03 23/0 2024-11-04 07:00",
        ])
        // Consecutive hours of each day are exactly one hour apart: nothing skipped or doubled.
        #expect(try harness.int("""
            select count(*) as n from (
                select hour_start_utc - lag(hour_start_utc) over (partition by tradedatelocal order by hour_start_utc) as step
                from gridcast_input_dev.sqmd) s
            where step <> interval '1 hour'
            """) == 0)
        #expect(try harness.int("select sum(loadlal)::int as n from gridcast_input_dev.sqmd where tradedatelocal = '2024-11-03' and tradehourstartlocal = 1") == 101 + 201)
    }

    @Test("without dst_fold, a second hour 1 on the fall-back day is a duplicate with a hint")
    func foldMissing() throws {
        let harness = try SQMDHarness("sqmdnofold")
        let header = "tradedatelocal,tradehourstartlocal,loadprofile,rategroup,loadlal,genlal,metercount,submission"
        try harness.write("nofold.csv", lines: [
            "2024-11-03,0,RES,DR,1,0,40,Initial", "2024-11-03,1,RES,DR,2,0,40,Initial", "2024-11-03,1,RES,DR,3,0,40,Initial",
        ], header: header)
        let summary = try harness.load("nofold.csv")
        #expect(summary.inserted == 2 && summary.rejected == 1)
        #expect(try harness.rejects("nofold.csv") == [4: "duplicate_key: duplicate of line 3 "
            + "(the repeated hour of a fall-back day needs dst_fold=1 on its second occurrence)"])
    }

    @Test("two concurrent loads of the same file write each row once")
    func concurrentLoads() async throws {
        let harness = try SQMDHarness("sqmdconcurrent")
        let path = try harness.write("day.csv", lines: Self.day("2024-06-01") + Self.day("2024-06-02"))
        let target = harness.target
        let summaries = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<2 {
                group.addTask {
                    let connection = try Connection.open(target)
                    let summary = try SQMDLoader(layout: SQMDHarness.layout).load([.file(path)], on: connection,
                                                                                   runLog: try RunLog(target: target, layout: SQMDHarness.layout))
                    return [summary.inserted, summary.unchanged]
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(summaries.sorted { $0[0] < $1[0] } == [[0, 48], [48, 0]])
        #expect(harness.sqmdCount == 48)
    }

    @Test("a file larger than the read chunk streams through with every line counted")
    func streamsLargeInput() throws {
        let harness = try SQMDHarness("sqmdstream")
        var lines: [String] = []
        var date = "2024-01-01"
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        var day = formatter.date(from: date)!
        for _ in 0..<120 {   // 120 days x 24 hours x 2 rate groups, about 250 KB
            date = formatter.string(from: day)
            for hour in 0..<24 where !(date == "2024-03-10" && hour == 2) {
                lines.append("\(date),\(hour),RES,DR,\(Double(hour) * 1.25),0,40,Initial,0")
                lines.append("\(date),\(hour),RES,NEM2,\(Double(hour) * 2.5),\(Double(hour) / 4),40,Initial,0")
            }
            day += 86_400
        }
        try harness.write("big.csv", lines: lines)
        let summary = try harness.load("big.csv")
        #expect(summary.read == lines.count && summary.inserted == lines.count && summary.rejected == 0)
        #expect(harness.sqmdCount == lines.count)
    }
}
