import Boosting
import Features
import Foundation
import Migrations
import Warehouse

/// One forecast hour, ready to be written.
public struct ForecastRow: Sendable {
    public let series: SeriesID
    public let hourStart: String
    public let localDate: String
    public let localHour: Int
    public let prediction: Double
    public let lower: Double
    public let upper: Double
    public let modelVersion: Int
    public let asOfDate: String
    public let outOfDistribution: [String]

    public init(series: SeriesID, hourStart: String, localDate: String, localHour: Int, prediction: Double, lower: Double,
                upper: Double, modelVersion: Int, asOfDate: String, outOfDistribution: [String]) {
        self.series = series
        self.hourStart = hourStart
        self.localDate = localDate
        self.localHour = localHour
        self.prediction = prediction
        self.lower = lower
        self.upper = upper
        self.modelVersion = modelVersion
        self.asOfDate = asOfDate
        self.outOfDistribution = outOfDistribution
    }
}

/// Which model a forecast uses.
public enum ModelChoice: Sendable {
    /// The current champion.
    case champion
    /// The champion at the start of the target day; the current champion when none existed then.
    case championAtTargetDay
    /// A named version.
    case version(Int)
}

/// Forecasts every hour of one target day for one series with a registered model.
public struct SeriesForecaster: Sendable {
    public let query: FeatureQuery
    public let layout: SchemaLayout

    public init(query: FeatureQuery, layout: SchemaLayout) {
        self.query = query
        self.layout = layout
    }

    /// - Parameters:
    ///   - targetDate: the local day to forecast (ISO); the run is as of the day before.
    /// - Returns: 23, 24 or 25 rows, and a note on which model was used.
    public func forecast(_ series: SeriesID, targetDate: String, model choice: ModelChoice,
                         on connection: Connection) throws -> (rows: [ForecastRow], note: String) {
        guard let day = try forecast(series, targetDates: [targetDate], model: choice, on: connection).first else {
            throw ForecastError.badDate(targetDate)
        }
        return (try day.rows.get(), day.note)
    }

    /// Forecasts several days of one series. Consecutive days that use the same model share one
    /// feature query over the date range (each row still sees only data as of its own day - 1), so a
    /// 30-day backfill costs a few queries rather than thirty. Failures are reported per day.
    public func forecast(_ series: SeriesID, targetDates: [String], model choice: ModelChoice,
                         on connection: Connection) throws -> [(date: String, rows: Result<[ForecastRow], Error>, note: String)] {
        let registry = ModelRegistry(connection: connection, layout: layout)
        var resolved: [(date: String, model: Result<(RegisteredModel, Data, String), Error>)] = []
        for date in targetDates.sorted() {
            guard LocalDate(date) != nil else { resolved.append((date, .failure(ForecastError.badDate(date)))); continue }
            resolved.append((date, Result { try chooseModel(series, target: date, choice: choice, registry: registry, connection: connection) }))
        }
        var output: [(date: String, rows: Result<[ForecastRow], Error>, note: String)] = []
        var index = 0
        while index < resolved.count {
            guard case let .success((model, json, _)) = resolved[index].model else {
                if case let .failure(error) = resolved[index].model { output.append((resolved[index].date, .failure(error), "")) }
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
                let rows = try forecastRange(series, start: group.first!.date, end: group.last!.date, model: model, json: json, on: connection)
                for entry in group {
                    let note = (try? entry.model.get().2) ?? ""
                    let dayRows = rows.filter { $0.localDate == entry.date }
                    output.append((entry.date, dayRows.isEmpty
                        ? .failure(FeatureError.noRows(series: series.description, reason: "the calendar has no hours for \(entry.date); run `gridcast calendar fill` for that range"))
                        : .success(dayRows), note))
                }
            } catch {
                for entry in group { output.append((entry.date, .failure(error), "")) }
            }
            index = last + 1
        }
        return output
    }

    private func forecastRange(_ series: SeriesID, start: String, end: String, model: RegisteredModel, json: Data,
                               on connection: Connection) throws -> [ForecastRow] {
        let document = try JSONCoding.decode(MetricsDocument.self, from: model.metrics)
        let data = try query.fetch(on: connection, layout: layout, series: series, start: start, end: end,
                                   settings: document.featureSettings, requireTarget: false)
        guard model.features.allSatisfy(data.matrix.featureNames.contains) else {
            let missing = model.features.filter { !data.matrix.featureNames.contains($0) }
            throw ForecastError.featuresMissing(series: series, version: model.version, missing: missing)
        }
        let matrix = data.matrix.columns(model.features)
        guard matrix.rowCount > 0 else { return [] }
        // One thread: a day is 24 rows, and shard workers forecasting side by side must not fight over
        // cores with OpenMP threads that spin (see CoreBudget).
        let booster = try Booster(modelJSON: json)
        try booster.setParameter("nthread", "1")
        let predictions = try booster.predict(DMatrix(matrix, threads: 1))
        var rows: [ForecastRow] = []
        for (index, key) in data.keys.enumerated() {
            let prediction = Double(predictions[index])
            let bounds = document.intervals.bounds(prediction: prediction, hour: key.localHour)
            let asOf = LocalDate(key.localDate).map { $0.adding(days: -1).description } ?? key.localDate
            rows.append(ForecastRow(series: series, hourStart: key.hourStart, localDate: key.localDate, localHour: key.localHour,
                                    prediction: prediction, lower: bounds.lower, upper: bounds.upper, modelVersion: model.version,
                                    asOfDate: asOf, outOfDistribution: Self.outOfRange(matrix, row: index, ranges: document.featureRanges)))
        }
        return rows
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
        switch choice {
        case let .version(version):
            guard let (model, json) = try registry.version(series, version) else { throw RegistryError.noSuchVersion(series, version) }
            return (model, json, "version \(version) as requested")
        case .champion:
            guard let (model, json) = try registry.champion(series) else { throw ForecastError.noChampion(series) }
            return (model, json, "champion version \(model.version)")
        case .championAtTargetDay:
            let instant = try connection.execute("""
                select ($1::date::timestamp at time zone l.time_zone)::text as instant
                from \(SQLIdentifier.quoteValidated(layout.operationalSchema)).series_catalog c
                join \(SQLIdentifier.quoteValidated(layout.inputSchema)).weather_locations l on l.location = c.location
                where c.load_profile = $2 and c.load_segment = $3
                """, [target, series.loadProfile, series.loadSegment], name: "target day start").first?.string("instant")
            if let instant, let (model, json) = try registry.champion(series, at: instant) {
                return (model, json, "version \(model.version), champion on \(target)")
            }
            guard let (model, json) = try registry.champion(series) else { throw ForecastError.noChampion(series) }
            return (model, json, "current champion version \(model.version) (no model was champion on \(target))")
        }
    }
}

public enum ForecastError: Error, CustomStringConvertible {
    case badDate(String)
    case noChampion(SeriesID)
    case featuresMissing(series: SeriesID, version: Int, missing: [String])

    public var description: String {
        switch self {
        case let .badDate(text): return "'\(text)' is not a date; use YYYY-MM-DD."
        case let .noChampion(series):
            return "Series \(series) has no approved model; train one (gridcast train --series \(series)) or approve a version (gridcast models approve)."
        case let .featuresMissing(series, version, missing):
            return "Model \(series) v\(version) needs features the current feature SQL no longer produces: \(missing.joined(separator: ", ")). "
                + "Retrain the series or restore those columns in sql/features/dayahead_features.sql."
        }
    }
}
