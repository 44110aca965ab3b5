import Foundation

/// Runs one job per series on a small pool of threads, each with its own state (connection), and
/// returns the outcomes in input order. A failing series does not stop the others.
enum ParallelSeries {
    final class Outcomes<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Result<T, Error>?]
        private var next = 0

        init(count: Int) { results = Array(repeating: nil, count: count) }

        func claim() -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard next < results.count else { return nil }
            defer { next += 1 }
            return next
        }

        func store(_ index: Int, _ result: Result<T, Error>) {
            lock.lock(); defer { lock.unlock() }
            results[index] = result
        }

        var all: [Result<T, Error>] { results.map { $0 ?? .failure(CancellationError()) } }
    }

    /// - Parameters:
    ///   - workers: threads to use (at most one per series).
    ///   - job: called on a worker thread for one series index; `setup` runs once per worker first.
    static func run<State, T>(count: Int, workers: Int, setup: @Sendable () throws -> State,
                              job: @Sendable (inout State, Int) throws -> T) -> [Result<T, Error>] {
        let outcomes = Outcomes<T>(count: count)
        let threads = max(1, min(workers, count))
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            var state: State
            do { state = try setup() } catch {
                while let index = outcomes.claim() { outcomes.store(index, .failure(error)) }
                return
            }
            while let index = outcomes.claim() {
                outcomes.store(index, Result { try job(&state, index) })
            }
        }
        return outcomes.all
    }
}
