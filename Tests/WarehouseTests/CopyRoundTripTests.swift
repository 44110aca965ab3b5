import Foundation
import Testing
import TestSupport
import Warehouse

@Suite("COPY streaming")
struct CopyRoundTripTests {
    /// Text that exercises every byte COPY's text format treats specially, plus non-ASCII.
    static func awkwardText(_ index: Int) -> String? {
        switch index % 9 {
        case 0: return nil
        case 1: return "plain \(index)"
        case 2: return "tab\there and\tthere"
        case 3: return "line one\nline two\r\nline three"
        case 4: return #"back\slash \N not null \\N"#
        case 5: return "quotes ' and \" and ; drop table x; --"
        case 6: return "Zürich – 東京 – 🌞 \(index)"
        case 7: return ""
        default: return "\\."
        }
    }

    @Test("100k rows round-trip exactly through COPY FROM STDIN and COPY TO STDOUT")
    func roundTrip100k() throws {
        let connection = try TestCluster.freshConnection("copy")
        try connection.execute("create table t (id int primary key, note text, value double precision, flag boolean)", name: "create")
        let count = 100_000
        let copied = try connection.copyIn("copy t (id, note, value, flag) from stdin", name: "copy in") { writer in
            for index in 0..<count {
                try writer.append(index)
                try writer.append(Self.awkwardText(index))
                if index % 7 == 0 { try writer.append(nil as String?) } else { try writer.append(Double(index) / 3.0) }
                try writer.append(index % 5 == 0 ? nil : (index % 2 == 0 ? "t" : "f"))
                try writer.endRow()
            }
        }
        #expect(copied == count)

        var seen = 0
        var mismatches: [Int] = []
        let received = try connection.copyOut("copy (select id, note, value, flag from t order by id) to stdout", name: "copy out") { row in
            guard let id = row.string(0).flatMap(Int.init) else { mismatches.append(-1); return }
            let expectedValue: Double? = id % 7 == 0 ? nil : Double(id) / 3.0
            let expectedFlag: String? = id % 5 == 0 ? nil : (id % 2 == 0 ? "t" : "f")
            if row.string(1) != Self.awkwardText(id) || row.double(2) != expectedValue || row.string(3) != expectedFlag {
                mismatches.append(id)
            }
            seen += 1
        }
        #expect(received == count)
        #expect(seen == count)
        #expect(mismatches.isEmpty, "rows that did not round-trip: \(mismatches.prefix(10))")
        // The server agrees on what it stored, independently of our decoder.
        let stats = try connection.execute("""
            select count(*) filter (where note is null) as nulls,
                   count(*) filter (where note like '%' || chr(9) || '%') as tabs,
                   count(*) filter (where note like '%' || chr(10) || '%') as newlines,
                   count(*) filter (where note = '') as empties,
                   sum(length(note)) as chars
            from t
            """, name: "stats").first
        // PostgreSQL length() counts code points, not grapheme clusters (\r\n is one grapheme).
        let expectedChars = (0..<count).reduce(0) { $0 + (Self.awkwardText($1)?.unicodeScalars.count ?? 0) }
        #expect(stats?.int("nulls") == (0..<count).filter { $0 % 9 == 0 }.count)
        #expect(stats?.int("tabs") == (0..<count).filter { $0 % 9 == 2 }.count)
        #expect(stats?.int("newlines") == (0..<count).filter { $0 % 9 == 3 }.count)
        #expect(stats?.int("empties") == (0..<count).filter { $0 % 9 == 7 }.count)
        #expect(stats?.int("chars") == expectedChars)
    }

    @Test("a COPY whose writer throws keeps nothing and leaves the connection usable")
    func abortedCopyKeepsNothing() throws {
        struct Stop: Error {}
        let connection = try TestCluster.freshConnection("copyabort")
        try connection.execute("create table t (id int)", name: "create")
        #expect(throws: Stop.self) {
            try connection.copyIn("copy t from stdin", name: "copy in") { writer in
                for index in 0..<50_000 { try writer.writeRow([String(index)]) }
                throw Stop()
            }
        }
        #expect(try connection.execute("select count(*) as n from t", name: "count").first?.int("n") == 0)
    }

    @Test("a bad value in COPY input surfaces the server's SQLSTATE and the line")
    func badCopyValue() throws {
        let connection = try TestCluster.freshConnection("copybad")
        try connection.execute("create table t (id int)", name: "create")
        do {
            try connection.copyIn("copy t from stdin", name: "load t") { writer in
                try writer.writeRow(["1"])
                try writer.writeRow(["two"])
            }
            Issue.record("expected an error")
        } catch let WarehouseError.server(error) {
            #expect(error.sqlstate == "22P02")
            #expect(error.statementName == "load t")
            #expect(error.context?.contains("line 2") == true)
        }
        #expect(try connection.execute("select count(*) as n from t", name: "count").first?.int("n") == 0)
    }

    @Test("a COPY TO consumer that throws cancels the query and the connection stays usable")
    func copyOutConsumerThrows() throws {
        struct Enough: Error {}
        let connection = try TestCluster.freshConnection("copyout")
        var rows = 0
        #expect(throws: Enough.self) {
            try connection.copyOut("copy (select g from generate_series(1, 2000000) g) to stdout", name: "copy out") { _ in
                rows += 1
                if rows == 10 { throw Enough() }
            }
        }
        #expect(rows == 10)
        #expect(try connection.execute("select 41 + 1 as answer", name: "after").first?.int("answer") == 42)
    }
}
