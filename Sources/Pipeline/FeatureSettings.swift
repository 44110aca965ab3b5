import Boosting
import Migrations
import Warehouse

/// How features may look back. SQMD arrives `delayDays` after its trade date, and a day-ahead run for
/// target day D happens on D - 1, so the newest usable trade date is D - 1 - delayDays.
public struct FeatureSettings: Sendable, Equatable, Codable {
    public var delayDays: Int = 14
    /// Same-hour lags in days. Each must be at least delayDays + 1.
    public var lagDays: [Int] = [21, 28, 35, 42, 364]

    /// What the model learns. nil: the hour's load. `recentLevelBase`: the hour's load minus its recent
    /// same-hour level (the 7-day same-hour mean behind the delay, else the 28-day one), added back to every
    /// prediction. Trees cannot predict outside the targets they saw; a base lets a level the training
    /// window never reached come through from the newest known days. Absent from models trained before it.
    public var targetBase: String? = nil
    public static let recentLevelBase = "same_hour_mean_7d"
    /// The feature columns the recent level is read from, in order of preference.
    public static let levelColumns = ["same_hour_mean_7d", "same_hour_mean_28d"]

    public init(delayDays: Int = 14, lagDays: [Int] = [21, 28, 35, 42, 364]) {
        self.delayDays = delayDays
        self.lagDays = lagDays
    }

    /// Per row of `matrix`: what the forecast adds to the model's output (0 without a base; NaN where the
    /// base is unknown: no same-hour load in the 28 days behind the delay).
    public func baseValues(_ matrix: FeatureMatrix) -> [Float] {
        guard targetBase != nil else { return [Float](repeating: 0, count: matrix.rowCount) }
        let week = matrix.column(Self.levelColumns[0]), month = matrix.column(Self.levelColumns[1])
        guard week.count == matrix.rowCount, month.count == matrix.rowCount else {
            return [Float](repeating: .nan, count: matrix.rowCount)
        }
        return zip(week, month).map { $0.isNaN ? $1 : $0 }
    }

    /// Settings for a delay with its default lags (a series whose catalog row has no `lag_days`).
    public init(delayDays: Int) {
        self.init(delayDays: delayDays, lagDays: Self.defaultLags(delayDays: delayDays))
    }

    /// The default same-hour lags for a data delay: every day from `delay + 1` through 7 when the data
    /// are that fresh (yesterday's and the last week's days say most about tomorrow), then four weekly
    /// lags from the first multiple of 7 past the delay (same weekday), and 364 (same weekday a year
    /// back). Delay 14 (SQMD): 21, 28, 35, 42, 364; delay 1 (telemetry): 2 ... 7, 14, 21, 28, 35, 364.
    public static func defaultLags(delayDays: Int) -> [Int] {
        let shortest = max(1, delayDays + 1)
        let daily = shortest <= 7 ? Array(shortest...7) : []
        var firstWeekly = (shortest + 6) / 7 * 7
        if daily.contains(firstWeekly) { firstWeekly += 7 }
        let weekly = (0..<4).map { firstWeekly + 7 * $0 }
        return daily + weekly + (weekly.contains(364) || 364 < shortest ? [] : [364])
    }

    /// A series' delay and lags from series_catalog (migration 0021) with a run's overrides: a delay
    /// given for the run brings its default lags unless lags are given too; else the catalog's lags,
    /// else the delay's defaults. Validated, so a leaky lag is refused here.
    public static func catalog(_ series: SeriesID, overrides: TrainingConfiguration.CatalogFeatureOverrides = .init(),
                               layout: SchemaLayout, on connection: Connection) throws -> FeatureSettings {
        let row = try connection.execute("""
            select delay_days, lag_days::text as lag_days
            from \(SQLIdentifier.quoteValidated(layout.operationalSchema)).series_catalog where series_id = $1
            """, [series.description], name: "series delay and lags \(series)").first
        let delay = overrides.delayDays ?? row?.int("delay_days") ?? FeatureSettings().delayDays
        let catalogLags = overrides.delayDays == nil ? row?.string("lag_days").map(ModelRegistry.parseTextArray) : nil
        let lags = overrides.lagDays ?? catalogLags?.compactMap { Int($0) } ?? defaultLags(delayDays: delay)
        let settings = FeatureSettings(delayDays: delay, lagDays: lags)
        try settings.validate()
        return settings
    }

    /// The smallest lag that reads only data available on the as-of date.
    public var shortestSafeLag: Int { delayDays + 1 }

    /// Refuses a configuration that would read SQMD not yet available on the as-of date.
    public func validate() throws(FeatureError) {
        guard delayDays >= 0 else { throw .invalidSetting("delay_days must be 0 or more, got \(delayDays)") }
        guard !lagDays.isEmpty else { throw .invalidSetting("at least one lag is needed") }
        if let leaky = lagDays.filter({ $0 < shortestSafeLag }).min() {
            throw .leakyLag(lagDays: leaky, delayDays: delayDays)
        }
        if Set(lagDays).count != lagDays.count { throw .invalidSetting("lags must be distinct, got \(lagDays)") }
    }

    /// Feature names of the lag columns, in order: `lag_21d`, ...
    public var lagFeatureNames: [String] { lagDays.map { "lag_\($0)d" } }
}

public enum FeatureError: Error, Sendable, CustomStringConvertible {
    case leakyLag(lagDays: Int, delayDays: Int)
    case invalidSetting(String)
    case templateShape(String)
    case noRows(series: String, reason: String)

    public var description: String {
        switch self {
        case let .leakyLag(lag, delay):
            return "A lag of \(lag) days would leak future data: for target day D the run happens on D-1, when SQMD has "
                + "arrived only up to trade date D-\(delay + 1) (delay \(delay) days), but the lag reads D-\(lag). "
                + "Use lags of at least \(delay + 1) days."
        case let .invalidSetting(reason): return "Invalid feature setting: \(reason)."
        case let .templateShape(reason): return "The feature template does not have the expected columns: \(reason)."
        case let .noRows(series, reason): return "No feature rows for \(series): \(reason)."
        }
    }
}
