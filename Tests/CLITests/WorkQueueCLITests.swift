import Foundation
import Testing
import TestSupport
import Warehouse

/// `gridcast train/forecast --queue NAME` through the executable: workers started side by side share
/// the series without shards, and a worker killed in the middle of a series leaves it to the next.
@Suite("Work queue workers", .serialized)
struct WorkQueueCLITests {
    static let shared: Result<CLIWarehouse, Error> = Result {
        let warehouse = try CLIWarehouse("workqueue")
        try warehouse.loadAll()
        return warehouse
    }

    private static let queueTrain = ["train", "--all", "--parallel", "1", "--threads", "1"] + CLIWarehouse.trainArguments

    @Test("a worker killed while training is replaced: the next worker on the queue trains its series and the rest")
    func killedWorkerIsReplaced() throws {
        let warehouse = try Self.shared.get()
        let doomed = try warehouse.start(Self.queueTrain + ["--queue", "train-killed"])
        let deadline = Date().addingTimeInterval(300)
        while try warehouse.int("""
            select count(*) as n from gridcast_operational_dev.work_queue where queue_name = 'train-killed' and status = 'running'
            """) < 1 {
            try #require(Date() < deadline && doomed.isRunning, "the first worker never started a series")
            Thread.sleep(forTimeInterval: 0.05)
        }
        doomed.kill()
        #expect(doomed.wait().signalled)
        let lost = try warehouse.string("""
            select load_profile || '-' || load_segment from gridcast_operational_dev.vw_work_queue_tasks
            where queue_name = 'train-killed' and status = 'running'
            """)
        let replacement = try warehouse.gridcast(Self.queueTrain + ["--queue", "train-killed"])
        #expect(replacement.exitCode == 0, "\(replacement.stderr)")
        #expect(try warehouse.string("""
            select string_agg(status || ':' || n, ',' order by status) from (
                select status, count(*) as n from gridcast_operational_dev.work_queue where queue_name = 'train-killed' group by status) s
            """) == "done:6")
        let lostSeries = try #require(lost)
        #expect(try warehouse.int("""
            select attempts as n from gridcast_operational_dev.work_queue
            where queue_name = 'train-killed' and load_profile || '-' || load_segment = $1
            """, [lostSeries]) == 2, "the killed worker's series was taken a second time")
        #expect(replacement.stdout.contains(lostSeries), "the replacement trained \(lostSeries): \(replacement.stdout)")
    }

    @Test("two forecast workers on one queue forecast every series once, with progress in SQL")
    func twoForecastWorkersShareTheSeries() throws {
        let warehouse = try Self.shared.get()
        try warehouse.mustRun(["train", "--series", "RES-SOLAR"] + CLIWarehouse.trainArguments)
        // Series without an approved model get the flagged seasonal-naive fallback: every series has rows.
        let arguments = ["forecast", "--all", "--date", "2024-12-20", "--queue", "forecast-2024-12-20", "--fallback", "seasonal-naive"]
        let first = try warehouse.start(arguments), second = try warehouse.start(arguments)
        for outcome in [first.wait(), second.wait()] { #expect(outcome.exitCode == 0, "\(outcome.stderr)") }
        #expect(try warehouse.int("""
            select count(*) as n from gridcast_operational_dev.dayahead_load_forecasts
            where forecast_datetime >= '2024-12-20 08:00+00' and forecast_datetime < '2024-12-21 08:00+00'
            """) == 6 * 24, "every series' 24 hours, none twice")
        #expect(try warehouse.string("""
            select concat_ws(',', tasks, pending, running, done, failed, percent_finished)
            from gridcast_operational_dev.vw_work_queue_progress where queue_name = 'forecast-2024-12-20'
            """) == "6,0,0,6,0,100.0")
        // A queue of forecasts is not a queue of trainings.
        let wrongKind = try warehouse.gridcast(["train", "--all", "--queue", "forecast-2024-12-20"] + CLIWarehouse.trainArguments)
        #expect(wrongKind.exitCode != 0 && wrongKind.stderr.contains("holds forecast tasks"), "\(wrongKind.stderr)")
    }

    @Test("--queue refuses --shard and --all-or-nothing")
    func refusedCombinations() throws {
        let warehouse = try Self.shared.get()
        let shard = try warehouse.gridcast(["train", "--all", "--queue", "q", "--shard", "1/2"])
        #expect(shard.exitCode == 64 && shard.stderr.contains("--queue or --shard"), "\(shard.stderr)")
        let atomic = try warehouse.gridcast(["forecast", "--all", "--queue", "q", "--all-or-nothing"])
        #expect(atomic.exitCode == 64 && atomic.stderr.contains("--all-or-nothing"), "\(atomic.stderr)")
    }
}
