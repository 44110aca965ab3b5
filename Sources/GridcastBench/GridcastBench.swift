import ArgumentParser
import Foundation
import LocalPostgres
import Logging

/// `gridcast-bench`: speed, memory and scale figures, each against a reference measured in the same run.
/// A benchmark, not a test: it prints figures and ratios and fails only when something it runs fails.
@main
struct GridcastBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gridcast-bench",
        abstract: "Measure gridcast against references in the same run: COPY, features, training, forecast, scale.",
        discussion: """
            Uses the database in GRIDCAST_DATABASE_URL (an empty scratch database, no password in the URL) or starts
            its own cluster in the work folder. Results go to stdout as a table and to WORK/results.json; every
            child's output is kept under WORK/logs. See bench/README.md for the figures and how to read them.
            """)

    @Option(help: "tiny (what CI runs, about a minute) or full (what bench/README.md reports, about an hour).")
    var size: String = "full"

    @Option(help: "Comma-separated stages: copy, features, train, peer, forecast, extension, xgboost-build, scale, bi (peer needs train).")
    var stages: String = "copy,features,train,peer,forecast,extension,xgboost-build,scale,bi"

    @Option(help: "Search trials per series for the training comparison (default 50 full, 2 tiny).")
    var trials: Int?

    @Option(name: .customLong("scale-series"),
            help: "Comma-separated series counts of the scale stage (default 100,1000 full, 2,4 tiny).")
    var scaleSeries: String?

    @Option(help: """
        The scale stage's qa environment distributed: citus (GRIDCAST_DATABASE_URL a Citus coordinator with \
        workers; migrate --distributed citus). Compare with a run against one plain server.
        """)
    var distributed: String?

    @Option(name: .customLong("work-dir"), help: "Folder for the cluster, sample, exports, logs and results.")
    var workDirectory: String = ".gridcast-bench"

    @Option(help: """
        Python with xgboost and numpy for the training reference; default GRIDCAST_BENCH_PYTHON, else the venv \
        ./setup makes (.gridcast/python), else python3.
        """)
    var python: String?

    static let knownStages = ["copy", "features", "train", "peer", "forecast", "extension", "xgboost-build", "scale", "bi"]

    var parsedScaleSeries: [Int]? {
        guard let scaleSeries else { return nil }
        let counts = scaleSeries.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return counts.compactMap { $0 }
    }

    var chosenStages: [String] { stages.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func validate() throws {
        guard BenchSize.named(size, trials: trials) != nil else { throw ValidationError("--size must be tiny or full, not '\(size)'.") }
        if let unknown = chosenStages.first(where: { !Self.knownStages.contains($0) }) {
            throw ValidationError("Unknown stage '\(unknown)'; choose from \(Self.knownStages.joined(separator: ", ")).")
        }
        if let trials, trials < 1 { throw ValidationError("--trials must be at least 1.") }
        if let scaleSeries, parsedScaleSeries == nil {
            throw ValidationError("--scale-series must be positive counts separated by commas, not '\(scaleSeries)'.")
        }
        if let distributed, distributed != "citus" { throw ValidationError("--distributed must be citus, not '\(distributed)'.") }
    }

    func run() throws {
        let began = Date()
        let work = URL(fileURLWithPath: workDirectory).standardizedFileURL
        try FileManager.default.createDirectory(at: work.appendingPathComponent("logs"), withIntermediateDirectories: true)
        var logger = Logger(label: "gridcast.bench")
        logger.logLevel = .warning
        let context: BenchContext
        let cluster: LocalCluster?
        do {
            let (target, started) = try BenchContext.database(configured: ProcessInfo.processInfo.environment["GRIDCAST_DATABASE_URL"],
                                                              workDirectory: work, logger: logger)
            cluster = started
            var chosenSize = BenchSize.named(size, trials: trials)!
            if let counts = parsedScaleSeries { chosenSize.scaleCounts = counts }
            context = BenchContext(size: chosenSize, workDirectory: work, target: target, distributed: distributed,
                                   gridcast: try BenchContext.locateGridcast(),
                                   psql: started.map { $0.binDirectory.appendingPathComponent("psql").path } ?? "psql",
                                   python: try BenchContext.locatePython(explicit: python),
                                   benchDirectory: try BenchContext.locateBenchDirectory(), logger: logger)
        } catch {
            FileHandle.standardError.write(Data("gridcast-bench: \(error)\n".utf8))
            throw ExitCode(1)
        }
        defer { cluster?.stop() }

        let report = BenchReport()
        let chosen = Set(chosenStages)
        do {
            let sample = try SetupStage(context: context).run(report)
            if chosen.contains("copy") { try CopyStage(context: context).run(report) }
            var matrices: URL?
            if chosen.contains("features") || chosen.contains("train") {
                matrices = try FeatureStage(context: context).run(report)
            }
            var python: PythonTraining?
            if chosen.contains("train"), let matrices {
                let trained = try TrainStage(context: context).run(report, matrices: matrices)
                python = trained.python
                if chosen.contains("peer") { try PeerStage(context: context).run(report, matrices: matrices, gridcastRMSE: trained.gridcastRMSE) }
            } else if chosen.contains("peer") {
                report.note("peer: needs the train stage (gridcast's holdout RMSE); add train to --stages")
            }
            if chosen.contains("forecast") {
                if !chosen.contains("train") { try TrainStage(context: context).trainForForecast() }
                try ForecastStage(context: context).run(report)
            }
            if chosen.contains("extension") { try ExtensionStage(context: context).run(report) }
            if chosen.contains("xgboost-build") { try XGBoostBuildStage(context: context).run(report, against: python) }
            if chosen.contains("bi") { try BIStage(context: context).run(report) }
            if chosen.contains("scale") { try ScaleStage(context: context).run(report, weather: [sample.weatherFile, sample.weatherForecastFile]) }
        } catch {
            FileHandle.standardError.write(Data("gridcast-bench: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let results = work.appendingPathComponent("results.json")
        try report.write(to: results, size: context.size.name)
        report.printTable(size: context.size.name, seconds: Date().timeIntervalSince(began))
        print("\nResults: \(results.path); logs: \(work.appendingPathComponent("logs").path)")
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
