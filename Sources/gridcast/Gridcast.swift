import ArgumentParser
import Boosting
import Warehouse

/// `gridcast`: day-ahead load forecasting inside PostgreSQL.
@main
struct Gridcast: ParsableCommand {
    static let version = "0.1.0"

    /// What `--version` prints: gridcast's version and the libraries actually loaded at run time, since
    /// XGBoost's version and build decide both the models and the training speed (bench/README.md).
    static var versionReport: String { "\(version) (XGBoost \(xgboostVersion), libpq \(Connection.libpqVersion))" }

    static let configuration = CommandConfiguration(
        commandName: "gridcast",
        abstract: "Day-ahead electricity load forecasting inside a PostgreSQL warehouse.",
        discussion: """
            Connection follows libpq conventions: PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSERVICE,
            ~/.pgpass and sslmode, or --database-url / GRIDCAST_DATABASE_URL. Logs go to stderr; --json prints a
            summary object to stdout. Exit codes: 0 ok, 1 unexpected failure, 3 database unreachable,
            4 schema or migration problem, 5 another run holds the lock, 6 input rejected beyond the limit or
            missing prerequisites (no data, no approved model), 7 SQL error, 8 some series failed (the others
            were written), 64 bad arguments.
            """,
        version: versionReport,
        subcommands: [MigrateCommand.self, SampleCommand.self, TrainCommand.self, ForecastCommand.self, BackfillCommand.self, ModelsCommand.self,
                      StatusCommand.self, QuickstartCommand.self, LoadCommand.self, CalendarCommand.self, FeaturesCommand.self]
    )
}
