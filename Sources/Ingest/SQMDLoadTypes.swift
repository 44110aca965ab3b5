import Foundation

/// Where SQMD rows come from: a file, or standard input under a name.
public struct SQMDSource: Sendable, Equatable {
    public enum Origin: Sendable, Equatable {
        case file(path: String)
        case standardInput
    }

    public let origin: Origin
    /// The name recorded in `sqmd.source_file` and `load_rejects.source_file`. Loading a source again
    /// replaces the earlier rejects recorded under the same name.
    public let name: String

    /// A file; its name defaults to the file's last path component (e.g. `sqmd_2024-06-01.csv`),
    /// so a file moved between landing and archive folders keeps its identity.
    public static func file(_ path: String, name: String? = nil) -> SQMDSource {
        SQMDSource(origin: .file(path: path), name: name ?? (path as NSString).lastPathComponent)
    }

    /// Standard input; give it a stable name when the same feed is piped in repeatedly.
    public static func standardInput(name: String = "stdin") -> SQMDSource {
        SQMDSource(origin: .standardInput, name: name)
    }
}

/// Which time zone the trade dates and hours are local to.
public enum SQMDTimeZone: Sendable, Equatable {
    /// An IANA zone name such as `America/Los_Angeles`.
    case named(String)
    /// The `time_zone` of a row of `input.weather_locations`, e.g. `san_diego`.
    case location(String)

    public static let losAngeles = SQMDTimeZone.named("America/Los_Angeles")
}

/// How a load behaves.
public struct SQMDLoadOptions: Sendable, Equatable {
    /// The zone of `tradedatelocal` / `tradehourstartlocal` (default America/Los_Angeles).
    public var timeZone: SQMDTimeZone
    /// When more rows than this are rejected, nothing is merged and the load fails (nil: no limit).
    public var maxRejects: Int?
    /// Seconds to wait for a concurrent load of the same environment to finish merging.
    public var lockWaitSeconds: Double
    /// A record (or a quoted field spanning lines) longer than this is rejected as unparsable.
    public var maxRecordBytes: Int
    /// Adds a `series_catalog` row, at the load's location, for each load profile x segment of the
    /// loaded rows that has none (in the merge transaction, so their hourly actuals are built by this
    /// load). Needs `timeZone = .location(...)`: a series is forecast at a location, never at a bare zone.
    public var registerSeries: Bool

    public init(timeZone: SQMDTimeZone = .losAngeles, maxRejects: Int? = nil, lockWaitSeconds: Double = 300,
                maxRecordBytes: Int = 1 << 20, registerSeries: Bool = false) {
        self.timeZone = timeZone
        self.maxRejects = maxRejects
        self.lockWaitSeconds = lockWaitSeconds
        self.maxRecordBytes = maxRecordBytes
        self.registerSeries = registerSeries
    }
}

/// Why a row was rejected. Each stored reason starts with the raw value and a colon, e.g.
/// `duplicate_key: duplicate of line 3`, so `reason like 'bad_date:%'` finds one kind.
public enum SQMDRejectReason: String, CaseIterable, Sendable, Codable, Comparable {
    case invalidUTF8 = "invalid_utf8"
    case nulByte = "nul_byte"
    case unparsableCSV = "unparsable_csv"
    case wrongColumnCount = "wrong_column_count"
    case badDate = "bad_date"
    case badHour = "bad_hour"
    case badDSTFold = "bad_dst_fold"
    case badMinute = "bad_minute"
    case incompleteHour = "incomplete_hour"
    case emptyField = "empty_field"
    case fieldTooLong = "field_too_long"
    case unknownSubmission = "unknown_submission"
    case badNumber = "bad_number"
    case notFinite = "not_finite"
    case badMetercount = "bad_metercount"
    case negativeMetercount = "negative_metercount"
    case nonexistentHour = "nonexistent_hour"
    case notRepeatedHour = "not_repeated_hour"
    case duplicateKey = "duplicate_key"
    case badAvailableAt = "bad_available_at"
    case availableBeforeHour = "available_before_hour"

    /// The stored reason text: `code: detail`.
    func text(_ detail: String) -> String { "\(rawValue): \(detail)" }

    public static func < (lhs: SQMDRejectReason, rhs: SQMDRejectReason) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What one source contributed to a load.
public struct SQMDFileSummary: Sendable, Equatable {
    public var name: String
    /// Data records read (the header and blank lines not counted).
    public var read: Int
    public var rejected: Int
    /// Empty lines, skipped without a reject (they carry no data).
    public var blankLines: Int
    /// Whether the file started with a UTF-8 byte order mark.
    public var hadByteOrderMark: Bool
    /// Set for an empty source (no header row).
    public var note: String?
    /// The data record after which reading stopped because the rejects passed `--max-rejects`.
    public var stoppedAtRecord: Int?
}

/// The outcome of a load. `read == inserted + updated + unchanged + rejected + intervalRowsCombined`.
public struct SQMDLoadSummary: Sendable, Equatable {
    /// The run id: the `operational.run_log` row, and `load_rejects.run_id` of this load's rejects.
    public var runID: UUID
    public var timeZone: String
    public var files: [SQMDFileSummary]
    /// Data records read across all sources.
    public var read: Int
    /// Rows new to `input.sqmd`.
    public var inserted: Int
    /// Rows whose key existed with different values (same key and submission).
    public var updated: Int
    /// Rows identical to what `input.sqmd` already held.
    public var unchanged: Int
    public var rejected: Int
    public var rejectsByReason: [SQMDRejectReason: Int]
    public var seconds: Double
    /// Sub-hourly rows summed into the first row of their hour (`trademinutestartlocal`), so
    /// `read == inserted + updated + unchanged + rejected + intervalRowsCombined`.
    public var intervalRowsCombined: Int = 0
    /// Series this load added to `series_catalog` (`registerSeries`), e.g. `RES-SOLAR`.
    public var registeredSeries: [String] = []
    /// Load profile x segment pairs of the loaded rows that feed no series: stored, but nobody forecasts
    /// them until a series is added (and `refresh_series_actuals()` run).
    public var unforecastSeries: [String] = []

    /// Rows this load wrote to `input.sqmd`.
    public var written: Int { inserted + updated }
}
