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
        let ops = SQLIdentifier.quoteValidated(layout.operationalSchema)
        let input = SQLIdentifier.quoteValidated(layout.inputSchema)
        let bi = SQLIdentifier.quoteValidated(layout.biSchema)
        let series = try connection.execute("""
            select c.series_id,
                   m.model_version, (m.metrics -> 'model' ->> 'rmse') as rmse, (m.metrics ->> 'skill') as skill,
                   f.last_hour::text as last_hour, f.last_created::text as last_created,
                   d.latest_initial::text as latest_initial, d.latest_final::text as latest_final
            from \(ops).series_catalog c
            left join \(ops).model_registry m
                   on m.load_profile = c.load_profile and m.load_segment = c.load_segment and m.status = 'approved'
            left join lateral (select max(forecast_datetime) as last_hour, max(created_at) as last_created
                               from \(ops).dayahead_load_forecasts x
                               where x.load_profile = c.load_profile and x.load_segment = c.load_segment) f on true
            left join lateral (select max(tradedatelocal) filter (where submission = 'Initial') as latest_initial,
                                      max(tradedatelocal) filter (where submission = 'Final') as latest_final
                               from \(input).sqmd s
                               where s.loadprofile = c.load_profile
                                 and \(ops).load_segment_of(s.rategroup) = c.load_segment) d on true
            where c.active
            order by c.series_id
            """, name: "status: series").rows.map { row in
            SeriesStatus(series: row.string("series_id") ?? "", championVersion: row.int("model_version"),
                         championRMSE: row.double("rmse"), championSkill: row.double("skill"),
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
