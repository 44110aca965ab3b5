import ArgumentParser
import Foundation
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
            were written; when all failed for one reason, that reason's code), 64 bad arguments.
            """,
        version: versionReport,
        subcommands: [MigrateCommand.self, SampleCommand.self, TrainCommand.self, ForecastCommand.self, BackfillCommand.self, ModelsCommand.self,
                      StatusCommand.self, CheckCommand.self, QuickstartCommand.self, LoadCommand.self, CalendarCommand.self, FeaturesCommand.self]
    )

    /// ArgumentParser's own entry point, plus the `--json` error object for failures it reports itself
    /// (bad arguments, failed validation), so a scheduler reading stdout gets JSON for every failure.
    /// Failures inside a command print their object in CommandRunner and arrive here as an ExitCode.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if arguments.contains("--json"), !(error is ExitCode), code != .success {
                let message = ConnectionTarget("").redact(Self.message(for: error))
                print(JSONValue.object(["command": .string(commandPath(arguments)), "status": "failed", "error": .string(message),
                                        "exit_code": .int(Int(code.rawValue))]).rendered)
            }
            exit(withError: error)
        }
    }

    /// `models list` from `models list --series X`: the leading words that name subcommands.
    static func commandPath(_ arguments: [String]) -> String {
        var path: [String] = []
        var commands: [ParsableCommand.Type] = configuration.subcommands
        for word in arguments {
            guard let match = commands.first(where: { $0._commandName == word }) else { break }
            path.append(word)
            commands = match.configuration.subcommands
        }
        return path.joined(separator: " ")
    }
}
