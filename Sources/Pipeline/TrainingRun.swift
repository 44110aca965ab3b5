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
        let (seriesTrainer, workers) = try prepare(seriesCount: series.count, logger: logger)
        let target = self.target
        return ParallelSeries.run(count: series.count, workers: workers, setup: { try Connection.open(target, logger: logger) }) { connection, index in
            try trainOne(series[index], with: seriesTrainer, on: &connection, logger: logger, progress: progress)
        }
    }

    /// Trains the series of a work queue shared with other workers (`gridcast train --queue`): each of
    /// this process's threads takes one series at a time until the queue has nothing left to take and no
    /// other worker runs a task (one that may yet be lost and taken again). Results in the order trained.
    public func train(queue: WorkQueue, logger: Logger = Logger(label: "gridcast.train"), pollSeconds: Double = 2,
                      progress: @escaping @Sendable (String) -> Void = { _ in })
        throws -> [(series: SeriesID, result: Result<SeriesTrainingResult, Error>)] {
        let open = try Connection.open(target, logger: logger)
        let pending = try queue.progress(on: open)
        let (seriesTrainer, workers) = try prepare(seriesCount: max(1, pending.pending + pending.workerLost), logger: logger)
        let target = self.target
        let results = QueueResults()
        DispatchQueue.concurrentPerform(iterations: workers) { thread in
            var threadQueue = queue
            threadQueue.worker = "\(queue.worker)/\(thread + 1)"
            do {
                var connection = try Connection.open(target, logger: logger)
                while let claim = try threadQueue.next(on: connection, pollSeconds: pollSeconds).first {
                    // trainOne reopens a connection the failure broke, so the finish below has one.
                    let result = Result { try trainOne(claim.series, with: seriesTrainer, on: &connection, logger: logger, progress: progress) }
                    try threadQueue.finish(claim, error: result.failureMessage(redactedBy: target), on: connection)
                    results.append((claim.series, result))
                }
            } catch {
                progress("queue \(queue.name): worker \(threadQueue.worker) stopped: \(target.redact("\(error)"))")
                results.recordWorkerError(error)
            }
        }
        if let error = results.workerErrors.first, results.all.isEmpty { throw error }
        return results.all
    }

    /// The trainer for this run and the series it trains at once, within the `CoreBudget`.
    private func prepare(seriesCount: Int, logger: Logger) throws -> (SeriesTrainer, Int) {
        try configuration.validate()
        try query.register(on: try Connection.open(target, logger: logger), layout: layout)
        let budget = CoreBudget.plan(cores: ProcessInfo.processInfo.activeProcessorCount, series: seriesCount,
                                     parallelSeries: configuration.parallelSeries, threadsPerSeries: configuration.threadsPerSeries,
                                     processes: configuration.processesSharingCores)
        logger.debug("cores planned", metadata: ["budget": "\(budget)"])
        var trainer = SeriesTrainer(configuration: configuration, query: query, layout: layout)
        trainer.threads = budget.threadsPerSeries
        trainer.logger = logger
        trainer.runID = runID
        return (trainer, budget.seriesAtOnce)
    }

    private func trainOne(_ series: SeriesID, with trainer: SeriesTrainer, on connection: inout Connection, logger: Logger,
                          progress: @Sendable (String) -> Void) throws -> SeriesTrainingResult {
        progress("training \(series) ...")
        do {
            let result = try trainer.train(series, on: connection)
            progress("\(series): version \(result.version) \(result.status)")
            return result
        } catch {
            progress("\(series): failed: \(target.redact("\(error)"))")
            if !connection.isHealthy { connection = try Connection.open(target, logger: logger) }
            throw error
        }
    }
}

/// What the threads of a queue worker trained, collected under a lock.
private final class QueueResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [(series: SeriesID, result: Result<SeriesTrainingResult, Error>)] = []
    private var errors: [Error] = []

    func append(_ entry: (SeriesID, Result<SeriesTrainingResult, Error>)) {
        lock.lock(); defer { lock.unlock() }
        results.append(entry)
    }

    func recordWorkerError(_ error: Error) {
        lock.lock(); defer { lock.unlock() }
        errors.append(error)
    }

    var all: [(series: SeriesID, result: Result<SeriesTrainingResult, Error>)] { lock.lock(); defer { lock.unlock() }; return results }
    var workerErrors: [Error] { lock.lock(); defer { lock.unlock() }; return errors }
}

extension Result where Failure == Error {
    /// The failure's message with secrets masked, or nil on success (a work queue's error column).
    func failureMessage(redactedBy target: ConnectionTarget) -> String? {
        guard case let .failure(error) = self else { return nil }
        return target.redact("\(error)")
    }
}
