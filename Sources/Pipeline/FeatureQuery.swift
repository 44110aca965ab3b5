import Boosting
import Features
import Foundation
import Migrations
import Warehouse

/// One hour of the feature matrix: when it is, and its lineage: the run time it is computed as of,
/// the newest weather issue time and SQMD arrival it used (nil when it used none).
public struct FeatureRowKey: Sendable, Equatable {
    /// `hour_start_utc` as PostgreSQL printed it (a timestamptz in the session time zone, UTC here).
    public let hourStart: String
    public let localDate: String
    public let localHour: Int
    public let dstFold: Int
    public var runTime: String = ""
    /// nil: no weather row for the hour (a forecast then fails unless missing weather is allowed).
    public var weatherIssuedAt: String?
    public var sqmdKnownAt: String?
}

/// The matrix of one series: keys, targets and features, rows in time order.
public struct SeriesFeatures: Sendable {
    public let keys: [FeatureRowKey]
    public let targets: [Double?]
    public let matrix: FeatureMatrix
}

/// Runs a feature SQL template for one series and reads the result with COPY TO STDOUT.
/// Identifiers are substituted (quoted) into the template; values are bound with set_config.
public struct FeatureQuery: Sendable {
    public let template: SQLTemplate
    public static let keyColumns = ["hour_start_utc", "local_date", "local_hour", "dst_fold", "target",
                                    "run_time", "weather_issued_at", "sqmd_known_at"]

    public init(template: SQLTemplate) { self.template = template }

    /// `sql/features/dayahead_features.sql` from the nearest `sql/` folder (or GRIDCAST_SQL_DIR).
    public static func dayAhead(sqlDirectory: String? = nil) throws -> FeatureQuery {
        let directory = try ResourceDirectory.locate("sql", marker: "features/dayahead_features.sql", explicit: sqlDirectory,
                                                     variable: "GRIDCAST_SQL_DIR")
        let path = directory.appendingPathComponent("features/dayahead_features.sql").path
        return FeatureQuery(template: SQLTemplate(try String(contentsOfFile: path, encoding: .utf8), origin: path))
    }

    /// Renders the template once for `layout`, so an unknown placeholder stops a run before any series
    /// starts (a template error, exit 4) instead of failing every series one by one.
    public func checked(for layout: SchemaLayout) throws -> FeatureQuery {
        _ = try rendered(layout)
        return self
    }

    /// The template with schema names filled in, as a DBA would run it by hand.
    public func rendered(_ layout: SchemaLayout) throws -> String {
        try template.render(try layout.identifiers())
    }

    /// Records the rendered SQL in `feature_sql` (migration 0013), so the extension's gridcast_forecast()
    /// runs what this run runs: a new row when the SQL changed, else its last_used_at moves to now.
    public func register(on connection: Connection, layout: SchemaLayout) throws {
        let name = URL(fileURLWithPath: template.origin).deletingPathExtension().lastPathComponent
        try connection.execute("""
            insert into \(SQLIdentifier.quoteValidated(layout.operationalSchema)).feature_sql
                (template_name, sha256, rendered_sql, input_schema)
            values ($1, encode(sha256(convert_to($2, 'UTF8')), 'hex'), $2, $3)
            on conflict (template_name, sha256) do update set last_used_at = excluded.last_used_at
            """, [name, try statement(layout), layout.inputSchema], name: "register feature SQL")
    }

    /// Fetches the features of `series` for local target dates `start...end` (ISO dates), each as known
    /// at its run time under `asOf`.
    /// - Parameter requireTarget: true for training (hours with an actual only), false for forecasting.
    public func fetch(on connection: Connection, layout: SchemaLayout, series: SeriesID, start: String, end: String,
                      settings: FeatureSettings, requireTarget: Bool, asOf: AsOfRule = .dayAhead()) throws -> SeriesFeatures {
        try settings.validate()
        let sql = try statement(layout)
        return try connection.transaction(name: "features \(series)") { tx in
            try bind(series: series, start: start, end: end, settings: settings, requireTarget: requireTarget, asOf: asOf, on: tx)
            let columns = try tx.execute("select * from (\(sql)) features limit 0", name: "feature columns \(template.origin)").columnNames
            guard Array(columns.prefix(Self.keyColumns.count)) == Self.keyColumns else {
                throw FeatureError.templateShape("the first columns must be \(Self.keyColumns.joined(separator: ", ")), got \(columns.prefix(5).joined(separator: ", "))")
            }
            let featureColumns = Array(columns.dropFirst(Self.keyColumns.count))
            let names = featureColumns.flatMap { $0 == "same_hour_lags" ? settings.lagFeatureNames : [$0] }
            var keys: [FeatureRowKey] = [], targets: [Double?] = [], values: [Float] = []
            try tx.copyOut("copy (\(sql)) to stdout", name: "feature matrix \(series)") { row in
                keys.append(FeatureRowKey(hourStart: row.string(0) ?? "", localDate: row.string(1) ?? "",
                                          localHour: row.string(2).flatMap { Int($0) } ?? 0, dstFold: row.string(3).flatMap { Int($0) } ?? 0,
                                          runTime: row.string(5) ?? "", weatherIssuedAt: row.string(6), sqmdKnownAt: row.string(7)))
                targets.append(row.double(4))
                for (offset, column) in featureColumns.enumerated() {
                    let index = Self.keyColumns.count + offset
                    if column == "same_hour_lags" {
                        let lags = Self.parseArray(row.string(index))
                        for position in 0..<settings.lagDays.count {
                            values.append(position < lags.count ? lags[position].map(Float.init) ?? .nan : .nan)
                        }
                    } else {
                        values.append(Self.number(row, index))
                    }
                }
            }
            return SeriesFeatures(keys: keys, targets: targets, matrix: FeatureMatrix(featureNames: names, values: values))
        }
    }

    /// The plan of the query for one series and window, as `EXPLAIN (ANALYZE, BUFFERS)` prints it
    /// (or plain EXPLAIN without `analyze`): what the bench reports and a DBA reads to check the indexes.
    public func explain(on connection: Connection, layout: SchemaLayout, series: SeriesID, start: String, end: String,
                        settings: FeatureSettings, requireTarget: Bool, asOf: AsOfRule = .dayAhead(),
                        analyze: Bool = true) throws -> String {
        try settings.validate()
        let sql = try statement(layout)
        return try connection.transaction(name: "explain features \(series)") { tx in
            try bind(series: series, start: start, end: end, settings: settings, requireTarget: requireTarget, asOf: asOf, on: tx)
            let plan = try tx.execute("explain \(analyze ? "(analyze, buffers) " : "")\(sql)", name: "explain feature query")
            return plan.rows.compactMap { $0.string(at: 0) }.joined(separator: "\n")
        }
    }

    /// The rendered template without trailing semicolons, so it can be wrapped in COPY or EXPLAIN.
    private func statement(_ layout: SchemaLayout) throws -> String {
        var sql = try rendered(layout).trimmingCharacters(in: .whitespacesAndNewlines)
        while sql.hasSuffix(";") { sql.removeLast() }
        return sql
    }

    /// Binds the template's values as transaction-local settings; they never become SQL text.
    private func bind(series: SeriesID, start: String, end: String, settings: FeatureSettings, requireTarget: Bool,
                      asOf: AsOfRule, on tx: Connection) throws {
        let parameters: [(String, String)] = [
            // Timestamps in the output (hour starts, lineage) print in UTC, so they compare as text.
            ("TimeZone", "UTC"),
            ("gridcast.load_profile", series.loadProfile), ("gridcast.load_segment", series.loadSegment),
            ("gridcast.start_date", start), ("gridcast.end_date", end),
            ("gridcast.delay_days", String(settings.delayDays)),
            ("gridcast.lag_days", "{" + settings.lagDays.map(String.init).joined(separator: ",") + "}"),
            ("gridcast.require_target", requireTarget ? "true" : "false"),
            ("gridcast.history_start", LocalDate(start).map { $0.adding(days: -(settings.lagDays.max() ?? 0) - 35).description } ?? start),
            ("gridcast.run_time", asOf.runTime ?? ""), ("gridcast.issue_time", asOf.issueTime),
            ("gridcast.weather_mode", asOf.weather.rawValue), ("gridcast.known_at", asOf.knownAt ?? "now"),
        ]
        for (name, value) in parameters {
            try tx.execute("select set_config($1, $2, true)", [name, value], name: "feature parameter \(name)")
        }
    }

    /// A numeric field as Float; booleans as 0/1; NULL or text as NaN (missing).
    static func number(_ row: CopyOutRow, _ index: Int) -> Float {
        if let value = row.double(index) { return Float(value) }
        switch row.string(index) {
        case "t": return 1
        case "f": return 0
        default: return .nan
        }
    }

    /// Parses a PostgreSQL float array literal such as `{1.5,NULL,3}`.
    static func parseArray(_ text: String?) -> [Double?] {
        guard let text, text.count >= 2 else { return [] }
        return text.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false).map { Double($0) }
    }
}
