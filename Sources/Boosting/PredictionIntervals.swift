/// Prediction intervals from held-out residuals (split conformal on absolute residuals), per local hour of
/// day, because load errors are much wider at the evening peak than at night.
///
/// The bands are symmetric about the forecast: the `coverage` quantile of |actual - predicted|. Quantiles of
/// the signed residuals (the 10th and 90th percentile) carried the calibration window's own bias into every
/// later forecast: a window that over-forecast shifted the band down for months that under-forecast. On the
/// public data check (bench/README.md, seventh session; seeds 42 and 1) 80% bands from the same residuals
/// covered 69-77% of hours that way and 79-82% symmetric. The absolute residuals keep the width, drop the sign.
public struct PredictionIntervals: Sendable, Codable, Equatable {
    /// Nominal coverage, e.g. 0.8 for an 80% interval.
    public let coverage: Double
    /// Per hour 0-23: offsets from the prediction (lower = -upper).
    public let offsets: [Int: Offset]
    /// Used for hours with too few residuals: the quantile over all hours.
    public let overall: Offset

    public struct Offset: Sendable, Codable, Equatable {
        public let lower: Double
        public let upper: Double
    }

    /// - Parameters:
    ///   - residuals: actual minus predicted on data the model did not train on.
    ///   - hours: local hour 0-23 of each residual.
    public init(residuals: [Double], hours: [Int], coverage: Double = 0.8, minimumPerHour: Int = 20) {
        precondition(residuals.count == hours.count, "one hour per residual")
        self.coverage = coverage
        overall = Self.offset(residuals, coverage: coverage)
        var byHour: [Int: [Double]] = [:]
        for (residual, hour) in zip(residuals, hours) { byHour[hour, default: []].append(residual) }
        offsets = byHour.filter { $0.value.count >= minimumPerHour }.mapValues { Self.offset($0, coverage: coverage) }
    }

    /// (lower, upper) bounds around `prediction` for an hour. The min/max keep a forecast inside its own
    /// bounds for offsets stored by older versions (signed quantiles of one sign).
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

    /// The conformal quantile of |residual| with the finite-sample correction ceil((n+1) * coverage) / n.
    static func offset(_ values: [Double], coverage: Double) -> Offset {
        guard !values.isEmpty else { return Offset(lower: 0, upper: 0) }
        let sorted = values.map(abs).sorted()
        let rank = Int((coverage * Double(sorted.count + 1)).rounded(.up))
        let width = sorted[min(max(rank, 1), sorted.count) - 1]
        return Offset(lower: -width, upper: width)
    }
}
