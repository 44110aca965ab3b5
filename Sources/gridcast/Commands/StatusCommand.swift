import ArgumentParser
import Foundation
import Pipeline

/// `gridcast status`: champions, last forecasts, data freshness and recent runs.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show per series the champion model, last forecast and data freshness, and the latest runs.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try CommandRunner.run(options, command: "status") { logger in
            let report = try StatusReport.read(on: try options.connect(logger), layout: options.layout)
            if !options.json {
                print("series            champion  rmse       skill   last forecast hour       latest Initial  latest Final")
                for series in report.series {
                    print(series.series.padding(toLength: 17, withPad: " ", startingAt: 0)
                          + " " + (series.championVersion.map { "v\($0)" } ?? "none").padding(toLength: 9, withPad: " ", startingAt: 0)
                          + " " + (series.championRMSE.map { String(format: "%9.2f", $0) } ?? "        -")
                          + "  " + (series.championSkill.map { String(format: "%6.3f", $0) } ?? "     -")
                          + "  " + (series.lastForecastHour ?? "-").padding(toLength: 24, withPad: " ", startingAt: 0)
                          + " " + (series.latestInitial ?? "-").padding(toLength: 15, withPad: " ", startingAt: 0)
                          + " " + (series.latestFinal ?? "-"))
                }
                print("\nlatest runs:")
                for run in report.lastRuns {
                    print("  \(run.startedAt.prefix(19))  \(run.kind.padding(toLength: 9, withPad: " ", startingAt: 0)) \(run.status.padding(toLength: 10, withPad: " ", startingAt: 0)) rows=\(run.rows.map(String.init) ?? "-")\(run.error.map { "  error: \($0.prefix(120))" } ?? "")")
                }
            }
            return ["series": .array(report.series.map { series in
                ["series": .string(series.series), "champion_version": series.championVersion.map(JSONValue.int) ?? .null,
                 "champion_rmse": series.championRMSE.map(JSONValue.number) ?? .null,
                 "last_forecast_hour": .optional(series.lastForecastHour), "latest_initial": .optional(series.latestInitial),
                 "latest_final": .optional(series.latestFinal)]
            }), "runs": .array(report.lastRuns.map { run in
                ["kind": .string(run.kind), "status": .string(run.status), "started_at": .string(run.startedAt),
                 "rows": run.rows.map(JSONValue.int) ?? .null, "error": .optional(run.error)]
            })]
        }
    }
}
