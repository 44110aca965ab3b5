import CLibPQ
import Foundation

/// One row of a `COPY ... TO STDOUT` in text format. Valid only inside the callback that receives it:
/// fields are read straight from libpq's buffer, without a copy for the common unescaped case.
public struct CopyOutRow {
    let bytes: UnsafeBufferPointer<UInt8>
    let ranges: [Range<Int>]

    public var count: Int { ranges.count }

    /// Whether field `index` is SQL NULL (`\N`).
    public func isNull(_ index: Int) -> Bool {
        let range = ranges[index]
        return range.count == 2 && bytes[range.lowerBound] == 92 && bytes[range.lowerBound + 1] == 78
    }

    /// Field `index` as text, nil for NULL, with COPY escapes undone.
    public func string(_ index: Int) -> String? {
        if isNull(index) { return nil }
        let field = UnsafeBufferPointer(rebasing: bytes[ranges[index]])
        guard field.contains(92) else { return String(decoding: field, as: UTF8.self) }
        return String(decoding: CopyTextCodec.unescape(field), as: UTF8.self)
    }

    /// Field `index` as a Double; nil for NULL or text that is not a number. Parsed without allocating.
    public func double(_ index: Int) -> Double? {
        if isNull(index) { return nil }
        let range = ranges[index]
        guard range.count > 0, range.count < 64 else { return range.count == 0 ? nil : string(index).flatMap(Double.init) }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: range.count + 1) { scratch -> Double? in
            for (offset, byte) in bytes[range].enumerated() { scratch[offset] = CChar(bitPattern: byte) }
            scratch[range.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(scratch.baseAddress!, &end)
            return end == scratch.baseAddress! + range.count ? value : nil
        }
    }

    /// All fields as optional strings.
    public var strings: [String?] { (0..<count).map { string($0) } }
}

enum CopyTextCodec {
    /// Splits one text-format line (trailing newline optional) into field ranges at tabs.
    static func fieldRanges(_ line: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var end = line.count
        if end > 0, line[end - 1] == 10 { end -= 1 }
        var ranges: [Range<Int>] = []
        var start = 0
        for index in 0..<end where line[index] == 9 {
            ranges.append(start..<index)
            start = index + 1
        }
        ranges.append(start..<end)
        return ranges
    }

    /// Undoes text-format escapes: \\ \t \n \r \b \f \v, octal \NNN and hex \xHH.
    static func unescape(_ field: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(field.count)
        var index = 0
        func digit(_ byte: UInt8, radix: UInt8) -> UInt8? {
            let value: UInt8
            switch byte {
            case 48...57: value = byte - 48
            case 97...102: value = byte - 87
            case 65...70: value = byte - 55
            default: return nil
            }
            return value < radix ? value : nil
        }
        while index < field.count {
            let byte = field[index]
            guard byte == 92, index + 1 < field.count else { out.append(byte); index += 1; continue }
            let next = field[index + 1]
            index += 2
            switch next {
            case 116: out.append(9)
            case 110: out.append(10)
            case 114: out.append(13)
            case 98: out.append(8)
            case 102: out.append(12)
            case 118: out.append(11)
            case 120:
                var value: UInt8 = 0, used = 0
                while used < 2, index < field.count, let d = digit(field[index], radix: 16) { value = value &* 16 &+ d; index += 1; used += 1 }
                out.append(used == 0 ? 120 : value)
            case 48...55:
                var value = next - 48, used = 1
                while used < 3, index < field.count, let d = digit(field[index], radix: 8) { value = value &* 8 &+ d; index += 1; used += 1 }
                out.append(value)
            default: out.append(next)
            }
        }
        return out
    }
}

extension Connection {
    /// Runs a `COPY (query) TO STDOUT` and hands each row to `row` as it arrives; nothing is buffered
    /// beyond one row. If `row` throws, the query is cancelled on the server and the error rethrown.
    /// - Returns: the number of rows received.
    @discardableResult
    public func copyOut(_ sql: String, name: String, _ row: (CopyOutRow) throws -> Void) throws -> Int {
        try check(PQexec(handle, sql), name: name, expecting: [PGRES_COPY_OUT])
        var count = 0
        var failure: Error?
        while true {
            var data: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &data, 0)
            if length == -1 { break }
            guard length >= 0, let data else {
                let reason = target.redact(Self.message(handle))
                drainResults()
                throw WarehouseError.connectionLost(statementName: name, reason: reason)
            }
            defer { PQfreemem(data) }
            guard failure == nil else { continue }
            let line = UnsafeBufferPointer(start: UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: Int(length))
            do {
                try row(CopyOutRow(bytes: line, ranges: CopyTextCodec.fieldRanges(line)))
                count += 1
            } catch {
                failure = error
                cancelCurrentQuery()
            }
        }
        if let failure { drainResults(); throw failure }
        try check(PQgetResult(handle), name: name, expecting: [PGRES_COMMAND_OK])
        drainResults()
        return count
    }

    /// Asks the server to cancel the statement in progress (used when a consumer gives up mid-stream).
    public func cancelCurrentQuery() {
        guard let cancel = PQgetCancel(handle) else { return }
        defer { PQfreeCancel(cancel) }
        var errorBuffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &errorBuffer, Int32(errorBuffer.count))
    }
}
