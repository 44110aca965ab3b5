import CLibPQ
import Foundation

/// Streams rows into a `COPY ... FROM STDIN` in PostgreSQL text format. Rows are buffered and sent in
/// chunks of `flushThreshold` bytes, so memory stays flat however many rows are written.
public final class CopyInWriter {
    private let connection: Connection
    private let name: String
    private var buffer: [UInt8] = []
    private var fieldsInRow = 0
    public private(set) var rowsWritten = 0
    /// Bytes buffered before a send; large enough to amortise the call, small enough to stream. Kept
    /// well under a socket buffer: with 1 MiB chunks the send blocked until the server had drained most
    /// of one, and the server then starved while the next was formatted (bench: 0.76 of psql's rows/s).
    public static let flushThreshold = 1 << 16

    init(connection: Connection, name: String) {
        self.connection = connection
        self.name = name
        buffer.reserveCapacity(Self.flushThreshold + 4096)
    }

    /// Appends one field of the current row; nil is SQL NULL.
    public func append(_ value: String?) throws {
        separate()
        guard var value else { buffer.append(contentsOf: [92, 78]); return } // \N
        value.withUTF8 { raw in Self.appendEscaped(raw, to: &buffer) }
    }

    /// Appends a number without building an intermediate optional string.
    public func append(_ value: Double) throws { try append(value.sqlText) }
    public func append(_ value: Int) throws {
        separate()
        buffer.append(contentsOf: String(value).utf8)
    }

    /// Ends the current row; flushes to the server when the buffer is full.
    public func endRow() throws {
        buffer.append(10)
        fieldsInRow = 0
        rowsWritten += 1
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    /// Writes a whole row of text fields.
    public func writeRow(_ fields: [String?]) throws {
        for field in fields { try append(field) }
        try endRow()
    }

    func flush() throws {
        try connection.putCopyData(buffer, name: name)
        buffer.removeAll(keepingCapacity: true)
    }

    private func separate() {
        if fieldsInRow > 0 { buffer.append(9) }
        fieldsInRow += 1
    }

    /// Text-format escaping: backslash, tab, newline and carriage return are the only bytes COPY reads specially.
    static func appendEscaped(_ raw: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        var start = 0
        for index in 0..<raw.count {
            let replacement: UInt8
            switch raw[index] {
            case 92: replacement = 92
            case 9: replacement = 116   // t
            case 10: replacement = 110  // n
            case 13: replacement = 114  // r
            default: continue
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: raw[start..<index]))
            buffer.append(92)
            buffer.append(replacement)
            start = index + 1
        }
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: raw[start..<raw.count]))
    }
}

extension Connection {
    /// Runs a `COPY ... FROM STDIN` statement and lets `body` write its rows. If `body` throws, the COPY
    /// is aborted on the server (nothing from it is kept) and the error is rethrown.
    /// - Returns: the number of rows the server reports as copied.
    @discardableResult
    public func copyIn(_ sql: String, name: String, _ body: (CopyInWriter) throws -> Void) throws -> Int {
        try runCopyIn(sql, name: name) {
            let writer = CopyInWriter(connection: self, name: name)
            try body(writer)
            try writer.flush()
        }
    }

    /// Starts the COPY, lets `send` stream its data, and ends it; if `send` throws, the COPY is aborted on
    /// the server and the error rethrown. Shared by the text and binary formats.
    func runCopyIn(_ sql: String, name: String, _ send: () throws -> Void) throws -> Int {
        try check(PQexec(handle, sql), name: name, expecting: [PGRES_COPY_IN])
        do {
            try send()
        } catch {
            _ = PQputCopyEnd(handle, "aborted by gridcast: \(error)")
            drainResults()
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else {
            throw WarehouseError.connectionLost(statementName: name, reason: target.redact(Self.message(handle)))
        }
        let final = try check(PQgetResult(handle), name: name, expecting: [PGRES_COMMAND_OK])
        drainResults()
        return final.affectedRows
    }

    /// Sends one chunk of COPY data (nothing when empty).
    func putCopyData(_ bytes: [UInt8], name: String) throws {
        guard !bytes.isEmpty else { return }
        let sent = bytes.withUnsafeBufferPointer { raw in
            raw.baseAddress!.withMemoryRebound(to: CChar.self, capacity: raw.count) { PQputCopyData(handle, $0, Int32(raw.count)) }
        }
        guard sent == 1 else {
            throw WarehouseError.connectionLost(statementName: name, reason: target.redact(Self.message(handle)))
        }
    }

    /// Consumes results until libpq reports none, so the connection is ready for the next statement.
    func drainResults() {
        while let result = PQgetResult(handle) { PQclear(result) }
    }
}
