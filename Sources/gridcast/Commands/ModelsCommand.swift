import ArgumentParser
import Foundation
import Migrations
import Pipeline
import Warehouse

/// `gridcast models list | approve | reject | rollback`.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List registered models, approve or reject a version, or roll back to the previous champion.",
        subcommands: [List.self, Approve.self, Reject.self, Rollback.self, Promote.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List model versions, newest first.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Only this series, e.g. RES-SOLAR.") var series: String?

        func run() throws {
            try CommandRunner.run(options, command: "models list") { logger in
                let registry = ModelRegistry(connection: try options.connect(logger), layout: options.layout)
                let models = try registry.list(series.flatMap(SeriesID.init))
                var rows: [JSONValue] = []
                for model in models {
                    if !options.json {
                        let series = model.series.description.padding(toLength: 16, withPad: " ", startingAt: 0)
                        let status = model.status.padding(toLength: 10, withPad: " ", startingAt: 0)
                        let lead = model.leadDays == 1 ? "D+1" : "D+\(model.leadDays)"
                        let created = model.createdAt.prefix(19)
                        print("\(series) v\(model.version)\t\(lead) \(status) \(created)  \(model.statusReason ?? "")")
                    }
                    rows.append(["series": .string(model.series.description), "version": .int(model.version), "status": .string(model.status),
                                 "reason": .optional(model.statusReason), "created_at": .string(model.createdAt),
                                 "lead_days": .int(model.leadDays)])
                }
                return ["models": .array(rows)]
            }
        }
    }

    struct VersionArguments: ParsableArguments {
        @Option(help: "The series, e.g. RES-SOLAR.") var series: String
        @Option(help: "The model version.") var version: Int
        @Option(help: "Why (kept in the registry and its history).") var reason: String?

        func validate() throws {
            guard SeriesID(series) != nil else { throw ValidationError("'\(series)' is not PROFILE-SEGMENT (e.g. RES-SOLAR).") }
        }
        var id: SeriesID { SeriesID(series)! }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a version the champion (the previous one is retired).")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var arguments: VersionArguments

        func run() throws {
            try CommandRunner.run(options, command: "models approve") { logger in
                try ModelRegistry(connection: try options.connect(logger), layout: options.layout)
                    .setStatus(arguments.id, version: arguments.version, status: "approved", reason: arguments.reason ?? "approved manually")
                if !options.json { print("\(arguments.id) version \(arguments.version) is now the champion.") }
                return ["series": .string(arguments.id.description), "version": .int(arguments.version)]
            }
        }
    }

    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a version from another environment's registry (--from-env) into this one (--env) as its champion.",
            discussion: """
                Both environments live in the same database (qa and preprod may share prod's server). The login needs read
                on the source registry and the runner's rights on the target's, e.g. a DBA, or a login in both roles.
                """)
        @OptionGroup var options: GlobalOptions
        @OptionGroup var arguments: VersionArguments
        @Option(name: .customLong("from-env"), help: "Environment to copy from: dev, qa, preprod or prod.") var fromEnvironment: String

        func validate() throws {
            guard let source = DeploymentEnvironment(rawValue: fromEnvironment) else {
                throw ValidationError("Unknown environment '\(fromEnvironment)'; use dev, qa, preprod or prod.")
            }
            guard source != options.environment else {
                throw ValidationError("--from-env and --env are both \(fromEnvironment); promote copies between two environments.")
            }
        }

        func run() throws {
            try CommandRunner.run(options, command: "models promote") { logger in
                var sourceLayout = options.layout
                sourceLayout.environment = DeploymentEnvironment(rawValue: fromEnvironment)!
                let version = try ModelRegistry(connection: try options.connect(logger), layout: options.layout)
                    .promote(arguments.id, version: arguments.version, from: ModelRegistry.table(sourceLayout),
                             sourceEnvironment: fromEnvironment, reason: arguments.reason)
                if !options.json {
                    print("\(arguments.id) version \(arguments.version) of \(fromEnvironment) is now version \(version) "
                          + "and the champion in \(options.environment.rawValue).")
                }
                return ["series": .string(arguments.id.description), "from_environment": .string(fromEnvironment),
                        "from_version": .int(arguments.version), "version": .int(version)]
            }
        }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a version (a rejected champion leaves the series without one).")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var arguments: VersionArguments

        func run() throws {
            try CommandRunner.run(options, command: "models reject") { logger in
                try ModelRegistry(connection: try options.connect(logger), layout: options.layout)
                    .setStatus(arguments.id, version: arguments.version, status: "rejected", reason: arguments.reason ?? "rejected manually")
                if !options.json { print("\(arguments.id) version \(arguments.version) is rejected.") }
                return ["series": .string(arguments.id.description), "version": .int(arguments.version)]
            }
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject the current champion and restore the previous one.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "The series, e.g. RES-SOLAR.") var series: String
        @Option(help: "Why.") var reason: String = "rolled back manually"
        @Option(name: .customLong("lead-days"), help: "The champion of this lead (1 day-ahead, 2 for D+2, ...).")
        var leadDays: Int = 1

        func validate() throws {
            guard SeriesID(series) != nil else { throw ValidationError("'\(series)' is not PROFILE-SEGMENT (e.g. RES-SOLAR).") }
        }

        func run() throws {
            try CommandRunner.run(options, command: "models rollback") { logger in
                let id = SeriesID(series)!
                let registry = ModelRegistry(connection: try options.connect(logger), layout: options.layout)
                let (from, to) = try registry.rollback(id, lead: leadDays, reason: reason)
                if !options.json { print("\(id): version \(from) rejected, version \(to) restored as champion.") }
                return ["series": .string(id.description), "from_version": .int(from), "to_version": .int(to),
                        "lead_days": .int(leadDays)]
            }
        }
    }
}
