import ArgumentParser
import Features
import Foundation
import Ingest
import Warehouse

/// `gridcast load weather FILE... | --url URL`: Open-Meteo hourly weather into the input schema.
struct LoadWeatherCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weather",
        abstract: "Load Open-Meteo hourly weather (JSON or CSV files, or a live Open-Meteo-compatible URL).",
        discussion: """
            Each file (or the fetched response) is checked and merged in its own transaction; rows already
            stored with the same values are left alone, so re-loading is safe. Impossible values go to
            load_rejects with a reason. Times: Open-Meteo labels are UTC plus the response's one
            utc_offset_seconds; wall-clock labels from other tools are detected (see --time-labels).
            Forecasts need --issued-at for files; a --url fetch is issued when it is sent.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "Open-Meteo JSON or CSV files (format=json or format=csv downloads).")
    var files: [String] = []

    @Option(help: "Fetch from this Open-Meteo-compatible endpoint, e.g. https://api.open-meteo.com/v1/forecast or https://archive-api.open-meteo.com/v1/archive.")
    var url: String?

    @Option(help: "observed or forecast.")
    var kind: String = "observed"

    @Option(name: .customLong("issued-at"), help: "When a forecast was issued, with offset, e.g. 2024-06-01T06:00:00Z.")
    var issuedAt: String?

    @Option(name: .customLong("lead-hours"), help: """
        Forecast files without one issue time: each hour was issued this many hours before it (Historical Forecast \
        API). Previous Runs files (..._previous_dayN columns) need neither: each column is issued N days before its hour.
        """)
    var leadHours: Int?

    @Option(help: "Weather location name in weather_locations (default: the one location the active series use).")
    var location: String?

    @Option(name: .customLong("start-date"), help: "With --url: first local date to fetch (YYYY-MM-DD).")
    var startDate: String?

    @Option(name: .customLong("end-date"), help: "With --url: last local date to fetch (YYYY-MM-DD).")
    var endDate: String?

    @Option(name: .customLong("past-days"), help: "With --url: days before today to fetch (default 2 for observed, 0 for forecasts).")
    var pastDays: Int?

    @Option(name: .customLong("forecast-days"), help: "With --url: days from today to fetch (default 0 for observed, 7 for forecasts).")
    var forecastDays: Int?

    @Option(name: .customLong("time-labels"), help: "automatic, fixed-offset (Open-Meteo's rule) or wall-clock.")
    var timeLabels: String = "automatic"

    @Option(name: .customLong("coordinate-tolerance"), help: "Degrees the file's grid cell may be from the location.")
    var coordinateTolerance: Double = 0.125

    @Flag(name: .customLong("no-clock-check"), help: """
        Store the file even when its radiation peaks hours away from the location's solar noon (a sign of a \
        wrong time-zone label).
        """)
    var noClockCheck = false

    func validate() throws {
        guard files.isEmpty != (url == nil) else {
            throw ValidationError("Give weather files or --url, not both and not neither.")
        }
        guard let kind = WeatherKind(rawValue: kind) else { throw ValidationError("--kind must be observed or forecast.") }
        if let issuedAt, WeatherLoadOptions.instant(issuedAt) == nil {
            throw ValidationError("--issued-at '\(issuedAt)' is not a time with an offset such as 2024-06-01T06:00:00Z.")
        }
        if kind == .observed, issuedAt != nil {
            throw ValidationError("--issued-at applies to --kind forecast only; observed rows are issued when valid.")
        }
        if let leadHours, leadHours < 0 || leadHours > 16 * 24 || issuedAt != nil || kind == .observed {
            throw ValidationError("--lead-hours takes 0-384 hours, for --kind forecast without --issued-at.")
        }
        if WeatherTimeInterpretation(rawValue: timeLabels) == nil {
            throw ValidationError("--time-labels must be automatic, fixed-offset or wall-clock.")
        }
        if (startDate == nil) != (endDate == nil) { throw ValidationError("Give --start-date and --end-date together.") }
        for date in [startDate, endDate].compactMap({ $0 }) where LocalDate(date) == nil {
            throw ValidationError("'\(date)' is not a date (YYYY-MM-DD).")
        }
        if startDate != nil, pastDays != nil || forecastDays != nil {
            throw ValidationError("Use --start-date/--end-date or --past-days/--forecast-days, not both.")
        }
        if url == nil, startDate != nil || pastDays != nil || forecastDays != nil {
            throw ValidationError("--start-date, --end-date, --past-days and --forecast-days apply to --url only.")
        }
        if let url, URL(string: url)?.scheme.map({ ["http", "https"].contains($0.lowercased()) }) != true {
            throw ValidationError("--url must be an http or https URL.")
        }
    }

    func loadOptions(location: String) -> WeatherLoadOptions {
        WeatherLoadOptions(location: location, kind: WeatherKind(rawValue: kind) ?? .observed,
                           issuedAt: issuedAt.flatMap(WeatherLoadOptions.instant), leadHours: leadHours,
                           coordinateTolerance: coordinateTolerance,
                           timeInterpretation: WeatherTimeInterpretation(rawValue: timeLabels) ?? .automatic,
                           checkClock: !noClockCheck)
    }

    var range: WeatherFetchRange {
        if let startDate, let endDate, let start = LocalDate(startDate), let end = LocalDate(endDate) { return .dates(start, end) }
        let forecast = WeatherKind(rawValue: kind) == .forecast
        return .relative(pastDays: pastDays ?? (forecast ? 0 : 2), forecastDays: forecastDays ?? (forecast ? 7 : 0))
    }

    func run() throws {
        try CommandRunner.run(options, command: "load weather") { logger in
            let connection = try options.connect(logger)
            let runLog = try RunLog(target: options.target, layout: options.layout, logger: logger)
            let location = try self.location ?? DefaultLocation.resolve(on: connection, layout: options.layout)
            let loader = WeatherLoader(layout: options.layout, options: loadOptions(location: location), logger: logger)
            var summaries: [WeatherLoadSummary] = []
            if let url, let parsed = URL(string: url) {
                summaries.append(try loader.fetch(parsed, range: range, on: connection, runLog: runLog))
            }
            for file in files {
                summaries.append(try loader.load(file: file, on: connection, runLog: runLog))
            }
            if !options.json {
                for summary in summaries {
                    print("\(summary.source): \(summary.rowsRead) hours read, \(summary.inserted) inserted, \(summary.updated) updated, "
                          + "\(summary.unchanged) unchanged, \(summary.rejected) rejected (\(summary.kind.rawValue), \(summary.location))")
                }
            }
            // A variable the file lacks is not an error (a partial file updates what it has), but it must not
            // pass unnoticed: new hours get no value for it, and the features built on it are empty there.
            for summary in summaries where !summary.missingVariables.isEmpty {
                let missing = summary.missingVariables.joined(separator: ", ")
                logger.warning("""
                    \(summary.source) has no \(missing): stored hours keep their values, new hours have none (features built \
                    on them are empty; forecasts flag those hours). Request them from Open-Meteo (hourly=...) to fill them.
                    """)
            }
            return [
                "files": .array(summaries.map(Self.json)),
                "rows_read": .int(summaries.reduce(0) { $0 + $1.rowsRead }),
                "inserted": .int(summaries.reduce(0) { $0 + $1.inserted }),
                "updated": .int(summaries.reduce(0) { $0 + $1.updated }),
                "unchanged": .int(summaries.reduce(0) { $0 + $1.unchanged }),
                "rejected": .int(summaries.reduce(0) { $0 + $1.rejected }),
            ]
        }
    }

    static func json(_ summary: WeatherLoadSummary) -> JSONValue {
        func instant(_ date: Date?) -> JSONValue { .optional(date.map { ISO8601DateFormatter().string(from: $0) }) }
        return [
            "source": .string(summary.source), "format": .string(summary.format), "location": .string(summary.location),
            "kind": .string(summary.kind.rawValue), "issued_at": instant(summary.issuedAt),
            "rows_read": .int(summary.rowsRead), "inserted": .int(summary.inserted), "updated": .int(summary.updated),
            "unchanged": .int(summary.unchanged), "rejected": .int(summary.rejected),
            "first_valid_at": instant(summary.firstValidAt), "last_valid_at": instant(summary.lastValidAt),
            "time_labels": .optional(summary.timeInterpretation?.rawValue),
            "unit_conversions": .array(summary.unitConversions.map(JSONValue.string)),
            "ignored_variables": .array(summary.ignoredVariables.map(JSONValue.string)),
            "missing_variables": .array(summary.missingVariables.map(JSONValue.string)),
            "run_id": .optional(summary.runID?.uuidString.lowercased()),
        ]
    }
}
