/// What a feature row may know: the run time of each target day and which weather stands in for the
/// target hours. SPEC 8: a forecast sees only weather issued at or before its run time, SQMD that had
/// arrived by then, and a model registered before it.
public struct AsOfRule: Sendable, Equatable, Codable {
    /// Which weather rows a feature row may use for its target hours.
    public enum WeatherMode: String, Sendable, Codable, CaseIterable {
        /// Only rows issued at or before the run time: forecasts (and observations of earlier hours).
        case asKnown = "as_known"
        /// As known where a forecast vintage exists, else the observation (training on history that
        /// has no stored vintages for some hours).
        case asIssuedOrObserved = "as_issued_or_observed"
        /// Observations only: hindsight, for measuring what forecast weather costs.
        case observed
    }

    /// One as-of instant for every target day (a live run: its start), as PostgreSQL timestamptz text;
    /// nil gives each target day D its own: D - 1 at `issueTime`, local time.
    public var runTime: String?
    /// Local time of day a day-ahead forecast is issued on D - 1, `HH:MM`.
    public var issueTime: String
    public var weather: WeatherMode
    /// Labels (targets) as known at this instant; nil is the start of the query's transaction.
    public var knownAt: String?

    public static let defaultIssueTime = "09:00"

    public init(runTime: String? = nil, issueTime: String = AsOfRule.defaultIssueTime, weather: WeatherMode = .asKnown,
                knownAt: String? = nil) {
        self.runTime = runTime
        self.issueTime = issueTime
        self.weather = weather
        self.knownAt = knownAt
    }

    /// Backtests and training rows: each day as of D - 1 at `issueTime`.
    public static func dayAhead(issueTime: String = defaultIssueTime, weather: WeatherMode = .asKnown) -> AsOfRule {
        AsOfRule(issueTime: issueTime, weather: weather)
    }

    /// `HH:MM` (or `H:MM`), 00:00-23:59, normalised to `HH:MM`; nil when it is not a time of day.
    public static func parseIssueTime(_ text: String) -> String? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), parts[1].count == 2,
              (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        return (hour < 10 ? "0" : "") + "\(hour):" + String(parts[1])
    }
}
