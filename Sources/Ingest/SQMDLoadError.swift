import Foundation

/// Why an SQMD load stopped. Every case leaves `input.sqmd` exactly as it was.
public enum SQMDLoadError: Error, Sendable, CustomStringConvertible {
    /// A source could not be opened or read.
    case unreadableSource(source: String, reason: String)
    /// The header row is missing a column, names an unknown one, or cannot be parsed.
    case invalidHeader(source: String, reason: String)
    /// The time zone name is not known to the server.
    case unknownTimeZone(String)
    /// `SQMDTimeZone.location` names no row of `weather_locations`.
    case unknownLocation(location: String, table: String)
    /// The file's load profiles belong to series whose location is in another time zone than the one the
    /// file was read in: every hour would be shifted. `series` lists them as "RES-SOLAR at sydney (Australia/Sydney)".
    case timeZoneMismatch(readIn: String, series: [String], location: String)
    /// Registering series was asked for without a location to register them at.
    case registrationNeedsLocation
    /// More rows were rejected than allowed. The rejects were committed to `rejectsTable` under `runID`;
    /// nothing was merged into `input.sqmd`.
    /// `stoppedReading` names where reading stopped early (the source and record), when it did.
    case tooManyRejects(rejected: Int, limit: Int, read: Int, runID: UUID, rejectsTable: String,
                        byReason: [SQMDRejectReason: Int], stoppedReading: String?)

    public var description: String {
        switch self {
        case let .unreadableSource(source, reason):
            return "Cannot read SQMD source \(source): \(reason). Check the path and its permissions; nothing was loaded."
        case let .invalidHeader(source, reason):
            return "The header row of \(source) is not an SQMD header: \(reason). Nothing was loaded; fix the header and load the file again."
        case let .unknownTimeZone(name):
            return "The time zone '\(name)' is not known to PostgreSQL; use an IANA name such as America/Los_Angeles (see pg_timezone_names)."
        case let .unknownLocation(location, table):
            return "No weather location '\(location)' in \(table); add it there or pass a time zone name instead."
        case let .timeZoneMismatch(zone, series, location):
            return "The file was read in the time zone \(zone), but its load profiles are forecast as \(series.joined(separator: ", ")): "
                + "every local hour would land on the wrong UTC hour. Nothing was loaded; load it with --location \(location) "
                + "(or --time-zone of that location), or move the series to the right location in series_catalog."
        case .registrationNeedsLocation:
            return "Registering series needs the location they are forecast at (its time zone, holidays and weather): "
                + "give --location NAME, a row of weather_locations. Nothing was loaded."
        case let .tooManyRejects(rejected, limit, read, runID, table, byReason, stoppedReading):
            let reasons = byReason.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
                .prefix(5).map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
            let stopped = stoppedReading.map { "Reading stopped in \($0) once the limit was passed; the rest was not checked. " } ?? ""
            return "Rejected \(rejected) of \(read) rows, more than the limit of \(limit) (max rejects); nothing was merged. "
                + stopped
                + "Most common: \(reasons). See: select source_file, line_number, reason, raw_line from \(table) "
                + "where run_id = '\(runID.uuidString.lowercased())' order by source_file, line_number;"
        }
    }
}
