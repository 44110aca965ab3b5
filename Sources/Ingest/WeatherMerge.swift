import Foundation
import Migrations
import Warehouse

/// Writes checked weather rows in one transaction: COPY into a TEMP staging table, supersede the
/// source's earlier rejects, COPY the new rejects, then upsert into `weather_hourly` counting
/// inserted and updated rows (a row whose values are all equal is left untouched, so a re-load
/// changes nothing, not even `loaded_at`).
struct WeatherMerge {
    let layout: SchemaLayout
    let input: String
    let location: String
    let kind: WeatherKind
    let issuedAt: Date?
    /// With no `issuedAt`: each forecast row was issued this many hours before its hour (a vintage).
    let leadHours: Int?
    let source: String
    let runID: UUID?

    init(layout: SchemaLayout, location: String, kind: WeatherKind, issuedAt: Date?, leadHours: Int? = nil,
         source: String, runID: UUID?) throws {
        self.layout = layout
        self.input = try SQLIdentifier(layout.inputSchema).quoted
        self.location = location
        self.kind = kind
        self.issuedAt = issuedAt
        self.leadHours = leadHours
        self.source = source
        self.runID = runID
    }

    /// The named lock that serialises loads of one location's weather in one environment.
    var lockName: String { "load.weather.\(layout.inputSchema).\(location)" }

    func write(_ set: WeatherRowSet, on connection: Connection) throws -> (inserted: Int, updated: Int) {
        let columns = set.variables.map(\.column)
        return try connection.transaction(name: "load weather \(source)") { tx in
            try tx.lockNamed(lockName, in: layout.runLocksTable, waitSeconds: 600)
            try tx.execute("""
                create temp table gridcast_weather_stage (
                    valid_at timestamptz not null\(columns.map { ",\n    \($0) double precision" }.joined())
                ) on commit drop
                """, name: "load weather: staging table")
            let copySQL = "copy pg_temp.gridcast_weather_stage (valid_at\(columns.map { ", \($0)" }.joined())) from stdin"
            try tx.copyIn(copySQL, name: "load weather: copy") { writer in
                for row in set.rows {
                    try writer.append(CopyTimestamp.utc(row.validAt))
                    for value in row.values { try writer.append(value?.sqlText) }
                    try writer.endRow()
                }
            }
            try writeRejects(set.rejects, on: tx)
            return try upsert(columns: columns, on: tx)
        }
    }

    private func writeRejects(_ rejects: [WeatherReject], on tx: Connection) throws {
        // Superseded, not deleted: load_rejects is append-only for the loader (migration 0011).
        try tx.execute("""
            update \(input).load_rejects set superseded_at = now(), superseded_by = $2::uuid
            where source_kind = 'weather' and source_file = $1 and superseded_at is null
            """, [source, runID?.uuidString.lowercased()], name: "load weather: supersede rejects")
        guard !rejects.isEmpty else { return }
        let run = runID?.uuidString.lowercased()
        try tx.copyIn("copy \(input).load_rejects (run_id, source_kind, source_file, line_number, raw_line, reason) from stdin",
                      name: "load weather: rejects") { writer in
            for reject in rejects {
                try writer.writeRow([run, "weather", source, String(reject.lineNumber), reject.rawLine, reject.reason])
            }
        }
    }

    private func upsert(columns: [String], on tx: Connection) throws -> (inserted: Int, updated: Int) {
        func cast(_ column: String) -> String { column == "is_day" ? "s.is_day::smallint" : "s.\(column)" }
        let list = columns.map { ", \($0)" }.joined()
        let sets = (columns.map { "\($0) = excluded.\($0)" } + ["source = excluded.source", "loaded_at = excluded.loaded_at"])
            .joined(separator: ",\n        ")
        let sql = """
            with merged as (
                insert into \(input).weather_hourly as w (location, kind, valid_at, issued_at\(list), source)
                select $1, $2, s.valid_at, coalesce($3::timestamptz, s.valid_at - make_interval(hours => $5::int), s.valid_at)\(columns.map { ", \(cast($0))" }.joined()), $4
                from pg_temp.gridcast_weather_stage s
                order by s.valid_at
                on conflict (location, kind, valid_at, issued_at) do update set
                    \(sets)
                where (\(columns.map { "w.\($0)" }.joined(separator: ", ")))
                      is distinct from (\(columns.map { "excluded.\($0)" }.joined(separator: ", ")))
                returning (xmax = 0) as inserted
            )
            select count(*) filter (where inserted) as inserted, count(*) filter (where not inserted) as updated from merged
            """
        let parameters: [any SQLBindable] = [location, kind.rawValue, issuedAt, source, leadHours]
        let row = try tx.execute(sql, parameters, name: "load weather: merge").first
        return (row?.int("inserted") ?? 0, row?.int("updated") ?? 0)
    }
}
