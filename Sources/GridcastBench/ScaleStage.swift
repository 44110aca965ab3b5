import Foundation
import Migrations
import Pipeline
import Warehouse

/// Scale: synthetic series (bench/sql/scale_series.sql) in the qa environment of the same database,
/// trained with a reduced search and forecast by `size.workers` worker processes, each taking one
/// `--shard k/N` of the catalog. Wall time and the largest worker's peak RSS for each series count;
/// the cost per series at the largest count against the smallest shows whether cost grows linearly.
struct ScaleStage {
    let context: BenchContext

    /// One series' training matrix in the big qa warehouse, with and without index scans: where the
    /// SQMD index earns its keep (the dev sample has only 6 series, so a scan there reads little extra).
    private func indexFigure(_ report: BenchReport, layout: SchemaLayout, first: String, last: String) throws {
        let series = SeriesID(loadProfile: "SYN0001", loadSegment: "NONSOLAR")
        let query = try FeatureQuery.dayAhead()
        let settings = TrainingConfiguration().features
        var seconds: [Double] = []
        for indexScans in [true, false] {
            let connection = try indexScans ? context.connect() : context.connectWithoutIndexScans()
            let started = Date()
            _ = try query.fetch(on: connection, layout: layout, series: series, start: first, end: last, settings: settings, requireTarget: true)
            seconds.append(Date().timeIntervalSince(started))
        }
        let rows = try context.connect().execute("select count(*) as n from \(SQLIdentifier.quoteValidated(layout.inputSchema)).sqmd",
                                                 name: "count scale sqmd").first?.int("n") ?? 0
        report.add(.duration("features", "one series' matrix among \(rows) SQMD rows (scale warehouse)", seconds[0],
                             against: "index scans off", seconds[1]))
    }

    /// The features of every active series for one forecast day: one batched query (what a forecast run
    /// sends) against one query per series (what it sent before issue 21), and the batched query's plan.
    private func batchFigure(_ report: BenchReport, layout: SchemaLayout, day: String) throws {
        let connection = try context.connect()
        let query = try FeatureQuery.dayAhead()
        let settings = TrainingConfiguration().features
        let series = try SeriesSelection(all: true).resolve(on: connection, layout: layout)
        var started = Date()
        let batch = try query.fetch(on: connection, layout: layout, series: series, start: day, end: day, settings: settings,
                                    requireTarget: false)
        let batched = Date().timeIntervalSince(started)
        started = Date()
        for id in series {
            _ = try query.fetch(on: connection, layout: layout, series: id, start: day, end: day, settings: settings,
                                requireTarget: false)
        }
        let separate = Date().timeIntervalSince(started)
        let rows = batch.bySeries.values.map(\.keys.count).reduce(0, +)
        report.add(.duration("features", "\(series.count) series, one forecast day (\(rows) rows), one query", batched,
                             against: "one query per series", separate))
        let plan = try query.explain(on: connection, layout: layout, series: series, start: day, end: day, settings: settings,
                                     requireTarget: false)
        let planFile = context.workDirectory.appendingPathComponent("explain_features_batch.txt")
        try plan.write(to: planFile, atomically: true, encoding: .utf8)
        report.note("batched feature SQL plan for \(series.count) series on \(day): \(planFile.path)")
    }

    private struct Measured {
        let count: Int
        let trainSeconds: Double
        let forecastSeconds: Double
        let peakRSSMiB: Double
    }

    /// - Parameter weather: the observed weather file, then its forecast vintages.
    func run(_ report: BenchReport, weather: [String]) throws {
        let size = context.size
        let layout = context.layout(.qa)
        let last = try context.date(context.sampleEnd, adding: -15)  // newest Final SQMD, as if 14+ days late
        let first = try context.date(last, adding: -(size.scaleDays - 1))
        context.step("scale: qa environment, \(size.scaleCounts.map(String.init).joined(separator: " then ")) synthetic series, "
                     + "\(size.scaleDays) days each, \(size.workers) worker processes")
        _ = try context.gridcast(["migrate", "--env", "qa"] + (context.distributed.map { ["--distributed", $0] } ?? []),
                                 log: "scale-migrate")
        _ = try context.gridcast(["load", "weather", "--env", "qa", weather[0]], log: "scale-weather")
        _ = try context.gridcast(["load", "weather", "--env", "qa", "--kind", "forecast", weather[1]], log: "scale-weather-forecasts")
        let calendarStart = try context.date(first, adding: -400)
        _ = try context.gridcast(["calendar", "fill", "--env", "qa", "--from", calendarStart, "--to", try context.date(context.sampleEnd, adding: 2)],
                                 log: "scale-calendar")
        let template = SQLTemplate(try String(contentsOf: context.benchDirectory.appendingPathComponent("sql/scale_series.sql"), encoding: .utf8),
                                   origin: "bench/sql/scale_series.sql")
        let script = try template.render(try layout.identifiers())
        let connection = try context.connect()
        let catalog = "\(SQLIdentifier.quoteValidated(layout.operationalSchema)).series_catalog"

        var measured: [Measured] = []
        for count in size.scaleCounts.sorted() {
            let generated = Date()
            try connection.transaction(name: "scale series") { tx in
                for (name, value) in [("gridcast.scale_series", "\(count)"), ("gridcast.start_date", first), ("gridcast.end_date", last)] {
                    try tx.execute("select set_config($1, $2, true)", [name, value], name: "scale setting \(name)")
                }
                try tx.executeScript(script, name: "bench/sql/scale_series.sql")
                try tx.execute("update \(catalog) set active = (load_profile ~ '^SYN[0-9]+$' and substr(load_profile, 4)::int <= $1)",
                               [count], name: "activate scale series")
            }
            try connection.execute("analyze", name: "analyze after generating series")
            context.step("scale: \(count) series generated in \(String(format: "%.0f", Date().timeIntervalSince(generated))) s; training")
            // Workers share the series through a work queue (one series at a time each, one core each).
            let run = UUID().uuidString.prefix(8).lowercased()
            let workers = 1...size.workers
            let train = try ChildProcess.runConcurrently(
                workers.map { _ in [context.gridcast, "train", "--env", "qa", "--all", "--queue", "scale-train-\(count)-\(run)",
                               "--parallel", "1", "--threads", "1"] + size.scaleTrainArguments },
                environment: context.childEnvironment, logPrefix: context.log("scale-train-\(count)"))
            context.step("scale: \(count) series trained in \(String(format: "%.0f", train.seconds)) s; forecasting")
            let forecast = try ChildProcess.runConcurrently(
                workers.map { _ in [context.gridcast, "forecast", "--env", "qa", "--all", "--queue", "scale-forecast-\(count)-\(run)",
                               "--date", context.sampleEnd] },
                environment: context.childEnvironment, logPrefix: context.log("scale-forecast-\(count)"))
            let written = try connection.execute("""
                select count(distinct (load_profile, load_segment)) as n
                from \(SQLIdentifier.quoteValidated(layout.operationalSchema)).dayahead_load_forecasts where as_of_date = $1::date - 1
                """, [context.sampleEnd], name: "count forecast series").first?.int("n") ?? 0
            guard written == count else {
                throw BenchError.setup("the \(count)-series forecast wrote forecasts for \(written) series; see \(context.log("scale-forecast-\(count)"))-*.err")
            }
            let rss = (train.outcomes + forecast.outcomes).map(\.peakRSSMiB).max() ?? 0
            measured.append(Measured(count: count, trainSeconds: train.seconds, forecastSeconds: forecast.seconds, peakRSSMiB: rss))
            let goals = count >= 1000
            report.add(goals ? .limited("scale", "\(count) series: train wall (\(size.workers) queue workers)", train.seconds, "s", atMost: 600)
                             : .measured("scale", "\(count) series: train wall (\(size.workers) queue workers)", train.seconds, "s"))
            report.add(goals ? .limited("scale", "\(count) series: forecast wall (\(size.workers) queue workers)", forecast.seconds, "s", atMost: 30)
                             : .measured("scale", "\(count) series: forecast wall (\(size.workers) queue workers)", forecast.seconds, "s"))
            report.add(.limited("scale", "\(count) series: largest worker peak RSS", rss, "MiB", atMost: 200))
        }
        try indexFigure(report, layout: layout, first: first, last: last)
        try batchFigure(report, layout: layout, day: context.sampleEnd)
        guard let small = measured.first, let large = measured.last, large.count > small.count else { return }
        // Cost per series at the large count against the small one: 1.0 is linear, above 1 better than linear.
        report.add(.duration("scale", "train s per series at \(large.count)", large.trainSeconds / Double(large.count),
                             against: "at \(small.count)", small.trainSeconds / Double(small.count), goal: 0.8))
        report.add(.duration("scale", "forecast s per series at \(large.count)", large.forecastSeconds / Double(large.count),
                             against: "at \(small.count)", small.forecastSeconds / Double(small.count), goal: 0.8))
        report.add(.duration("scale", "peak RSS at \(large.count) series", large.peakRSSMiB, against: "at \(small.count)", small.peakRSSMiB)
            .withUnit("MiB"))
    }
}
