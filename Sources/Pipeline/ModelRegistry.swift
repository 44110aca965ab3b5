import Foundation
import Migrations
import Warehouse

/// A registered model version as stored in `model_registry`.
public struct RegisteredModel: Sendable {
    public let modelID: Int
    public let series: SeriesID
    public let version: Int
    public let status: String
    public let statusReason: String?
    public let features: [String]
    public let createdAt: String
    public let metrics: String
    /// Days before the target day the model forecasts it (1: day-ahead; migration 0030).
    public var leadDays = 1
    /// First and last target dates the deployed model was fitted or tuned on (train start to the refit
    /// end, else the validation end): a forecast of a day inside is in-sample.
    public var fitStart: String?
    public var fitEnd: String?
}

/// What a new model version brings to the registry.
public struct ModelRegistration: Sendable {
    public var series: SeriesID
    public var trainStart: String, trainEnd: String
    public var validationStart: String, validationEnd: String
    public var testStart: String, testEnd: String
    public var hyperparameters: String
    public var features: [String]
    public var metrics: String
    public var status: String
    public var statusReason: String
    public var trainingRunID: String?
    public var xgboostVersion: String
    /// The deployed model: the refit through `refitEnd` when there is one, else the holdout fit.
    public var modelJSON: Data
    /// The refit's window, and the holdout fit the metrics were computed with (nil without a refit).
    public var refitStart: String?
    public var refitEnd: String?
    public var holdoutModelJSON: Data?

    public init(series: SeriesID, trainStart: String, trainEnd: String, validationStart: String, validationEnd: String,
                testStart: String, testEnd: String, hyperparameters: String, features: [String], metrics: String, status: String,
                statusReason: String, trainingRunID: String?, xgboostVersion: String, modelJSON: Data) {
        self.series = series
        self.trainStart = trainStart
        self.trainEnd = trainEnd
        self.validationStart = validationStart
        self.validationEnd = validationEnd
        self.testStart = testStart
        self.testEnd = testEnd
        self.hyperparameters = hyperparameters
        self.features = features
        self.metrics = metrics
        self.status = status
        self.statusReason = statusReason
        self.trainingRunID = trainingRunID
        self.xgboostVersion = xgboostVersion
        self.modelJSON = modelJSON
    }
}

/// The model registry in the warehouse: versions, champions, status changes. Status changes go
/// through plain UPDATEs, so the triggers of migration 0004 apply (one champion per series, history).
public struct ModelRegistry {
    let connection: Connection
    /// Quoted operational schema of the environment.
    let schema: String
    var table: String { "\(schema).model_registry" }

    public init(connection: Connection, layout: SchemaLayout) {
        self.init(connection: connection, schema: SQLIdentifier.quoteValidated(layout.operationalSchema))
    }

    init(connection: Connection, schema: String) {
        self.connection = connection
        self.schema = schema
    }

    /// The quoted registry table of an environment.
    public static func table(_ layout: SchemaLayout) -> String {
        "\(SQLIdentifier.quoteValidated(layout.operationalSchema)).model_registry"
    }

    /// Stores a new version (next number for the series) and returns it. Callers hold the series lock.
    @discardableResult
    public func register(_ model: ModelRegistration) throws -> Int {
        let row = try connection.execute("""
            insert into \(table) (load_profile, load_segment, model_version, train_start, train_end, validation_start,
                validation_end, test_start, test_end, hyperparameters, features, metrics, status, status_reason,
                training_run_id, xgboost_version, model_json, refit_start, refit_end, holdout_model_json)
            select $1, $2, coalesce(max(model_version), 0) + 1, $3::date, $4::date, $5::date, $6::date, $7::date, $8::date,
                   $9::jsonb, $10::text[], $11::jsonb, $12, $13, $14::uuid, $15, $16::json, $17::date, $18::date, $19::json
            from \(table) where load_profile = $1 and load_segment = $2
            returning model_version
            """, [model.series.loadProfile, model.series.loadSegment, model.trainStart, model.trainEnd, model.validationStart,
                  model.validationEnd, model.testStart, model.testEnd, model.hyperparameters, Self.arrayLiteral(model.features),
                  model.metrics, model.status, model.statusReason, model.trainingRunID, model.xgboostVersion,
                  String(decoding: model.modelJSON, as: UTF8.self), model.refitStart, model.refitEnd,
                  model.holdoutModelJSON.map { String(decoding: $0, as: UTF8.self) }], name: "register model \(model.series)")
        guard let version = row.first?.int("model_version") else {
            throw WarehouseError.unexpectedResult(statementName: "register model", reason: "no version returned")
        }
        return version
    }

    /// The approved model of a series for a lead (1: day-ahead), if any, with its XGBoost JSON.
    public func champion(_ series: SeriesID, lead: Int = 1) throws -> (RegisteredModel, Data)? {
        try model(series, where: "status = 'approved' and lead_days = $3", [lead])
    }

    /// The feature settings of many series' champions of a lead (or of one version each), in one query
    /// without reading the models: what a forecast run needs to fetch their features together. Series
    /// without such a model are missing from the result.
    public func featureSettings(of series: [SeriesID], lead: Int = 1, version: Int? = nil) throws -> [SeriesID: FeatureSettings] {
        let rows = try connection.execute("""
            select r.load_profile, r.load_segment, (r.metrics -> 'feature_settings')::text as settings
            from \(table) r
            join unnest($1::text[], $2::text[]) as s(load_profile, load_segment)
              on s.load_profile = r.load_profile and s.load_segment = r.load_segment
            where case when $4::int is null then r.status = 'approved' and r.lead_days = $3 else r.model_version = $4 end
            """, [SQLTextArray(series.map(\.loadProfile)), SQLTextArray(series.map(\.loadSegment)), lead, version],
            name: "feature settings of \(series.count) models").rows
        var settings: [SeriesID: FeatureSettings] = [:]
        for row in rows {
            guard let profile = row.string("load_profile"), let segment = row.string("load_segment"),
                  let text = row.string("settings"),
                  let decoded = try? JSONCoding.decode(FeatureSettings.self, from: text) else { continue }
            settings[SeriesID(loadProfile: profile, loadSegment: segment)] = decoded
        }
        return settings
    }

    /// Whether the series has an approved model for a lead (without reading it).
    public func hasChampion(_ series: SeriesID, lead: Int = 1) throws -> Bool {
        try connection.execute("""
            select exists (select 1 from \(table)
                           where load_profile = $1 and load_segment = $2 and status = 'approved' and lead_days = $3) as found
            """, [series.loadProfile, series.loadSegment, lead], name: "has champion \(series)").first?.bool("found") == true
    }

    /// The champion of a lead with the fit its metrics were computed on (the holdout fit when it was refit):
    /// the model a new version is compared with on the new test window, which the refit has seen.
    public func championAsEvaluated(_ series: SeriesID, lead: Int = 1) throws -> (RegisteredModel, Data)? {
        try model(series, where: "status = 'approved' and lead_days = $3", [lead], json: "coalesce(holdout_model_json, model_json)")
    }

    /// One version of a series with its XGBoost JSON.
    public func version(_ series: SeriesID, _ version: Int) throws -> (RegisteredModel, Data)? {
        try model(series, where: "model_version = $3", [version])
    }

    /// The version that was champion of a lead at `instant` (from the status history), for backfills.
    public func champion(_ series: SeriesID, at instant: String, lead: Int = 1) throws -> (RegisteredModel, Data)? {
        let history = table.replacingOccurrences(of: ".model_registry", with: ".model_status_history")
        return try model(series, where: """
            model_id = (select h.model_id from \(history) h
                        join \(table) r on r.model_id = h.model_id and r.lead_days = $4
                        where h.load_profile = $1 and h.load_segment = $2 and h.changed_at <= $3::timestamptz
                          and h.new_status = 'approved'
                          and not exists (select 1 from \(history) later
                                          where later.model_id = h.model_id and later.changed_at > h.changed_at
                                            and later.changed_at <= $3::timestamptz)
                        order by h.changed_at desc limit 1)
            """, [instant, lead])
    }

    /// Every version, newest first, optionally for one series.
    public func list(_ series: SeriesID? = nil) throws -> [RegisteredModel] {
        let rows = try connection.execute("""
            select model_id, load_profile, load_segment, model_version, status, status_reason, features::text as features,
                   created_at::text as created_at, metrics::text as metrics, lead_days
            from \(table)
            where ($1::text is null or (load_profile = $1 and load_segment = $2))
            order by load_profile, load_segment, model_version desc
            """, [series?.loadProfile, series?.loadSegment], name: "list models").rows
        return rows.map(Self.decode)
    }

    /// `auto` or `manual` (gridcast_settings, migration 0016).
    public func approvalPolicy() throws -> String {
        let settings = table.replacingOccurrences(of: ".model_registry", with: ".gridcast_settings")
        return try connection.execute("select value from \(settings) where setting = 'approval_policy'",
                                      name: "approval policy").first?.string("value") ?? "auto"
    }

    /// Copies `version` of `series` from the registry `source` (another environment's, quoted
    /// `schema.model_registry`) into this one as its next version and approves it: a person promoting
    /// is the approval. The model, features, metrics and windows are copied unchanged; the source
    /// environment, model id and version go to `metrics.promoted_from` and the status reason (the
    /// training run id stays behind, since its run log is the source's). Returns the new version.
    public func promote(_ series: SeriesID, version: Int, from source: String, sourceEnvironment: String,
                        reason: String?) throws -> Int {
        try connection.transaction(name: "promote \(series)") { tx in
            // Checked first: the foreign key would refuse the copy with a bare constraint name.
            let known = try tx.execute("select 1 from \(schema).series_catalog where load_profile = $1 and load_segment = $2",
                                       [series.loadProfile, series.loadSegment], name: "promote: series in catalog?")
            guard !known.rows.isEmpty else { throw RegistryError.seriesNotInCatalog(series, catalog: "\(schema).series_catalog") }
            let row = try tx.execute("""
                with source as (
                    select * from \(source) where load_profile = $1 and load_segment = $2 and model_version = $3
                ), next as (
                    select coalesce(max(model_version), 0) + 1 as version from \(table) where load_profile = $1 and load_segment = $2
                )
                insert into \(table) (load_profile, load_segment, model_version, train_start, train_end, validation_start,
                                      validation_end, test_start, test_end, hyperparameters, features, metrics, status,
                                      status_reason, xgboost_version, model_json, refit_start, refit_end, holdout_model_json)
                select s.load_profile, s.load_segment, n.version, s.train_start, s.train_end, s.validation_start,
                       s.validation_end, s.test_start, s.test_end, s.hyperparameters, s.features,
                       s.metrics || jsonb_build_object('promoted_from', jsonb_build_object(
                           'environment', $4::text, 'model_id', s.model_id, 'model_version', s.model_version,
                           'training_run_id', s.training_run_id, 'created_at', s.created_at)),
                       'candidate', format('promoted from %s version %s (model %s)', $4::text, s.model_version, s.model_id),
                       s.xgboost_version, s.model_json, s.refit_start, s.refit_end, s.holdout_model_json
                from source s cross join next n
                returning model_version
                """, [series.loadProfile, series.loadSegment, version, sourceEnvironment], name: "copy the version").first
            guard let promoted = row?.int("model_version") else { throw RegistryError.noSuchVersion(series, version) }
            let why = "promoted from \(sourceEnvironment) version \(version)" + (reason.map { ": \($0)" } ?? "")
            try ModelRegistry(connection: tx, schema: schema).setStatus(series, version: promoted, status: "approved", reason: why)
            return promoted
        }
    }

    /// Sets a version's status ('approved', 'rejected', 'retired', 'candidate') with a reason.
    public func setStatus(_ series: SeriesID, version: Int, status: String, reason: String) throws {
        let updated = try connection.execute("""
            update \(table) set status = $4, status_reason = $5
            where load_profile = $1 and load_segment = $2 and model_version = $3
            """, [series.loadProfile, series.loadSegment, version, status, reason], name: "set model status")
        guard updated.affectedRows == 1 else { throw RegistryError.noSuchVersion(series, version) }
    }

    /// Rejects the current champion of a lead and re-approves the champion of that lead before it.
    /// Returns (from, to) versions.
    public func rollback(_ series: SeriesID, lead: Int = 1, reason: String) throws -> (from: Int, to: Int) {
        try connection.transaction(name: "rollback \(series)") { _ in
            guard let (current, _) = try champion(series, lead: lead) else {
                throw RegistryError.noChampion(series, lead: lead)
            }
            let history = table.replacingOccurrences(of: ".model_registry", with: ".model_status_history")
            let previous = try connection.execute("""
                select r.model_version from \(history) h join \(table) r on r.model_id = h.model_id
                where h.load_profile = $1 and h.load_segment = $2 and h.new_status = 'approved' and h.model_id <> $3
                  and r.status = 'retired' and r.lead_days = $4
                order by h.changed_at desc limit 1
                """, [series.loadProfile, series.loadSegment, current.modelID, lead],
                name: "find previous champion").first?.int("model_version")
            guard let previous else { throw RegistryError.noPreviousChampion(series, lead: lead) }
            try setStatus(series, version: current.version, status: "rejected", reason: reason)
            try setStatus(series, version: previous, status: "approved", reason: "restored by rollback from version \(current.version)")
            return (current.version, previous)
        }
    }

    private func model(_ series: SeriesID, where condition: String, _ extra: [any SQLBindable],
                       json: String = "model_json") throws -> (RegisteredModel, Data)? {
        guard let row = try connection.execute("""
            select model_id, load_profile, load_segment, model_version, status, status_reason, features::text as features,
                   created_at::text as created_at, metrics::text as metrics, lead_days, (\(json))::text as model_json,
                   train_start::text as fit_start, coalesce(refit_end, validation_end, train_end)::text as fit_end
            from \(table) where load_profile = $1 and load_segment = $2 and \(condition)
            """, [series.loadProfile, series.loadSegment] + extra, name: "read model \(series)").first else { return nil }
        var model = Self.decode(row)
        model.fitStart = row.string("fit_start")
        model.fitEnd = row.string("fit_end")
        return (model, Data((row.string("model_json") ?? "").utf8))
    }

    static func decode(_ row: QueryResult.Row) -> RegisteredModel {
        var model = RegisteredModel(modelID: row.int("model_id") ?? 0,
                        series: SeriesID(loadProfile: row.string("load_profile") ?? "", loadSegment: row.string("load_segment") ?? ""),
                        version: row.int("model_version") ?? 0, status: row.string("status") ?? "",
                        statusReason: row.string("status_reason"), features: parseTextArray(row.string("features") ?? "{}"),
                        createdAt: row.string("created_at") ?? "", metrics: row.string("metrics") ?? "{}")
        model.leadDays = row.int("lead_days") ?? 1
        return model
    }

    /// A text[] literal with every element quoted, so names with commas or quotes survive.
    static func arrayLiteral(_ values: [String]) -> String { SQLTextArray(values).sqlText ?? "{}" }

    /// Parses PostgreSQL's text[] output (elements quoted only when needed).
    static func parseTextArray(_ text: String) -> [String] {
        var values: [String] = [], current = "", quoted = false, escaped = false, inQuotes = false
        for character in text.dropFirst().dropLast() {
            if escaped { current.append(character); escaped = false; continue }
            switch character {
            case "\\" where inQuotes: escaped = true
            case "\"": inQuotes.toggle(); quoted = true
            case "," where !inQuotes:
                values.append(current); current = ""; quoted = false
            default: current.append(character)
            }
        }
        if !current.isEmpty || quoted { values.append(current) }
        return values
    }
}

public enum RegistryError: Error, CustomStringConvertible {
    case noSuchVersion(SeriesID, Int)
    case noChampion(SeriesID, lead: Int = 1)
    case noPreviousChampion(SeriesID, lead: Int = 1)
    /// The environment a model is promoted into has no such series.
    case seriesNotInCatalog(SeriesID, catalog: String)

    public var description: String {
        switch self {
        case let .noSuchVersion(series, version):
            return "Series \(series) has no model version \(version); `gridcast models list --series \(series)` shows the versions."
        case let .seriesNotInCatalog(series, catalog):
            return "Series \(series) is not in \(catalog), so no model of it can be stored there. Add it first, with its "
                + "location: insert into \(catalog) (load_profile, load_segment, location) values "
                + "('\(series.loadProfile)', '\(series.loadSegment)', 'LOCATION');"
        case let .noChampion(series, lead):
            return "Series \(series) has no approved \(Self.horizon(lead)) model to roll back"
                + (lead > 1 ? "; `gridcast models list --series \(series)` shows each model's lead." : ".")
        case let .noPreviousChampion(series, lead):
            return "Series \(series) has no earlier \(Self.horizon(lead)) champion to restore; approve a version explicitly "
                + "with `gridcast models approve`."
        }
    }

    /// "day-ahead" for lead 1, "D+N" beyond.
    static func horizon(_ lead: Int) -> String {
        lead == 1 ? "day-ahead" : "D+\(lead)"
    }
}
