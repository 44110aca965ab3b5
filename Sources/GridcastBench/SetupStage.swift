import Foundation
import Warehouse

/// Migrates the dev environment and loads the sample through gridcast's own commands, as a user would.
/// The SQMD load is the first figure: the loader (parse, validate, stage, merge, rejects) against a
/// bare `psql \copy` of the same files into a text table, which does none of that.
struct SetupStage {
    let context: BenchContext

    struct Sample {
        let directory: URL
        let weatherFile: String
        /// Forecast vintages of the same weather (Open-Meteo Previous Runs shape).
        let weatherForecastFile: String
        let firstDate: String
    }

    func run(_ report: BenchReport) throws -> Sample {
        let size = context.size
        let directory = context.workDirectory.appendingPathComponent("sample")
        let first = try context.date(context.sampleEnd, adding: -(size.sampleDays - 1))
        context.step("setup: migrate dev, write \(size.sampleDays) days of sample, load it, fill the calendar")
        _ = try context.gridcast(["migrate", "--env", "dev"], log: "setup-migrate")
        _ = try context.gridcast(["sample", "--out", directory.path, "--start", first, "--end", context.sampleEnd], log: "setup-sample")
        let csvFiles = ["sqmd_initial.csv", "sqmd_final.csv"].map { directory.appendingPathComponent($0).path }
        let weather = directory.appendingPathComponent("weather_open_meteo.json").path

        let load = try context.gridcast(["load", "sqmd", "--json", "--register-series", "--location", "san_diego"] + csvFiles,
                                        log: "setup-load-sqmd")
        let summary = try JSONSerialization.jsonObject(with: Data(load.stdout.utf8)) as? [String: Any]
        let read = (summary?["read"] as? NSNumber)?.doubleValue ?? 0
        let rejected = (summary?["rejected"] as? NSNumber)?.intValue ?? 0
        guard read > 0, rejected == 0 else {
            throw BenchError.setup("the sample SQMD load read \(Int(read)) rows and rejected \(rejected); see \(context.log("setup-load-sqmd")).err")
        }
        let psqlSeconds = try bareCopySeconds(csvFiles)
        report.add(.throughput("setup", "SQMD loader, \(Int(read)) rows", read / load.seconds, "rows/s",
                               against: "psql \\copy into a text table", read / psqlSeconds))

        _ = try context.gridcast(["load", "weather", weather], log: "setup-load-weather")
        let forecasts = directory.appendingPathComponent("weather_forecast_previous_runs.json").path
        _ = try context.gridcast(["load", "weather", "--kind", "forecast", forecasts], log: "setup-load-weather-forecasts")
        _ = try context.gridcast(["calendar", "fill", "--from", first, "--to", try context.date(context.sampleEnd, adding: 2)],
                                 log: "setup-calendar")
        return Sample(directory: directory, weatherFile: weather, weatherForecastFile: forecasts, firstDate: first)
    }

    /// `psql \copy` of the same CSV files into an unindexed text table (dropped afterwards), as one process.
    private func bareCopySeconds(_ files: [String]) throws -> Double {
        let header = try String(contentsOfFile: files[0], encoding: .utf8).prefix { $0 != "\n" && $0 != "\r" }
        let columns = header.split(separator: ",").enumerated().map { "c\($0.offset) text" }.joined(separator: ", ")
        var script = "\\set ON_ERROR_STOP on\ncreate table bench_raw_sqmd (\(columns));\n"
        for file in files { script += "\\copy bench_raw_sqmd from '\(file)' with (format csv, header true)\n" }
        let path = context.workDirectory.appendingPathComponent("bare_copy_sqmd.sql").path
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try context.psql(file: path, log: "setup-psql-copy-sqmd")
        _ = try context.psql(command: "drop table bench_raw_sqmd", log: "setup-psql-drop")
        return outcome.seconds
    }
}
