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
        public let error: String?
    }
    public let days: [SeriesDay]
    public let rowsWritten: Int
    public var failures: [SeriesDay] { days.filter { $0.error != nil } }
}

/// Forecasts the selected series for one or more target days (a day-ahead run is one day; a
/// backfill is many) and writes all rows in one transaction, so a run is either wholly there or not.
public struct ForecastRun {
    public let layout: SchemaLayout
    public let query: FeatureQuery
    public var model: ModelChoice = .champion
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
        let forecaster = SeriesForecaster(query: query, layout: layout)
        var rows: [ForecastRow] = []
        var days: [ForecastRunResult.SeriesDay] = []
        for id in series {
            for day in try forecaster.forecast(id, targetDates: targetDates, model: model, on: connection) {
                switch day.rows {
                case let .success(forecast):
                    rows += forecast
                    let ood = forecast.filter { !$0.outOfDistribution.isEmpty }.count
                    days.append(.init(series: id, targetDate: day.date, hours: forecast.count, modelVersion: forecast.first?.modelVersion,
                                      outOfDistributionHours: ood, note: day.note, error: nil))
                    progress("\(id) \(day.date): \(forecast.count) hours with \(day.note)\(ood > 0 ? ", \(ood) out of distribution" : "")")
                case let .failure(error):
                    if failFast { throw error }
                    let message = connection.target.redact("\(error)")
                    days.append(.init(series: id, targetDate: day.date, hours: 0, modelVersion: nil, outOfDistributionHours: 0,
                                      note: "", error: message))
                    progress("\(id) \(day.date): FAILED: \(message)")
                }
            }
        }
        let written = try ForecastWriter(layout: layout).write(rows, runID: runID, on: connection, lockWaitSeconds: lockWaitSeconds)
        return ForecastRunResult(days: days, rowsWritten: written)
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
