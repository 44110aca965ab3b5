import Foundation
import Migrations
import Pipeline
import Warehouse

/// Forecast write throughput: gridcast's ForecastWriter (binary COPY into a temporary staging table,
/// replace and insert in one transaction; and the same with text COPY) against psql running the same
/// transaction with `\copy` (text) from a file of the same rows; and gridcast's bare binary COPY against a
/// bare `psql \copy` into the table.
/// Both sides include connecting; the table is emptied before every attempt; medians of the repeats.
struct CopyStage {
    let context: BenchContext

    func run(_ report: BenchReport) throws {
        let size = context.size
        let layout = context.layout(.dev)
        let table = "\(SQLIdentifier.quoteValidated(layout.operationalSchema)).dayahead_load_forecasts"
        context.step("copy: \(size.copyRows) forecast rows, \(size.repeats) repeats each way")
        let admin = try context.connect()
        guard let runID = try admin.execute("""
            insert into \(SQLIdentifier.quoteValidated(layout.operationalSchema)).run_log (kind, status, arguments)
            values ('forecast', 'succeeded', '{"source": "gridcast-bench copy stage"}') returning run_id::text
            """, name: "bench run-log row").first?.string("run_id") else { throw BenchError.setup("no run_id returned") }
        let rows = Self.syntheticRows(size.copyRows)
        let file = context.workDirectory.appendingPathComponent("forecast_rows.tsv")
        try Self.writeCopyFile(rows, runID: runID, to: file)

        let columns = ForecastWriter.columns.joined(separator: ", ")
        // The writer's whole transaction, as a DBA would run it by hand: stage, replace, insert, then mark
        // older rows superseded and rebuild the daily accuracy of the same dates and series.
        let schema = SQLIdentifier.quoteValidated(layout.operationalSchema)
        let (first, last) = (rows.map(\.localDate).min() ?? "", rows.map(\.localDate).max() ?? "")
        let seriesArray = "{" + Set(rows.map(\.series.description)).sorted().joined(separator: ",") + "}"
        let mergeScript = context.workDirectory.appendingPathComponent("copy_merge.sql")
        try """
            begin;
            create temporary table forecast_staging (like \(table) including defaults) on commit drop;
            \\copy forecast_staging (\(columns)) from '\(file.path)'
            delete from \(table) f using forecast_staging s
             where f.load_profile = s.load_profile and f.load_segment = s.load_segment
               and f.forecast_datetime = s.forecast_datetime and f.model_version = s.model_version
               and f.forecast_kind = 'backtest' and s.forecast_kind = 'backtest' and f.run_time is not distinct from s.run_time;
            insert into \(table) (\(columns), run_user, created_at)
            select \(columns), current_user, now() from forecast_staging;
            select \(schema).supersede_forecasts('\(first)'::date, '\(last)'::date, '\(seriesArray)'::text[]);
            select \(schema).refresh_forecast_accuracy('\(first)'::date, '\(last)'::date, '\(seriesArray)'::text[]);
            commit;

            """.write(to: mergeScript, atomically: true, encoding: .utf8)
        let bareScript = context.workDirectory.appendingPathComponent("copy_bare.sql")
        try "\\copy \(table) (\(columns)) from '\(file.path)'\n".write(to: bareScript, atomically: true, encoding: .utf8)

        // Four ways, each timed from an empty table after a CHECKPOINT (so no run pays for another's WAL),
        // with autovacuum off for the table (so no ANALYZE of the previous run's rows lands in the next),
        // in alternating order from repeat to repeat.
        try admin.execute("alter table \(table) set (autovacuum_enabled = off)", name: "autovacuum off")
        defer { _ = try? admin.execute("alter table \(table) reset (autovacuum_enabled)", name: "autovacuum back") }
        let ways: [(name: String, run: (Int) throws -> Double)] = [
            ("writer", { _ in try Self.seconds {
                let connection = try context.connect()
                let written = try ForecastWriter(layout: layout).write(rows, runID: runID, on: connection)
                guard written == rows.count else { throw BenchError.setup("the writer wrote \(written) of \(rows.count) rows") }
            } }),
            ("writer-text", { _ in try Self.seconds {
                let connection = try context.connect()
                var writer = ForecastWriter(layout: layout)
                writer.binaryCopy = false
                let written = try writer.write(rows, runID: runID, on: connection)
                guard written == rows.count else { throw BenchError.setup("the writer wrote \(written) of \(rows.count) rows") }
            } }),
            ("psql-merge", { attempt in try context.psql(file: mergeScript.path, log: "copy-psql-merge-\(attempt)").seconds }),
            ("copyIn", { _ in try Self.seconds {
                let connection = try context.connect()
                try ForecastWriter.copy(rows, runID: runID, into: table, on: connection)
            } }),
            ("psql-bare", { attempt in try context.psql(file: bareScript.path, log: "copy-psql-bare-\(attempt)").seconds }),
        ]
        var times: [String: [Double]] = [:]
        for attempt in 1...size.repeats {
            for way in attempt.isMultiple(of: 2) ? ways.reversed() : ways {
                try empty(table, admin)
                _ = try? admin.execute("checkpoint", name: "checkpoint")
                times[way.name, default: []].append(try way.run(attempt))
                try check(table, admin, rows.count)
            }
        }
        try empty(table, admin)
        let count = Double(rows.count)
        func rate(_ name: String) -> Double { count / median(times[name] ?? []) }
        report.add(.throughput("copy", "ForecastWriter (stage + replace + insert)", rate("writer"), "rows/s",
                               against: "psql, same transaction with \\copy", rate("psql-merge"), goal: 1.0))
        report.add(.throughput("copy", "ForecastWriter, COPY in text instead of binary", rate("writer-text"), "rows/s",
                               against: "psql, same transaction with \\copy", rate("psql-merge")))
        report.add(.throughput("copy", "binary COPY straight into the table", rate("copyIn"), "rows/s",
                               against: "psql \\copy straight into the table", rate("psql-bare"), goal: 1.0))
        report.add(.throughput("copy", "ForecastWriter, all it does", rate("writer"), "rows/s",
                               against: "psql \\copy straight into the table (no replace)", rate("psql-bare")))
    }

    private func empty(_ table: String, _ connection: Connection) throws {
        try connection.execute("truncate \(table)", name: "empty forecasts")
    }

    private func check(_ table: String, _ connection: Connection, _ expected: Int) throws {
        let count = try connection.execute("select count(*) as n from \(table)", name: "count forecasts").first?.int("n") ?? -1
        guard count == expected else { throw BenchError.setup("expected \(expected) forecast rows after a copy, found \(count)") }
    }

    private static func seconds(_ body: () throws -> Void) throws -> Double {
        let started = Date()
        try body()
        return Date().timeIntervalSince(started)
    }

    /// `count` rows over the 6 default series, one per series and hour from 2000-01-01 UTC on, with what a
    /// forecast row carries: the run and lineage instants and three drivers (SHAP) as JSON.
    static func syntheticRows(_ count: Int) -> [ForecastRow] {
        let series = ["RES", "MEDCI", "SMLCOM"].flatMap { profile in
            ["SOLAR", "NONSOLAR"].map { SeriesID(loadProfile: profile, loadSegment: $0) }
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH"
        let origin = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01 00:00 UTC
        return (0..<count).map { index in
            let hour = index / series.count
            let stamp = formatter.string(from: origin.addingTimeInterval(Double(hour) * 3600))
            let prediction = 1000 + Double((index * 7919) % 5000) / 7
            var row = ForecastRow(series: series[index % series.count], hourStart: stamp + ":00:00+00",
                                  localDate: String(stamp.prefix(10)),
                                  localHour: Int(stamp.suffix(2)) ?? 0, prediction: prediction, lower: prediction * 0.9,
                                  upper: prediction * 1.1, modelVersion: 1, asOfDate: "2024-12-30", outOfDistribution: [])
            (row.runTime, row.weatherIssuedAt) = ("2024-12-29 17:00:00+00", "2024-12-29 12:00:00+00")
            (row.sqmdKnownAt, row.modelRegisteredAt) = ("2024-12-15 10:00:00.123456+00", "2024-12-01 10:00:00.5+00")
            row.drivers = #"[{"feature": "temperature_2m", "kwh": \#(prediction * 0.2)}, "#
                + #"{"feature": "lag_21d", "kwh": -301.25}, {"feature": "hour_of_day", "kwh": 120.5}]"#
            return row
        }
    }

    static func writeCopyFile(_ rows: [ForecastRow], runID: String, to file: URL) throws {
        var text = ""
        text.reserveCapacity(rows.count * 150)
        for row in rows {
            text += ForecastWriter.fields(row, runID: runID).map { $0 ?? "\\N" }.joined(separator: "\t")
            text += "\n"
        }
        try text.write(to: file, atomically: true, encoding: .utf8)
    }
}
