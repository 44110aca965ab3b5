import ArgumentParser
import Foundation
import Pipeline

/// `gridcast features print`: the feature SQL with schema names filled in, ready for psql.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Show the feature SQL of an environment, ready to run by hand in psql.",
        subcommands: [Print.self], defaultSubcommand: Print.self)

    struct Print: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print sql/features/dayahead_features.sql with schema names, as PREPARE and an example EXECUTE.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Series for the example values.") var series: String = "RES-SOLAR"
        @Option(help: "Target date for the example values.") var date: String = "2024-06-01"
        @Option(name: .customLong("sql-dir"), help: "Folder holding features/dayahead_features.sql.") var sqlDirectory: String?

        func run() throws {
            try CommandRunner.run(options, command: "features print") { _ in
                let id = SeriesID(series) ?? SeriesID(loadProfile: "RES", loadSegment: "SOLAR")
                let query = try FeatureQuery.dayAhead(sqlDirectory: sqlDirectory)
                let example = FeatureParameters(series: id, start: date, end: date, settings: FeatureSettings(),
                                                requireTarget: false, asOf: .dayAhead())
                print(try query.handRunScript(options.layout, example: example))
                return [:]
            }
        }
    }
}
