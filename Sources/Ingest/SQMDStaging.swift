import Foundation
import Warehouse

/// The session's temporary tables for one load, and the COPY that fills the staging table.
///
/// Every data record of every source becomes one staging row: its raw text fields, file index, line
/// number and raw line. Records that cannot even be split into fields (invalid UTF-8, a NUL byte, a
/// broken quote, the wrong number of fields) get their reject reason here, with null fields, so SQL
/// sees every record and counts them all in one place.
struct SQMDStaging {
    static let sources = "pg_temp.sqmd_load_sources"
    static let staging = "pg_temp.sqmd_load_staging"
    static let dates = "pg_temp.sqmd_load_dates"
    static let hours = "pg_temp.sqmd_load_hours"
    static let checked = "pg_temp.sqmd_load_checked"

    /// Staging columns after the bookkeeping ones, in `SQMDColumn.allCases` order.
    static let fieldColumns = SQMDColumn.allCases.map(\.rawValue)

    static let createScript = """
        drop table if exists pg_temp.sqmd_load_sources, pg_temp.sqmd_load_staging, pg_temp.sqmd_load_dates,
                             pg_temp.sqmd_load_hours, pg_temp.sqmd_load_checked;
        create temp table sqmd_load_sources (file_index integer primary key, source_file text not null);
        create temp table sqmd_load_staging (
            file_index integer not null, line_number bigint not null, raw_line text, reason text,
            \(fieldColumns.map { "\($0) text" }.joined(separator: ", "))
        );
        create temp table sqmd_load_dates (date_text text primary key, tradedatelocal date);
        create temp table sqmd_load_hours (
            tradedatelocal date not null, hour smallint not null, fold smallint not null,
            hour_start_utc timestamptz not null, primary key (tradedatelocal, hour, fold)
        );
        create temp table sqmd_load_checked (
            file_index integer not null, line_number bigint not null, raw_line text,
            tradedatelocal date, tradehourstartlocal smallint, dst_fold smallint, loadprofile text, rategroup text,
            submission text, loadlal double precision, genlal double precision, metercount bigint,
            hour_start_utc timestamptz, available_at timestamptz, trademinute smallint, reason text
        );
        """

    static let dropScript = """
        drop table if exists pg_temp.sqmd_load_sources, pg_temp.sqmd_load_staging, pg_temp.sqmd_load_dates,
                             pg_temp.sqmd_load_hours, pg_temp.sqmd_load_checked
        """

    let connection: Connection
    let maxRecordBytes: Int
    /// `--max-rejects`: once more records than this were rejected while splitting them (a wrong file, a
    /// binary file), reading stops; what was read is still validated, so the rejects say why.
    var stopAfterRejects: Int?

    /// Ends the reading of a source early, inside `forEachRecord`.
    private struct StopReading: Error {}

    /// Creates the temporary tables (replacing any left by an earlier failed load on this session).
    func create(sources: [SQMDSource]) throws {
        // Staging a large file overflows the default 8 MB of temporary buffers; more is allowed only before
        // the session's first temporary table, so on a session that already had one this quietly does nothing.
        _ = try? connection.execute("select set_config('temp_buffers', '256MB', false)", name: "load sqmd: temp buffers")
        try connection.executeScript(Self.createScript, name: "load sqmd: create staging tables")
        for (index, source) in sources.enumerated() {
            try connection.execute("insert into \(Self.sources) (file_index, source_file) values ($1, $2)",
                                   [index, source.name], name: "load sqmd: register source")
        }
    }

    func drop() {
        _ = try? connection.executeScript(Self.dropScript, name: "load sqmd: drop staging tables")
    }

    /// Streams every source into the staging table with one COPY; returns what each source held.
    func copy(_ sources: [SQMDSource]) throws -> [SQMDFileSummary] {
        var summaries: [SQMDFileSummary] = []
        let columns = (["file_index", "line_number", "raw_line", "reason"] + Self.fieldColumns).joined(separator: ", ")
        try connection.copyIn("copy \(Self.staging) (\(columns)) from stdin", name: "load sqmd: copy into staging") { writer in
            var rejected = 0
            for (index, source) in sources.enumerated() {
                let handle = try Self.open(source)
                defer { if case .file = source.origin { try? handle.close() } }
                let summary = try copy(source, index: index, from: handle, into: writer, rejectedBefore: rejected)
                summaries.append(summary)
                rejected += summary.rejected
                if summary.stoppedAtRecord != nil { break }
            }
        }
        try connection.execute("analyze \(Self.staging)", name: "load sqmd: analyze staging")
        return summaries
    }

    static func open(_ source: SQMDSource) throws -> FileHandle {
        switch source.origin {
        case .standardInput:
            return FileHandle.standardInput
        case let .file(path):
            do {
                return try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            } catch {
                throw SQMDLoadError.unreadableSource(source: path, reason: Self.reason(error))
            }
        }
    }

    private func copy(_ source: SQMDSource, index: Int, from handle: FileHandle,
                      into writer: CopyInWriter, rejectedBefore: Int) throws -> SQMDFileSummary {
        let reader = CSVRecordReader(handle: handle, maxRecordBytes: maxRecordBytes)
        var header: SQMDHeader?
        var summary = SQMDFileSummary(name: source.name, read: 0, rejected: 0, blankLines: 0,
                                      hadByteOrderMark: false, note: nil)
        do {
            try reader.forEachRecord { record in
                guard let header else {
                    header = try Self.header(record, source: source)
                    return
                }
                if record.bytes.isEmpty && record.problem == nil {
                    summary.blankLines += 1
                    return
                }
                summary.read += 1
                let rejected = try Self.write(record, header: header, fileIndex: index, into: writer)
                if rejected { summary.rejected += 1 }
                if let limit = stopAfterRejects, rejectedBefore + summary.rejected > limit {
                    summary.stoppedAtRecord = summary.read
                    throw StopReading()
                }
            }
        } catch is StopReading {
            // The limit is passed: the rest of this source and the sources after it stay unread.
        } catch let error as SQMDLoadError {
            throw error
        } catch let error as WarehouseError {
            throw error
        } catch {
            throw SQMDLoadError.unreadableSource(source: source.name, reason: Self.reason(error))
        }
        summary.hadByteOrderMark = reader.hadByteOrderMark
        if header == nil { summary.note = "empty input: no header row" }
        return summary
    }

    private static func header(_ record: CSVRawRecord, source: SQMDSource) throws -> SQMDHeader {
        if let problem = record.problem {
            throw SQMDLoadError.invalidHeader(source: source.name, reason: problem)
        }
        if let offset = CSVRecordParser.firstInvalidUTF8Offset(record.bytes) {
            throw SQMDLoadError.invalidHeader(source: source.name, reason: "invalid UTF-8 at byte \(offset + 1)")
        }
        switch CSVRecordParser.split(record.bytes) {
        case let .failure(problem):
            throw SQMDLoadError.invalidHeader(source: source.name, reason: problem.description)
        case let .success(fields):
            do {
                return try SQMDHeader(fields: fields)
            } catch {
                throw SQMDLoadError.invalidHeader(source: source.name, reason: error.description)
            }
        }
    }

    /// Writes one staging row; returns true when the record was already rejected here.
    private static func write(_ record: CSVRawRecord, header: SQMDHeader, fileIndex: Int,
                              into writer: CopyInWriter) throws -> Bool {
        var reason: String?
        var fields: [String] = []
        if let problem = record.problem {
            reason = SQMDRejectReason.unparsableCSV.text(problem)
        } else if let offset = CSVRecordParser.firstInvalidUTF8Offset(record.bytes) {
            reason = SQMDRejectReason.invalidUTF8.text("invalid UTF-8 byte sequence at byte \(offset + 1) of the line")
        } else if record.bytes.contains(0) {
            reason = SQMDRejectReason.nulByte.text("the line contains a NUL byte")
        } else {
            switch CSVRecordParser.split(record.bytes) {
            case let .failure(problem):
                reason = SQMDRejectReason.unparsableCSV.text(problem.description)
            case let .success(split):
                if split.count != header.fieldCount {
                    reason = SQMDRejectReason.wrongColumnCount.text("expected \(header.fieldCount) fields, found \(split.count)")
                } else {
                    fields = split
                }
            }
        }
        try writer.append(fileIndex)
        try writer.append(record.line)
        try writer.append(CSVRecordParser.displayText(record.bytes))
        try writer.append(reason)
        for column in SQMDColumn.allCases {
            if reason == nil, let position = header.positions[column] {
                try writer.append(fields[position])
            } else {
                try writer.append(nil as String?)
            }
        }
        try writer.endRow()
        return reason != nil
    }

    static func reason(_ error: Error) -> String {
        if let error = error as? CocoaError {
            switch error.code {
            case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file"
            case .fileReadNoPermission: return "permission denied"
            default: break
            }
        }
        return error.localizedDescription
    }
}
