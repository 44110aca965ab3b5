import Features
import Foundation
import Logging
import Migrations
import Warehouse

/// The outcome of one forecast run over several series and target days.
public struct ForecastRunResult: Sendable {
    public struct SeriesDay: Sendable {
        public let series: SeriesID
        public let targetDate: String
        public let hours: Int
        public let modelVersion: Int?
        public let outOfDistributionHours: Int
        public let note: String
        /// The failure's message, secrets masked.
        public let error: String?
        /// The failure itself, so the caller can tell a missing prerequisite from a bad input.
        public var failure: Error? = nil
    }
    public let days: [SeriesDay]
    public let rowsWritten: Int
    public var failures: [SeriesDay] { days.filter { $0.error != nil } }
}

/// Forecasts the selected series for one or more target days (a day-ahead run is one day; a
/// backfill is many) and writes all rows in one transaction, so a run is either wholly there or not.
///
/// A day-ahead run (`dayAhead`) issues forecasts as of its own start: each target day that has not
/// begun in the series' time zone is an issued forecast with run time = now, from the current
/// champion. A day that has begun cannot be forecast day-ahead any more; it becomes a backtest as of
/// D - 1 at the issue time, as every day of a backfill is, and its note says so.
public struct ForecastRun {
    public enum Mode: Sendable { case dayAhead, backfill }

    public let layout: SchemaLayout
    public let query: FeatureQuery
    /// The model of backtest days (issued days use the current champion unless a version is named).
    public var model: ModelChoice = .championAtRunTime
    public var mode: Mode = .backfill
    public var policy = ForecastPolicy()
    public var lockWaitSeconds: Double = 600
    public var logger = Logger(label: "gridcast.forecast")

    public init(layout: SchemaLayout, query: FeatureQuery) {
        self.layout = layout
        self.query = query
    }

    /// - Parameters:
    ///   - failFast: stop at the first series that cannot be forecast (nothing is written then).
    ///     Without it, the series that work are written and the failures reported.
    @discardableResult
    public func run(series: [SeriesID], targetDates: [String], runID: String, on connection: Connection,
                    failFast: Bool = false, progress: (String) -> Void = { _ in }) throws -> ForecastRunResult {
        try query.register(on: connection, layout: layout)
        var forecaster = SeriesForecaster(query: query, layout: layout)
        forecaster.policy = policy
        let runStart = try connection.execute("select now()::text as t", name: "run start").first?.string("t") ?? ""
        var rows: [ForecastRow] = []
        var days: [ForecastRunResult.SeriesDay] = []
        for id in series {
            for part in try split(id, targetDates, on: connection) {
                for day in try forecaster.forecast(id, targetDates: part.dates, model: modelChoice(part.kind), kind: part.kind,
                                                   runTime: part.kind == .issued ? runStart : nil, on: connection) {
                    let note = day.note + (part.kind == .backtest && mode == .dayAhead ? "; the day has begun, so a backtest" : "")
                    switch day.rows {
                    case let .success(forecast):
                        rows += forecast
                        let ood = forecast.filter { !$0.outOfDistribution.isEmpty }.count
                        days.append(.init(series: id, targetDate: day.date, hours: forecast.count, modelVersion: forecast.first?.modelVersion,
                                          outOfDistributionHours: ood, note: note, error: nil))
                        progress("\(id) \(day.date): \(forecast.count) hours (\(part.kind.rawValue)) with \(note)"
                                 + (ood > 0 ? ", \(ood) out of distribution" : ""))
                    case let .failure(error):
                        // Without the server no other series can be forecast either: stop at once.
                        if failFast || (error as? WarehouseError)?.isConnectionFailure == true { throw error }
                        let message = connection.target.redact("\(error)")
                        days.append(.init(series: id, targetDate: day.date, hours: 0, modelVersion: nil, outOfDistributionHours: 0,
                                          note: "", error: message, failure: error))
                        progress("\(id) \(day.date): FAILED: \(message)")
                    }
                }
            }
        }
        let written = try ForecastWriter(layout: layout).write(rows, runID: runID, on: connection, lockWaitSeconds: lockWaitSeconds)
        return ForecastRunResult(days: days, rowsWritten: written)
    }

    /// A named version is used for every day; otherwise issued days take the current champion (known
    /// at the run time, which is now) and backtest days `model`.
    private func modelChoice(_ kind: ForecastKind) -> ModelChoice {
        if case .version = model { return model }
        return kind == .issued ? .champion : model
    }

    /// The dates of one series split into issued days (not begun yet, day-ahead runs only) and backtests.
    private func split(_ series: SeriesID, _ dates: [String], on connection: Connection) throws -> [(kind: ForecastKind, dates: [String])] {
        guard mode == .dayAhead else { return [(.backtest, dates)] }
        let valid = dates.filter { LocalDate($0) != nil }
        let begun = Set(try connection.execute("""
            select d.date::text as d
            from unnest($1::date[]) as d(date)
            cross join \(SQLIdentifier.quoteValidated(layout.operationalSchema)).series_catalog c
            join \(SQLIdentifier.quoteValidated(layout.inputSchema)).weather_locations l on l.location = c.location
            where c.load_profile = $2 and c.load_segment = $3 and (d.date::timestamp at time zone l.time_zone) <= now()
            """, ["{" + valid.joined(separator: ",") + "}", series.loadProfile, series.loadSegment],
            name: "target days already begun").rows.compactMap { $0.string("d") })
        let issued = dates.filter { !begun.contains($0) }, backtests = dates.filter { begun.contains($0) }
        return [(ForecastKind.issued, issued), (.backtest, backtests)].filter { !$0.1.isEmpty }
    }

    /// Tomorrow in the series' local time zone (the default target of a day-ahead run).
    public static func tomorrow(on connection: Connection, layout: SchemaLayout) throws -> String {
        try connection.execute("""
            select ((now() at time zone coalesce((select time_zone from \(SQLIdentifier.quoteValidated(layout.inputSchema)).weather_locations
                                                  where location = 'san_diego'), 'America/Los_Angeles'))::date + 1)::text as d
            """, name: "tomorrow").first?.string("d") ?? ""
    }
}

/// Which days a backfill covers: a range, the N days before a reference date, or a list.
public enum BackfillDates {
    public static func range(from start: String, to end: String) throws -> [String] {
        guard let first = LocalDate(start) else { throw ForecastError.badDate(start) }
        guard let last = LocalDate(end) else { throw ForecastError.badDate(end) }
        guard first <= last else { return [] }
        return (0...last.days(since: first)).map { first.adding(days: $0).description }
    }

    public static func daysBack(_ count: Int, before reference: String) throws -> [String] {
        guard let anchor = LocalDate(reference) else { throw ForecastError.badDate(reference) }
        return (1...max(count, 1)).reversed().map { anchor.adding(days: -$0).description }
    }

    public static func list(_ dates: [String]) throws -> [String] {
        try dates.map { text in
            guard let date = LocalDate(text) else { throw ForecastError.badDate(text) }
            return date.description
        }
    }
}
