import ArgumentParser
import Features
import Foundation
import Ingest
import LocalPostgres
import Logging
import Migrations
import Pipeline
import SampleData
import Warehouse

/// `gridcast quickstart`: the five-minute tour. Uses the configured database, or starts a local one.
struct QuickstartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quickstart",
        abstract: "Start a local PostgreSQL if none is configured, migrate, load sample data, and show what to query next.")

    @OptionGroup var options: GlobalOptions

    @Option(help: "Folder for the local PostgreSQL cluster and the sample files.")
    var directory: String = ".gridcast"

    @Flag(help: "Stop the local PostgreSQL cluster that an earlier quickstart started, and exit.")
    var stop = false

    @Flag(name: .customLong("start-only"), help: """
        Start (or restart) the local PostgreSQL of an earlier quickstart and apply pending migrations; no sample, \
        no training. Its data, models and forecasts are kept.
        """)
    var startOnly = false

    @Option(help: "Random-search trials per series (the train command defaults to 50; fewer keeps the tour short).")
    var trials: Int = 10

    @Option(help: "Days to backfill before today, for the accuracy table.")
    var backfillDays: Int = 30

    /// True when the user pointed gridcast at a database of their own.
    var databaseConfigured: Bool {
        let environment = ProcessInfo.processInfo.environment
        return options.databaseURL != nil
            || ["GRIDCAST_DATABASE_URL", "PGHOST", "PGDATABASE", "PGSERVICE", "PGHOSTADDR"].contains { environment[$0] != nil }
    }

    func run() throws {
        try CommandRunner.run(options, command: "quickstart") { logger in
            let base = URL(fileURLWithPath: directory, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
            if stop {
                guard let cluster = try LocalCluster.existing(in: base.appendingPathComponent("postgres")), cluster.isRunning else {
                    print("No local PostgreSQL is running in \(base.appendingPathComponent("postgres").path).")
                    return ["stopped": false]
                }
                cluster.stop()
                print("Stopped the local PostgreSQL in \(cluster.dataDirectory.path).")
                return ["stopped": true]
            }
            let (target, cluster) = try databaseTarget(base: base, logger: logger)
            let connection = try Connection.open(target, logger: logger)
            let layout = options.layout
            let runner = MigrationRunner(layout: layout, files: try MigrationFile.load(from: try MigrationFile.locateDirectory()), logger: logger)
            let applied = try runner.migrate(on: connection)
            Progress.step("Schemas for environment \(layout.environment.rawValue): \(applied.count) migration(s) applied.")
            if startOnly {
                try printNextSteps(layout: layout, cluster: cluster)
                return ["environment": .string(layout.environment.rawValue), "migrations_applied": .int(applied.count),
                        "local_cluster": .optional(cluster?.directory.path)]
            }
            // "Today" in the sample's time zone (San Diego), the same day `gridcast forecast` counts tomorrow from.
            let tomorrow = try ForecastRun.tomorrow(at: "san_diego", on: connection, layout: layout)
            guard let todayDate = LocalDate(tomorrow)?.adding(days: -1) else { throw ForecastError.badDate(tomorrow) }
            try loadSample(connection: connection, layout: layout, base: base, today: todayDate, logger: logger)
            let trained = try train(target: connection.target, layout: layout, connection: connection, today: todayDate, logger: logger)
            let written = try forecast(connection: connection, layout: layout, today: todayDate, logger: logger)
            try printAccuracy(connection: connection, layout: layout)
            try printNextSteps(layout: layout, cluster: cluster)
            return ["environment": .string(layout.environment.rawValue), "migrations_applied": .int(applied.count),
                    "series_trained": .int(trained), "forecast_rows": .int(written),
                    "local_cluster": .optional(cluster?.directory.path)]
        }
    }

    /// The configured database, or a local cluster in `base/postgres` with a `gridcast` database.
    private func databaseTarget(base: URL, logger: Logger) throws -> (ConnectionTarget, LocalCluster?) {
        if databaseConfigured {
            Progress.step("Using the configured database (\(options.target.redactedDescription)).")
            return (options.target, nil)
        }
        Progress.step("No database configured: starting a local PostgreSQL in \(base.appendingPathComponent("postgres").path) ...")
        let cluster = try LocalCluster.start(in: base.appendingPathComponent("postgres"), durable: true, listenOnLocalhost: true)
        let admin = try Connection.open(cluster.target, logger: logger)
        let exists = try admin.execute("select count(*) as n from pg_database where datname = 'gridcast'", name: "find database").first?.int("n") ?? 0
        if exists == 0 { try admin.execute("create database gridcast", name: "create database") }
        return (ConnectionTarget(cluster.conninfo(database: "gridcast")), cluster)
    }

    /// Generates three years of sample SQMD and weather ending tomorrow (so tomorrow has weather and the
    /// newest Initial SQMD is 14 days old, as in production) and loads it through the real loaders.
    private func loadSample(connection: Connection, layout: SchemaLayout, base: URL, today: LocalDate, logger: Logger) throws {
        let input = SQLIdentifier.quoteValidated(layout.inputSchema)
        let loaded = try connection.execute("select count(*) as n from \(input).sqmd", name: "sample loaded?").first?.int("n") ?? 0
        let generator = SampleGenerator.threeYears(seed: 42, endingOn: today.adding(days: 1))
        if loaded == 0 {
            Progress.step("Generating 3 years of sample SQMD and weather (\(generator.start) to \(generator.end)) ...")
            let files = try generator.write(to: base.appendingPathComponent("sample"))
            Progress.step("Loading \(files.sqmdRows) SQMD rows with gridcast's loader ...")
            // The sample's six series are registered by this load (migrations seed none, 0028).
            let sqmdOptions = SQMDLoadOptions(timeZone: .location("san_diego"), registerSeries: true)
            let sqmd = try SQMDLoader(layout: layout, options: sqmdOptions)
                .load(files.sqmdFiles.map { SQMDSource.file($0.path) }, on: connection)
            Progress.step("SQMD: \(sqmd.inserted) inserted, \(sqmd.rejected) rejected in \(String(format: "%.1f", sqmd.seconds)) s; "
                          + "series registered: \(sqmd.registeredSeries.isEmpty ? "none" : sqmd.registeredSeries.joined(separator: ", ")).")
            let weather = try WeatherLoader(layout: layout).load(file: files.weather.path, on: connection)
            let forecasts = try WeatherLoader(layout: layout, options: WeatherLoadOptions(kind: .forecast))
                .load(file: files.weatherForecasts.path, on: connection)
            Progress.step("Weather: \(weather.inserted) observed hours and \(forecasts.inserted) forecast hours (1- and 2-day vintages) inserted.")
        } else {
            Progress.step("Sample data already loaded (\(loaded) SQMD rows); skipping generation.")
        }
        let filled = try CalendarTableWriter(layout: layout).fill(from: generator.start, through: today.adding(days: 2), on: connection)
        Progress.step("Calendar: \(filled.hours) hours for \(filled.location).")
    }

    private func train(target: ConnectionTarget, layout: SchemaLayout, connection: Connection, today: LocalDate,
                       logger: Logger) throws -> Int {
        var configuration = TrainingConfiguration()
        configuration.trials = trials
        // Trained (and refit) up to the day before the backfilled days, so every backfilled day is out of
        // sample and the accuracy table grades them all: a model refit through the newest actuals has
        // seen those days, and its backtests of them are in-sample, left out of accuracy.
        configuration.endDate = today.adding(days: -(backfillDays + 1)).description
        let series = try SeriesSelection(all: true).resolve(on: connection, layout: layout)
        Progress.step("Training \(series.count) series (\(trials) search trials each; `gridcast train --all` defaults to 50) ...")
        let log = try RunLog(target: target, layout: layout, logger: logger)
        let runID = try log.start(kind: .train, arguments: ["source": "quickstart", "trials": "\(trials)"]).uuidString.lowercased()
        let results = try TrainingRun(target: target, layout: layout, configuration: configuration, query: try FeatureQuery.dayAhead(),
                                      runID: runID).train(series, logger: logger, progress: { Progress.step($0) })
        let trained = results.filter { if case .success = $0 { true } else { false } }.count
        try log.succeed(rows: trained)
        print("\nModels (test window of the last \(configuration.testDays) days with actuals):")
        print("series            version  status     RMSE kWh   baseline   skill")
        for case let .success(result) in results {
            print(result.series.description.padding(toLength: 17, withPad: " ", startingAt: 0)
                  + String(format: " %7d  ", result.version) + result.status.padding(toLength: 10, withPad: " ", startingAt: 0)
                  + String(format: " %9.1f  %9.1f  %6.3f", result.model.rmse, result.baseline.rmse, result.skill))
        }
        return trained
    }

    private func forecast(connection: Connection, layout: SchemaLayout, today: LocalDate, logger: Logger) throws -> Int {
        let series = try SeriesSelection(all: true).resolve(on: connection, layout: layout)
        var run = ForecastRun(layout: layout, query: try FeatureQuery.dayAhead())
        run.logger = logger
        let log = try RunLog(target: connection.target, layout: layout, logger: logger)
        run.model = .championAtRunTime
        let days = try BackfillDates.daysBack(backfillDays, before: today.description)
        Progress.step("Backfilling \(days.count) days (\(days.first ?? "") to \(days.last ?? "")) ...")
        let backfillID = try log.start(kind: .backfill, arguments: ["source": "quickstart", "days": "\(days.count)"]).uuidString.lowercased()
        let backfill = try run.run(series: series, targetDates: days, runID: backfillID, on: connection)
        try log.succeed(rows: backfill.rowsWritten)
        run.model = .champion
        run.mode = .dayAhead
        let tomorrow = today.adding(days: 1).description
        Progress.step("Forecasting tomorrow, \(tomorrow) ...")
        let forecastID = try log.start(kind: .forecast, arguments: ["source": "quickstart", "date": tomorrow]).uuidString.lowercased()
        let forecast = try run.run(series: series, targetDates: [tomorrow], runID: forecastID, on: connection)
        try log.succeed(rows: forecast.rowsWritten)
        return backfill.rowsWritten + forecast.rowsWritten
    }

    private func printAccuracy(connection: Connection, layout: SchemaLayout) throws {
        guard !options.json else { return }
        let bi = SQLIdentifier.quoteValidated(layout.biSchema)
        let rows = try connection.execute("""
            select series_id, count(*) as days,
                   round((100 * sum(abs_error_sum_kwh) / nullif(sum(abs_actual_sum_kwh), 0))::numeric, 1)::text as wape,
                   round(avg(rmse_kwh)::numeric, 1)::text as rmse, round(avg(bias_kwh)::numeric, 1)::text as bias,
                   round(avg(interval_coverage)::numeric, 2)::text as coverage
            from \(bi).vw_forecast_accuracy group by series_id order by series_id
            """, name: "accuracy table").rows
        print("\nBackfill accuracy against actuals (from \(layout.biSchema).vw_forecast_accuracy):")
        print("series            days  WAPE %   RMSE kWh   bias kWh   interval coverage")
        for row in rows {
            print((row.string("series_id") ?? "").padding(toLength: 17, withPad: " ", startingAt: 0)
                  + " " + (row.string("days") ?? "").padding(toLength: 5, withPad: " ", startingAt: 0)
                  + " " + (row.string("wape") ?? "-").padding(toLength: 8, withPad: " ", startingAt: 0)
                  + " " + (row.string("rmse") ?? "-").padding(toLength: 10, withPad: " ", startingAt: 0)
                  + " " + (row.string("bias") ?? "-").padding(toLength: 10, withPad: " ", startingAt: 0)
                  + " " + (row.string("coverage") ?? "-"))
        }
        if rows.isEmpty {
            print("(none yet: SQMD arrives 14+ days after its day, so the backfilled days have no actuals; "
                  + "--backfill-days 30 reaches days that do)")
        }
    }

    private func printNextSteps(layout: SchemaLayout, cluster: LocalCluster?) throws {
        guard !options.json else { return }  // --json: stdout holds the one summary object
        let psql = try cluster.map { "PGPASSFILE=\(try $0.passwordFile().path) psql -h 127.0.0.1 -p \($0.port) -U \($0.superuser) gridcast" } ?? "psql"
        print("""

            Connect:  \(psql)
            Then try:
              select * from \(layout.biSchema).vw_champion_models;
              select series_id, forecast_datetime_local, predicted_lossadjustedload
                from \(layout.biSchema).vw_dayahead_load_forecasts order by 1, 2 limit 24;
              select * from \(layout.biSchema).vw_forecast_accuracy order by forecast_date_local desc limit 12;
              select * from \(layout.biSchema).vw_run_history order by started_at desc limit 10;
            """)
        if let cluster {
            print("""
                The local server keeps running (data in \(cluster.dataDirectory.path)).
                Use it from gridcast:  export GRIDCAST_DATABASE_URL='\(cluster.conninfo(database: "gridcast"))'
                Stop it:              gridcast quickstart --stop
                """)
        }
    }
}

/// One-line progress messages on stderr, so stdout stays clean for `--json` and piping.
enum Progress {
    static func step(_ message: String) {
        FileHandle.standardError.write(Data("==> \(message)\n".utf8))
    }
}
