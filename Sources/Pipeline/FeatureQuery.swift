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

    /// The rows at `rows`, in that order.
    public func keeping(_ rows: [Int]) -> SeriesFeatures {
        SeriesFeatures(keys: rows.map { keys[$0] }, targets: rows.map { targets[$0] }, matrix: matrix.rows(rows))
    }
}

/// The matrices of the series one feature query computed.
public struct FeatureBatch: Sendable {
    /// The feature columns of the query (the lags one column each), also for a series without rows.
    public let featureNames: [String]
    public let bySeries: [SeriesID: SeriesFeatures]

    /// The rows of `series`: none when the query found nothing for it (unknown, or no calendar hours).
    public subscript(series: SeriesID) -> SeriesFeatures {
        bySeries[series] ?? SeriesFeatures(keys: [], targets: [], matrix: FeatureMatrix(featureNames: featureNames, values: []))
    }
}

/// Runs a feature SQL template for one or more series and reads its result.
/// Identifiers are substituted (quoted) into the template; values are bound parameters ($1 ... $13,
/// `FeatureParameters`): $1 and $2 are the series' load profiles and segments as arrays, so one query
/// computes the features of every series that shares the other values.
public struct FeatureQuery: Sendable {
    public let template: SQLTemplate
    public static let keyColumns = ["load_profile", "load_segment", "hour_start_utc", "local_date", "local_hour",
                                    "dst_fold", "target", "run_time", "weather_issued_at", "sqmd_known_at"]
    /// What the one-series form of the template (`singleSeriesStatement`) writes instead: $1 and $2 bound
    /// as text, the LATERAL subquery uncorrelated (the template's header explains).
    static let singleSeriesForm = [("unnest($1::text[], $2::text[])", "unnest(array[$1::text], array[$2::text])"),
                                   ("requested.load_profile", "$1::text"), ("requested.load_segment", "$2::text")]

    public init(template: SQLTemplate) { self.template = template }

    /// `sql/features/dayahead_features.sql` from the nearest `sql/` folder (or GRIDCAST_SQL_DIR).
    public static func dayAhead(sqlDirectory: String? = nil) throws -> FeatureQuery {
        let directory = try ResourceDirectory.locate("sql", marker: "features/dayahead_features.sql", explicit: sqlDirectory,
                                                     variable: "GRIDCAST_SQL_DIR")
        let path = directory.appendingPathComponent("features/dayahead_features.sql").path
        return FeatureQuery(template: SQLTemplate(try String(contentsOfFile: path, encoding: .utf8), origin: path))
    }

    /// Renders the template once for `layout`, so an unknown placeholder or a template of the one-series
    /// shape stops a run before any series starts (a template error, exit 4) instead of failing every
    /// series one by one.
    public func checked(for layout: SchemaLayout) throws -> FeatureQuery {
        _ = try statement(layout)
        return self
    }

    /// The template with schema names filled in, as a DBA would run it by hand.
    public func rendered(_ layout: SchemaLayout) throws -> String {
        try template.render(try layout.identifiers())
    }

    /// Records the SQL in `feature_sql` (migration 0013), so the extension's gridcast_forecast() runs what
    /// this run runs, in its one-series form: a new row when the SQL changed, else its last_used_at moves
    /// to now.
    public func register(on connection: Connection, layout: SchemaLayout) throws {
        let name = URL(fileURLWithPath: template.origin).deletingPathExtension().lastPathComponent
        try connection.execute("""
            insert into \(SQLIdentifier.quoteValidated(layout.operationalSchema)).feature_sql
                (template_name, sha256, rendered_sql, input_schema)
            values ($1, encode(sha256(convert_to($2, 'UTF8')), 'hex'), $2, $3)
            on conflict (template_name, sha256) do update set last_used_at = excluded.last_used_at
            """, [name, try singleSeriesStatement(layout), layout.inputSchema], name: "register feature SQL")
    }

    /// Fetches the features of `series` for local target dates `start...end` (ISO dates), each as known
    /// at its run time under `asOf`.
    /// - Parameter requireTarget: true for training (hours with an actual only), false for forecasting.
    public func fetch(on connection: Connection, layout: SchemaLayout, series: SeriesID, start: String, end: String,
                      settings: FeatureSettings, requireTarget: Bool, asOf: AsOfRule = .dayAhead()) throws -> SeriesFeatures {
        let fetched = try fetch(on: connection, layout: layout, series: [series], start: start, end: end, settings: settings,
                                requireTarget: requireTarget, asOf: asOf)
        return fetched[series]
    }

    /// The features of several series in one query (one statement, one plan, the calendar and weather of
    /// each location computed once): every series gets the rows it would get alone. Series without rows
    /// (unknown, or no calendar for the dates) have no rows in the result.
    public func fetch(on connection: Connection, layout: SchemaLayout, series: [SeriesID], start: String, end: String,
                      settings: FeatureSettings, requireTarget: Bool,
                      asOf: AsOfRule = .dayAhead()) throws -> FeatureBatch {
        // A series asked twice would come back with every hour twice: each is asked once.
        var seen = Set<SeriesID>()
        let series = series.filter { seen.insert($0).inserted }
        let (sql, values) = try prepared(layout, series: series, start: start, end: end, settings: settings,
                                         requireTarget: requireTarget, asOf: asOf)
        let label = series.count == 1 ? "\(series[0])" : "\(series.count) series"
        return try connection.transaction(name: "features \(label)") { tx in
            try Self.prepareSession(tx)
            // One extended-protocol statement with the values bound: the result carries its column names,
            // so no probe query is needed (COPY takes no parameters).
            let result = try tx.execute(sql, values, name: "feature matrix \(label)")
            return try Self.read(result, settings: settings)
        }
    }

    /// The plan of the query for the series and window, as `EXPLAIN (ANALYZE, BUFFERS)` prints it
    /// (or plain EXPLAIN without `analyze`): what the bench reports and a DBA reads to check the indexes.
    public func explain(on connection: Connection, layout: SchemaLayout, series: [SeriesID], start: String, end: String,
                        settings: FeatureSettings, requireTarget: Bool, asOf: AsOfRule = .dayAhead(),
                        analyze: Bool = true) throws -> String {
        let (sql, values) = try prepared(layout, series: series, start: start, end: end, settings: settings,
                                         requireTarget: requireTarget, asOf: asOf)
        return try connection.transaction(name: "explain features") { tx in
            try Self.prepareSession(tx)
            let plan = try tx.execute("explain \(analyze ? "(analyze, buffers) " : "")\(sql)", values,
                                      name: "explain feature query")
            return plan.rows.compactMap { $0.string(at: 0) }.joined(separator: "\n")
        }
    }

    /// The statement and its bound values for the series and window, after checking the settings: the
    /// one-series form for one series (routable on Citus, the plan it always had), else the batch form.
    private func prepared(_ layout: SchemaLayout, series: [SeriesID], start: String, end: String, settings: FeatureSettings,
                          requireTarget: Bool, asOf: AsOfRule) throws -> (sql: String, values: [any SQLBindable]) {
        try settings.validate()
        let parameters = FeatureParameters(series: series, start: start, end: end, settings: settings,
                                           requireTarget: requireTarget, asOf: asOf)
        return (try statement(layout, for: parameters), parameters.bound)
    }

    /// The template's form that `parameters` bind: the one-series form for one series, else the batch form.
    func statement(_ layout: SchemaLayout, for parameters: FeatureParameters) throws -> String {
        parameters.isOneSeries ? try singleSeriesStatement(layout) : try statement(layout)
    }

    /// The statement for one series with $1 and $2 bound as text (load profile, load segment): the query
    /// of one series as it was before batching, which Citus routes to one shard, and what the extension's
    /// gridcast_forecast() executes, as every version of it has.
    public func singleSeriesStatement(_ layout: SchemaLayout) throws -> String {
        Self.singleSeriesForm.reduce(try statement(layout)) { sql, form in
            sql.replacingOccurrences(of: form.0, with: form.1)
        }
    }

    /// The rendered template without trailing semicolons, so it can be wrapped in EXPLAIN or PREPARE.
    /// A template that does not take its series as arrays (one written for gridcast before batched feature
    /// queries) would read the array text as one load profile and return no rows: refused.
    public func statement(_ layout: SchemaLayout) throws -> String {
        var sql = try rendered(layout).trimmingCharacters(in: .whitespacesAndNewlines)
        while sql.hasSuffix(";") { sql.removeLast() }
        let missing = Self.singleSeriesForm.map(\.0).filter { !sql.contains($0) }
        guard missing.isEmpty else {
            throw FeatureError.templateShape("\(template.origin) must take its series as arrays and compute each in a "
                                             + "LATERAL subquery; it lacks \(missing.joined(separator: ", ")). Compare it "
                                             + "with the shipped sql/features/dayahead_features.sql")
        }
        return sql
    }

    /// The feature SQL as a prepared statement and one EXECUTE with example values: what
    /// `gridcast features print` shows, runnable in psql as printed, with the values in the EXECUTE's
    /// argument list for a DBA to change. The same statement and values gridcast binds: for one series the
    /// template's one-series form ($1 and $2 text), which also runs on Citus.
    public func handRunScript(_ layout: SchemaLayout, example: FeatureParameters) throws -> String {
        let form = example.isOneSeries
            ? "its one-series form ($1, $2 text; the file takes arrays, see its header)" : "its form for many series"
        return """
        -- The day-ahead feature SQL of this environment, as gridcast runs it with bound values, in \(form).
        -- Run it in psql (\\i this_file.sql); change the values of the EXECUTE at the end (the
        -- parameters are described in the header below) and run the EXECUTE again.
        set "TimeZone" = 'UTC';
        deallocate all;
        prepare dayahead_features(\(example.boundTypes.joined(separator: ", "))) as
        \(try statement(layout, for: example));

        execute dayahead_features(\(example.literals.joined(separator: ", ")));
        """
    }

    /// Timestamps in the output (hour starts, lineage) print in UTC, so they compare as text; and no JIT:
    /// compiling a many-series query costs 0.1-1.5 s and speeds up nothing (its work is many small joins,
    /// not long expression loops).
    private static func prepareSession(_ tx: Connection) throws {
        try tx.execute("select set_config('TimeZone', 'UTC', true), set_config('jit', 'off', true)",
                       name: "feature query settings")
    }

    /// The matrices from the query's text result, per series: key columns first, then features;
    /// `same_hour_lags` becomes one column per lag. Rows come ordered by series, then hour.
    private static func read(_ result: QueryResult, settings: FeatureSettings) throws -> FeatureBatch {
        let columns = result.columnNames
        guard Array(columns.prefix(keyColumns.count)) == keyColumns else {
            throw FeatureError.templateShape("the first columns must be \(keyColumns.joined(separator: ", ")), "
                                             + "got \(columns.prefix(5).joined(separator: ", "))")
        }
        let featureColumns = Array(columns.dropFirst(keyColumns.count))
        let names = featureColumns.flatMap { $0 == "same_hour_lags" ? settings.lagFeatureNames : [$0] }
        var output: [SeriesID: SeriesFeatures] = [:]
        var first = 0
        while first < result.rowCount {
            let series = SeriesID(loadProfile: result[first, 0] ?? "", loadSegment: result[first, 1] ?? "")
            var end = first + 1
            while end < result.rowCount, result[end, 0] == series.loadProfile, result[end, 1] == series.loadSegment { end += 1 }
            output[series] = readSeries(result, rows: first..<end, featureColumns: featureColumns, names: names,
                                        settings: settings)
            first = end
        }
        return FeatureBatch(featureNames: names, bySeries: output)
    }

    /// One series' rows of the result.
    private static func readSeries(_ result: QueryResult, rows: Range<Int>, featureColumns: [String], names: [String],
                                   settings: FeatureSettings) -> SeriesFeatures {
        let key = 2  // the first hour column after load_profile and load_segment
        var keys: [FeatureRowKey] = [], targets: [Double?] = [], values: [Float] = []
        keys.reserveCapacity(rows.count)
        targets.reserveCapacity(rows.count)
        values.reserveCapacity(rows.count * names.count)
        for row in rows {
            keys.append(FeatureRowKey(hourStart: result[row, key] ?? "", localDate: result[row, key + 1] ?? "",
                                      localHour: result[row, key + 2].flatMap { Int($0) } ?? 0,
                                      dstFold: result[row, key + 3].flatMap { Int($0) } ?? 0,
                                      runTime: result[row, key + 5] ?? "", weatherIssuedAt: result[row, key + 6],
                                      sqmdKnownAt: result[row, key + 7]))
            targets.append(result.double(row, key + 4))
            for (offset, column) in featureColumns.enumerated() {
                let index = keyColumns.count + offset
                if column == "same_hour_lags" {
                    let lags = parseArray(result[row, index])
                    for position in 0..<settings.lagDays.count {
                        values.append(position < lags.count ? lags[position].map(Float.init) ?? .nan : .nan)
                    }
                } else {
                    values.append(number(result, row, index))
                }
            }
        }
        return SeriesFeatures(keys: keys, targets: targets, matrix: FeatureMatrix(featureNames: names, values: values))
    }

    /// A numeric field as Float; booleans as 0/1; NULL or text as NaN (missing).
    static func number(_ result: QueryResult, _ row: Int, _ column: Int) -> Float {
        if let value = result.double(row, column) { return Float(value) }
        switch result[row, column] {
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
