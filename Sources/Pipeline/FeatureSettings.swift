/// How features may look back. SQMD arrives `delayDays` after its trade date, and a day-ahead run for
/// target day D happens on D - 1, so the newest usable trade date is D - 1 - delayDays.
public struct FeatureSettings: Sendable, Equatable, Codable {
    public var delayDays: Int = 14
    /// Same-hour lags in days. Each must be at least delayDays + 1.
    public var lagDays: [Int] = [21, 28, 35, 42, 364]

    public init(delayDays: Int = 14, lagDays: [Int] = [21, 28, 35, 42, 364]) {
        self.delayDays = delayDays
        self.lagDays = lagDays
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
