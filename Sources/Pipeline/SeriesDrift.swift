import Migrations
import Warehouse

/// One row of `vw_series_drift` (migration 0019): how far a series moved from what its champion was
/// trained and approved on. The measures live in SQL so BI, `gridcast check` and `train --if-drifted`
/// agree.
public struct SeriesDrift: Sendable, Equatable {
    public let series: SeriesID
    /// Nil when the series has no champion: there is nothing to drift from, so it needs training.
    public let championVersion: Int?
    public let wapeRatio: Double?
    public let loadPerMeterPSI: Double?
    public let temperaturePSI: Double?
    public let drifted: Bool
    public let reason: String

    /// `train --if-drifted` trains a series that drifted or has no champion yet.
    public var needsTraining: Bool { drifted || championVersion == nil }

    /// Why a series is or is not retrained, in words.
    public var explanation: String {
        if needsTraining { return reason }
        func figure(_ name: String, _ value: Double?, _ digits: Int) -> String {
            "\(name) \(value.map { String(format: "%.\(digits)f", $0) } ?? "n/a")"
        }
        return "not drifted (\(figure("WAPE ratio", wapeRatio, 2)), \(figure("load per meter PSI", loadPerMeterPSI, 3)), "
            + "\(figure("temperature PSI", temperaturePSI, 3)))"
    }

    /// Drift of the given series; a series the view does not list (inactive) is left out.
    public static func read(on connection: Connection, layout: SchemaLayout, series: [SeriesID]) throws -> [SeriesDrift] {
        let schema = SQLIdentifier.quoteValidated(layout.operationalSchema)
        return try connection.execute("""
            select load_profile, load_segment, model_version, wape_ratio, load_per_meter_psi, temperature_psi, drifted, reason
            from \(schema).vw_series_drift
            where series_id = any ($1::text[])
            order by series_id
            """, [ModelRegistry.arrayLiteral(series.map(\.description))], name: "series drift").rows.map { row in
            SeriesDrift(series: SeriesID(loadProfile: row.string("load_profile") ?? "", loadSegment: row.string("load_segment") ?? ""), championVersion: row.int("model_version"), wapeRatio: row.double("wape_ratio"),
                               loadPerMeterPSI: row.double("load_per_meter_psi"), temperaturePSI: row.double("temperature_psi"),
                               drifted: row.bool("drifted") ?? false, reason: row.string("reason") ?? "")
        }
    }

    /// The series of `selected` that drifted or have no champion, and the drift of those that did not.
    /// A selected series the drift view does not list is trained: when in doubt, train.
    public static func partition(_ selected: [SeriesID], on connection: Connection, layout: SchemaLayout) throws
        -> (train: [SeriesID], skipped: [SeriesDrift]) {
        let drift = try read(on: connection, layout: layout, series: selected)
        let skipped = drift.filter { !$0.needsTraining }
        let skippedIDs = Set(skipped.map(\.series))
        return (selected.filter { !skippedIDs.contains($0) }, skipped)
    }
}
