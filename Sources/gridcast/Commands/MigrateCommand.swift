import ArgumentParser
import Foundation
import Logging
import Migrations
import Warehouse

/// `gridcast migrate up | status | print`.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade the Gridcast schemas, tables, views, roles and grants of an environment.",
        subcommands: [Up.self, Status.self, Print.self],
        defaultSubcommand: Up.self
    )

    struct MigrationOptions: ParsableArguments {
        @Option(name: .customLong("migrations-dir"), help: "Directory of NNNN_*.sql files (default: the nearest migrations/ or GRIDCAST_MIGRATIONS_DIR).")
        var directory: String?

        func runner(_ options: GlobalOptions) throws -> MigrationRunner {
            let logger = options.logger("gridcast.migrate")
            return MigrationRunner(layout: options.layout, files: try MigrationFile.load(from: try folder(logger)), logger: logger)
        }

        /// The Citus layout set, `migrations/citus/`.
        func citusRunner(_ options: GlobalOptions) throws -> MigrationRunner {
            let logger = options.logger("gridcast.migrate")
            return try MigrationRunner.citus(layout: options.layout, directory: try folder(logger), logger: logger)
        }

        private func folder(_ logger: Logger) throws -> URL {
            try MigrationFile.locateDirectory(explicit: directory, logger: logger)
        }
    }

    /// A distributed layout `migrate` can apply after the main migrations.
    enum DistributedLayout: String, ExpressibleByArgument, CaseIterable {
        case citus
    }

    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending migrations, each in its own transaction.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var migrations: MigrationOptions
        @Option(help: "Seconds to wait for a concurrent migrate of the same environment.")
        var lockWait: Double = 300
        @Option(help: """
            Also apply a distributed layout: citus (migrations/citus/, on the Citus coordinator). An environment \
            that has it gets that set's new files on every later migrate.
            """)
        var distributed: DistributedLayout?

        func run() throws {
            try CommandRunner.run(options, command: "migrate up") { logger in
                let connection = try options.connect(logger)
                var applied = try migrations.runner(options).migrate(on: connection, lockWaitSeconds: lockWait)
                    .map(\.fileName)
                let citus = try migrations.citusRunner(options)
                if distributed == .citus && citus.files.isEmpty {
                    throw MigrationError.invalidLayout("no migrations/citus/ files beside the migrations; "
                                                       + "install gridcast's migrations folder whole")
                }
                if try distributed == .citus || citus.hasApplied(on: connection) {
                    applied += try citus.migrate(on: connection, lockWaitSeconds: lockWait).map { "citus/" + $0.fileName }
                }
                if !options.json {
                    print(applied.isEmpty ? "Environment \(options.environment.rawValue) is up to date."
                          : "Applied \(applied.count) migration(s) to \(options.environment.rawValue): "
                            + applied.joined(separator: ", "))
                }
                return ["environment": .string(options.environment.rawValue), "applied": .array(applied.map { .string($0) })]
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show which migrations are applied, pending, edited or missing.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var migrations: MigrationOptions

        func run() throws {
            try CommandRunner.run(options, command: "migrate status") { logger in
                let connection = try options.connect(logger)
                var states = try migrations.runner(options).status(on: connection).map { ("", $0) }
                let citus = try migrations.citusRunner(options)
                if try citus.hasApplied(on: connection) {
                    states += try citus.status(on: connection).map { ("citus/", $0) }
                }
                var rows: [JSONValue] = []
                for (set, state) in states {
                    let label: String
                    switch state.status {
                    case let .applied(at, by): label = "applied \(at) by \(by)"
                    case .pending: label = "pending"
                    case .edited: label = "EDITED after it was applied"
                    case .missingFile: label = "MISSING file"
                    }
                    let name = set + state.name
                    if !options.json {
                        print(String(format: "%04d  ", state.version) + name.padding(toLength: 32, withPad: " ", startingAt: 0)
                              + "  " + label)
                    }
                    rows.append(["version": .int(state.version), "name": .string(name), "state": .string(label)])
                }
                let broken = states.map(\.1).filter {
                    $0.status == .missingFile || { if case .edited = $0 { true } else { false } }($0.status)
                }
                if !broken.isEmpty {
                    throw MigrationError.invalidLayout("\(broken.count) migration(s) edited or missing; see above and restore them from version control")
                }
                return ["environment": .string(options.environment.rawValue), "migrations": .array(rows)]
            }
        }
    }

    struct Print: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the migration SQL with names filled in, for review or to apply by hand with psql.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var migrations: MigrationOptions
        @Option(help: "Also print a distributed layout's files after the main ones: citus (migrations/citus/).")
        var distributed: DistributedLayout?

        func run() throws {
            try CommandRunner.run(options, command: "migrate print") { _ in
                print(try migrations.runner(options).script())
                if distributed == .citus { print(try migrations.citusRunner(options).script()) }
                return [:]
            }
        }
    }
}
