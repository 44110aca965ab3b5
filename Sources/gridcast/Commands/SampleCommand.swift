import ArgumentParser
import Features
import Foundation
import SampleData

/// `gridcast sample`: writes deterministic synthetic SQMD and weather files for trying gridcast out.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write synthetic SQMD CSV and Open-Meteo weather JSON for the 6 default series (same seed, same files).",
        discussion: """
            Writes sqmd_initial.csv, sqmd_final.csv and weather_open_meteo.json (San Diego). Load them with
            gridcast load sqmd --register-series --location san_diego DIR/sqmd_initial.csv DIR/sqmd_final.csv \
            (which also adds the 6 series to series_catalog) and gridcast load weather DIR/weather_open_meteo.json.
            """)

    @Option(name: .customLong("out"), help: "Directory for the files (created if missing).")
    var directory: String

    @Option(help: "Seed of the generator.")
    var seed: UInt64 = 42

    @Option(help: "First trade date, YYYY-MM-DD (default: three years before --end).")
    var start: String?

    @Option(help: "The sample's 'today', YYYY-MM-DD: Initial rows up to 14 days before, Final up to 48 days before.")
    var end: String = "2024-12-31"

    @Flag(name: .customLong("json"), help: "Print a JSON summary to stdout.")
    var json = false

    func validate() throws {
        guard LocalDate(end) != nil else { throw ValidationError("--end '\(end)' is not a date YYYY-MM-DD.") }
        if let start {
            guard let first = LocalDate(start) else { throw ValidationError("--start '\(start)' is not a date YYYY-MM-DD.") }
            if let last = LocalDate(end), first > last { throw ValidationError("--start must not be after --end.") }
        }
    }

    func run() throws {
        let last = LocalDate(end) ?? SampleGenerator.defaultEnd
        var generator = SampleGenerator.threeYears(seed: seed, endingOn: last)
        if let first = start.flatMap(LocalDate.init) { generator.start = first }
        let began = Date()
        let output: SampleOutput
        do {
            output = try generator.write(to: URL(fileURLWithPath: directory))
        } catch {
            FileHandle.standardError.write(Data("gridcast sample: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let seconds = Date().timeIntervalSince(began)
        if json {
            let summary: JSONValue = [
                "command": "sample", "status": "succeeded", "seed": .number(Double(seed)),
                "start": .string(generator.start.description), "end": .string(generator.end.description),
                "sqmd_files": .array(output.sqmdFiles.map { .string($0.path) }), "weather_file": .string(output.weather.path),
                "initial_rows": .int(output.initialRows), "final_rows": .int(output.finalRows),
                "weather_hours": .int(output.weatherHours), "seconds": .number(seconds),
            ]
            print(summary.rendered)
        } else {
            print("Wrote \(output.initialRows) Initial and \(output.finalRows) Final SQMD rows and \(output.weatherHours) weather hours "
                  + "(\(generator.start) to \(generator.end), seed \(seed)) to \(output.directory.path) "
                  + String(format: "in %.1f s.", seconds))
        }
    }
}
