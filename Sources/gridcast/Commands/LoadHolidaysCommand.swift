import ArgumentParser
import Foundation
import Ingest
import Warehouse

/// `gridcast load holidays FILE...`: holiday calendars per region into `input.holidays` (migration 0022).
struct LoadHolidaysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holidays",
        abstract: "Load holiday CSV files (date,name,region,kind) into the holidays table; bad rows go to load_rejects.",
        discussion: """
            Columns by header name: date (YYYY-MM-DD, the day off), name, region (a row of holiday_regions; or \
            --region for the whole file), kind (public, school, bridge or other; default public). Loading again \
            updates the kind of a known holiday. The calendar changes when it is filled again: the command prints \
            the `gridcast calendar fill` to run for each location of the regions loaded. Exit 6 when every row \
            was rejected, 64 when a file cannot be read.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "CSV files to load.") var files: [String]

    @Option(help: "Region of every row that has no region column (a row of holiday_regions).") var region: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("Name at least one holiday CSV file.") }
    }

    func run() throws {
        try CommandRunner.run(options, command: "load holidays") { logger in
            let connection = try options.connect(logger)
            let runLog = try RunLog(target: options.target, layout: options.layout, logger: logger)
            let runID = try runLog.start(kind: .load, arguments: ["holidays": files, "region": [region ?? ""]])
            var loader = HolidayLoader(layout: options.layout, region: region)
            loader.logger = logger
            var summaries: [(file: String, summary: HolidayLoadSummary)] = []
            do {
                for file in files {
                    summaries.append((file, try loader.load(path: file, runID: runID.uuidString.lowercased(), on: connection)))
                }
                try runLog.succeed(rows: summaries.reduce(0) { $0 + $1.summary.upserted })
            } catch {
                try? runLog.fail(error: error)
                throw error
            }
            if !options.json { printSummaries(summaries) }
            return ["run_id": .string(runID.uuidString.lowercased()), "files": .array(summaries.map { file, summary in
                ["name": .string(file), "read": .int(summary.read), "upserted": .int(summary.upserted),
                 "rejected": .int(summary.rejected), "regions": .array(summary.regions.map(JSONValue.string)),
                 "locations": .array(summary.locations.map(JSONValue.string)),
                 "first": .optional(summary.first?.description), "last": .optional(summary.last?.description)]
            })]
        }
    }

    private func printSummaries(_ summaries: [(file: String, summary: HolidayLoadSummary)]) {
        for (file, summary) in summaries {
            print("\(file): \(summary.read) rows read, \(summary.upserted) loaded, \(summary.rejected) rejected"
                  + (summary.rejected > 0 ? " (reasons in \(options.layout.inputSchema).load_rejects)" : ""))
            guard let first = summary.first, let last = summary.last else { continue }
            for location in summary.locations {
                print("  refill the calendar: gridcast calendar fill --location \(location) --from \(first) --to \(last)")
            }
        }
    }
}
