import Foundation
import Ingest
import Testing
import TestSupport
import Warehouse

@Suite("SQMD loader: rejects, limits and the run log")
struct SQMDRejectTests {
    /// One good row and one row per kind of problem; the expected reason of each line.
    static let cases: [(line: String, reason: String?)] = [
        ("2024-06-01,10,RES,DR,100.5,0,50,Initial,0", nil),
        ("2024-13-01,10,RES,DR,1,0,50,Initial,0", "bad_date: tradedatelocal '2024-13-01' is not a date (YYYY-MM-DD)"),
        ("2023-02-29,10,RES,DR,1,0,50,Initial,0", "bad_date: tradedatelocal '2023-02-29' is not a date (YYYY-MM-DD)"),
        ("2024-06-01,24,RES,DR,1,0,50,Initial,0", "bad_hour: tradehourstartlocal '24' is not an hour 0-23"),
        ("2024-03-10,2,RES,DR,1,0,50,Initial,0",
         "nonexistent_hour: hour 2 does not exist on 2024-03-10 in America/Los_Angeles (clocks spring forward)"),
        ("2024-06-01,5,RES,DR,1,0,50,Initial,1",
         "not_repeated_hour: dst_fold=1 but hour 5 of 2024-06-01 is not repeated in America/Los_Angeles"),
        ("2024-06-01,6,RES,DR,1,0,50,Initial,2", "bad_dst_fold: dst_fold '2' is not 0 or 1"),
        ("2024-06-01,7,RES,DR,1,0,-3,Initial,0", "negative_metercount: metercount -3 is negative"),
        ("2024-06-01,7,RES,DR,1,0,4.5,Initial,0", "bad_metercount: metercount '4.5' is not an integer in range"),
        ("2024-06-01,8,RES,DR,1,0,50,Prelim,0", "unknown_submission: submission 'Prelim' is not Initial or Final"),
        ("2024-06-01,10,RES,DR,999,0,50,Initial,0", "duplicate_key: duplicate of line 2"),
        ("2024-06-01,9,RES,DR,1,0,50,Initial", "wrong_column_count: expected 9 fields, found 8"),
        ("2024-06-01,9,RES,DR,abc,0,50,Initial,0", "bad_number: loadlal 'abc' is not a decimal number in range"),
        ("2024-06-01,9,RES,DR,1e999,0,50,Initial,0", "bad_number: loadlal '1e999' is not a decimal number in range"),
        ("2024-06-01,9,RES,DR,NaN,0,50,Initial,0", "not_finite: loadlal NaN is not a finite number"),
        ("2024-06-01,9,RES,DR,1,-Infinity,50,Initial,0", "not_finite: genlal -Infinity is not a finite number"),
        ("2024-06-01,9,,DR,1,0,50,Initial,0", "empty_field: loadprofile is empty"),
        ("2024-06-01,9,RES,  ,1,0,50,Initial,0", "empty_field: rategroup is empty"),
        ("2024-06-01,9,RES,\"DR\"x,1,0,50,Initial,0", "unparsable_csv: field 4 has text after its closing quote"),
        ("2024-06-01,9,RES,D\"R,1,0,50,Initial,0", "unparsable_csv: field 4 has a quote inside an unquoted value"),
        ("0000-01-01,9,RES,DR,1,0,50,Initial,0", "bad_date: tradedatelocal '0000-01-01' is not a date (YYYY-MM-DD)"),
        // Values too long for an index entry once aborted the whole load (exit 7, no line number).
        ("2024-06-01,9,\(String(repeating: "R", count: 6000)),DR,1,0,50,Initial,0",
         "field_too_long: loadprofile has 6000 characters (at most 64)"),
        ("2024-06-01,9,RES,\(String(repeating: "D", count: 3000)),1,0,50,Initial,0",
         "field_too_long: rategroup has 3000 characters (at most 64)"),
        ("\(String(repeating: "2", count: 5000)),9,RES,DR,1,0,50,Initial,0",
         "bad_date: tradedatelocal '\(String(repeating: "2", count: 60))' is not a date (YYYY-MM-DD)"),
        ("2024-06-01,11,RES,DR,1.5e2,0,50,Initial,0", nil),
        ("2024-11-03,1,RES,DR,7,0,50,Initial,1", nil),
    ]

    static func file(extraBytes: [UInt8] = []) -> [UInt8] {
        Array((SQMDHarness.header + "\n" + cases.map { $0.line + "\n" }.joined()).utf8) + extraBytes
    }

    /// A line with an invalid UTF-8 byte (0xFF) and one with a NUL byte, appended after the cases.
    static let badBytes: [UInt8] = Array("2024-06-01,9,RES,D".utf8) + [0xFF] + Array("R,1,0,50,Initial,0\n".utf8)
        + Array("2024-06-01,9,RES,D".utf8) + [0x00] + Array("R,1,0,50,Initial,0\n".utf8)

    @Test("every kind of bad row is rejected with its reason while the good rows of the file load")
    func reasons() throws {
        let harness = try SQMDHarness("sqmdrejects")
        try harness.write("mixed.csv", bytes: Self.file(extraBytes: Self.badBytes))
        let summary = try harness.load("mixed.csv")
        let expected = Self.cases.filter { $0.reason != nil }.count + 2
        #expect(summary.read == Self.cases.count + 2)
        #expect(summary.rejected == expected && summary.inserted == 3)
        #expect(summary.read == summary.inserted + summary.updated + summary.unchanged + summary.rejected)
        let stored = try harness.rejects("mixed.csv")
        #expect(stored.count == expected)
        for (index, item) in Self.cases.enumerated() {
            #expect(stored[index + 2] == item.reason, "line \(index + 2): \(item.line)")
        }
        let utf8Line = Self.cases.count + 2
        #expect(stored[utf8Line] == "invalid_utf8: invalid UTF-8 byte sequence at byte 19 of the line")
        #expect(stored[utf8Line + 1] == "nul_byte: the line contains a NUL byte")
        // Raw lines are stored as given (invalid bytes shown as U+FFFD, NUL as U+2400).
        #expect(try harness.strings("""
            select raw_line from gridcast_input_dev.load_rejects where line_number in ($1, $2) order by line_number
            """, [utf8Line, utf8Line + 1]) == ["2024-06-01,9,RES,D\u{FFFD}R,1,0,50,Initial,0", "2024-06-01,9,RES,D\u{2400}R,1,0,50,Initial,0"])
        #expect(summary.rejectsByReason[.badDate] == 4 && summary.rejectsByReason[.notFinite] == 2)
        #expect(summary.rejectsByReason[.fieldTooLong] == 2)
        #expect(summary.rejectsByReason[.duplicateKey] == 1 && summary.rejectsByReason[.invalidUTF8] == 1)
        #expect(summary.rejectsByReason.values.reduce(0, +) == expected)
        // The first occurrence of the duplicated key is the one kept.
        #expect(try harness.int("select loadlal::int as n from gridcast_input_dev.sqmd where tradehourstartlocal = 10") == 100)
    }

    @Test("a quote left open is one reject, and reading resumes on the next line; a quoted newline is data")
    func unterminatedQuote() throws {
        let harness = try SQMDHarness("sqmdquote")
        try harness.write("quotes.csv", lines: [
            "2024-06-01,1,RES,\"DR\nX\",1,0,50,Initial,0",
            "2024-06-01,2,RES,\"DR,1,0,50,Initial,0",
            "2024-06-01,3,RES,DR,1,0,50,Initial,0",
        ])
        let summary = try harness.load("quotes.csv", options: SQMDLoadOptions(maxRecordBytes: 64))
        #expect(summary.read == 3 && summary.inserted == 2 && summary.rejected == 1)
        #expect(try harness.rejects("quotes.csv") == [4: "unparsable_csv: a quoted field is not closed within 64 bytes"])
        #expect(try harness.strings("select rategroup from gridcast_input_dev.sqmd order by tradehourstartlocal") == ["DR\nX", "DR"])
        #expect(try harness.strings("select source_line::text from gridcast_input_dev.sqmd order by tradehourstartlocal") == ["2", "5"])
    }

    @Test("more rejects than maxRejects: nothing merged, the rejects kept under the run id, the error says where")
    func maxRejects() throws {
        let harness = try SQMDHarness("sqmdmax")
        try harness.write("good.csv", lines: ["2024-05-01,1,RES,DR,1,0,50,Initial,0"])
        _ = try harness.load("good.csv")
        try harness.write("mixed.csv", bytes: Self.file())
        let rejected = Self.cases.filter { $0.reason != nil }.count
        do {
            _ = try harness.load("mixed.csv", options: SQMDLoadOptions(maxRejects: 3))
            Issue.record("the load succeeded")
        } catch let error as SQMDLoadError {
            guard case let .tooManyRejects(count, limit, _, runID, table, _, _) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(count == rejected && limit == 3 && table == "\"gridcast_input_dev\".load_rejects")
            #expect(error.description.contains("Rejected \(rejected) of \(Self.cases.count) rows, more than the limit of 3"))
            #expect(error.description.contains("where run_id = '\(runID.uuidString.lowercased())'"))
            #expect(try harness.int("select count(*) as n from gridcast_input_dev.load_rejects where run_id = $1::uuid",
                                    [runID.uuidString]) == rejected)
        }
        #expect(harness.sqmdCount == 1)   // only the earlier file's row
        // A retry of the still-bad file supersedes its rejects instead of piling them up (was 2x, 3x, ...);
        // the superseded ones stay in load_rejects (the loader cannot delete them).
        #expect(throws: SQMDLoadError.self) { _ = try harness.load("mixed.csv", options: SQMDLoadOptions(maxRejects: 3)) }
        #expect(try harness.int("select count(*) as n from gridcast_input_dev.vw_load_rejects_current") == rejected)
        #expect(try harness.int("select count(*) as n from gridcast_input_dev.load_rejects") == 2 * rejected)
        let runs = try harness.runs()
        #expect(runs.first?.status == "failed" && runs.first?.error?.contains("max rejects") == true)
        // Within the limit, the same file loads; its earlier rejects are replaced, not added to.
        let summary = try harness.load("mixed.csv", options: SQMDLoadOptions(maxRejects: rejected))
        #expect(summary.inserted == 3 && summary.rejected == rejected)
        #expect(try harness.int("select count(*) as n from gridcast_input_dev.vw_load_rejects_current") == rejected)
        #expect(try harness.int("""
            select count(*) as n from gridcast_input_dev.load_rejects r
            where r.superseded_at is not null
              and r.superseded_by = (select run_id from gridcast_input_dev.vw_load_rejects_current limit 1)
            """) == rejected, "the successful load superseded the second failed load's rejects")
    }

    @Test("a file that is not SQMD at all stops being read once the rejects pass --max-rejects")
    func maxRejectsStopsEarly() throws {
        let harness = try SQMDHarness("sqmdstop")
        let garbage = (1...5000).map { "line \($0) of something else entirely" }
        try harness.write("wrong.csv", lines: garbage)
        try harness.write("after.csv", lines: ["2024-05-01,1,RES,DR,1,0,50,Initial,0"])
        do {
            _ = try harness.load(["wrong.csv", "after.csv"], options: SQMDLoadOptions(maxRejects: 10))
            Issue.record("the load succeeded")
        } catch let SQMDLoadError.tooManyRejects(count, _, read, runID, _, _, stopped) {
            #expect(count == 11 && read == 11, "read \(read) rows and rejected \(count) before stopping")
            #expect(stopped?.hasSuffix("wrong.csv at data record 11") == true, "\(stopped ?? "nil")")
            #expect(try harness.int("select count(*) as n from gridcast_input_dev.load_rejects where run_id = $1::uuid",
                                    [runID.uuidString]) == 11)
        }
        #expect(harness.sqmdCount == 0)
    }

    @Test("a DBA's lock on the table stalls only the ANALYZE after the commit: the load succeeds with a warning")
    func analyzeBlockedAfterCommit() throws {
        let harness = try SQMDHarness("sqmdanalyze")
        try harness.write("ok.csv", lines: SQMDLoaderTests.initial)
        // SHARE UPDATE EXCLUSIVE is what a VACUUM or another ANALYZE holds; ANALYZE waits for it.
        let dba = try Connection.open(harness.target)
        try dba.execute("begin", name: "dba transaction")
        try dba.execute("lock table gridcast_input_dev.sqmd in share update exclusive mode", name: "dba lock")
        defer { _ = try? dba.execute("rollback", name: "release") }
        let started = Date()
        let summary = try harness.load("ok.csv")
        #expect(summary.inserted == SQMDLoaderTests.initial.count)
        #expect(Date().timeIntervalSince(started) < 60, "the load waited for the DBA's lock instead of giving up the ANALYZE")
        #expect(try harness.runs().first?.status == "succeeded")
    }

    @Test("the run log records a succeeded load with its rows and arguments, and a failed one with its error")
    func runLog() throws {
        let harness = try SQMDHarness("sqmdrunlog")
        try harness.write("ok.csv", lines: SQMDLoaderTests.initial)
        _ = try harness.load("ok.csv")
        #expect(throws: SQMDLoadError.self) { try harness.load("missing.csv") }
        let runs = try harness.runs()
        #expect(runs.count == 2)
        #expect(runs.last?.status == "succeeded" && runs.last?.rows == 3 && runs.last?.error == nil)
        #expect(runs.last?.arguments.contains("\"sources\": [\"ok.csv\"]") == true)
        #expect(runs.last?.arguments.contains("\"time_zone\": \"America/Los_Angeles\"") == true)
        #expect(runs.first?.status == "failed" && runs.first?.error?.contains("Cannot read SQMD source") == true)
        #expect(try harness.int("""
            select count(*) as n from gridcast_operational_dev.run_log where finished_at is null or status = 'running'
            """) == 0)
    }

    @Test("the loader role can run a load on its own privileges")
    func loaderRole() throws {
        let harness = try SQMDHarness("sqmdrole")
        try harness.write("mixed.csv", bytes: Self.file())
        let runLogConnection = try Connection.open(harness.target)
        for connection in [harness.connection, runLogConnection] {
            try connection.execute("set role gridcast_loader_dev", name: "become loader")
        }
        let loader = SQMDLoader(layout: SQMDHarness.layout)
        let source = SQMDSource.file(harness.directory.appendingPathComponent("mixed.csv").path)
        _ = try loader.load([source], on: harness.connection, runLog: try RunLog(connection: runLogConnection, layout: SQMDHarness.layout))
        let again = try loader.load([source], on: harness.connection, runLog: try RunLog(connection: runLogConnection, layout: SQMDHarness.layout))
        #expect(again.unchanged == 3 && again.inserted == 0)
        try harness.connection.execute("reset role", name: "reset role")
        #expect(harness.rejectCount == Self.cases.filter { $0.reason != nil }.count)
    }
}
