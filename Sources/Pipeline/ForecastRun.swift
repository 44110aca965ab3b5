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
    /// Feature queries the run sent: one per batch of series, plus one per series-range a batch missed.
    public var featureQueries = 0

    public init(days: [SeriesDay], rowsWritten: Int, featureQueries: Int = 0) {
        self.days = days
        self.rowsWritten = rowsWritten
        self.featureQueries = featureQueries
    }

    public var failures: [SeriesDay] { days.filter { $0.error != nil } }

    /// Why a run with failures is incomplete, in one sentence (secrets were masked in each day's error).
    public static func incompleteSummary(failures: [SeriesDay], total: Int, rowsWritten: Int) -> String {
        let first = failures.first.map { " First: \($0.series) \($0.targetDate): \($0.error ?? "")" } ?? ""
        return "\(failures.count) of \(total) series-days could not be forecast (\(rowsWritten) rows were written).\(first)"
    }
}

/// Forecasts the selected series for one or more target days (a day-ahead run is one day; a
/// backfill is many) and writes all rows in one transaction, so a run is either wholly there or not.
///
/// A day-ahead run (`dayAhead`) issues forecasts as of its own start: each target day that has not
/// begun in the series' time zone is an issued forecast with run time = now, from the current
/// champion. A day that has begun cannot be forecast day-ahead any more; it becomes a backtest as of
/// D - 1 at the issue time, as every day of a backfill is, and its note says so.
public struct ForecastRun: Sendable {
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
        try run(plan: series.map { ($0, targetDates) }, runID: runID, on: connection, failFast: failFast, progress: progress)
    }

    /// The same with target dates per series (series in other time zones have another tomorrow).
    /// - Parameter finishesRun: the write also finishes the run-log row; false for one batch of a run
    ///   that writes several (a work queue's), whose caller finishes the row after the last.
    @discardableResult
    public func run(plan: [(series: SeriesID, dates: [String])], runID: String, on connection: Connection,
                    failFast: Bool = false, finishesRun: Bool = true,
                    progress: (String) -> Void = { _ in }) throws -> ForecastRunResult {
        try query.register(on: connection, layout: layout)
        let runStart = try connection.execute("select now()::text as t", name: "run start").first?.string("t") ?? ""
        var rows: [ForecastRow] = []
        var days: [ForecastRunResult.SeriesDay] = []
        let queries = FeatureQueryCount()
        for (id, parts) in try forecastEach(plan, runStart: runStart, counting: queries, on: connection) {
            for (kind, forecasts) in try parts.get() {
                for day in forecasts {
                    let note = day.note + (kind == .backtest && mode == .dayAhead ? "; the day has begun, so a backtest" : "")
                    switch day.rows {
                    case let .success(forecast):
                        rows += forecast
                        let ood = forecast.filter { !$0.outOfDistribution.isEmpty }.count
                        days.append(.init(series: id, targetDate: day.date, hours: forecast.count, modelVersion: forecast.first?.modelVersion,
                                          outOfDistributionHours: ood, note: note, error: nil))
                        progress("\(id) \(day.date): \(forecast.count) hours (\(kind.rawValue)) with \(note)"
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
        // The run-log row is finished by the write's own transaction (rows and status commit together);
        // the row count in a failure's summary is what this run writes.
        let failures = days.filter { $0.error != nil }
        let completion: ForecastWriter.RunCompletion = failures.isEmpty ? .succeeded
            : .failed(ForecastRunResult.incompleteSummary(failures: failures, total: days.count, rowsWritten: rows.count))
        let written = try ForecastWriter(layout: layout).write(rows, runID: runID, on: connection, lockWaitSeconds: lockWaitSeconds,
                                                               completion: finishesRun ? completion : nil)
        return ForecastRunResult(days: days, rowsWritten: written, featureQueries: queries.total)
    }

    /// A series and its target dates split into issued days and backtests.
    typealias SeriesParts = (series: SeriesID, parts: [(kind: ForecastKind, dates: [String])])
    /// A series' forecasts per kind, or why it has none.
    typealias SeriesOutcome = (SeriesID, Result<[(ForecastKind, [SeriesDayForecast])], Error>)

    /// Features, models and predictions of every series in `plan`, in plan order. The features of a
    /// chunk of series come first, one query for all that share settings, dates and as-of rule
    /// (`PrefetchedFeatures`); then several series are scored side by side, each worker on its own
    /// connection (a model load and its SHAP drivers cost client time; a series the prefetch missed runs
    /// its own query there). A series' failure is its own.
    private func forecastEach(_ plan: [(series: SeriesID, dates: [String])], runStart: String,
                              counting queries: FeatureQueryCount, on connection: Connection) throws -> [SeriesOutcome] {
        let parts = try split(plan, on: connection)
        var output: [SeriesOutcome] = []
        for chunk in Self.chunks(of: plan, rowBudget: Self.prefetchRowBudget) {
            var forecaster = SeriesForecaster(query: query, layout: layout)
            forecaster.policy = policy
            forecaster.queryCount = queries
            forecaster.prefetched = prefetch(chunk.map { (plan[$0].series, parts[$0]) }, forecaster: forecaster,
                                             runStart: runStart, on: connection)
            queries.addBatched(forecaster.prefetched.entries.count)
            output += forecast(chunk.map { (plan[$0].series, parts[$0]) }, with: forecaster, runStart: runStart,
                               on: connection)
        }
        return output
    }

    /// Rows a chunk's feature queries return at most (24 a series-day): bounds what a run holds at once.
    static let prefetchRowBudget = 30_000

    /// Plan positions in chunks of at most `rowBudget` estimated rows (one series at least).
    static func chunks(of plan: [(series: SeriesID, dates: [String])], rowBudget: Int) -> [[Int]] {
        var chunks: [[Int]] = [], current: [Int] = [], rows = 0
        for (index, entry) in plan.enumerated() {
            let estimate = max(1, entry.dates.count) * 24
            if !current.isEmpty && rows + estimate > rowBudget {
                chunks.append(current)
                current = []
                rows = 0
            }
            current.append(index)
            rows += estimate
        }
        return current.isEmpty ? chunks : chunks + [current]
    }

    /// The features of every part of `entries` whose model's settings are known ahead (the current
    /// champion's, or the named version's), fetched together (on plain PostgreSQL). A prefetch that fails
    /// costs only time: each series then runs its own query and reports its own error.
    private func prefetch(_ entries: [SeriesParts], forecaster: SeriesForecaster, runStart: String,
                          on connection: Connection) -> PrefetchedFeatures {
        do {
            // On Citus every series keeps its own query, routed to its load profile's shard (the feature
            // template's header says why).
            guard entries.count > 1, try !connection.hasCitus() else { return PrefetchedFeatures() }
            let registry = ModelRegistry(connection: connection, layout: layout)
            var version: Int? = nil
            if case let .version(number) = model { version = number }
            let settings = try registry.featureSettings(of: entries.map(\.series), lead: policy.leadDays,
                                                        version: version)
            var wanted: [PrefetchedFeatures.Wanted] = []
            for (series, parts) in entries {
                guard let known = settings[series] else { continue }
                for part in parts {
                    let dates = part.dates.filter { LocalDate($0) != nil }.sorted()
                    guard let first = dates.first, let last = dates.last else { continue }
                    let asOf = forecaster.asOfRule(runTime: part.kind == .issued ? runStart : nil)
                    wanted.append((series, known, first, last, asOf))
                }
            }
            let started = Date()
            let prefetched = try PrefetchedFeatures.fetch(wanted, query: query, layout: layout, on: connection)
            let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
            let queries = prefetched.entries.count
            logger.debug("features of \(wanted.count) series-ranges (\(entries.count) series) in \(queries) queries, \(seconds) s")
            return prefetched
        } catch {
            if (error as? WarehouseError)?.isConnectionFailure != true {
                let message = connection.target.redact("\(error)")
                logger.notice("features of several series in one query failed, so each series runs its own: \(message)")
            }
            return PrefetchedFeatures()
        }
    }

    /// Models and predictions of `entries`, side by side on `workers` connections.
    private func forecast(_ entries: [SeriesParts], with forecaster: SeriesForecaster, runStart: String,
                          on connection: Connection) -> [SeriesOutcome] {
        let forecastOne = { @Sendable (run: ForecastRun, entry: SeriesParts, on: Connection) in
            try entry.parts.map { part in
                (part.kind, try forecaster.forecast(entry.series, targetDates: part.dates, model: run.modelChoice(part.kind),
                                                    kind: part.kind, runTime: part.kind == .issued ? runStart : nil, on: on))
            }
        }
        let workers = min(entries.count, max(1, ProcessInfo.processInfo.activeProcessorCount))
        guard workers > 1 else {
            return entries.map { entry in (entry.series, Result { try forecastOne(self, entry, connection) }) }
        }
        let target = connection.target, logger = self.logger, run = self
        let results = ParallelSeries.run(count: entries.count, workers: workers,
                                         setup: { try Connection.open(target, logger: logger) }) { worker, index in
            try forecastOne(run, entries[index], worker)
        }
        // A worker that could not connect fails its series like a lost connection: the caller stops.
        return zip(entries.map(\.series), results).map { ($0, $1) }
    }

    /// A named version is used for every day; otherwise issued days take the current champion (known
    /// at the run time, which is now) and backtest days `model`.
    private func modelChoice(_ kind: ForecastKind) -> ModelChoice {
        if case .version = model { return model }
        return kind == .issued ? .champion : model
    }

    /// The dates of each series split into issued days (not begun yet in its time zone, day-ahead runs
    /// only) and backtests, in one query for the whole plan.
    private func split(_ plan: [(series: SeriesID, dates: [String])],
                       on connection: Connection) throws -> [[(kind: ForecastKind, dates: [String])]] {
        guard mode == .dayAhead else { return plan.map { [(.backtest, $0.dates)] } }
        let dates = Set(plan.flatMap { $0.dates.filter { LocalDate($0) != nil } }).sorted()
        var begun: [SeriesID: Set<String>] = [:]
        if !dates.isEmpty {
            let rows = try connection.execute("""
                select c.load_profile, c.load_segment, d.date::text as d
                from unnest($1::date[]) as d(date)
                cross join \(SQLIdentifier.quoteValidated(layout.operationalSchema)).series_catalog c
                join \(SQLIdentifier.quoteValidated(layout.inputSchema)).weather_locations l on l.location = c.location
                where c.series_id = any ($2::text[]) and (d.date::timestamp at time zone l.time_zone) <= now()
                """, ["{" + dates.joined(separator: ",") + "}", SQLTextArray(plan.map(\.series.description))],
                name: "target days already begun").rows
            for row in rows {
                guard let profile = row.string("load_profile"), let segment = row.string("load_segment"),
                      let day = row.string("d") else { continue }
                begun[SeriesID(loadProfile: profile, loadSegment: segment), default: []].insert(day)
            }
        }
        return plan.map { entry in
            let started = begun[entry.series] ?? []
            let issued = entry.dates.filter { !started.contains($0) }
            let backtests = entry.dates.filter { started.contains($0) }
            return [(ForecastKind.issued, issued), (.backtest, backtests)].filter { !$0.1.isEmpty }
        }
    }

    /// Tomorrow at a weather location (its time zone), e.g. the quickstart sample's San Diego.
    public static func tomorrow(at location: String, on connection: Connection, layout: SchemaLayout) throws -> String {
        let row = try connection.execute("""
            select ((now() at time zone l.time_zone)::date + 1)::text as d
            from \(SQLIdentifier.quoteValidated(layout.inputSchema)).weather_locations l where l.location = $1
            """, [location], name: "tomorrow at \(location)").first
        guard let day = row?.string("d") else {
            throw WarehouseError.unexpectedResult(statementName: "tomorrow at \(location)",
                                                  reason: "no weather_locations row '\(location)'; add it (see the README's locations)")
        }
        return day
    }

    /// Tomorrow of each series in its location's time zone (the default target of a day-ahead run): a
    /// series in Sydney and one in San Diego have different tomorrows at the same instant. With a lead
    /// of N days, the day N days after today there (the default target of a D+N run).
    public static func tomorrow(of series: [SeriesID], lead: Int = 1, on connection: Connection,
                                layout: SchemaLayout) throws -> [SeriesID: String] {
        let rows = try connection.execute("""
            select c.series_id, ((now() at time zone l.time_zone)::date + $2::int)::text as d
            from \(SQLIdentifier.quoteValidated(layout.operationalSchema)).series_catalog c
            join \(SQLIdentifier.quoteValidated(layout.inputSchema)).weather_locations l on l.location = c.location
            where c.series_id = any ($1::text[])
            """, [SQLTextArray(series.map(\.description)), lead], name: "tomorrow per series").rows
        return Dictionary(rows.compactMap { row in
            guard let id = row.string("series_id").flatMap(SeriesID.init), let day = row.string("d") else { return nil }
            return (id, day)
        }) { first, _ in first }
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
