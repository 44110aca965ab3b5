import Boosting
import Features
import Foundation
import Migrations
import Warehouse

/// Which model a forecast uses.
public enum ModelChoice: Sendable {
    var isVersion: Bool { if case .version = self { true } else { false } }

    /// The current champion.
    case champion
    /// The champion at each day's run time (backtests); the current champion when none existed then,
    /// its rows then carry a model_registered_at after their run time.
    case championAtRunTime
    /// A named version.
    case version(Int)
}

/// One series-day's outcome.
public struct SeriesDayForecast: Sendable {
    public let date: String
    public let rows: Result<[ForecastRow], Error>
    public let note: String
}

/// Forecasts every hour of target days for one series with a registered model, each day as known at
/// its run time: `runTime` for an issued run (its start), else D - lead at the policy's issue time, where
/// the lead is the model's (the policy's lead picks the champion: 1 day-ahead, 2 for D+2, ...).
public struct SeriesForecaster: Sendable {
    public let query: FeatureQuery
    public let layout: SchemaLayout
    public var policy = ForecastPolicy()
    /// Rows fetched ahead with other series (one query for many); a series not among them runs its own.
    public var prefetched = PrefetchedFeatures()
    /// Counts the queries a series runs of its own (not covered by `prefetched`).
    public var queryCount: FeatureQueryCount?

    public init(query: FeatureQuery, layout: SchemaLayout) {
        self.query = query
        self.layout = layout
    }

    /// What a forecast sees: everything known at `runTime` (an issued run's start), or for a backtest each
    /// day's own run time (D - lead at the policy's issue time).
    public func asOfRule(runTime: String?) -> AsOfRule {
        runTime.map { AsOfRule(runTime: $0) } ?? .dayAhead(issueTime: policy.issueTime)
    }

    /// The series' feature rows: prefetched when a batch query covered them, else from a query of its own.
    private func features(_ series: SeriesID, start: String, end: String, settings: FeatureSettings, asOf: AsOfRule,
                          on connection: Connection) throws -> SeriesFeatures {
        if let rows = prefetched.features(series, start: start, end: end, settings: settings, asOf: asOf) { return rows }
        queryCount?.addOwn()
        return try query.fetch(on: connection, layout: layout, series: series, start: start, end: end, settings: settings,
                               requireTarget: false, asOf: asOf)
    }

    /// - Parameters:
    ///   - targetDate: the local day to forecast (ISO); a backtest is as of the day before.
    /// - Returns: 23, 24 or 25 rows, and a note on which model was used.
    public func forecast(_ series: SeriesID, targetDate: String, model choice: ModelChoice, kind: ForecastKind = .backtest,
                         runTime: String? = nil, on connection: Connection) throws -> (rows: [ForecastRow], note: String) {
        guard let day = try forecast(series, targetDates: [targetDate], model: choice, kind: kind, runTime: runTime,
                                     on: connection).first else {
            throw ForecastError.badDate(targetDate)
        }
        return (try day.rows.get(), day.note)
    }

    /// Forecasts several days of one series. Consecutive days that use the same model share one
    /// feature query over the date range (each row still sees only what was known at its own run
    /// time), so a 30-day backfill costs a few queries rather than thirty. Failures are per day.
    public func forecast(_ series: SeriesID, targetDates: [String], model choice: ModelChoice, kind: ForecastKind = .backtest,
                         runTime: String? = nil, on connection: Connection) throws -> [SeriesDayForecast] {
        let registry = ModelRegistry(connection: connection, layout: layout)
        let asOf = asOfRule(runTime: runTime)
        if policy.fallbackToBaseline, !choice.isVersion, try !registry.hasChampion(series, lead: policy.leadDays) {
            return try coldStart(series, targetDates: targetDates, kind: kind, asOf: asOf, on: connection)
        }
        var resolved: [(date: String, model: Result<(RegisteredModel, Data, String), Error>)] = []
        for date in targetDates.sorted() {
            guard LocalDate(date) != nil else { resolved.append((date, .failure(ForecastError.badDate(date)))); continue }
            resolved.append((date, Result { try chooseModel(series, target: date, choice: choice, registry: registry, connection: connection) }))
        }
        var output: [SeriesDayForecast] = []
        var index = 0
        while index < resolved.count {
            guard case let .success((model, json, _)) = resolved[index].model else {
                if case let .failure(error) = resolved[index].model { output.append(.init(date: resolved[index].date, rows: .failure(error), note: "")) }
                index += 1
                continue
            }
            var last = index
            while last + 1 < resolved.count, case let .success((next, _, _)) = resolved[last + 1].model, next.modelID == model.modelID,
                  LocalDate(resolved[last + 1].date)?.days(since: LocalDate(resolved[last].date)!) == 1 {
                last += 1
            }
            let group = Array(resolved[index...last])
            do {
                let days = try forecastRange(series, start: group.first!.date, end: group.last!.date, model: model, json: json,
                                             kind: kind, asOf: asOf, on: connection)
                for entry in group {
                    let note = (try? entry.model.get().2) ?? ""
                    let result = days[entry.date] ?? .failure(FeatureError.noRows(series: series.description,
                        reason: "the calendar has no hours for \(entry.date); run `gridcast calendar fill` for that range"))
                    let fallbackNote = (try? result.get())?.first?.fallback.map { ", \($0) fallback" } ?? ""
                    output.append(.init(date: entry.date, rows: result, note: note + fallbackNote))
                }
            } catch {
                for entry in group { output.append(.init(date: entry.date, rows: .failure(error), note: "")) }
            }
            index = last + 1
        }
        return output
    }

    /// Features as of each day's run time, predictions, intervals and lineage, per target day.
    private func forecastRange(_ series: SeriesID, start: String, end: String, model: RegisteredModel, json: Data,
                               kind: ForecastKind, asOf: AsOfRule, on connection: Connection) throws -> [String: Result<[ForecastRow], Error>] {
        let document = try JSONCoding.decode(MetricsDocument.self, from: model.metrics)
        let lead = document.featureSettings.leadDays
        let data = try features(series, start: start, end: end, settings: document.featureSettings, asOf: asOf, on: connection)
        guard model.features.allSatisfy(data.matrix.featureNames.contains) else {
            let missing = model.features.filter { !data.matrix.featureNames.contains($0) }
            throw ForecastError.featuresMissing(series: series, version: model.version, missing: missing)
        }
        let matrix = data.matrix.columns(model.features)
        guard matrix.rowCount > 0 else { return [:] }
        // One thread: a day is 24 rows, and shard workers forecasting side by side must not fight over
        // cores with OpenMP threads that spin (see CoreBudget).
        let booster = try BlendedModel(modelJSON: json, threads: 1)
        // A registry row edited by hand (or a model stored under another row) would score columns in the
        // wrong places and still return numbers: refuse it.
        let stored = booster.featureNames
        guard booster.featureCount == model.features.count, stored.isEmpty || stored == model.features else {
            throw ForecastError.inconsistentModel(series: series, version: model.version, listed: model.features.count,
                                                  inModel: booster.featureCount)
        }
        let base = document.featureSettings.baseValues(data.matrix)
        // One XGBoost matrix for both, as before the blend.
        let (scored, contributions) = try booster.predictionsAndContributions(matrix)
        let predictions = zip(scored, base).map { $0 + $1 }
        let baseline = SeasonalNaive(settings: document.featureSettings)
        var byDay: [String: [Int]] = [:]
        for (row, key) in data.keys.enumerated() { byDay[key.localDate, default: []].append(row) }

        var output: [String: Result<[ForecastRow], Error>] = [:]
        for (date, rows) in byDay {
            let missingWeather = rows.filter { data.keys[$0].weatherIssuedAt == nil }.count
            if let hour = rows.first(where: { base[$0].isNaN }) {
                output[date] = .failure(ForecastError.missingBase(series: series, date: date, runTime: data.keys[hour].runTime))
                continue
            }
            let useBaseline = missingWeather > 0 && !policy.allowMissingWeather
            if useBaseline && !policy.fallbackToBaseline {
                output[date] = .failure(ForecastError.missingWeather(series: series, date: date, missingHours: missingWeather,
                                                                     hours: rows.count, runTime: data.keys[rows[0]].runTime))
                continue
            }
            var dayRows: [ForecastRow] = []
            for index in rows {
                let key = data.keys[index]
                var row: ForecastRow
                if useBaseline {
                    guard let value = baseline.value(data.matrix, row: index) else {
                        dayRows = []
                        break
                    }
                    row = ForecastRow(series: series, hourStart: key.hourStart, localDate: key.localDate, localHour: key.localHour,
                                      prediction: value, lower: nil, upper: nil, modelVersion: model.version,
                                      asOfDate: Self.runDate(key.localDate, lead: lead),
                                      outOfDistribution: ["weather missing: seasonal-naive fallback"])
                    row.fallback = "seasonal_naive"
                } else {
                    let prediction = Double(predictions[index])
                    let bounds = document.intervals.bounds(prediction: prediction, hour: key.localHour)
                    row = ForecastRow(series: series, hourStart: key.hourStart, localDate: key.localDate, localHour: key.localHour,
                                      prediction: prediction, lower: bounds.lower, upper: bounds.upper, modelVersion: model.version,
                                      asOfDate: Self.runDate(key.localDate, lead: lead),
                                      outOfDistribution: Self.outOfRange(matrix, row: index, ranges: document.featureRanges))
                    row.drivers = try ForecastDrivers.json(contributions, row: index, features: model.features)
                }
                row.kind = kind
                row.leadDays = lead
                row.runTime = key.runTime
                row.weatherIssuedAt = key.weatherIssuedAt
                row.sqmdKnownAt = key.sqmdKnownAt
                row.modelRegisteredAt = model.createdAt
                row.inSample = model.fitStart.map { $0 <= key.localDate } == true && model.fitEnd.map { key.localDate <= $0 } == true
                dayRows.append(row)
            }
            output[date] = dayRows.isEmpty
                ? .failure(ForecastError.missingWeather(series: series, date: date, missingHours: missingWeather, hours: rows.count,
                                                        runTime: data.keys[rows[0]].runTime, baselineMissing: true))
                : .success(dayRows)
        }
        return output
    }

    /// A series with no model yet (cold start, e.g. too little history to train): with the seasonal-naive
    /// fallback allowed, its baseline (the same hour at the shortest weekly lag, else its 28-day same-hour
    /// mean, as known at each day's run time), flagged `fallback = 'seasonal_naive'` with model version 0
    /// and no interval, instead of no forecast. The delay and lags are the catalog's, at the policy's lead.
    private func coldStart(_ series: SeriesID, targetDates: [String], kind: ForecastKind, asOf: AsOfRule,
                           on connection: Connection) throws -> [SeriesDayForecast] {
        var output = targetDates.filter { LocalDate($0) == nil }.map {
            SeriesDayForecast(date: $0, rows: .failure(ForecastError.badDate($0)), note: "")
        }
        let dates = targetDates.filter { LocalDate($0) != nil }.sorted()
        guard let first = dates.first, let last = dates.last else { return output }
        let lead = policy.leadDays
        let settings = try FeatureSettings.catalog(series, leadDays: lead, layout: layout, on: connection)
        let data = try features(series, start: first, end: last, settings: settings, asOf: asOf, on: connection)
        let baseline = SeasonalNaive(settings: settings)
        var byDay: [String: [Int]] = [:]
        for (row, key) in data.keys.enumerated() { byDay[key.localDate, default: []].append(row) }
        for date in dates {
            var dayRows: [ForecastRow] = []
            for index in byDay[date] ?? [] {
                guard let value = baseline.value(data.matrix, row: index) else { dayRows = []; break }
                let key = data.keys[index]
                var row = ForecastRow(series: series, hourStart: key.hourStart, localDate: key.localDate, localHour: key.localHour,
                                      prediction: value, lower: nil, upper: nil, modelVersion: 0,
                                      asOfDate: Self.runDate(key.localDate, lead: lead),
                                      outOfDistribution: ["no model yet: seasonal-naive fallback"])
                row.fallback = "seasonal_naive"
                row.kind = kind
                row.leadDays = lead
                row.runTime = key.runTime
                row.weatherIssuedAt = key.weatherIssuedAt
                row.sqmdKnownAt = key.sqmdKnownAt
                dayRows.append(row)
            }
            output.append(.init(date: date, rows: dayRows.isEmpty ? .failure(ForecastError.coldStartWithoutHistory(series: series, date: date))
                                                                     : .success(dayRows),
                                note: "no champion yet (cold start)"))
        }
        return output
    }

    /// `as_of_date` of a row: D - lead, the day a forecast of D is made (run_time has the instant).
    static func runDate(_ target: String, lead: Int) -> String {
        LocalDate(target).map { $0.adding(days: -lead).description } ?? target
    }

    /// Features of a row that are missing or outside the range seen in training. Calendar features are
    /// always in range; weather and history are what this catches.
    static func outOfRange(_ matrix: FeatureMatrix, row: Int, ranges: [String: [Float]]) -> [String] {
        var reasons: [String] = []
        for (column, name) in matrix.featureNames.enumerated() {
            guard let range = ranges[name], range.count == 2 else { continue }
            let value = matrix[row, column]
            if value.isNaN {
                reasons.append("\(name) missing")
            } else if value < range[0] || value > range[1] {
                reasons.append(String(format: "%@ %.2f outside training range [%.2f, %.2f]", name, value, range[0], range[1]))
            }
        }
        return reasons
    }

    private func chooseModel(_ series: SeriesID, target: String, choice: ModelChoice, registry: ModelRegistry,
                             connection: Connection) throws -> (RegisteredModel, Data, String) {
        let lead = policy.leadDays
        switch choice {
        case let .version(version):
            guard let (model, json) = try registry.version(series, version) else { throw RegistryError.noSuchVersion(series, version) }
            return (model, json, "version \(version) as requested")
        case .champion:
            guard let (model, json) = try registry.champion(series, lead: lead) else {
                throw ForecastError.noChampion(series, lead: lead)
            }
            return (model, json, "champion version \(model.version)")
        case .championAtRunTime:
            let instant = try connection.execute("""
                select ((($1::date - $5::int) + $4::time) at time zone l.time_zone)::text as instant
                from \(SQLIdentifier.quoteValidated(layout.operationalSchema)).series_catalog c
                join \(SQLIdentifier.quoteValidated(layout.inputSchema)).weather_locations l on l.location = c.location
                where c.load_profile = $2 and c.load_segment = $3
                """, [target, series.loadProfile, series.loadSegment, policy.issueTime, lead],
                name: "run time of a backtest day").first?.string("instant")
            if let instant, let (model, json) = try registry.champion(series, at: instant, lead: lead) {
                return (model, json, "version \(model.version), champion at the run time")
            }
            guard let (model, json) = try registry.champion(series, lead: lead) else {
                throw ForecastError.noChampion(series, lead: lead)
            }
            return (model, json, "current champion version \(model.version) (no model was champion at the run time)")
        }
    }
}

public enum ForecastError: Error, CustomStringConvertible {
    case badDate(String)
    case noChampion(SeriesID, lead: Int = 1)
    case featuresMissing(series: SeriesID, version: Int, missing: [String])
    case inconsistentModel(series: SeriesID, version: Int, listed: Int, inModel: Int)
    case missingWeather(series: SeriesID, date: String, missingHours: Int, hours: Int, runTime: String, baselineMissing: Bool = false)
    case coldStartWithoutHistory(series: SeriesID, date: String)
    case missingBase(series: SeriesID, date: String, runTime: String)

    public var description: String {
        switch self {
        case let .badDate(text): return "'\(text)' is not a date; use YYYY-MM-DD."
        case let .noChampion(series, lead) where lead > 1:
            return "Series \(series) has no approved model for lead \(lead) (D+\(lead)); train one (gridcast train --series "
                + "\(series) --lead-days \(lead)) or approve a version of that lead (gridcast models approve)."
        case let .noChampion(series, _):
            return "Series \(series) has no approved model; train one (gridcast train --series \(series)) or approve a version (gridcast models approve)."
        case let .inconsistentModel(series, version, listed, inModel):
            return "Model \(series) version \(version) does not match its registry row: model_json was trained on \(inModel) "
                + "features, the features column lists \(listed) (or names them differently). Re-train the series, or restore "
                + "the row's model_json and features from the same training run."
        case let .featuresMissing(series, version, missing):
            return "Model \(series) v\(version) needs features the current feature SQL no longer produces: \(missing.joined(separator: ", ")). "
                + "Retrain the series or restore those columns in sql/features/dayahead_features.sql."
        case let .coldStartWithoutHistory(series, date):
            return "\(series) has no model yet and no history known on the run time of \(date) for the seasonal-naive fallback "
                + "(its weekly lag and 28-day mean are empty): load its SQMD (gridcast load sqmd), or check the calendar has the day."
        case let .missingBase(series, date, runTime):
            return "\(series) \(date): its model learns the deviation from the recent same-hour level, and no load of the "
                + "28 days behind the delay was known at the run time \(runTime). Load the series' SQMD (gridcast load sqmd), "
                + "or retrain it with --target load."
        case let .missingWeather(series, date, missingHours, hours, runTime, baselineMissing):
            let base = "\(series) \(date): \(missingHours) of \(hours) hours have no weather forecast issued at or before the run time \(runTime)"
            if baselineMissing { return base + ", and the seasonal-naive fallback has no history for them either." }
            return base + ". Load one (gridcast load weather --kind forecast), or pass --allow-missing-weather "
                + "(hours flagged) or --fallback seasonal-naive (the baseline, flagged)."
        }
    }
}
