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
        static let configuration = CommandConfiguration(abstract: "Print sql/features/dayahead_features.sql with schema names and example settings.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Series for the example settings.") var series: String = "RES-SOLAR"
        @Option(help: "Target date for the example settings.") var date: String = "2024-06-01"
        @Option(name: .customLong("sql-dir"), help: "Folder holding features/dayahead_features.sql.") var sqlDirectory: String?

        func run() throws {
            try CommandRunner.run(options, command: "features print") { _ in
                let id = SeriesID(series) ?? SeriesID(loadProfile: "RES", loadSegment: "SOLAR")
                let settings = FeatureSettings()
                print("""
                    -- Example settings; change them and run the query below (psql: \\i this_file.sql).
                    -- Values are settings, not SQL text: set_config quotes nothing into the statement.
                    select set_config('gridcast.load_profile', '\(id.loadProfile.replacingOccurrences(of: "'", with: "''"))', false),
                           set_config('gridcast.load_segment', '\(id.loadSegment.replacingOccurrences(of: "'", with: "''"))', false),
                           set_config('gridcast.start_date', '\(date.replacingOccurrences(of: "'", with: "''"))', false),
                           set_config('gridcast.end_date', '\(date.replacingOccurrences(of: "'", with: "''"))', false),
                           set_config('gridcast.delay_days', '\(settings.delayDays)', false),
                           set_config('gridcast.lag_days', '{\(settings.lagDays.map(String.init).joined(separator: ","))}', false),
                           set_config('gridcast.require_target', 'false', false),
                           set_config('gridcast.history_start', (date '\(date.replacingOccurrences(of: "'", with: "''"))' - \((settings.lagDays.max() ?? 0) + 35))::text, false),
                           set_config('gridcast.run_time', '', false),
                           set_config('gridcast.issue_time', '\(AsOfRule.defaultIssueTime)', false),
                           set_config('gridcast.weather_mode', 'as_known', false),
                           set_config('gridcast.known_at', 'now', false);

                    """)
                print(try FeatureQuery.dayAhead(sqlDirectory: sqlDirectory).rendered(options.layout))
                return [:]
            }
        }
    }
}
