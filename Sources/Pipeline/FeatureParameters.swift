import Features
import Warehouse

/// The values the feature SQL takes as bound parameters, in the order of its header ($1 ... $13).
/// Bound, not spliced: no value becomes SQL text, and PostgreSQL and Citus both plan with the values
/// (Citus prunes to the shards of the load profiles).
public struct FeatureParameters: Sendable, Equatable {
    /// The series of one query, in order; $1 and $2 are their profiles and segments, pairwise.
    public var series: [SeriesID]
    public var startDate: String
    public var endDate: String
    public var delayDays: Int
    public var lagDays: [Int]
    public var requireTarget: Bool
    /// Oldest trade date read: the start minus the longest lag minus 35 days (the 28-day rolling
    /// window after the delay, with a week to spare).
    public var historyStart: String
    /// nil: each target day's own run time (D - 1 at `issueTime`, local).
    public var runTime: String?
    public var issueTime: String
    public var weatherMode: AsOfRule.WeatherMode
    /// PostgreSQL timestamptz text; `now` is the start of the query's transaction.
    public var knownAt: String
    /// Days before a target day its forecast is made (1: day-ahead).
    public var leadDays: Int

    /// The SQL types, in parameter order: what `PREPARE dayahead_features(...)` declares.
    public static let types = ["text[]", "text[]", "date", "date", "int", "int[]", "bool", "date", "timestamptz",
                               "time", "text", "timestamptz", "int"]

    public init(series: SeriesID, start: String, end: String, settings: FeatureSettings, requireTarget: Bool,
                asOf: AsOfRule) {
        self.init(series: [series], start: start, end: end, settings: settings, requireTarget: requireTarget, asOf: asOf)
    }

    public init(series: [SeriesID], start: String, end: String, settings: FeatureSettings, requireTarget: Bool,
                asOf: AsOfRule) {
        self.series = series
        startDate = start
        endDate = end
        delayDays = settings.delayDays
        lagDays = settings.lagDays
        self.requireTarget = requireTarget
        historyStart = LocalDate(start).map { $0.adding(days: -(settings.lagDays.max() ?? 0) - 35).description } ?? start
        runTime = asOf.runTime.flatMap { $0.isEmpty ? nil : $0 }
        issueTime = asOf.issueTime
        weatherMode = asOf.weather
        knownAt = asOf.knownAt ?? "now"
        leadDays = settings.leadDays
    }

    /// The values in parameter order, ready to bind.
    public var values: [any SQLBindable] {
        [SQLTextArray(series.map(\.loadProfile)), SQLTextArray(series.map(\.loadSegment)), startDate, endDate, delayDays,
         "{" + lagDays.map(String.init).joined(separator: ",") + "}", requireTarget, historyStart,
         runTime, issueTime, weatherMode.rawValue, knownAt, leadDays]
    }

    /// One series is bound to the template's one-series form (text), several to its batch form (arrays).
    public var isOneSeries: Bool { series.count == 1 }

    /// The values as bound: for one series the one-series form's (`FeatureQuery.singleSeriesStatement`),
    /// its load profile and segment as text, the rest as `values`; else `values`.
    public var bound: [any SQLBindable] {
        guard isOneSeries else { return values }
        return [series[0].loadProfile, series[0].loadSegment] + values.dropFirst(2)
    }

    /// The SQL types of `bound`, in parameter order.
    public var boundTypes: [String] { isOneSeries ? ["text", "text"] + Self.types.dropFirst(2) : Self.types }

    /// The values as SQL literals for a hand-run `EXECUTE` (what `gridcast features print` shows):
    /// quoted, with quotes doubled, and NULL for no run time.
    public var literals: [String] {
        bound.map { value in
            guard let text = value.sqlText else { return "null" }
            return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        }
    }
}
