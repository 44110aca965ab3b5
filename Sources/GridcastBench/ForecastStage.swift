import Foundation
import Pipeline

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
        report.add(.measured("forecast", "peak RSS", runs.map(\.peakRSSMiB).max() ?? 0, "MiB"))
    }
}
