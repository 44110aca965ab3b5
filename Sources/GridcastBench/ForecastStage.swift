import Foundation
import Migrations
import Pipeline
import Warehouse

/// The day-ahead forecast of every default series end to end (`gridcast forecast --all`: process start,
/// features, predict, write), against the feature queries alone for the same series and day, which
/// shows what prediction, intervals and the write add. Median of the repeats.
struct ForecastStage {
    let context: BenchContext

    func run(_ report: BenchReport) throws {
        let day = context.sampleEnd
        context.step("forecast: gridcast forecast --all --date \(day), \(context.size.repeats) repeats")
        var runs: [ChildProcess.Outcome] = []
        for attempt in 1...context.size.repeats {
            runs.append(try context.gridcast(["forecast", "--all", "--date", day], log: "forecast-\(attempt)"))
        }
        let layout = context.layout(.dev)
        let connection = try context.connect()
        let query = try FeatureQuery.dayAhead()
        let series = try SeriesSelection(all: true).resolve(on: connection, layout: layout)
        var featureSeconds: [Double] = []
        for _ in 1...context.size.repeats {
            let started = Date()
            for id in series {
                _ = try query.fetch(on: connection, layout: layout, series: id, start: day, end: day,
                                    settings: TrainingConfiguration().features, requireTarget: false)
            }
            featureSeconds.append(Date().timeIntervalSince(started))
        }
        report.add(.duration("forecast", "\(series.count) series, one day, end to end", median(runs.map(\.seconds)),
                             against: "their feature queries alone", median(featureSeconds)))
        report.add(.limited("forecast", "\(series.count) series, one day, end to end (goal)", median(runs.map(\.seconds)), "s", atMost: 1))
        report.add(.limited("forecast", "peak RSS", runs.map(\.peakRSSMiB).max() ?? 0, "MiB", atMost: 200))
        try inSQL(report, series: series, day: day, cliSeconds: median(runs.map(\.seconds)), on: connection)
    }

    /// The same forecasts with the extension's gridcast_forecast(), one call per series on one
    /// connection, against `gridcast forecast --all`; and how many of its rows equal the CLI's.
    private func inSQL(_ report: BenchReport, series: [SeriesID], day: String, cliSeconds: Double,
                       on connection: Connection) throws {
        do {
            try connection.execute("create extension if not exists gridcast", name: "create extension")
        } catch {
            report.note("forecast: gridcast_forecast() not measured, the extension is not installed (./setup installs it)")
            return
        }
        let layout = context.layout(.dev)
        let registry = "\(SQLIdentifier.quoteValidated(layout.operationalSchema)).model_registry"
        let forecasts = "\(SQLIdentifier.quoteValidated(layout.operationalSchema)).dayahead_load_forecasts"
        let columns = ForecastWriter.columns.filter { $0 != "run_id" }.joined(separator: ", ")
        var seconds: [Double] = []
        for _ in 1...context.size.repeats {
            let started = Date()
            for id in series {
                try connection.execute("select count(*) from gridcast_forecast($1::regclass, $2, $3, $4::date)",
                                       [registry, id.loadProfile, id.loadSegment, day], name: "forecast in SQL")
            }
            seconds.append(Date().timeIntervalSince(started))
        }
        report.add(.duration("forecast", "\(series.count) series, one day, gridcast_forecast() in SQL", median(seconds),
                             against: "gridcast forecast --all, end to end", cliSeconds))
        var same = 0, total = 0
        for id in series {
            let counts = try connection.execute("""
                select (select count(*) from gridcast_forecast($1::regclass, $2, $3, $4::date)) as total,
                       (select count(*) from ((select \(columns) from gridcast_forecast($1::regclass, $2, $3, $4::date))
                        intersect all
                        (select \(columns) from \(forecasts)
                         where load_profile = $2 and load_segment = $3 and make_date(year, month, day) = $4::date)) x) as same
                """, [registry, id.loadProfile, id.loadSegment, day], name: "SQL rows equal to the CLI's").first
            total += counts?.int("total") ?? 0
            same += counts?.int("same") ?? 0
        }
        report.add(.measured("forecast", "gridcast_forecast() rows equal to gridcast forecast's, every column", Double(same), "rows"))
        if same != total { report.note("forecast: only \(same) of \(total) gridcast_forecast() rows equal the CLI's") }
    }
}
