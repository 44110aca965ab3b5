import Foundation
import Migrations
import Warehouse

/// Writes forecast rows: COPY into a temporary staging table, then, in the same transaction, replace
/// the rows of the same series, hours and as-of date and insert the new ones. A failure or a killed
/// process at any point leaves the forecast table exactly as it was; re-running a date never duplicates.
public struct ForecastWriter {
    let layout: SchemaLayout

    public init(layout: SchemaLayout) { self.layout = layout }

    /// Staging table columns, in COPY order.
    public static let columns = ["forecast_datetime", "predicted_lossadjustedload", "predicted_lower_bound", "predicted_upper_bound",
                          "run_id", "model_version", "load_profile", "load_segment", "year", "month", "day", "local_hour",
                          "as_of_date", "out_of_distribution", "ood_reasons"]

    /// - Parameters:
    ///   - lockWaitSeconds: how long to wait for another run writing the same series.
    ///   - beforeCommit: test hook, called after the merge and before COMMIT.
    /// - Returns: rows written.
    @discardableResult
    public func write(_ rows: [ForecastRow], runID: String, on connection: Connection, lockWaitSeconds: Double = 600,
                      beforeCommit: () throws -> Void = {}) throws -> Int {
        guard !rows.isEmpty else { return 0 }
        let table = "\(SQLIdentifier.quoteValidated(layout.operationalSchema)).dayahead_load_forecasts"
        let series = Array(Set(rows.map(\.series.description))).sorted()
        return try connection.transaction(name: "write forecasts") { tx in
            try tx.execute("select set_config('lock_timeout', $1, true)", ["\(Int(lockWaitSeconds * 1000))ms"], name: "forecast lock timeout")
            for name in series {  // sorted, so two runs lock in the same order and cannot deadlock
                do {
                    try tx.execute("select pg_advisory_xact_lock(hashtextextended($1, 0))",
                                   ["gridcast.forecast.\(layout.operationalSchema).\(name)"], name: "lock series \(name)")
                } catch let WarehouseError.server(error) where error.sqlstate == "55P03" {
                    throw WarehouseError.lockNotAvailable(lockName: "gridcast.forecast.\(name)", reason: "another forecast of \(name) is still writing")
                }
            }
            try tx.execute("""
                create temporary table forecast_staging (like \(table) including defaults) on commit drop
                """, name: "create forecast staging")
            try tx.copyIn("copy forecast_staging (\(Self.columns.joined(separator: ", "))) from stdin", name: "copy forecasts") { writer in
                for row in rows {
                    let parts = row.localDate.split(separator: "-")
                    try writer.append(row.hourStart)
                    try writer.append(row.prediction)
                    try writer.append(row.lower)
                    try writer.append(row.upper)
                    try writer.append(runID)
                    try writer.append(row.modelVersion)
                    try writer.append(row.series.loadProfile)
                    try writer.append(row.series.loadSegment)
                    for part in parts { try writer.append(String(part)) }
                    try writer.append(row.localHour)
                    try writer.append(row.asOfDate)
                    try writer.append(row.outOfDistribution.isEmpty ? "f" : "t")
                    try writer.append(row.outOfDistribution.isEmpty ? nil : ModelRegistry.arrayLiteral(row.outOfDistribution))
                    try writer.endRow()
                }
            }
            try tx.execute("""
                delete from \(table) f using forecast_staging s
                where f.load_profile = s.load_profile and f.load_segment = s.load_segment
                  and f.forecast_datetime = s.forecast_datetime and f.as_of_date = s.as_of_date
                """, name: "replace earlier forecasts")
            let inserted = try tx.execute("""
                insert into \(table) (\(Self.columns.joined(separator: ", ")), run_user, created_at)
                select \(Self.columns.joined(separator: ", ")), current_user, now() from forecast_staging
                """, name: "merge forecasts").affectedRows
            try beforeCommit()
            return inserted
        }
    }
}
