/// Accuracy of a forecast against actuals on one window. Units are those of the target (kWh).
public struct ForecastMetrics: Sendable, Equatable, Codable {
    public var rmse: Double
    public var mae: Double
    /// Mean absolute percentage error in percent, over hours whose actual is not zero. Meaningless for
    /// net load near zero (solar series at noon): use `wape` there.
    public var mape: Double
    /// Weighted absolute percentage error in percent: sum |error| / sum |actual|. Optional only because
    /// models registered before it was recorded lack it.
    public var wape: Double?
    public var r2: Double
    /// Mean of forecast minus actual (positive = over-forecast).
    public var bias: Double
    /// Mean over days of |forecast daily peak - actual daily peak|.
    public var peakHourError: Double
    /// RMSE over solar and evening-ramp hours (the duck curve); nil when the window has none or it was not asked for.
    public var duckCurveRMSE: Double?
    public var count: Int

    enum CodingKeys: String, CodingKey {
        case rmse, mae, mape, wape, r2, bias, count
        case peakHourError = "peak_hour_error"
        case duckCurveRMSE = "duck_curve_rmse"
    }

    /// - Parameters:
    ///   - days: a day key per hour (e.g. the local date's day number), for the daily peak error.
    ///   - duckCurveHours: per hour, whether it belongs to the solar or evening-ramp period; nil to skip.
    public init(actual: [Double], predicted: [Double], days: [Int], duckCurveHours: [Bool]? = nil) {
        precondition(actual.count == predicted.count && actual.count == days.count, "aligned arrays")
        let count = actual.count
        self.count = count
        guard count > 0 else {
            rmse = .nan; mae = .nan; mape = .nan; wape = .nan; r2 = .nan; bias = .nan; peakHourError = .nan; duckCurveRMSE = nil
            return
        }
        var squared = 0.0, absolute = 0.0, signed = 0.0, percent = 0.0, percentCount = 0, absoluteActual = 0.0
        for index in 0..<count {
            let error = predicted[index] - actual[index]
            squared += error * error
            absolute += abs(error)
            absoluteActual += abs(actual[index])
            signed += error
            if actual[index] != 0 { percent += abs(error / actual[index]); percentCount += 1 }
        }
        rmse = (squared / Double(count)).squareRoot()
        mae = absolute / Double(count)
        bias = signed / Double(count)
        mape = percentCount > 0 ? 100 * percent / Double(percentCount) : .nan
        wape = absoluteActual > 0 ? 100 * absolute / absoluteActual : .nan
        let mean = actual.reduce(0, +) / Double(count)
        let total = actual.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        r2 = total > 0 ? 1 - squared / total : .nan

        var actualPeak: [Int: Double] = [:], predictedPeak: [Int: Double] = [:]
        for index in 0..<count {
            actualPeak[days[index]] = max(actualPeak[days[index]] ?? -.infinity, actual[index])
            predictedPeak[days[index]] = max(predictedPeak[days[index]] ?? -.infinity, predicted[index])
        }
        peakHourError = actualPeak.reduce(0) { $0 + abs((predictedPeak[$1.key] ?? 0) - $1.value) } / Double(actualPeak.count)

        if let duckCurveHours {
            let selected = (0..<count).filter { duckCurveHours[$0] }
            duckCurveRMSE = selected.isEmpty ? nil
                : (selected.reduce(0) { $0 + (predicted[$1] - actual[$1]) * (predicted[$1] - actual[$1]) } / Double(selected.count)).squareRoot()
        } else {
            duckCurveRMSE = nil
        }
    }

    /// 1 - RMSE / baseline RMSE: positive when the model beats the baseline.
    public func skill(against baseline: ForecastMetrics) -> Double {
        baseline.rmse > 0 ? 1 - rmse / baseline.rmse : .nan
    }
}
