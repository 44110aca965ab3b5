import Boosting
import Migrations
import Warehouse

/// How features may look back. SQMD arrives `delayDays` after its trade date, and a forecast of target
/// day D is made on D - `leadDays` (a day-ahead run on D - 1), so the newest usable trade date is
/// D - leadDays - delayDays.
public struct FeatureSettings: Sendable, Equatable, Codable {
    public var delayDays: Int = 14
    /// Same-hour lags in days. Each must be at least delayDays + leadDays.
    public var lagDays: [Int] = [21, 28, 35, 42, 364]
    /// The horizon: how many days before the target day its forecast is made. 1 is day-ahead (the
    /// default), 2 and 3 forecast D+2 and D+3 (the 72-hour horizon). A model learns for one lead: its
    /// features are the ones a run `leadDays` ahead knows, and it is champion for that lead only.
    public var leadDays: Int = 1
    /// Leads a model may be trained for: up to a week ahead.
    public static let leadRange = 1...7

    /// What the model learns. nil: the hour's load. `recentLevelBase`: the hour's load minus its recent
    /// same-hour level (the 7-day same-hour mean behind the delay, else the 28-day one), added back to every
    /// prediction. Trees cannot predict outside the targets they saw; a base lets a level the training
    /// window never reached come through from the newest known days. Absent from models trained before it.
    public var targetBase: String? = nil
    public static let recentLevelBase = "same_hour_mean_7d"
    /// The feature columns the recent level is read from, in order of preference.
    public static let levelColumns = ["same_hour_mean_7d", "same_hour_mean_28d"]

    public init(delayDays: Int = 14, lagDays: [Int] = [21, 28, 35, 42, 364], leadDays: Int = 1) {
        self.delayDays = delayDays
        self.lagDays = lagDays
        self.leadDays = leadDays
    }

    enum CodingKeys: String, CodingKey { case delayDays, lagDays, leadDays, targetBase }

    /// Models registered before horizons existed carry no `leadDays`: they are day-ahead models.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        delayDays = try container.decode(Int.self, forKey: .delayDays)
        lagDays = try container.decode([Int].self, forKey: .lagDays)
        leadDays = try container.decodeIfPresent(Int.self, forKey: .leadDays) ?? 1
        targetBase = try container.decodeIfPresent(String.self, forKey: .targetBase)
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

    /// Settings for a delay and lead with their default lags (a series whose catalog row has no `lag_days`).
    public init(delayDays: Int, leadDays: Int = 1) {
        self.init(delayDays: delayDays, lagDays: Self.defaultLags(delayDays: delayDays, leadDays: leadDays), leadDays: leadDays)
    }

    /// The default same-hour lags for a data delay: every day from `delay + 1` through 7 when the data
    /// are that fresh (yesterday's and the last week's days say most about tomorrow), then four weekly
    /// lags from the first multiple of 7 past the delay (same weekday), and 364 (same weekday a year
    /// back). Delay 14 (SQMD): 21, 28, 35, 42, 364; delay 1 (telemetry): 2 ... 7, 14, 21, 28, 35, 364.
    /// A longer lead sees as far back as a day-ahead run with a longer delay: delay 1 at lead 3 starts at 4.
    public static func defaultLags(delayDays: Int, leadDays: Int = 1) -> [Int] {
        let shortest = max(1, delayDays + leadDays)
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
                               leadDays: Int = 1, layout: SchemaLayout, on connection: Connection) throws -> FeatureSettings {
        let row = try connection.execute("""
            select delay_days, lag_days::text as lag_days
            from \(SQLIdentifier.quoteValidated(layout.operationalSchema)).series_catalog where series_id = $1
            """, [series.description], name: "series delay and lags \(series)").first
        let delay = overrides.delayDays ?? row?.int("delay_days") ?? FeatureSettings().delayDays
        // The catalog's lags are for day-ahead runs: a longer lead drops the ones it cannot know yet.
        let catalogLags = overrides.delayDays == nil ? row?.string("lag_days").map(ModelRegistry.parseTextArray) : nil
        let knowable = catalogLags?.compactMap { Int($0) }.filter { $0 >= delay + leadDays }
        let lags = overrides.lagDays ?? (knowable?.isEmpty == false ? knowable : nil)
            ?? defaultLags(delayDays: delay, leadDays: leadDays)
        let settings = FeatureSettings(delayDays: delay, lagDays: lags, leadDays: leadDays)
        try settings.validate()
        return settings
    }

    /// Refuses a lead outside `leadRange`.
    public static func validateLead(_ leadDays: Int) throws(FeatureError) {
        guard leadRange.contains(leadDays) else {
            throw .invalidSetting("lead days must be \(leadRange.lowerBound) to \(leadRange.upperBound) (1 = day-ahead), "
                                  + "got \(leadDays)")
        }
    }

    /// The smallest lag that reads only data available on the as-of date (D - leadDays).
    public var shortestSafeLag: Int { delayDays + leadDays }

    /// Refuses a configuration that would read SQMD not yet available on the as-of date.
    public func validate() throws(FeatureError) {
        guard delayDays >= 0 else { throw .invalidSetting("delay_days must be 0 or more, got \(delayDays)") }
        try Self.validateLead(leadDays)
        guard !lagDays.isEmpty else { throw .invalidSetting("at least one lag is needed") }
        if let leaky = lagDays.filter({ $0 < shortestSafeLag }).min() {
            throw .leakyLag(lagDays: leaky, delayDays: delayDays, leadDays: leadDays)
        }
        if Set(lagDays).count != lagDays.count { throw .invalidSetting("lags must be distinct, got \(lagDays)") }
    }

    /// Feature names of the lag columns, in order: `lag_21d`, ...
    public var lagFeatureNames: [String] { lagDays.map { "lag_\($0)d" } }
}

public enum FeatureError: Error, Sendable, CustomStringConvertible {
    case leakyLag(lagDays: Int, delayDays: Int, leadDays: Int = 1)
    case invalidSetting(String)
    case templateShape(String)
    case noRows(series: String, reason: String)

    public var description: String {
        switch self {
        case let .leakyLag(lag, delay, lead):
            return "A lag of \(lag) days would leak future data: for target day D the run happens on D-\(lead), when SQMD has "
                + "arrived only up to trade date D-\(delay + lead) (delay \(delay) days, lead \(lead)), but the lag reads "
                + "D-\(lag). Use lags of at least \(delay + lead) days."
        case let .invalidSetting(reason): return "Invalid feature setting: \(reason)."
        case let .templateShape(reason): return "The feature template does not have the expected columns: \(reason)."
        case let .noRows(series, reason): return "No feature rows for \(series): \(reason)."
        }
    }
}
