import Foundation
import Logging
import Migrations
import Warehouse

/// Trains several series in parallel, each on its own connection, within the `CoreBudget`.
public struct TrainingRun: Sendable {
    public let target: ConnectionTarget
    public let layout: SchemaLayout
    public let configuration: TrainingConfiguration
    public let query: FeatureQuery
    public var runID: String?

    public init(target: ConnectionTarget, layout: SchemaLayout, configuration: TrainingConfiguration, query: FeatureQuery, runID: String? = nil) {
        self.target = target
        self.layout = layout
        self.configuration = configuration
        self.query = query
        self.runID = runID
    }

    /// Trains every series; results in the same order, failures included.
    public func train(_ series: [SeriesID], logger: Logger = Logger(label: "gridcast.train"),
                      progress: @escaping @Sendable (String) -> Void = { _ in }) throws -> [Result<SeriesTrainingResult, Error>] {
        try configuration.validate()
        try query.register(on: try Connection.open(target, logger: logger), layout: layout)
        let budget = CoreBudget.plan(cores: ProcessInfo.processInfo.activeProcessorCount, series: series.count,
                                     parallelSeries: configuration.parallelSeries, threadsPerSeries: configuration.threadsPerSeries,
                                     processes: configuration.processesSharingCores)
        logger.debug("cores planned", metadata: ["budget": "\(budget)"])
        let workers = budget.seriesAtOnce
        var trainer = SeriesTrainer(configuration: configuration, query: query, layout: layout)
        trainer.threads = budget.threadsPerSeries
        trainer.logger = logger
        trainer.runID = runID
        let seriesTrainer = trainer
        let target = self.target
        return ParallelSeries.run(count: series.count, workers: workers, setup: { try Connection.open(target, logger: logger) }) { connection, index in
            progress("training \(series[index]) ...")
            do {
                let result = try seriesTrainer.train(series[index], on: connection)
                progress("\(series[index]): version \(result.version) \(result.status)")
                return result
            } catch {
                progress("\(series[index]): failed: \(target.redact("\(error)"))")
                if !connection.isHealthy { connection = try Connection.open(target, logger: logger) }
                throw error
            }
        }
    }
}
