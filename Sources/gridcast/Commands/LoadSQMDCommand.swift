import ArgumentParser
import Foundation
import Ingest
import Logging
import Migrations
import Warehouse

/// `gridcast load sqmd FILE... | -`: settlement meter data CSV into `input.sqmd`.
struct LoadSQMDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sqmd",
        abstract: "Load SQMD CSV files (or - for standard input) with Initial/Final precedence; bad rows go to load_rejects.",
        discussion: """
            Columns (any order, by header name): tradedatelocal, tradehourstartlocal, loadprofile, rategroup, \
            loadlal, genlal, metercount, submission, and optionally dst_fold (1 for the repeated hour of the \
            fall-back day), available_at, and trademinutestartlocal for sub-hourly files (each complete hour's \
            intervals are summed into one row; an incomplete hour is rejected: see the README).

            All files load as one transaction. Re-loading a file changes nothing and replaces its earlier rejects. \
            Exit code 6 when more rows are rejected than --max-rejects (nothing is merged) or a header is invalid; \
            64 when a file cannot be read or the time zone is unknown.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "CSV files to load; - reads standard input.")
    var files: [String]

    @Option(name: .customLong("max-rejects"), help: "Fail without merging anything when more rows than this are rejected.")
    var maxRejects: Int?

    @Option(name: .customLong("time-zone"), help: "IANA time zone of the trade dates and hours (default America/Los_Angeles).")
    var timeZone: String?

    @Option(name: .customLong("location"), help: "Take the time zone from this row of weather_locations instead.")
    var location: String?

    @Flag(name: .customLong("register-series"),
          help: "Add a series_catalog row at --location for each load profile x segment of the files that has none.")
    var registerSeries = false

    @Option(name: .customLong("source-name"), help: "Name recorded for standard input (default stdin).")
    var sourceName: String = "stdin"

    @Option(help: "Seconds to wait for a concurrent SQMD load of the same environment.")
    var lockWait: Double = 300

    func validate() throws {
        if files.isEmpty { throw ValidationError("Name at least one CSV file, or - for standard input.") }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("Standard input (-) can be read only once.") }
        if timeZone != nil && location != nil { throw ValidationError("Give --time-zone or --location, not both.") }
        if let maxRejects, maxRejects < 0 { throw ValidationError("--max-rejects must be 0 or more.") }
        if registerSeries && location == nil {
            throw ValidationError("--register-series needs --location NAME (a row of weather_locations): "
                                  + "a series is forecast in its location's time zone, holidays and weather.")
        }
    }

    func run() throws {
        var inputFailure: Int32?
        do {
            try CommandRunner.run(options, command: "load sqmd") { logger in
                do {
                    return try load(logger)
                } catch let error as SQMDLoadError {
                    inputFailure = Self.exitCode(error)
                    throw error
                }
            }
        } catch is ExitCode where inputFailure != nil {
            throw ExitCode(inputFailure ?? 1)
        }
    }

    /// Input problems get the documented codes: 6 for rejected input, 64 for arguments that name nothing usable.
    static func exitCode(_ error: SQMDLoadError) -> Int32 {
        switch error {
        case .tooManyRejects, .invalidHeader: return 6
        case .unreadableSource, .unknownTimeZone, .unknownLocation, .timeZoneMismatch, .registrationNeedsLocation: return 64
        }
    }

    /// Rows stored for no series are not an error (a series may be added later), but easy to miss.
    static func unforecastWarning(_ series: [String], layout: SchemaLayout) -> String {
        let catalog = "\(layout.operationalSchema).series_catalog"
        return "gridcast load sqmd: warning: rows of \(series.joined(separator: ", ")) were stored but feed no series in "
            + "\(catalog), so nothing forecasts them. Load with --register-series --location NAME, or insert them into "
            + "\(catalog) (with their location) and run select \(layout.operationalSchema).refresh_series_actuals();\n"
    }

    private func load(_ logger: Logger) throws -> [String: JSONValue] {
        var loadOptions = SQMDLoadOptions(maxRejects: maxRejects, lockWaitSeconds: lockWait, registerSeries: registerSeries)
        if let timeZone { loadOptions.timeZone = .named(timeZone) }
        if let location { loadOptions.timeZone = .location(location) }
        let sources = files.map { $0 == "-" ? SQMDSource.standardInput(name: sourceName) : SQMDSource.file($0) }
        let connection = try options.connect(logger)
        let runLog = try RunLog(target: options.target, layout: options.layout, logger: logger)
        let summary = try SQMDLoader(layout: options.layout, options: loadOptions, logger: logger)
            .load(sources, on: connection, runLog: runLog)
        let reasons = summary.rejectsByReason.sorted { $0.key < $1.key }
        if !options.json {
            for file in summary.files {
                print("\(file.name): \(file.read) rows read, \(file.rejected) rejected\(file.note.map { " (\($0))" } ?? "")")
            }
            print("Loaded \(summary.read) rows into \(options.layout.inputSchema).sqmd: \(summary.inserted) inserted, "
                  + "\(summary.updated) updated, \(summary.unchanged) unchanged, \(summary.rejected) rejected "
                  + String(format: "in %.1f s.", summary.seconds))
            if !reasons.isEmpty {
                print("Rejects by reason: " + reasons.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
                      + "; see \(options.layout.inputSchema).load_rejects where run_id = '\(summary.runID.uuidString.lowercased())'.")
            }
            if summary.intervalRowsCombined > 0 {
                print("\(summary.intervalRowsCombined) sub-hourly rows were summed into the first row of their hour.")
            }
            if !summary.registeredSeries.isEmpty {
                print("Registered series at \(location ?? ""): \(summary.registeredSeries.joined(separator: ", ")).")
            }
        }
        if !summary.unforecastSeries.isEmpty {
            FileHandle.standardError.write(Data(Self.unforecastWarning(summary.unforecastSeries, layout: options.layout).utf8))
        }
        return [
            "run_id": .string(summary.runID.uuidString.lowercased()), "time_zone": .string(summary.timeZone),
            "read": .int(summary.read), "inserted": .int(summary.inserted), "updated": .int(summary.updated),
            "unchanged": .int(summary.unchanged), "rejected": .int(summary.rejected), "seconds": .number(summary.seconds),
            "interval_rows_combined": .int(summary.intervalRowsCombined),
            "registered_series": .array(summary.registeredSeries.map { .string($0) }),
            "unforecast_series": .array(summary.unforecastSeries.map { .string($0) }),
            "rejects_by_reason": .object(Dictionary(uniqueKeysWithValues: reasons.map { ($0.key.rawValue, JSONValue.int($0.value)) })),
            "files": .array(summary.files.map { file -> JSONValue in
                ["name": .string(file.name), "read": .int(file.read), "rejected": .int(file.rejected),
                 "blank_lines": .int(file.blankLines), "note": .optional(file.note)]
            }),
        ]
    }
}
