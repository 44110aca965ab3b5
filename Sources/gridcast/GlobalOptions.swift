import ArgumentParser
import Foundation
import Logging
import Migrations
import Warehouse

/// Options every database command takes: where to connect, which environment, how to report.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: "libpq URL or conninfo. Prefer PG* variables, ~/.pgpass or GRIDCAST_DATABASE_URL for passwords: argv is visible to other users.")
    var databaseURL: String?

    @Option(name: .customLong("env"), help: "Environment: dev, qa, preprod or prod (default: GRIDCAST_ENV or dev).")
    var environmentName: String?

    @Option(name: .customLong("input-schema"), help: "Base name of the input schema (default gridcast_input).")
    var inputSchema: String?

    @Option(name: .customLong("operational-schema"), help: "Base name of the operational schema (default gridcast_operational).")
    var operationalSchema: String?

    @Option(name: .customLong("bi-schema"), help: "Base name of the BI schema (default gridcast_bi).")
    var biSchema: String?

    @Option(name: .customLong("role-prefix"), help: "Prefix of the loader, runner and BI reader roles (default gridcast).")
    var rolePrefix: String?

    @Flag(name: .customLong("json"), help: "Print a JSON summary to stdout.")
    var json = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    static let environmentVariables = ProcessInfo.processInfo.environment

    func validate() throws {
        if let name = environmentName ?? Self.environmentVariables["GRIDCAST_ENV"], DeploymentEnvironment(rawValue: name) == nil {
            throw ValidationError("Unknown environment '\(name)'; use dev, qa, preprod or prod.")
        }
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("Unknown log level '\(logLevel)'; use trace, debug, info, notice, warning, error or critical.")
        }
    }

    var environment: DeploymentEnvironment {
        DeploymentEnvironment(rawValue: environmentName ?? Self.environmentVariables["GRIDCAST_ENV"] ?? "dev") ?? .dev
    }

    /// Schema and role names, from options, then GRIDCAST_* variables, then defaults.
    var layout: SchemaLayout {
        let env = Self.environmentVariables
        var layout = SchemaLayout(environment: environment)
        if let name = inputSchema ?? env["GRIDCAST_INPUT_SCHEMA"] { layout.inputBase = name }
        if let name = operationalSchema ?? env["GRIDCAST_OPERATIONAL_SCHEMA"] { layout.operationalBase = name }
        if let name = biSchema ?? env["GRIDCAST_BI_SCHEMA"] { layout.biBase = name }
        if let name = rolePrefix ?? env["GRIDCAST_ROLE_PREFIX"] { layout.rolePrefix = name }
        return layout
    }

    var target: ConnectionTarget {
        ConnectionTarget(databaseURL ?? Self.environmentVariables["GRIDCAST_DATABASE_URL"] ?? "")
    }

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return logger
    }

    /// Opens the warehouse connection, warning once when a password was passed on the command line.
    func connect(_ logger: Logger) throws -> Connection {
        if let databaseURL, !ConnectionTarget(databaseURL).secrets.isEmpty {
            logger.warning("--database-url contains a password, which other users can see in the process list; use PGPASSWORD, ~/.pgpass or GRIDCAST_DATABASE_URL instead")
        }
        let connection = try Connection.open(target, logger: logger)
        try connection.refuseCitusWorker()
        return connection
    }
}
