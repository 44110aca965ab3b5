/// One forecast hour, ready to be written, with the lineage of what it was allowed to know.
public struct ForecastRow: Sendable {
    public let series: SeriesID
    public let hourStart: String
    public let localDate: String
    public let localHour: Int
    public let prediction: Double
    /// Prediction bounds; nil for a fallback row, whose baseline has no calibrated interval.
    public let lower: Double?
    public let upper: Double?
    public let modelVersion: Int
    public let asOfDate: String
    public let outOfDistribution: [String]
    public var kind: ForecastKind = .backtest
    /// The as-of instant (UTC timestamptz text); empty for rows made outside a feature query.
    public var runTime = ""
    public var weatherIssuedAt: String?
    public var sqmdKnownAt: String?
    public var modelRegisteredAt: String?
    /// The model was fitted or tuned on this day.
    public var inSample = false
    /// `seasonal_naive` when the row is the baseline written instead of a model forecast.
    public var fallback: String?
    /// The hour's top drivers as a JSON array, largest first: `[{"feature": "temperature_2m", "kwh": 812.4}, ...]`
    /// (SHAP contributions of the model; nil for a fallback row).
    public var drivers: String?
    /// Days between the run and the target day (1: day-ahead), the lead of the model that made the row.
    public var leadDays = 1

    public init(series: SeriesID, hourStart: String, localDate: String, localHour: Int, prediction: Double, lower: Double?,
                upper: Double?, modelVersion: Int, asOfDate: String, outOfDistribution: [String]) {
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

/// Issued forecasts are what a day-ahead run published before its day; backtests replay a past run
/// time. An issued row is never replaced; a backtest replaces only an earlier backtest of the same
/// series, hour, run time and model version.
public enum ForecastKind: String, Sendable, Codable {
    case issued, backtest
}

/// How a forecast run treats its inputs.
public struct ForecastPolicy: Sendable {
    /// Local time on D - lead at which a backtest of day D is as of (the daily schedule's issue time).
    public var issueTime = AsOfRule.defaultIssueTime
    /// Which champion forecasts: the day-ahead one (1), or the D+2 (2), D+3 (3) ... one. A named version
    /// forecasts at its own lead.
    public var leadDays = 1
    /// Forecast a day whose weather forecast is missing for some hours anyway (those hours flagged
    /// out of distribution) instead of failing that series-day.
    public var allowMissingWeather = false
    /// Write the seasonal-naive baseline, flagged, for a series-day that cannot be forecast for
    /// lack of weather.
    public var fallbackToBaseline = false

    public init(issueTime: String = AsOfRule.defaultIssueTime, allowMissingWeather: Bool = false, fallbackToBaseline: Bool = false) {
        self.issueTime = issueTime
        self.allowMissingWeather = allowMissingWeather
        self.fallbackToBaseline = fallbackToBaseline
    }
}
