import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// The rows of a completed statement, in PostgreSQL text format. Owns the libpq result and frees it.
public final class QueryResult {
    private let handle: OpaquePointer
    public let rowCount: Int
    public let columnNames: [String]

    init(handle: OpaquePointer) {
        self.handle = handle
        rowCount = Int(PQntuples(handle))
        // COPY results report fields but no names.
        columnNames = (0..<PQnfields(handle)).map { PQfname(handle, $0).map { String(cString: $0) } ?? "" }
    }

    deinit { PQclear(handle) }

    /// Rows reported by INSERT/UPDATE/DELETE/COPY/SELECT (`PQcmdTuples`), 0 when not applicable.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    /// The value at a row and column index, nil for SQL NULL.
    public subscript(row: Int, column: Int) -> String? {
        precondition(row < rowCount && column < columnNames.count, "result index out of range")
        if PQgetisnull(handle, Int32(row), Int32(column)) == 1 { return nil }
        return String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
    }

    /// The value at a row and column index as a Double, nil for NULL or text that is not a number.
    /// Parsed in place from libpq's buffer: feature matrices read tens of thousands of these.
    public func double(_ row: Int, _ column: Int) -> Double? {
        precondition(row < rowCount && column < columnNames.count, "result index out of range")
        if PQgetisnull(handle, Int32(row), Int32(column)) == 1 { return nil }
        guard let text = PQgetvalue(handle, Int32(row), Int32(column)), text.pointee != 0 else { return nil }
        var end: UnsafeMutablePointer<CChar>?
        let value = strtod(text, &end)
        return end?.pointee == 0 ? value : nil
    }

    /// Every row, for small results.
    public var rows: [Row] { (0..<rowCount).map { Row(result: self, index: $0) } }

    /// The first row, or nil when there is none.
    public var first: Row? { rowCount > 0 ? Row(result: self, index: 0) : nil }

    func columnIndex(_ name: String) -> Int? { columnNames.firstIndex(of: name) }

    /// One row, with typed accessors by column name. Accessors return nil for NULL or a missing column.
    public struct Row {
        let result: QueryResult
        public let index: Int

        public func string(_ column: String) -> String? {
            guard let position = result.columnIndex(column) else { return nil }
            return result[index, position]
        }
        public func string(at position: Int) -> String? { result[index, position] }
        public func int(_ column: String) -> Int? { string(column).flatMap { Int($0) } }
        public func double(_ column: String) -> Double? { string(column).flatMap { Double($0) } }
        public func bool(_ column: String) -> Bool? {
            switch string(column) {
            case "t", "true": return true
            case "f", "false": return false
            default: return nil
            }
        }
    }
}
