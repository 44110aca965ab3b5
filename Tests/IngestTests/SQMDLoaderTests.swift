import Foundation
import Ingest
import Testing
import TestSupport
import Warehouse

@Suite("SQMD loader: merge, precedence, idempotence")
struct SQMDLoaderTests {
    static let initial = [
        "2024-06-01,10,RES,NEM2,100.5,20.25,50,Initial,0",
        "2024-06-01,11,RES,NEM2,110.5,30.25,50,Initial,0",
        "2024-06-01,10,RES,DR,200,0,80,Initial,0",
    ]
    static let final = [
        "2024-06-01,10,RES,NEM2,101.5,21.25,52,Final,0",
        "2024-06-01,11,RES,NEM2,111.5,31.25,52,Final,0",
        "2024-06-01,10,RES,DR,201,0,81,Final,0",
    ]

    static func effective(_ harness: SQMDHarness) throws -> [String] {
        try harness.strings("""
            select rategroup || ' ' || tradehourstartlocal || ' ' || submission || ' ' || loadlal || ' ' || genlal || ' ' || metercount
            from gridcast_input_dev.vw_sqmd_effective order by rategroup, tradehourstartlocal
            """)
    }

    static let expectedFinal = ["DR 10 Final 201 0 81", "NEM2 10 Final 101.5 21.25 52", "NEM2 11 Final 111.5 31.25 52"]

    @Test("Final supersedes Initial when Initial is loaded first")
    func finalAfterInitial() throws {
        let harness = try SQMDHarness("sqmdfinal1")
        try harness.write("initial.csv", lines: Self.initial)
        try harness.write("final.csv", lines: Self.final)
        let first = try harness.load("initial.csv")
        #expect(first.inserted == 3 && first.updated == 0 && first.rejected == 0)
        #expect(try Self.effective(harness).allSatisfy { $0.contains("Initial") })
        let second = try harness.load("final.csv")
        #expect(second.inserted == 3 && second.updated == 0)
        #expect(try Self.effective(harness) == Self.expectedFinal)
        #expect(harness.sqmdCount == 6)   // both submissions kept
        // The loader refreshes the table's statistics itself rather than leaving the planner to autovacuum.
        #expect(try harness.int("""
            select count(*) as n from pg_stat_user_tables
            where schemaname = 'gridcast_input_dev' and relname = 'sqmd' and last_analyze is not null
            """) == 1)
    }

    /// The hourly actuals table BI reads, and the view it caches, as comparable lines.
    static func actuals(_ harness: SQMDHarness, _ relation: String) throws -> [String] {
        try harness.strings("""
            select load_profile || '-' || load_segment || ' ' || tradehourstartlocal || ' ' || net_load_kwh || ' '
                   || meter_count || ' ' || all_final
            from gridcast_operational_dev.\(relation) order by 1
            """)
    }

    @Test("each load rebuilds the hourly actuals of its trade dates, equal to the actuals view")
    func hourlyActualsFollowLoads() throws {
        let harness = try SQMDHarness("sqmdactuals")
        try harness.write("initial.csv", lines: Self.initial)
        try harness.write("final.csv", lines: Self.final)
        _ = try harness.load("initial.csv")
        let afterInitial = try Self.actuals(harness, "series_actuals_hourly")
        #expect(afterInitial == ["RES-NONSOLAR 10 200 80 false", "RES-SOLAR 10 80.25 50 false", "RES-SOLAR 11 80.25 50 false"])
        _ = try harness.load("final.csv")
        let afterFinal = try Self.actuals(harness, "series_actuals_hourly")
        #expect(afterFinal == ["RES-NONSOLAR 10 201 81 true", "RES-SOLAR 10 80.25 52 true", "RES-SOLAR 11 80.25 52 true"])
        #expect(afterFinal == (try Self.actuals(harness, "vw_series_actuals_hourly")))
        // A DBA's hand edit shows after the documented refresh, and only then.
        try harness.connection.execute("update gridcast_input_dev.sqmd set loadlal = 500 where rategroup = 'DR'", name: "hand edit")
        #expect(try Self.actuals(harness, "series_actuals_hourly") == afterFinal)
        try harness.connection.execute("select gridcast_operational_dev.refresh_series_actuals()", name: "refresh")
        #expect(try Self.actuals(harness, "series_actuals_hourly").first == "RES-NONSOLAR 10 500 81 true")
    }

    @Test("an Initial loaded after the Final never overwrites it")
    func initialAfterFinal() throws {
        let harness = try SQMDHarness("sqmdfinal2")
        try harness.write("final.csv", lines: Self.final)
        try harness.write("initial.csv", lines: Self.initial)
        _ = try harness.load("final.csv")
        let late = try harness.load("initial.csv")
        #expect(late.inserted == 3 && late.updated == 0)
        #expect(try Self.effective(harness) == Self.expectedFinal)
        #expect(try harness.int("""
            select count(*) as n from gridcast_input_dev.sqmd where submission = 'Final' and loadlal in (101.5, 111.5, 201)
            """) == 3)
    }

    @Test("loading the same file twice changes nothing and says so")
    func reloadIsIdempotent() throws {
        let harness = try SQMDHarness("sqmdreload")
        try harness.write("day.csv", lines: Self.initial + ["2024-06-01,xx,RES,DR,1,0,1,Initial,0", "not,enough,fields"])
        let first = try harness.load("day.csv")
        #expect(first.read == 5 && first.inserted == 3 && first.rejected == 2)
        let (rows, rejects) = (harness.sqmdCount, harness.rejectCount)
        let loadedAt = try harness.strings("select max(loaded_at)::text from gridcast_input_dev.sqmd")
        let second = try harness.load("day.csv")
        #expect(second.read == 5 && second.inserted == 0 && second.updated == 0 && second.unchanged == 3 && second.rejected == 2)
        #expect(harness.sqmdCount == rows && harness.rejectCount == rejects && rejects == 2)
        #expect(try harness.strings("select max(loaded_at)::text from gridcast_input_dev.sqmd") == loadedAt)
        // The current rejects are the second load's (superseding, not duplicating, the first load's).
        #expect(try harness.int("select count(distinct run_id) as n from gridcast_input_dev.vw_load_rejects_current") == 1)
        #expect(try harness.strings("select run_id::text from gridcast_input_dev.vw_load_rejects_current limit 1")
                == [second.runID.uuidString.lowercased()])
        #expect(try harness.strings("select distinct superseded_by::text from gridcast_input_dev.load_rejects where superseded_at is not null")
                == [second.runID.uuidString.lowercased()])
    }

    @Test("a corrected file updates only the rows whose values changed")
    func correctedFileUpdates() throws {
        let harness = try SQMDHarness("sqmdupdate")
        try harness.write("v1.csv", lines: Self.initial)
        _ = try harness.load("v1.csv")
        var corrected = Self.initial
        corrected[1] = "2024-06-01,11,RES,NEM2,999,30.25,50,Initial,0"
        try harness.write("v1.csv", lines: corrected + ["2024-06-01,12,RES,NEM2,1,2,50,Initial,0"])
        let summary = try harness.load("v1.csv")
        #expect(summary.inserted == 1 && summary.updated == 1 && summary.unchanged == 2)
        #expect(summary.read == summary.inserted + summary.updated + summary.unchanged + summary.rejected)
        #expect(try harness.int("select loadlal::int as n from gridcast_input_dev.sqmd where tradehourstartlocal = 11") == 999)
    }

    @Test("columns in any order, quoted fields, optional dst_fold, case-insensitive header and submission")
    func flexibleHeader() throws {
        let harness = try SQMDHarness("sqmdheader")
        try harness.write("shuffled.csv", [
            "Submission,METERCOUNT,genlal,loadlal,rategroup,loadprofile,tradehourstartlocal,tradedatelocal",
            #"final,12,"0","1.5",NEM2,"RES",7,2024-06-02"#,
            "",
            #"INITIAL,12,0,"2.5","SBP ""legacy""",RES, 8 ,2024-06-02"#,
        ].map { $0 + "\n" }.joined())
        let summary = try harness.load("shuffled.csv")
        #expect(summary.rejected == 0 && summary.inserted == 2)
        #expect(summary.files.first?.blankLines == 1)
        #expect(try harness.strings("select rategroup || '|' || submission || '|' || dst_fold from gridcast_input_dev.sqmd order by 1")
                == ["NEM2|Final|0", "SBP \"legacy\"|Initial|0"])
    }

    @Test("a header with an unknown or missing column fails the load with a clear error and loads nothing")
    func badHeader() throws {
        let harness = try SQMDHarness("sqmdbadheader")
        try harness.write("extra.csv", lines: ["2024-06-01,1,RES,DR,1,0,1,Initial,0,x"], header: SQMDHarness.header + ",comment")
        try harness.write("missing.csv", "tradedatelocal,tradehourstartlocal,loadprofile,rategroup,loadlal,genlal,submission\n")
        for (file, fragment) in [("extra.csv", "unknown column 'comment' at position 10"), ("missing.csv", "missing column(s) metercount")] {
            do {
                _ = try harness.load(file)
                Issue.record("\(file) loaded")
            } catch let error as SQMDLoadError {
                guard case .invalidHeader = error else { Issue.record("wrong error \(error)"); continue }
                #expect(error.description.contains(file) && error.description.contains(fragment), "\(error)")
            }
        }
        #expect(harness.sqmdCount == 0 && harness.rejectCount == 0)
        #expect(try harness.runs().map(\.status) == ["failed", "failed"])
    }

    @Test("an empty file and a header-only file load nothing and do not fail")
    func emptyFiles() throws {
        let harness = try SQMDHarness("sqmdempty")
        try harness.write("empty.csv", "")
        try harness.write("header.csv", SQMDHarness.header + "\r\n")
        let empty = try harness.load("empty.csv")
        #expect(empty.read == 0 && empty.inserted == 0 && empty.rejected == 0)
        #expect(empty.files.first?.note == "empty input: no header row")
        let headerOnly = try harness.load("header.csv")
        #expect(headerOnly.read == 0 && headerOnly.rejected == 0 && headerOnly.files.first?.note == nil)
        #expect(harness.sqmdCount == 0)
        #expect(try harness.runs().map(\.status) == ["succeeded", "succeeded"])
    }

    @Test("a BOM on the header and CRLF line ends are handled, and a missing final newline too")
    func bomAndCRLF() throws {
        let harness = try SQMDHarness("sqmdbom")
        let text = ([SQMDHarness.header] + Self.initial).joined(separator: "\r\n")
        try harness.write("bom.csv", bytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8))
        let summary = try harness.load("bom.csv")
        #expect(summary.files.first?.hadByteOrderMark == true)
        #expect(summary.inserted == 3 && summary.rejected == 0)
        #expect(try harness.strings("select distinct submission from gridcast_input_dev.sqmd") == ["Initial"])
        #expect(try harness.int("select max(source_line) as n from gridcast_input_dev.sqmd") == 4)
    }

    @Test("the time zone can come from weather_locations; unknown zones and locations are refused")
    func timeZoneOptions() throws {
        let harness = try SQMDHarness("sqmdzone")
        try harness.write("dst.csv", lines: ["2024-03-10,2,RES,DR,1,0,20,Initial,0"])
        let viaLocation = try harness.load("dst.csv", options: SQMDLoadOptions(timeZone: .location("san_diego")))
        #expect(viaLocation.timeZone == "America/Los_Angeles" && viaLocation.rejected == 1)
        // RES is forecast in San Diego: read in UTC it is refused (SQMDTimeZoneTests); a profile of no series loads.
        #expect(throws: SQMDLoadError.self) { try harness.load("dst.csv", options: SQMDLoadOptions(timeZone: .named("UTC"))) }
        try harness.write("utc.csv", lines: ["2024-03-10,2,LRGX,DR,1,0,20,Initial,0"])
        let utc = try harness.load("utc.csv", options: SQMDLoadOptions(timeZone: .named("UTC")))
        #expect(utc.rejected == 0 && utc.inserted == 1)
        #expect(throws: SQMDLoadError.self) { try harness.load("dst.csv", options: SQMDLoadOptions(timeZone: .named("Mars/Olympus"))) }
        #expect(throws: SQMDLoadError.self) { try harness.load("dst.csv", options: SQMDLoadOptions(timeZone: .location("atlantis"))) }
    }

    @Test("several files load as one unit; a key repeated in a later file is a duplicate of the earlier file's line")
    func severalFiles() throws {
        let harness = try SQMDHarness("sqmdmulti")
        try harness.write("a.csv", lines: Self.initial)
        try harness.write("b.csv", lines: [Self.initial[0], "2024-06-02,0,RES,DR,5,0,80,Initial,0"])
        let summary = try harness.load(["a.csv", "b.csv"])
        #expect(summary.read == 5 && summary.inserted == 4 && summary.rejected == 1)
        #expect(summary.files.map(\.rejected) == [0, 1])
        #expect(try harness.rejects("b.csv") == [2: "duplicate_key: duplicate of a.csv line 2"])
        #expect(try harness.strings("select distinct source_file from gridcast_input_dev.sqmd order by 1") == ["a.csv", "b.csv"])
    }
}
