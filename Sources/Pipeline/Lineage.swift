/// Comparisons of the lineage timestamps a feature query returns. The query prints every timestamptz
/// in UTC (`2024-06-01 16:00:00+00`, maybe with fractional seconds), so two of them order as text.
enum Lineage {
    /// `a` is at or before `b`.
    static func atOrBefore(_ a: String, _ b: String) -> Bool { a <= b }

    /// Share of rows whose weather came from a forecast issued at or before the row's run time (an
    /// observation is issued at its own hour, which for a target hour is after the run time).
    static func asIssuedShare(_ keys: [FeatureRowKey]) -> Double {
        guard !keys.isEmpty else { return 0 }
        let asIssued = keys.filter { key in key.weatherIssuedAt.map { atOrBefore($0, key.runTime) } ?? false }.count
        return Double(asIssued) / Double(keys.count)
    }
}
