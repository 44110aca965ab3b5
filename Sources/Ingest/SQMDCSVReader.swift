import Foundation

/// One CSV record as it appeared in the input: the line it starts on, its bytes without the line
/// terminator, and the reason it could not be delimited, if any.
struct CSVRawRecord {
    /// 1-based physical line number where the record starts (the header is line 1).
    var line: Int
    /// The record's bytes, without the trailing LF or CRLF. Valid only while the record is handled.
    var bytes: ArraySlice<UInt8>
    /// Set when the record could not be delimited: a quote never closed, or a line over the size limit.
    var problem: String?
}

/// Reads RFC 4180 records from a file handle in fixed-size chunks, so memory stays flat whatever the
/// size of the file: records end at LF or CRLF outside double quotes, a quoted field may span lines,
/// and a UTF-8 byte order mark at the very start is skipped.
///
/// A quote that is never closed would swallow the rest of the file; instead, once a record grows past
/// `maxRecordBytes` (or the input ends inside quotes), its first physical line is reported as a record
/// with a `problem` and reading resumes on the next line, so one bad line costs one reject.
final class CSVRecordReader {
    private enum ScanState { case fieldStart, unquoted, quoted, quoteInQuoted }

    private let handle: FileHandle
    private let chunkSize: Int
    let maxRecordBytes: Int

    private var buffer: [UInt8] = []
    private var start = 0            // first byte of the current record
    private var scan = 0             // next byte to examine
    private var scanState = ScanState.fieldStart
    private var inQuotes: Bool { scanState == .quoted }
    private var newlinesInRecord = 0
    private var atEOF = false
    private var discarding = false   // skipping the rest of an over-long line
    private var startedReading = false
    private var nextLine = 1
    /// Bytes read from the input so far.
    private(set) var bytesRead = 0
    /// Whether the input began with a UTF-8 byte order mark (which was skipped).
    private(set) var hadByteOrderMark = false

    init(handle: FileHandle, chunkSize: Int = 1 << 20, maxRecordBytes: Int = 1 << 20) {
        self.handle = handle
        self.chunkSize = max(chunkSize, 16)
        self.maxRecordBytes = max(maxRecordBytes, 64)
        buffer.reserveCapacity(self.chunkSize * 2)
    }

    /// Calls `body` with each record in input order. The record's bytes are valid only during the call.
    func forEachRecord(_ body: (CSVRawRecord) throws -> Void) throws {
        while let record = try nextRecord() {
            try body(record)
        }
    }

    /// The next record, or nil at the end of the input.
    private func nextRecord() throws -> CSVRawRecord? {
        if !startedReading {
            startedReading = true
            try fill()
            if buffer.starts(with: [0xEF, 0xBB, 0xBF]) {
                hadByteOrderMark = true
                start = 3
                scan = 3
            }
        }
        while true {
            if discarding {
                if let newline = firstNewline(from: start) {
                    discarding = false
                    start = newline + 1
                    scan = start
                    nextLine += 1
                    continue
                }
                start = buffer.count
                scan = start
                if atEOF { return nil }
                try compactAndFill()
                continue
            }
            if let end = scanForRecordEnd() {
                let record = CSVRawRecord(line: nextLine, bytes: buffer[start..<trimmingCR(end)], problem: nil)
                nextLine += newlinesInRecord + 1
                resetRecord(at: end + 1)
                return record
            }
            if atEOF {
                if start >= buffer.count { return nil }
                if inQuotes { return resynchronise(reason: "a quoted field is never closed before the end of the input") }
                let record = CSVRawRecord(line: nextLine, bytes: buffer[start..<trimmingCR(buffer.count)], problem: nil)
                resetRecord(at: buffer.count)
                return record
            }
            if buffer.count - start > maxRecordBytes {
                if inQuotes, firstNewline(from: start) != nil {
                    return resynchronise(reason: "a quoted field is not closed within \(maxRecordBytes) bytes")
                }
                // One physical line longer than the limit: report its beginning, skip the rest.
                let record = CSVRawRecord(line: nextLine, bytes: buffer[start..<min(start + 200, buffer.count)],
                                          problem: "the line is longer than \(maxRecordBytes) bytes")
                discarding = true
                scanState = .fieldStart
                newlinesInRecord = 0
                start = buffer.count
                scan = start
                return record
            }
            try compactAndFill()
        }
    }

    /// Scans from `scan` for an LF outside quotes; returns its index, or nil when the buffer ends first.
    /// As in RFC 4180, only a quote at the start of a field opens a quoted field; a quote inside an
    /// unquoted value is left for the field splitter to report, so it cannot swallow the next lines.
    private func scanForRecordEnd() -> Int? {
        var state = scanState
        var newlines = newlinesInRecord
        var found: Int?
        var position = scan
        buffer.withUnsafeBufferPointer { raw in
            while position < raw.count {
                let byte = raw[position]
                switch state {
                case .quoted:
                    if byte == 34 { state = .quoteInQuoted } else if byte == 10 { newlines += 1 }
                case .fieldStart, .unquoted, .quoteInQuoted:
                    if byte == 10 { found = position; return }
                    if byte == 44 {
                        state = .fieldStart
                    } else if byte == 34 && state == .fieldStart {
                        state = .quoted
                    } else if state == .quoteInQuoted && byte == 34 {
                        state = .quoted   // "" inside a quoted field
                    } else {
                        state = .unquoted
                    }
                }
                position += 1
            }
        }
        scanState = state
        newlinesInRecord = newlines
        scan = position
        return found
    }

    /// Reports the first physical line of the current record as unparsable and restarts after it.
    private func resynchronise(reason: String) -> CSVRawRecord {
        let lineEnd = firstNewline(from: start) ?? buffer.count
        let record = CSVRawRecord(line: nextLine, bytes: buffer[start..<trimmingCR(lineEnd)], problem: reason)
        nextLine += 1
        resetRecord(at: min(lineEnd + 1, buffer.count))
        return record
    }

    private func resetRecord(at position: Int) {
        start = position
        scan = position
        scanState = .fieldStart
        newlinesInRecord = 0
    }

    private func trimmingCR(_ end: Int) -> Int {
        end > start && buffer[end - 1] == 13 ? end - 1 : end
    }

    private func firstNewline(from position: Int) -> Int? {
        buffer[position...].firstIndex(of: 10)
    }

    /// Drops consumed bytes and appends the next chunk of input.
    private func compactAndFill() throws {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            scan -= start
            start = 0
        }
        try fill()
    }

    private func fill() throws {
        guard !atEOF else { return }
        guard let data = try handle.read(upToCount: chunkSize), !data.isEmpty else {
            atEOF = true
            return
        }
        bytesRead += data.count
        buffer.append(contentsOf: data)
    }
}
