import Foundation
import Migrations
import Warehouse

/// Writes forecast rows: COPY into a temporary staging table, then, in the same transaction, insert
/// them, replacing only earlier *backtests* of the same series, hour, run time and model version (a
/// re-run of the same backfill). Issued forecasts are never deleted or updated: a later day-ahead run
/// adds rows beside them, marks the older rows of the same hours superseded (only that column changes,
/// and 0014's trigger lets it be set on older rows only), and the views read the current rows. A
/// failure or a killed process at any point
/// leaves the forecast table exactly as it was.
public struct ForecastWriter {
    let layout: SchemaLayout
    /// COPY the rows in binary where they allow it (see `copy`); false sends text (the bench compares both).
    public var binaryCopy = true

    public init(layout: SchemaLayout) { self.layout = layout }

    /// Staging table columns, in COPY order.
    public static let columns = ["forecast_datetime", "predicted_lossadjustedload", "predicted_lower_bound", "predicted_upper_bound",
                          "run_id", "model_version", "load_profile", "load_segment", "year", "month", "day", "local_hour",
                          "as_of_date", "out_of_distribution", "ood_reasons", "forecast_kind", "run_time",
                          "weather_issued_at", "sqmd_known_at", "model_registered_at", "in_sample", "fallback", "drivers",
                          "lead_days"]

    /// The fields of one row in `columns` order, as COPY text (nil is NULL).
    public static func fields(_ row: ForecastRow, runID: String) -> [String?] {
        let date = row.localDate.split(separator: "-").map(String.init)
        let reasons = row.outOfDistribution.isEmpty ? nil : ModelRegistry.arrayLiteral(row.outOfDistribution)
        return [row.hourStart, row.prediction.sqlText, row.lower?.sqlText, row.upper?.sqlText, runID, String(row.modelVersion),
                row.series.loadProfile, row.series.loadSegment] + date
            + [String(row.localHour), row.asOfDate, row.outOfDistribution.isEmpty ? "f" : "t", reasons, row.kind.rawValue,
               row.runTime.isEmpty ? nil : row.runTime, row.weatherIssuedAt, row.sqmdKnownAt, row.modelRegisteredAt,
               row.inSample ? "t" : "f", row.fallback, row.drivers, String(row.leadDays)]
    }

    /// COPYs the rows into `table` (a table with dayahead_load_forecasts' column types, e.g. the staging
    /// table) in binary, or as text when a timestamp is not in the ISO form the binary encoder reads (rows
    /// printed by a session with another DateStyle) or when `binary` is false (tests, the bench).
    public static func copy(_ rows: [ForecastRow], runID: String, into table: String, on connection: Connection,
                            binary allowed: Bool = true) throws {
        let columns = Self.columns.joined(separator: ", ")
        if allowed, let binary = BinaryForecastFields(rows, runID: runID) {
            let sql = "copy \(table) (\(columns)) from stdin with (format binary)"
            try connection.copyInBinary(sql, name: "copy forecasts") { writer in
                for row in rows { try writer.writeRow(fields: Self.columns.count) { binary.encode(row, into: &$0) } }
            }
        } else {
            try connection.copyIn("copy \(table) (\(columns)) from stdin", name: "copy forecasts") { writer in
                for row in rows { try writer.writeRow(Self.fields(row, runID: runID)) }
            }
        }
    }

    /// Whether `copy` sends these rows in binary (every timestamp, date and the run id in the form it reads).
    public static func copiesInBinary(_ rows: [ForecastRow], runID: String) -> Bool {
        BinaryForecastFields(rows, runID: runID) != nil
    }

    /// How the run ends, recorded in its run-log row by the transaction that writes its rows.
    public struct RunCompletion: Sendable {
        public let status: String
        public let error: String?
        public static let succeeded = RunCompletion(status: "succeeded", error: nil)
        public static func failed(_ error: String) -> RunCompletion { RunCompletion(status: "failed", error: error) }
    }

    /// - Parameters:
    ///   - lockWaitSeconds: how long to wait for another run writing the same series.
    ///   - completion: when given, the run's `running` run-log row is finished in the same transaction, so a
    ///     process killed after the commit never leaves rows of a run that looks abandoned.
    ///   - beforeCommit: test hook, called after the merge and before COMMIT.
    /// - Returns: rows written.
    @discardableResult
    public func write(_ rows: [ForecastRow], runID: String, on connection: Connection, lockWaitSeconds: Double = 600,
                      completion: RunCompletion? = nil, beforeCommit: () throws -> Void = {}) throws -> Int {
        guard !rows.isEmpty else { return 0 }
        let table = "\(SQLIdentifier.quoteValidated(layout.operationalSchema)).dayahead_load_forecasts"
        let series = Array(Set(rows.map(\.series.description))).sorted()
        return try connection.transaction(name: "write forecasts") { tx in
            try tx.writeShardsOverOneConnectionPerWorker()
            for name in series {  // sorted, so two runs lock in the same order and cannot deadlock
                try tx.lockNamed("forecast.\(name)", in: layout.runLocksTable, waitSeconds: lockWaitSeconds)
            }
            try tx.execute("""
                create temporary table forecast_staging (like \(table) including defaults) on commit drop
                """, name: "create forecast staging")
            try Self.copy(rows, runID: runID, into: "forecast_staging", on: tx, binary: binaryCopy)
            try tx.execute("""
                delete from \(table) f using forecast_staging s
                where f.forecast_kind = 'backtest' and s.forecast_kind = 'backtest'
                  and f.load_profile = s.load_profile and f.load_segment = s.load_segment
                  and f.forecast_datetime = s.forecast_datetime and f.model_version = s.model_version
                  and f.run_time is not distinct from s.run_time
                """, name: "replace earlier backtests")
            let inserted = try tx.execute("""
                insert into \(table) (\(Self.columns.joined(separator: ", ")), run_user, created_at)
                select \(Self.columns.joined(separator: ", ")), current_user, now() from forecast_staging
                """, name: "merge forecasts").affectedRows
            try supersedeOlderRows(of: rows, series: series, on: tx)
            if let completion {
                // now(), the write's start: Citus runs no volatile function (clock_timestamp) in a distributed write.
                try tx.execute("""
                    update \(SQLIdentifier.quoteValidated(layout.operationalSchema)).run_log
                    set status = $2, rows = $3, error = $4, finished_at = now()
                    where run_id = $1::uuid and status = 'running'
                    """, [runID, completion.status, inserted, completion.error.map { String($0.prefix(4000)) }],
                    name: "finish the run with its rows")
            }
            try beforeCommit()
            return inserted
        }
    }

    /// Marks superseded the rows these new rows (or rows newer than them) replace, then rebuilds the
    /// daily accuracy of the same series and local dates, so BI reads current rows with a plain filter
    /// and accuracy from stored rows.
    private func supersedeOlderRows(of rows: [ForecastRow], series: [String], on tx: Connection) throws {
        let dates = rows.map(\.localDate)
        guard let first = dates.min(), let last = dates.max() else { return }
        let schema = SQLIdentifier.quoteValidated(layout.operationalSchema)
        let parameters: [any SQLBindable] = [first, last, ModelRegistry.arrayLiteral(series)]
        try tx.execute("select \(schema).supersede_forecasts($1::date, $2::date, $3::text[])", parameters,
                       name: "supersede older forecasts")
        try tx.execute("select \(schema).refresh_forecast_accuracy($1::date, $2::date, $3::text[])", parameters,
                       name: "refresh daily accuracy")
    }
}

/// A forecast row's fields in binary COPY form, in `ForecastWriter.columns` order and their column types
/// (dayahead_load_forecasts: timestamptz, float8, uuid, int4, int2, date, text[], jsonb; migrations 0003 to 0030).
/// The timestamps and dates arrive as the text the feature query printed and are parsed where they are
/// encoded (no allocation, cheaper than looking them up); `init` checks every row first, so a write either
/// goes all binary or all text.
struct BinaryForecastFields {
    let runID: [UInt8]

    /// Nil when the run id, a timestamp or a date is not in the form `PostgresText` reads.
    init?(_ rows: [ForecastRow], runID: String) {
        guard let id = PostgresText.uuid(runID) else { return nil }
        self.runID = id
        func readable(_ text: String?) -> Bool { text.map { $0.isEmpty || PostgresText.timestamp($0) != nil } ?? true }
        for row in rows {
            guard PostgresText.timestamp(row.hourStart) != nil, readable(row.runTime), readable(row.weatherIssuedAt),
                  readable(row.sqmdKnownAt), readable(row.modelRegisteredAt), PostgresText.date(row.asOfDate) != nil,
                  PostgresText.dateParts(row.localDate) != nil else { return nil }
        }
    }

    func encode(_ row: ForecastRow, into out: inout BinaryCopyRows) {
        func instant(_ text: String?) {
            if let text, !text.isEmpty, let value = PostgresText.timestamp(text) { out.timestamp(microseconds: value) } else { out.null() }
        }
        func float(_ value: Double?) { if let value { out.float8(value) } else { out.null() } }
        func text(_ value: String?) { if let value { out.text(value) } else { out.null() } }
        let date = PostgresText.dateParts(row.localDate)!
        instant(row.hourStart)
        out.float8(row.prediction)
        float(row.lower)
        float(row.upper)
        out.uuid(runID)
        out.int32(Int32(row.modelVersion))
        out.text(row.series.loadProfile)
        out.text(row.series.loadSegment)
        out.int16(Int16(date.year))
        out.int16(Int16(date.month))
        out.int16(Int16(date.day))
        out.int16(Int16(row.localHour))
        out.date(days: PostgresText.date(row.asOfDate)!)
        out.bool(!row.outOfDistribution.isEmpty)
        if row.outOfDistribution.isEmpty { out.null() } else { out.textArray(row.outOfDistribution) }
        out.text(row.kind.rawValue)
        instant(row.runTime)
        instant(row.weatherIssuedAt)
        instant(row.sqmdKnownAt)
        instant(row.modelRegisteredAt)
        out.bool(row.inSample)
        text(row.fallback)
        if let drivers = row.drivers { out.jsonb(drivers) } else { out.null() }
        out.int16(Int16(row.leadDays))
    }
}
