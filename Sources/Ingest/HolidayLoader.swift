import Features
import Foundation
import Logging
import Migrations
import Warehouse

/// What one `gridcast load holidays` did.
public struct HolidayLoadSummary: Sendable, Equatable {
    public var read = 0
    public var upserted = 0
    public var rejected = 0
    /// Regions that got rows, and the span of their dates: the calendar to refill.
    public var regions: [String] = []
    public var first: LocalDate?
    public var last: LocalDate?
    /// Locations of those regions, whose calendar the new rows change once refilled.
    public var locations: [String] = []
}

public enum HolidayLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case badHeader(path: String, found: String)
    case everyRowRejected(path: String, rejected: Int, firstReason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "Cannot read the holiday file \(path): \(reason)."
        case let .badHeader(path, found):
            return "\(path) line 1: the header must name the columns date,name[,region][,kind] (found '\(found.prefix(80))'); "
                + "region may come from --region instead, kind defaults to public."
        case let .everyRowRejected(path, rejected, firstReason):
            return "Every row of \(path) was rejected (\(rejected)); the first because \(firstReason). "
                + "The reasons are in load_rejects (source_kind 'holidays')."
        }
    }
}

/// Loads holiday calendars (migration 0022) from CSV files with the columns `date,name,region,kind`
/// (region optional when given for the whole file, kind optional: public). Rows are validated in Swift
/// and against holiday_regions; a bad row goes to load_rejects with its line and reason; good rows are
/// upserted (date, region and name are the key; a later load changes the kind). One transaction per
/// file, so a failure leaves the table as it was.
public struct HolidayLoader {
    public let layout: SchemaLayout
    public var region: String?
    public var logger = Logger(label: "gridcast.load.holidays")

    public init(layout: SchemaLayout, region: String? = nil) {
        self.layout = layout
        self.region = region
    }

    static let kinds: Set<String> = ["public", "school", "bridge", "other"]

    struct Row: Equatable {
        let line: Int, raw: String, date: String, name: String, region: String, kind: String
    }

    struct Reject: Equatable {
        let line: Int, raw: String, reason: String
    }

    /// Parses one file's text: the rows to load and the rows refused with their reasons.
    func parse(_ text: String, path: String) throws -> (rows: [Row], rejects: [Reject]) {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
        guard let header = lines.first else { throw HolidayLoadError.badHeader(path: path, found: "") }
        let headerText = header.hasPrefix("\u{FEFF}") ? String(header.dropFirst()) : header
        guard case let .success(headerFields) = CSVRecordParser.split(ArraySlice(headerText.utf8)) else {
            throw HolidayLoadError.badHeader(path: path, found: header)
        }
        let columns = headerFields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let dateColumn = columns.firstIndex(of: "date"), let nameColumn = columns.firstIndex(of: "name"),
              columns.contains("region") || region != nil else {
            throw HolidayLoadError.badHeader(path: path, found: header)
        }
        let regionColumn = columns.firstIndex(of: "region"), kindColumn = columns.firstIndex(of: "kind")
        var rows: [Row] = [], rejects: [Reject] = []
        for (offset, raw) in lines.enumerated().dropFirst() where !raw.trimmingCharacters(in: .whitespaces).isEmpty {
            let line = offset + 1
            let fields: [String]
            switch CSVRecordParser.split(ArraySlice(raw.utf8)) {
            case let .success(split): fields = split.map { $0.trimmingCharacters(in: .whitespaces) }
            case let .failure(problem):
                rejects.append(Reject(line: line, raw: raw, reason: "bad_quote: \(problem)"))
                continue
            }
            func field(_ index: Int?) -> String? { index.flatMap { $0 < fields.count ? fields[$0] : nil } }
            guard fields.count == columns.count else {
                rejects.append(Reject(line: line, raw: raw, reason: "wrong_field_count: \(fields.count) fields, the header has \(columns.count)"))
                continue
            }
            let date = field(dateColumn) ?? "", name = field(nameColumn) ?? ""
            let rowRegion = field(regionColumn).flatMap { $0.isEmpty ? nil : $0 } ?? region ?? ""
            let kind = (field(kindColumn).flatMap { $0.isEmpty ? nil : $0 } ?? "public").lowercased()
            if LocalDate(date) == nil {
                rejects.append(Reject(line: line, raw: raw, reason: "bad_date: '\(date.prefix(40))' is not a date YYYY-MM-DD"))
            } else if name.isEmpty || name.count > 100 {
                rejects.append(Reject(line: line, raw: raw, reason: "bad_name: a holiday needs a name of 1 to 100 characters"))
            } else if !Self.kinds.contains(kind) {
                rejects.append(Reject(line: line, raw: raw, reason: "bad_kind: '\(kind.prefix(40))' is not public, school, bridge or other"))
            } else if rowRegion.isEmpty {
                rejects.append(Reject(line: line, raw: raw, reason: "no_region: the row has no region and no --region was given"))
            } else {
                rows.append(Row(line: line, raw: raw, date: date, name: name, region: rowRegion, kind: kind))
            }
        }
        return (rows, rejects)
    }

    /// Loads one file in one transaction; returns what it did. `runID` tags the rejects.
    public func load(path: String, runID: String?, on connection: Connection) throws -> HolidayLoadSummary {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw HolidayLoadError.unreadable(path: path, reason: "\(error.localizedDescription)")
        }
        var (rows, rejects) = try parse(text, path: path)
        let input = SQLIdentifier.quoteValidated(layout.inputSchema)
        let file = URL(fileURLWithPath: path).lastPathComponent
        var summary = HolidayLoadSummary(read: rows.count + rejects.count)
        try connection.transaction(name: "load holidays \(file)") { tx in
            let known = Set(try tx.execute("select region from \(input).holiday_regions", name: "holiday regions").rows
                .compactMap { $0.string("region") })
            let (good, unknown) = (rows.filter { known.contains($0.region) }, rows.filter { !known.contains($0.region) })
            rejects += unknown.map { Reject(line: $0.line, raw: $0.raw, reason: "unknown_region: '\($0.region.prefix(40))' is not in "
                + "holiday_regions; add it first (insert into holiday_regions (region) values (...))") }
            rows = good
            for reject in rejects {
                try tx.execute("""
                    insert into \(input).load_rejects (run_id, source_kind, source_file, line_number, raw_line, reason)
                    values ($1::uuid, 'holidays', $2, $3, $4, $5)
                    """, [runID, file, reject.line, String(reject.raw.prefix(1000)), reject.reason], name: "holiday reject")
            }
            for row in rows {
                try tx.execute("""
                    insert into \(input).holidays (region, holiday_date, name, kind, source_file)
                    values ($1, $2::date, $3, $4, $5)
                    on conflict (region, holiday_date, name) do update
                    set kind = excluded.kind, source_file = excluded.source_file, loaded_at = excluded.loaded_at
                    """, [row.region, row.date, row.name, row.kind, file], name: "upsert holiday")
            }
            summary.regions = Array(Set(rows.map(\.region))).sorted()
            summary.locations = try tx.execute("""
                select location from \(input).weather_locations where region = any ($1::text[]) order by 1
                """, [SQLTextArray(summary.regions)], name: "locations of the regions").rows.compactMap { $0.string("location") }
        }
        summary.upserted = rows.count
        summary.rejected = rejects.count
        let dates = rows.compactMap { LocalDate($0.date) }
        summary.first = dates.min()
        summary.last = dates.max()
        logger.info("loaded holidays", metadata: ["file": "\(file)", "read": "\(summary.read)", "upserted": "\(summary.upserted)",
                                                  "rejected": "\(summary.rejected)"])
        if rows.isEmpty, let first = rejects.first {
            throw HolidayLoadError.everyRowRejected(path: file, rejected: rejects.count, firstReason: first.reason)
        }
        return summary
    }
}
