import Migrations
import Warehouse

/// Per series: champion, last forecast, data freshness; plus the newest runs. What `gridcast status` prints.
public struct StatusReport: Sendable {
    public struct SeriesStatus: Sendable {
        public let series: String
        public let championVersion: Int?
        public let championRMSE: Double?
        public let championSkill: Double?
        public let lastForecastHour: String?
        public let lastForecastRun: String?
        public let latestInitial: String?
        public let latestFinal: String?
    }
    public struct RunStatus: Sendable {
        public let kind: String
        public let status: String
        public let startedAt: String
        public let rows: Int?
        public let error: String?
    }
    public let series: [SeriesStatus]
    public let lastRuns: [RunStatus]

    public static func read(on connection: Connection, layout: SchemaLayout) throws -> StatusReport {
        // BI views only, so the runner and the BI reader can both run it (migration 0011 grants them).
        let bi = SQLIdentifier.quoteValidated(layout.biSchema)
        let series = try connection.execute("""
            select series_id, champion_version, champion_rmse_kwh, champion_skill, last_forecast_hour::text as last_hour,
                   last_forecast_written_at::text as last_created, latest_initial::text as latest_initial,
                   latest_final::text as latest_final
            from \(bi).vw_series_status
            order by series_id
            """, name: "status: series").rows.map { row in
            SeriesStatus(series: row.string("series_id") ?? "", championVersion: row.int("champion_version"),
                         championRMSE: row.double("champion_rmse_kwh"), championSkill: row.double("champion_skill"),
                         lastForecastHour: row.string("last_hour"), lastForecastRun: row.string("last_created"),
                         latestInitial: row.string("latest_initial"), latestFinal: row.string("latest_final"))
        }
        let runs = try connection.execute("""
            select kind, status, started_at::text as started_at, rows, error
            from \(bi).vw_run_history order by started_at desc limit 10
            """, name: "status: runs").rows.map { row in
            RunStatus(kind: row.string("kind") ?? "", status: row.string("status") ?? "", startedAt: row.string("started_at") ?? "",
                      rows: row.int("rows"), error: row.string("error"))
        }
        return StatusReport(series: series, lastRuns: runs)
    }
}
