import ArgumentParser
import Features
import Foundation
import Ingest
import Pipeline
import Warehouse

/// Options shared by `forecast` and `backfill`.
struct ForecastOptions: ParsableArguments {
    @Option(name: .customLong("model-version"), help: "Use this model version instead of the champion (with a single series).")
    var modelVersion: Int?

    @Flag(help: "Write nothing unless every series and day can be forecast.")
    var allOrNothing = false

    @Option(help: "Seconds to wait for another run writing the same series.")
    var lockWait: Double = 600

    @Option(name: .customLong("sql-dir"), help: "Folder holding features/dayahead_features.sql (default: the nearest sql/).")
    var sqlDirectory: String?

    @Option(name: .customLong("issue-time"),
            help: "Local time HH:MM on D-1 at which a backtest of day D is as of (the daily schedule's issue time).")
    var issueTime: String = AsOfRule.defaultIssueTime

    @Option(name: .customLong("lead-days"),
            help: ArgumentHelp("Forecast with the champion of this lead: 1 day-ahead (default), 2 for D+2, 3 for D+3 "
                + "(each trained with train --lead-days); a backtest of day D is then as of D-N.", valueName: "N"))
    var leadDays: Int = 1

    @Flag(name: .customLong("allow-missing-weather"),
          help: "Forecast a day whose weather forecast lacks hours anyway (those hours flagged out of distribution).")
    var allowMissingWeather = false

    @Option(help: "What to write for a series-day without weather: none (fail it, exit 8) or seasonal-naive (the baseline, flagged).")
    var fallback: FallbackChoice = .none

    func validate() throws {
        guard AsOfRule.parseIssueTime(issueTime) != nil else {
            throw ValidationError("--issue-time '\(issueTime)' is not a local time HH:MM (e.g. 09:00).")
        }
        guard FeatureSettings.leadRange.contains(leadDays) else {
            let most = FeatureSettings.leadRange.upperBound
            throw ValidationError("--lead-days must be 1 (day-ahead) to \(most), got \(leadDays).")
        }
    }

    var policy: ForecastPolicy {
        var policy = ForecastPolicy(issueTime: AsOfRule.parseIssueTime(issueTime) ?? AsOfRule.defaultIssueTime,
                                    allowMissingWeather: allowMissingWeather, fallbackToBaseline: fallback == .seasonalNaive)
        policy.leadDays = leadDays
        return policy
    }
}

enum FallbackChoice: String, ExpressibleByArgument, CaseIterable {
    case none
    case seasonalNaive = "seasonal-naive"
}

/// Runs a forecast over series x dates inside a run-log row, prints a table, and returns the summary.
enum ForecastExecution {
    static func run(_ options: GlobalOptions, kind: RunKind, command: String, series seriesOptions: SeriesOptions,
                    forecast: ForecastOptions, dates: @escaping (Connection, [SeriesID]) throws -> [(series: SeriesID, dates: [String])],
                    model: ModelChoice, mode: ForecastRun.Mode) throws {
        try CommandRunner.run(options, command: command) { logger in
            let connection = try options.connect(logger)
            let layout = options.layout
            let series = try seriesOptions.selection.resolve(on: connection, layout: layout)
            let plan = try dates(connection, series)
            let targetDates = Array(Set(plan.flatMap(\.dates))).sorted()
            // Target days the calendar has not reached yet are filled (default day periods), never refilled.
            for filled in try CalendarCoverage.fillMissing(series: series.map(\.description), dates: targetDates.compactMap(LocalDate.init),
                                                           writer: CalendarTableWriter(layout: layout, logger: logger), on: connection) {
                logger.info("extended the calendar to the target days", metadata: [
                    "location": "\(filled.location)", "days": "\(filled.days.map(\.description).joined(separator: ","))"])
            }
            var run = ForecastRun(layout: layout, query: try FeatureQuery.dayAhead(sqlDirectory: forecast.sqlDirectory).checked(for: layout))
            run.model = forecast.modelVersion.map(ModelChoice.version) ?? model
            run.lockWaitSeconds = forecast.lockWait
            run.mode = mode
            run.policy = forecast.policy
            run.logger = logger
            var result: ForecastRunResult?
            struct Arguments: Encodable {
                let series: [String], dates: [String], modelVersion: Int?, leadDays: Int
            }
            let arguments = Arguments(series: series.map(\.description), dates: targetDates,
                                      modelVersion: forecast.modelVersion, leadDays: forecast.leadDays)
            let failure = try RunLogging.record(options, kind: kind, arguments: arguments, logger: logger) { runID in
                let outcome: ForecastRunResult
                if let name = seriesOptions.queue {
                    let queue = WorkQueue(name: name, task: .forecast, layout: layout)
                    try queue.enqueue(series, on: connection)
                    outcome = try QueuedForecast(queue: queue, run: run, target: options.target)
                        .run(runID: runID, on: connection, dates: { try dates(connection, $0) })
                } else {
                    outcome = try run.run(plan: plan, runID: runID, on: connection,
                                          failFast: forecast.allOrNothing, progress: { Progress.step($0) })
                }
                result = outcome
                let failure: Error? = outcome.failures.isEmpty ? nil
                    : ForecastIncomplete(failures: outcome.failures, total: outcome.days.count, rowsWritten: outcome.rowsWritten)
                return (outcome.rowsWritten, failure)
            }
            guard let result else { return [:] }
            if !options.json {
                let forecastSeries = Set(result.days.map(\.series)).count
                print("Wrote \(result.rowsWritten) forecast rows for \(forecastSeries) series x \(targetDates.count) day(s).")
            }
            if let failure { throw failure }
            return ["rows_written": .int(result.rowsWritten), "dates": .array(targetDates.map(JSONValue.string)),
                    "feature_queries": .int(result.featureQueries),
                    "series": .array(result.days.map { day in
                        ["series": .string(day.series.description), "date": .string(day.targetDate), "hours": .int(day.hours),
                         "model_version": day.modelVersion.map(JSONValue.int) ?? .null, "ood_hours": .int(day.outOfDistributionHours),
                         "note": .string(day.note), "error": .optional(day.error)]
                    })]
        }
    }
}

/// A forecast run whose series come from a work queue shared with other workers: batches of series
/// are taken, forecast and written one transaction each (a failed batch leaves nothing of itself), and
/// each series is marked done or failed in the queue. The run-log row is finished after the last batch.
struct QueuedForecast {
    /// Series per batch: one feature query each, one write per batch.
    static let batchSize = 25

    let queue: WorkQueue
    let run: ForecastRun
    let target: ConnectionTarget
    var pollSeconds: Double = 2

    /// Workers write their batches on their own, so nothing can make a queued run all or nothing.
    static func refuseAllOrNothing(_ series: SeriesOptions, _ forecast: ForecastOptions) throws {
        if series.queue != nil && forecast.allOrNothing {
            throw ValidationError("--all-or-nothing cannot hold across the batches of a --queue run: each batch is written "
                                  + "on its own. Drop one of the two.")
        }
    }

    func run(runID: String, on connection: Connection,
             dates: ([SeriesID]) throws -> [(series: SeriesID, dates: [String])]) throws -> ForecastRunResult {
        var days: [ForecastRunResult.SeriesDay] = []
        var rowsWritten = 0, featureQueries = 0
        while case let claims = try queue.next(limit: Self.batchSize, on: connection, pollSeconds: pollSeconds), !claims.isEmpty {
            let outcome: ForecastRunResult
            do {
                outcome = try run.run(plan: try dates(claims.map(\.series)), runID: runID, on: connection, finishesRun: false,
                                      progress: { Progress.step($0) })
            } catch {
                // Nothing of the batch was written: its series fail here (a lost connection fails the worker).
                if (error as? WarehouseError)?.isConnectionFailure == true { throw error }
                for claim in claims { try queue.finish(claim, error: target.redact("\(error)"), on: connection) }
                throw error
            }
            for claim in claims {
                let failed = outcome.failures.first { $0.series == claim.series }
                try queue.finish(claim, error: failed.map { "\($0.targetDate): \($0.error ?? "failed")" }, on: connection)
            }
            days += outcome.days
            rowsWritten += outcome.rowsWritten
            featureQueries += outcome.featureQueries
        }
        return ForecastRunResult(days: days, rowsWritten: rowsWritten, featureQueries: featureQueries)
    }
}

struct ForecastIncomplete: Error, CustomStringConvertible, FailureDetails {
    let failures: [ForecastRunResult.SeriesDay], total: Int, rowsWritten: Int
    var description: String { ForecastRunResult.incompleteSummary(failures: failures, total: total, rowsWritten: rowsWritten) }
    var causes: [Error] { failures.compactMap(\.failure) }
    var nothingWritten: Bool { rowsWritten == 0 }
    /// The day's messages were masked when the run recorded them.
    func details(exitCode: (Error) -> Int32, redact: (String) -> String) -> [JSONValue] {
        failures.map { day in
            ["series": .string(day.series.description), "date": .string(day.targetDate), "error": .optional(day.error),
             "exit_code": day.failure.map { .int(Int(exitCode($0))) } ?? .null]
        }
    }
}

/// Target dates given on the command line, checked before anything connects.
enum TargetDateArguments {
    static func check(_ values: [(option: String, value: String?)]) throws {
        for (option, value) in values {
            guard let value else { continue }
            guard LocalDate(value) != nil else {
                throw ValidationError("\(option) '\(value)' is not a calendar date YYYY-MM-DD (e.g. 2024-12-23).")
            }
        }
    }
}

/// `gridcast forecast`: the day-ahead run.
struct ForecastCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Forecast every hour of a target day (default tomorrow) for the selected series with their champion models.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var seriesOptions: SeriesOptions
    @OptionGroup var forecast: ForecastOptions

    @Option(help: "Target date YYYY-MM-DD (default: tomorrow in the series' time zone, or N days ahead with --lead-days N).")
    var date: String?

    func validate() throws {
        try TargetDateArguments.check([("--date", date)])
        try QueuedForecast.refuseAllOrNothing(seriesOptions, forecast)
    }

    func run() throws {
        let date = self.date, lead = forecast.leadDays
        try ForecastExecution.run(options, kind: .forecast, command: "forecast", series: seriesOptions, forecast: forecast,
                                  dates: { connection, series in
                                      if let date { return series.map { ($0, [date]) } }
                                      let tomorrow = try ForecastRun.tomorrow(of: series, lead: lead, on: connection,
                                                                              layout: options.layout)
                                      return series.map { ($0, tomorrow[$0].map { [$0] } ?? []) }
                                  }, model: .champion, mode: .dayAhead)
    }
}

/// `gridcast backfill`: the same for past days, each as of its own day.
struct BackfillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Backtest past days, each as known on D-1 at --issue-time, with the model that was champion then (or --model-version).")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var seriesOptions: SeriesOptions
    @OptionGroup var forecast: ForecastOptions

    @Option(help: "First target date of a range.") var from: String?
    @Option(help: "Last target date of a range.") var to: String?
    @Option(help: "Forecast the N days before the reference date.") var daysBack: Int?
    @Option(help: "Reference date for --days-back (default today).") var referenceDate: String?
    @Option(name: .customLong("date"), help: "A target date (repeatable).") var dates: [String] = []

    func validate() throws {
        let modes = [from != nil || to != nil, daysBack != nil, !dates.isEmpty].filter { $0 }.count
        guard modes == 1 else { throw ValidationError("Give exactly one of --from/--to, --days-back N, or --date D (repeatable).") }
        if (from == nil) != (to == nil) { throw ValidationError("--from and --to go together.") }
        if let daysBack, daysBack < 1 || daysBack > 3660 { throw ValidationError("--days-back must be between 1 and 3660.") }
        try TargetDateArguments.check([("--from", from), ("--to", to), ("--reference-date", referenceDate)] + dates.map { ("--date", $0) })
        try QueuedForecast.refuseAllOrNothing(seriesOptions, forecast)
    }

    func run() throws {
        let (from, to, daysBack, referenceDate, dates) = (self.from, self.to, self.daysBack, self.referenceDate, self.dates)
        try ForecastExecution.run(options, kind: .backfill, command: "backfill", series: seriesOptions, forecast: forecast,
                                  dates: { connection, series in
                                      let days: [String]
                                      if let from, let to {
                                          days = try BackfillDates.range(from: from, to: to)
                                      } else if let daysBack {
                                          let reference = try referenceDate ?? connection.execute("select current_date::text as d", name: "today").first?.string("d") ?? ""
                                          days = try BackfillDates.daysBack(daysBack, before: reference)
                                      } else {
                                          days = try BackfillDates.list(dates)
                                      }
                                      return series.map { ($0, days) }
                                  }, model: .championAtRunTime, mode: .backfill)
    }
}
