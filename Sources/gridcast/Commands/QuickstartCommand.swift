import ArgumentParser
import Foundation
import LocalPostgres
import Logging
import Migrations
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

            try printNextSteps(layout: layout, cluster: cluster)
            return ["environment": .string(layout.environment.rawValue), "migrations_applied": .int(applied.count),
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

    private func printNextSteps(layout: SchemaLayout, cluster: LocalCluster?) throws {
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
