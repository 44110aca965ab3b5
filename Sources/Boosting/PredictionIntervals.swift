/// Prediction intervals from empirical quantiles of held-out residuals (split conformal), per local
/// hour of day, because load errors are much wider at the evening peak than at night.
public struct PredictionIntervals: Sendable, Codable, Equatable {
    /// Nominal coverage, e.g. 0.8 for an 80% interval.
    public let coverage: Double
    /// Per hour 0-23: residual (actual - predicted) quantiles (lower, upper).
    public let offsets: [Int: Offset]
    /// Used for hours with too few residuals: quantiles over all hours.
    public let overall: Offset

    public struct Offset: Sendable, Codable, Equatable {
        public let lower: Double
        public let upper: Double
    }

    /// - Parameters:
    ///   - residuals: actual minus predicted on a window the model did not train on.
    ///   - hours: local hour 0-23 of each residual.
    public init(residuals: [Double], hours: [Int], coverage: Double = 0.8, minimumPerHour: Int = 20) {
        precondition(residuals.count == hours.count, "one hour per residual")
        self.coverage = coverage
        let alpha = (1 - coverage) / 2
        overall = Self.offset(residuals, alpha: alpha)
        var byHour: [Int: [Double]] = [:]
        for (residual, hour) in zip(residuals, hours) { byHour[hour, default: []].append(residual) }
        offsets = byHour.filter { $0.value.count >= minimumPerHour }.mapValues { Self.offset($0, alpha: alpha) }
    }

    /// (lower, upper) bounds around `prediction` for an hour. When the residuals of an hour are all of
    /// one sign (a biased hour), the interval is widened to include the prediction itself, so a
    /// forecast never lies outside its own bounds; coverage can only rise.
    public func bounds(prediction: Double, hour: Int) -> (lower: Double, upper: Double) {
        let offset = offsets[hour] ?? overall
        return (prediction + min(offset.lower, 0), prediction + max(offset.upper, 0))
    }

    /// Share of `actual` values inside their bounds.
    public func coverage(actual: [Double], predicted: [Double], hours: [Int]) -> Double {
        guard !actual.isEmpty else { return .nan }
        let inside = (0..<actual.count).filter { index in
            let bounds = bounds(prediction: predicted[index], hour: hours[index])
            return actual[index] >= bounds.lower && actual[index] <= bounds.upper
        }.count
        return Double(inside) / Double(actual.count)
    }

    /// Conformal quantiles with the finite-sample correction ceil((n+1)(1-alpha))/n.
    static func offset(_ values: [Double], alpha: Double) -> Offset {
        guard !values.isEmpty else { return Offset(lower: 0, upper: 0) }
        let sorted = values.sorted()
        func quantile(_ q: Double) -> Double {
            let position = min(max(q * Double(sorted.count + 1) - 1, 0), Double(sorted.count - 1))
            return sorted[Int(position.rounded(q < 0.5 ? .down : .up))]
        }
        return Offset(lower: quantile(alpha), upper: quantile(1 - alpha))
    }
}
