/// What pushed one hour's forecast up or down: the features with the largest SHAP contributions
/// (XGBoost's pred_contribs, in kWh), stored with the forecast row so BI can show "why is 18:00 high"
/// without re-running the features (`bi.vw_forecast_drivers`).
enum ForecastDrivers {
    /// Drivers kept per hour: enough to explain an hour, few enough to read in a tooltip.
    static let count = 3

    struct Driver: Encodable {
        let feature: String
        let kwh: Double
    }

    /// The top drivers of `row` as a JSON array, largest absolute contribution first. `contributions`
    /// holds per row one value per feature and then the bias (the same for every hour, so left out).
    static func json(_ contributions: [Float], row: Int, features: [String]) throws -> String? {
        let width = features.count + 1
        guard !features.isEmpty, contributions.count >= (row + 1) * width else { return nil }
        let values = contributions[(row * width)..<(row * width + features.count)]
        let top = zip(features, values).filter { $0.1.isFinite }
            .sorted { abs($0.1) != abs($1.1) ? abs($0.1) > abs($1.1) : $0.0 < $1.0 }
            .prefix(count)
            .map { Driver(feature: $0.0, kwh: Double($0.1)) }
        return try JSONCoding.string(Array(top))
    }
}
