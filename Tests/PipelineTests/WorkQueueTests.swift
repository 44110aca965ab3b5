import Foundation
import Testing
import TestSupport
import Warehouse
@testable import Pipeline

/// The work queue (migration 0026) against a real server: workers on separate sessions never take the
/// same series, a task whose worker's session ended is taken again, and one lost too often fails.
@Suite(.serialized) struct WorkQueueTests {
    private let series = ["RES-SOLAR", "RES-NONSOLAR", "SMLCOM-SOLAR"].compactMap(SeriesID.init)

    private func queue(_ name: String, _ task: WorkQueue.Task = .train, worker: String) -> WorkQueue {
        var queue = WorkQueue(name: name, task: task, layout: SampleWarehouse.layout)
        queue.worker = worker
        return queue
    }

    @Test func workersOnTwoSessionsTakeDifferentSeriesAndFinishThem() throws {
        let target = try SampleWarehouse.clone("queue_share")
        let first = try Connection.open(target), second = try Connection.open(target)
        let a = queue("share", worker: "a"), b = queue("share", worker: "b")
        #expect(try a.enqueue(series, on: first) == 3)
        #expect(try b.enqueue(series, on: second) == 0, "a second worker's selection adds nothing already queued")

        let takenByA = try a.claim(on: first), takenByB = try b.claim(limit: 5, on: second)
        #expect(takenByA.count == 1 && takenByB.count == 2)
        #expect(Set((takenByA + takenByB).map(\.series)) == Set(series), "every series taken exactly once")
        #expect(try a.claim(on: first).isEmpty, "nothing left while both workers are alive")
        #expect(try a.hasRunningTasks(on: first))

        try a.finish(takenByA[0], error: nil, on: first)
        try b.finish(takenByB[0], error: "boom", on: second)
        try b.finish(takenByB[1], error: nil, on: second)
        #expect(try a.progress(on: first) == WorkQueueProgress(tasks: 3, pending: 0, running: 0, workerLost: 0, done: 2, failed: 1))
        #expect(try !a.hasRunningTasks(on: first))
        let error = try first.execute("select error from gridcast_operational_dev.work_queue where status = 'failed'",
                                      name: "test").first?.string("error")
        #expect(error == "boom")
    }

    @Test func aTaskWhoseWorkerWasLostIsTakenAgainThenFailsAfterTheAttemptLimit() throws {
        let target = try SampleWarehouse.clone("queue_lost")
        let observer = try Connection.open(target)
        var dying = queue("lost", worker: "dying")
        dying.maxAttempts = 2
        try dying.enqueue([series[0]], on: observer)

        // Worker 1 takes the task, then its session ends without finishing (a killed process).
        var session = try Connection.open(target)
        let first = try #require(try dying.claim(on: session).first)
        #expect(first.attempt == 1)
        #expect(try dying.claim(on: observer).isEmpty, "a live worker's task is not taken")
        try terminate(session, from: observer)
        #expect(try dying.progress(on: observer).workerLost == 1, "the progress view sees the lost worker")

        // Worker 2 takes it again (attempt 2) and is lost too; then the limit turns it into a failure.
        session = try Connection.open(target)
        let second = try #require(try dying.claim(on: session).first)
        #expect(second.taskID == first.taskID && second.attempt == 2)
        try terminate(session, from: observer)
        #expect(try dying.claim(on: observer).isEmpty)
        let progress = try dying.progress(on: observer)
        #expect(progress.failed == 1 && progress.running == 0 && progress.workerLost == 0)
        let error = try observer.execute("select error from gridcast_operational_dev.work_queue", name: "test").first?.string("error")
        #expect(error?.contains("lost 2 times") == true, "\(error ?? "nil")")
    }

    @Test func aFinishAfterAnotherWorkerTookTheTaskOverChangesNothing() throws {
        let target = try SampleWarehouse.clone("queue_late")
        let observer = try Connection.open(target)
        let slow = queue("late", worker: "slow"), fast = queue("late", worker: "fast")
        try slow.enqueue([series[0]], on: observer)
        let slowSession = try Connection.open(target)
        let claim = try #require(try slow.claim(on: slowSession).first)
        try terminate(slowSession, from: observer)
        let fastSession = try Connection.open(target)
        let retaken = try #require(try fast.claim(on: fastSession).first)
        // The slow worker comes back on a new session and reports; the task stays the fast worker's.
        try slow.finish(claim, error: "late", on: try Connection.open(target))
        #expect(try fast.progress(on: observer).running == 1)
        try fast.finish(retaken, error: nil, on: fastSession)
        #expect(try fast.progress(on: observer).done == 1)
    }

    @Test func aQueueHoldsOneKindOfTask() throws {
        let target = try SampleWarehouse.clone("queue_kind")
        let connection = try Connection.open(target)
        try queue("kind", .train, worker: "t").enqueue(series, on: connection)
        #expect(throws: WorkQueueError.self) { try queue("kind", .forecast, worker: "f").enqueue(series, on: connection) }
    }

    /// Ends `session`'s backend as a killed worker's would end, and waits until the server has let go of it.
    private func terminate(_ session: Connection, from observer: Connection) throws {
        let pid = try #require(try session.execute("select pg_backend_pid() as pid", name: "test").first?.int("pid"))
        try observer.execute("select pg_terminate_backend($1, 10000)", [pid], name: "test")
    }
}
