import Foundation
@testable import Ingest
import Testing
import TestSupport
import Warehouse

/// Sub-hourly SQMD (`trademinutestartlocal`): complete hours summed into one row, incomplete hours
/// rejected whole, hourly files unchanged.
@Suite("SQMD loader: sub-hourly intervals")
struct SQMDIntervalTests {
    static let header = "tradedatelocal,tradehourstartlocal,trademinutestartlocal,loadprofile,rategroup,loadlal,genlal,"
        + "metercount,submission,dst_fold,available_at"

    @Test("a file's interval length is the gcd of 60 and its minutes")
    func intervalLength() {
        #expect(SQMDIntervals.intervalMinutes([0, 15, 30, 45]) == 15)
        #expect(SQMDIntervals.intervalMinutes([0, 30]) == 30)
        #expect(SQMDIntervals.intervalMinutes([0, 20, 40]) == 20)
        #expect(SQMDIntervals.intervalMinutes([0, 5, 30]) == 5)
        #expect(SQMDIntervals.intervalMinutes([0]) == 60)
    }

    @Test("15-minute rows: a complete hour is summed (kWh added, meters averaged, latest arrival), an incomplete one rejected whole")
    func quarterHours() throws {
        let harness = try SQMDHarness("sqmdquarter")
        try harness.write("quarter.csv", lines: [
            "2024-06-01,10,00,RES,DR,1.0,0.1,10,Initial,0,2024-06-16T06:00",
            "2024-06-01,10,15,RES,DR,2.0,0.2,10,Initial,0,2024-06-16T06:00",
            "2024-06-01,10,30,RES,DR,3.0,0.3,11,Initial,0,2024-06-16T07:00",
            "2024-06-01,10,45,RES,DR,4.0,0.4,11,Initial,0,2024-06-16T06:30",
            // Hour 11 lacks its :45 interval; hour 12's :60 is no minute.
            "2024-06-01,11,00,RES,DR,1.0,0,10,Initial,0,",
            "2024-06-01,11,15,RES,DR,1.0,0,10,Initial,0,",
            "2024-06-01,11,30,RES,DR,1.0,0,10,Initial,0,",
            "2024-06-01,12,60,RES,DR,1.0,0,10,Initial,0,",
        ], header: Self.header)
        let summary = try harness.load("quarter.csv")
        #expect(summary.read == 8 && summary.inserted == 1 && summary.rejected == 4 && summary.intervalRowsCombined == 3)
        #expect(summary.read == summary.inserted + summary.updated + summary.unchanged + summary.rejected + summary.intervalRowsCombined)
        let row = try harness.connection.execute("""
            select loadlal, genlal, metercount, source_line, available_at = '2024-06-16 07:00'::timestamp at time zone
                   'America/Los_Angeles' as latest, hour_start_utc = '2024-06-01 17:00+00' as utc_hour
            from gridcast_input_dev.sqmd
            """, name: "the hour").first
        #expect(row?.double("loadlal") == 10 && abs((row?.double("genlal") ?? 0) - 1.0) < 1e-9)
        #expect(row?.int("metercount") == 11 && row?.int("source_line") == 2)
        #expect(row?.bool("latest") == true && row?.bool("utc_hour") == true)
        let rejects = try harness.rejects("quarter.csv")
        let incomplete = "incomplete_hour: 3 of the hour's 4 15-minute intervals (minutes 00,15,30); the hour is loaded only when complete"
        #expect(rejects[6] == incomplete && rejects[7] == incomplete && rejects[8] == incomplete)
        #expect(rejects[9] == "bad_minute: trademinutestartlocal '60' is not a minute 0-59")
    }

    @Test("half-hourly rows over the fall-back hour: each occurrence of the repeated hour is its own complete hour")
    func halfHoursOverDST() throws {
        let harness = try SQMDHarness("sqmdhalf")
        try harness.write("half.csv", lines: [
            "2024-11-03,1,0,RES,DR,1,0,10,Final,0,", "2024-11-03,1,30,RES,DR,2,0,10,Final,0,",
            "2024-11-03,1,0,RES,DR,5,0,10,Final,1,", "2024-11-03,1,30,RES,DR,6,0,10,Final,1,",
            // A repeated interval is a duplicate; the hour is still complete without it.
            "2024-11-03,2,0,RES,DR,1,0,10,Final,0,", "2024-11-03,2,30,RES,DR,1,0,10,Final,0,",
            "2024-11-03,2,30,RES,DR,9,0,10,Final,0,",
        ], header: Self.header)
        let summary = try harness.load("half.csv")
        #expect(summary.inserted == 3 && summary.rejected == 1 && summary.intervalRowsCombined == 3)
        #expect(try harness.strings("""
            select to_char(hour_start_utc at time zone 'UTC', 'HH24') || '=' || loadlal
            from gridcast_input_dev.sqmd order by hour_start_utc
            """) == ["08=3", "09=11", "10=2"])
        #expect(try harness.rejects("half.csv")[8]?.hasPrefix("duplicate_key: duplicate of line 7") == true)
    }

    @Test("an hourly file with the minute column (all 0) or without it loads the same rows")
    func hourlyUnchanged() throws {
        let harness = try SQMDHarness("sqmdhourly")
        try harness.write("with.csv", lines: ["2024-06-01,10,0,RES,DR,4,0,10,Initial,0,", "2024-06-01,11,0,RES,DR,5,0,10,Initial,0,"],
                          header: Self.header)
        try harness.write("without.csv", lines: ["2024-06-01,10,RES,DR,4,0,10,Initial,0", "2024-06-01,11,RES,DR,5,0,10,Initial,0"])
        let with = try harness.load("with.csv")
        #expect(with.inserted == 2 && with.intervalRowsCombined == 0)
        let without = try harness.load("without.csv")
        #expect(without.unchanged == 2 && without.inserted == 0 && without.updated == 0)
    }
}
