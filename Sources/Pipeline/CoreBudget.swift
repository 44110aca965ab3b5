/// How a training process splits the machine's cores between series trained at once and XGBoost's
/// threads per series.
///
/// XGBoost's OpenMP threads spin while they wait for each other at the end of every histogram pass,
/// so more XGBoost threads than free cores is not a little slower but many times slower: two `--shard`
/// workers that each gave every core to XGBoost trained a series in 15 s instead of 1.8 s in the
/// scale bench. The defaults therefore never ask for more threads than cores, and with `--shard i/N`
/// assume the N shard processes share this machine (pass `--threads` when they run on N machines).
public struct CoreBudget: Sendable, Equatable, CustomStringConvertible {
    /// Series trained concurrently by this process.
    public let seriesAtOnce: Int
    /// XGBoost threads (`nthread`) per series.
    public let threadsPerSeries: Int

    public init(seriesAtOnce: Int, threadsPerSeries: Int) {
        self.seriesAtOnce = seriesAtOnce
        self.threadsPerSeries = threadsPerSeries
    }

    /// - Parameters:
    ///   - cores: cores of the machine.
    ///   - series: series this process will train.
    ///   - parallelSeries: `--parallel`; 0 = automatic (this process's share of the cores, at most one per series).
    ///   - threadsPerSeries: `--threads`; 0 = automatic (this process's cores over the series trained at once).
    ///   - processes: processes sharing the machine (the N of `--shard i/N`).
    public static func plan(cores: Int, series: Int, parallelSeries: Int = 0, threadsPerSeries: Int = 0,
                            processes: Int = 1) -> CoreBudget {
        let coresForThisProcess = max(1, max(1, cores) / max(1, processes))
        let seriesAtOnce = max(1, parallelSeries > 0 ? parallelSeries : min(coresForThisProcess, series))
        let busy = max(1, min(seriesAtOnce, series))
        let threads = threadsPerSeries > 0 ? threadsPerSeries : max(1, coresForThisProcess / busy)
        return CoreBudget(seriesAtOnce: seriesAtOnce, threadsPerSeries: threads)
    }

    public var description: String { "\(seriesAtOnce) series at once x \(threadsPerSeries) XGBoost threads" }
}
