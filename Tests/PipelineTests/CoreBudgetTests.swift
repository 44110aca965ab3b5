import Testing
@testable import Pipeline

/// The cores a training process asks for: never more XGBoost threads than cores by default, since
/// OpenMP threads spin and oversubscription costs far more than idle cores.
@Suite struct CoreBudgetTests {
    @Test(arguments: [1, 2, 4, 8, 16])
    func defaultsNeverAskForMoreThreadsThanCores(cores: Int) {
        for series in [1, 2, 3, 6, 100] {
            for processes in [1, 2, 3, 8] {
                let budget = CoreBudget.plan(cores: cores, series: series, processes: processes)
                let busyThreads = min(budget.seriesAtOnce, series) * budget.threadsPerSeries * processes
                // Only a machine with fewer cores than processes may be oversubscribed: each process needs one thread.
                #expect(busyThreads <= max(cores, processes), "\(cores) cores, \(series) series, \(processes) processes: \(budget)")
                #expect(budget.seriesAtOnce >= 1 && budget.threadsPerSeries >= 1)
            }
        }
    }

    @Test func aLoneProcessUsesEveryCore() {
        #expect(CoreBudget.plan(cores: 8, series: 100) == CoreBudget(seriesAtOnce: 8, threadsPerSeries: 1))
        #expect(CoreBudget.plan(cores: 8, series: 2) == CoreBudget(seriesAtOnce: 2, threadsPerSeries: 4))
        #expect(CoreBudget.plan(cores: 8, series: 1) == CoreBudget(seriesAtOnce: 1, threadsPerSeries: 8))
    }

    @Test func shardsShareTheMachine() {
        // The scale bench: 2 shards on 2 cores, each trains one series at a time on one thread.
        #expect(CoreBudget.plan(cores: 2, series: 500, processes: 2) == CoreBudget(seriesAtOnce: 1, threadsPerSeries: 1))
        #expect(CoreBudget.plan(cores: 2, series: 500, parallelSeries: 1, processes: 2) == CoreBudget(seriesAtOnce: 1, threadsPerSeries: 1))
        #expect(CoreBudget.plan(cores: 16, series: 1, processes: 4) == CoreBudget(seriesAtOnce: 1, threadsPerSeries: 4))
    }

    @Test func explicitSettingsWin() {
        #expect(CoreBudget.plan(cores: 2, series: 10, parallelSeries: 3, threadsPerSeries: 2, processes: 2)
                == CoreBudget(seriesAtOnce: 3, threadsPerSeries: 2))
        #expect(CoreBudget.plan(cores: 4, series: 10, parallelSeries: 1) == CoreBudget(seriesAtOnce: 1, threadsPerSeries: 4))
    }
}

@Suite struct SelectionErrorTests {
    @Test func aLongCatalogIsShortenedInMessages() {
        let known = (1...1000).map { String(format: "SYN%04d-SOLAR", $0) }
        let message = SelectionError.unknownSeries(["NOPE-SOLAR"], known: known).description
        #expect(message.contains("SYN0012-SOLAR and 988 more"))
        #expect(!message.contains("SYN0013-SOLAR"))
        #expect(message.count < 600)
        let short = SelectionError.nothingSelected(known: ["RES-SOLAR", "RES-NONSOLAR"]).description
        #expect(short.contains("RES-SOLAR, RES-NONSOLAR"))
    }
}
