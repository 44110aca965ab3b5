import Foundation
import Ingest
import Testing
import TestSupport
import Warehouse

/// What the loaders record about *when* an input became known: SQMD `available_at` and the issue
/// times of Open-Meteo Previous Runs forecasts. The as-known feature rules stand on these.
@Suite("Loaders: when inputs became known")
struct AsKnownInputTests {
    static let headerWithArrival = SQMDHarness.header + ",available_at"

    @Test("SQMD available_at: offsets, local times and dates are read as instants; bad or impossible ones are rejected")
    func sqmdAvailableAt() throws {
        let harness = try SQMDHarness("sqmdavail")
        try harness.write("arrivals.csv", lines: [
            "2024-06-01,10,RES,DR,100,0,50,Initial,0,2024-06-15T06:00:00Z",      // UTC
            "2024-06-01,11,RES,DR,100,0,50,Initial,0,2024-06-15 06:00",          // local (PDT) without offset
            "2024-06-01,12,RES,DR,100,0,50,Initial,0,2024-06-15",                // a date: the end of that local day
            "2024-06-01,13,RES,DR,100,0,50,Initial,0,2024-06-15T06:00:00-04:00", // another offset
            "2024-06-01,14,RES,DR,100,0,50,Initial,0,",                          // empty: the load time
            "2024-06-01,15,RES,DR,100,0,50,Initial,0,next tuesday",
            "2024-06-01,16,RES,DR,100,0,50,Initial,0,2024-02-30",
            "2024-06-01,17,RES,DR,100,0,50,Initial,0,2024-06-01T17:30",          // before hour 17 ended
        ], header: Self.headerWithArrival)
        let summary = try harness.load("arrivals.csv")
        #expect(summary.inserted == 5 && summary.rejected == 3)
        let stored = try harness.strings("""
            select tradehourstartlocal || ' ' || to_char(available_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI')
            from gridcast_input_dev.sqmd where tradehourstartlocal <> 14 order by tradehourstartlocal
            """)
        #expect(stored == ["10 2024-06-15 06:00", "11 2024-06-15 13:00", "12 2024-06-16 07:00", "13 2024-06-15 10:00"])
        #expect(try harness.int("""
            select count(*) as n from gridcast_input_dev.sqmd
            where tradehourstartlocal = 14 and available_at > now() - interval '5 minutes' and available_at <= now()
            """) == 1)
        let rejects = try harness.rejects("arrivals.csv")
        #expect(rejects[7]?.hasPrefix("bad_available_at: available_at 'next tuesday' is not a date or timestamp") == true, "\(rejects)")
        #expect(rejects[8]?.hasPrefix("bad_available_at: available_at '2024-02-30'") == true, "\(rejects)")
        #expect(rejects[9] == "available_before_hour: available_at '2024-06-01T17:30' is before the hour it measures ended",
                "\(rejects)")
    }

    @Test("vw_sqmd_known: an Initial is the known value until its Final arrives; reloading the same file changes nothing")
    func knownSpans() throws {
        let harness = try SQMDHarness("sqmdspans")
        try harness.write("initial.csv", lines: ["2024-06-01,10,RES,DR,100,0,50,Initial,0,2024-06-15T13:00:00Z"],
                          header: Self.headerWithArrival)
        try harness.write("final.csv", lines: ["2024-06-01,10,RES,DR,120,0,50,Final,0,2024-07-19T13:00:00Z"],
                          header: Self.headerWithArrival)
        _ = try harness.load(["initial.csv", "final.csv"])
        #expect(try harness.strings("""
            select submission || ' ' || loadlal || ' ' || to_char(known_from at time zone 'UTC', 'MM-DD')
                   || '..' || case when known_until = 'infinity' then 'inf' else to_char(known_until at time zone 'UTC', 'MM-DD') end
            from gridcast_input_dev.vw_sqmd_known order by known_from
            """) == ["Initial 100 06-15..07-19", "Final 120 07-19..inf"])
        let again = try harness.load(["initial.csv", "final.csv"])
        #expect(again.unchanged == 2 && again.inserted == 0 && again.updated == 0)
        // A file without the column: the load time, and a reload of the same values keeps the first arrival.
        try harness.write("plain.csv", lines: ["2024-06-02,10,RES,DR,100,0,50,Initial,0"])
        _ = try harness.load("plain.csv")
        let first = try harness.strings("select available_at::text from gridcast_input_dev.sqmd where tradedatelocal = '2024-06-02'")
        _ = try harness.load("plain.csv")
        #expect(try harness.strings("select available_at::text from gridcast_input_dev.sqmd where tradedatelocal = '2024-06-02'") == first)
    }

    /// The fixture's response reshaped as Open-Meteo's Previous Runs API serves it: every variable once
    /// per lead, `_previous_day1` and `_previous_day2`; the day-2 temperature is 1 degC warmer.
    static func previousRuns(_ fixture: WeatherFixture) throws -> String {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(fixture.json.utf8)) as? [String: Any])
        for section in ["hourly", "hourly_units"] {
            guard let columns = object[section] as? [String: Any] else { continue }
            var reshaped: [String: Any] = ["time": columns["time"] as Any]
            for (name, values) in columns where name != "time" {
                reshaped[name + "_previous_day1"] = values
                if section == "hourly", name == "temperature_2m", let numbers = values as? [Double] {
                    reshaped[name + "_previous_day2"] = numbers.map { $0 + 1 }
                } else {
                    reshaped[name + "_previous_day2"] = values
                }
            }
            object[section] = reshaped
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test("a Previous Runs file loads each lead as its own vintage, issued 24 and 48 hours before each hour")
    func previousRunsVintages() throws {
        let harness = try WeatherHarness("wxprev")
        let fixture = WeatherFixture(fromLocalMidnight: "2024-07-01", days: 2, utcOffsetSeconds: -25_200)
        let text = try Self.previousRuns(fixture)
        let summary = try harness.load("previous.json", text, options: WeatherLoadOptions(kind: .forecast))
        #expect(summary.inserted == 2 * fixture.hours)
        #expect(try harness.strings("""
            select lead_hours || ':' || count(*)
            from (select extract(epoch from valid_at - issued_at)::int / 3600 as lead_hours
                  from \(WeatherHarness.table) where kind = 'forecast') l
            group by lead_hours order by lead_hours
            """) == ["24:\(fixture.hours)", "48:\(fixture.hours)"])
        let expected = try #require(fixture.value(30, "temperature_2m"))
        #expect(try harness.connection.execute("""
            select temperature_2m from \(WeatherHarness.table) where valid_at = $1::timestamptz order by issued_at desc
            """, [fixture.instant(30)], name: "probe").rows.map { $0.double("temperature_2m") } == [expected, expected + 1])

        let path = harness.directory.appendingPathComponent("previous.json").path
        #expect(throws: WeatherLoadError.previousRunsNeedForecastKind(source: path)) {
            try harness.load("previous.json", text, options: WeatherLoadOptions(kind: .observed))
        }
        #expect(throws: WeatherLoadError.previousRunsCarryIssueTimes(source: path)) {
            try harness.load("previous.json", text, options: WeatherLoadOptions(kind: .forecast, issuedAt: Date()))
        }
    }
}
