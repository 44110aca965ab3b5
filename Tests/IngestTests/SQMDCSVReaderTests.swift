import Foundation
@testable import Ingest
import Testing

/// The streaming record reader on its own, with chunks small enough to split records, quotes and CRLFs.
@Suite("SQMD CSV reader")
struct SQMDCSVReaderTests {
    static func records(_ bytes: [UInt8], chunk: Int, maxRecordBytes: Int = 1 << 20) throws -> [(Int, String, String?)] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-csv-\(UUID().uuidString)")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var result: [(Int, String, String?)] = []
        try CSVRecordReader(handle: handle, chunkSize: chunk, maxRecordBytes: maxRecordBytes).forEachRecord {
            result.append(($0.line, String(decoding: $0.bytes, as: UTF8.self), $0.problem))
        }
        return result
    }

    @Test("records are the same whatever the chunk size", arguments: [16, 17, 23, 64, 1 << 20])
    func chunkBoundaries(chunk: Int) throws {
        let text = "\u{FEFF}a,b\r\n\"x\r\ny\",2\r\n\r\n\"q\"\"uote\",3\nlast,4"
        let got = try Self.records(Array(text.utf8), chunk: chunk)
        #expect(got.map(\.0) == [1, 2, 4, 5, 6])
        #expect(got.map(\.1) == ["a,b", "\"x\r\ny\",2", "", "\"q\"\"uote\",3", "last,4"])
        #expect(got.allSatisfy { $0.2 == nil })
    }

    @Test("a quote inside an unquoted value does not open a quoted field that swallows the next lines")
    func strayQuote() throws {
        let got = try Self.records(Array("a\"b,c\nd,\"e\"\"\"\nf\"".utf8), chunk: 16)
        #expect(got.map(\.0) == [1, 2, 3])
        #expect(got.map(\.1) == ["a\"b,c", "d,\"e\"\"\"", "f\""])
    }

    @Test("an over-long line is reported once and skipped to its end")
    func overlongLine() throws {
        let text = "h\n" + String(repeating: "x", count: 500) + "\nok\n"
        let got = try Self.records(Array(text.utf8), chunk: 32, maxRecordBytes: 100)
        #expect(got.map(\.0) == [1, 2, 3])
        #expect(got[1].2 == "the line is longer than 100 bytes")
        #expect(got[2].1 == "ok")
    }

    @Test("fields split per RFC 4180")
    func fields() throws {
        func split(_ text: String) -> [String]? { try? CSVRecordParser.split(Array(text.utf8)[...]).get() }
        #expect(split("a,\"b,c\",\"d\"\"e\",") == ["a", "b,c", "d\"e", ""])
        #expect(split("") == [""])
        #expect(split("\"a\"b") == nil)
        #expect(split("a\"b") == nil)
        #expect(CSVRecordParser.firstInvalidUTF8Offset(Array("héllo".utf8)[...]) == nil)
        #expect(CSVRecordParser.firstInvalidUTF8Offset(([0x61, 0xC3, 0x28] as [UInt8])[...]) == 1)
    }
}
