import Foundation
import Migrations
import Warehouse

/// A run's series shared by any number of workers through the `work_queue` table (migration 0026):
/// each worker adds its selection, then takes tasks with FOR UPDATE SKIP LOCKED and holds a session
/// advisory lock on each task while it runs. A task that is `running` but whose lock nobody holds
/// belongs to a lost worker (killed, machine gone, connection dropped) and is taken again, up to
/// `maxAttempts` times; then it is marked failed with that reason.
public struct WorkQueue: Sendable {
    public enum Task: String, Sendable { case train, forecast }

    /// One task taken by this worker.
    public struct Claim: Sendable, Equatable {
        public let taskID: Int
        public let series: SeriesID
        public let attempt: Int
    }

    public let name: String
    public let task: Task
    public let layout: SchemaLayout
    /// Times a task may be taken before a lost worker's task is marked failed instead.
    public var maxAttempts = 3
    /// This worker's name in the `worker` column: host:pid, plus a thread tag in a multi-threaded worker.
    public var worker = WorkQueue.defaultWorkerName

    public init(name: String, task: Task, layout: SchemaLayout) {
        self.name = name
        self.task = task
        self.layout = layout
    }

    public static var defaultWorkerName: String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    private var table: String { "\(SQLIdentifier.quoteValidated(layout.operationalSchema)).work_queue" }
    private var lockClass: String { "\(SQLIdentifier.quoteValidated(layout.operationalSchema)).work_queue_lock_class()" }

    /// Adds `series` to the queue (series already in it keep their state), after checking that the queue
    /// holds tasks of the same kind. Returns how many were new.
    @discardableResult
    public func enqueue(_ series: [SeriesID], on connection: Connection) throws -> Int {
        let kinds = try connection.execute("select distinct task from \(table) where queue_name = $1", [name],
                                           name: "work queue kind").rows.compactMap { $0.string("task") }
        if let other = kinds.first(where: { $0 != task.rawValue }) {
            throw WorkQueueError.otherTask(queue: name, holds: other, wanted: task.rawValue)
        }
        return try connection.execute("""
            insert into \(table) (queue_name, task, load_profile, load_segment)
            select $1, $2, s.profile, s.segment
            from unnest($3::text[], $4::text[]) as s(profile, segment)
            on conflict (queue_name, load_profile, load_segment) do nothing
            """, [name, task.rawValue, SQLTextArray(series.map(\.loadProfile)), SQLTextArray(series.map(\.loadSegment))],
            name: "enqueue series").affectedRows
    }

    /// Takes up to `limit` tasks: pending ones, and running ones whose worker was lost. Each comes with
    /// this session's advisory lock on it, held until `finish`; a lost worker's task past `maxAttempts`
    /// is marked failed instead. Empty when nothing can be taken now (see `hasRunningTasks`).
    public func claim(limit: Int = 1, on connection: Connection) throws -> [Claim] {
        try connection.transaction(name: "take work from queue \(name)") { tx in
            // Running tasks are candidates too (their worker may be lost); pending ones first.
            let candidates = try tx.execute("""
                select task_id, load_profile, load_segment, status, attempts
                from \(table)
                where queue_name = $1 and status in ('pending', 'running')
                order by status = 'running', task_id
                limit $2
                for update skip locked
                """, [name, max(1, limit) + runningCount(on: tx)], name: "work queue candidates").rows
            var claims: [Claim] = [], exhausted: [Int] = []
            for row in candidates where claims.count < max(1, limit) {
                guard let id = row.int("task_id"), let profile = row.string("load_profile"),
                      let segment = row.string("load_segment"), let attempts = row.int("attempts") else { continue }
                // A held lock is a live worker's task (this session's own included: advisory locks are
                // re-entrant, so its own would be granted again); a pending task is locked by nobody.
                guard try tx.execute("""
                    select not exists (select 1 from pg_locks
                                       where locktype = 'advisory' and pid = pg_backend_pid() and objsubid = 2
                                         and classid = '\(table)'::regclass::oid and objid = ($1::bigint & 2147483647)::oid)
                           and pg_try_advisory_lock(\(lockClass), ($1::bigint & 2147483647)::int) as taken
                    """, [id], name: "lock a queued task").first?.bool("taken") == true else { continue }
                if row.string("status") == "running" && attempts >= maxAttempts {
                    exhausted.append(id)
                    continue
                }
                claims.append(Claim(taskID: id, series: SeriesID(loadProfile: profile, loadSegment: segment), attempt: attempts + 1))
            }
            if !exhausted.isEmpty {
                try tx.execute("""
                    update \(table) set status = 'failed', finished_at = now(),
                           error = format('its worker was lost %s times (killed or disconnected); see the worker''s log, '
                                          || 'then delete the row and run the queue again', attempts)
                    where task_id = any($1::bigint[])
                    """, [SQLTextArray(exhausted.map(String.init))], name: "fail tasks whose workers were lost")
                try unlock(exhausted, on: tx)
            }
            guard !claims.isEmpty else { return [] }
            try tx.execute("""
                update \(table)
                set status = 'running', attempts = attempts + 1, worker = $2, claimed_at = now(), finished_at = null, error = null
                where task_id = any($1::bigint[])
                """, [SQLTextArray(claims.map { String($0.taskID) }), worker], name: "take queued tasks")
            return claims
        }
    }

    /// Takes up to `limit` tasks like `claim`, but while nothing can be taken and other workers still run
    /// tasks (which may yet be lost and taken again) waits `pollSeconds` and tries again. Empty only when
    /// the queue has no pending or running task left: the worker is done.
    public func next(limit: Int = 1, on connection: Connection, pollSeconds: Double = 2) throws -> [Claim] {
        while true {
            let claims = try claim(limit: limit, on: connection)
            if !claims.isEmpty { return claims }
            guard try hasRunningTasks(on: connection) else { return [] }
            Thread.sleep(forTimeInterval: pollSeconds)
        }
    }

    /// Records a task's end (error nil = done) and releases its lock. A task taken over meanwhile by
    /// another worker (this one was thought lost) keeps that worker's state.
    public func finish(_ claim: Claim, error: String?, on connection: Connection) throws {
        try connection.execute("""
            update \(table) set status = $2, error = $3, finished_at = now()
            where task_id = $1 and worker = $4 and status = 'running'
            """, [claim.taskID, error == nil ? "done" : "failed", error.map { String($0.prefix(4000)) }, worker],
            name: "finish a queued task")
        try unlock([claim.taskID], on: connection)
    }

    /// Whether other workers still run tasks of this queue (live or lost): a worker with nothing to take
    /// waits for them, so a task of a worker lost late is still taken again.
    public func hasRunningTasks(on connection: Connection) throws -> Bool {
        try runningCount(on: connection) > 0
    }

    /// The queue's counts by status, from vw_work_queue_progress.
    public func progress(on connection: Connection) throws -> WorkQueueProgress {
        let row = try connection.execute("""
            select tasks, pending, running, worker_lost, done, failed
            from \(SQLIdentifier.quoteValidated(layout.operationalSchema)).vw_work_queue_progress where queue_name = $1
            """, [name], name: "work queue progress").first
        return WorkQueueProgress(tasks: row?.int("tasks") ?? 0, pending: row?.int("pending") ?? 0, running: row?.int("running") ?? 0,
                                 workerLost: row?.int("worker_lost") ?? 0, done: row?.int("done") ?? 0, failed: row?.int("failed") ?? 0)
    }

    private func runningCount(on connection: Connection) throws -> Int {
        try connection.execute("select count(*) as n from \(table) where queue_name = $1 and status = 'running'", [name],
                               name: "running tasks").first?.int("n") ?? 0
    }

    private func unlock(_ ids: [Int], on connection: Connection) throws {
        try connection.execute("""
            select pg_advisory_unlock(\(lockClass), (id & 2147483647)::int) from unnest($1::bigint[]) as t(id)
            """, [SQLTextArray(ids.map(String.init))], name: "release queued tasks")
    }
}

public struct WorkQueueProgress: Sendable, Equatable {
    public let tasks: Int, pending: Int, running: Int, workerLost: Int, done: Int, failed: Int
}

public enum WorkQueueError: Error, CustomStringConvertible {
    case otherTask(queue: String, holds: String, wanted: String)

    public var description: String {
        switch self {
        case let .otherTask(queue, holds, wanted):
            return "Work queue '\(queue)' holds \(holds) tasks, not \(wanted): give this run another --queue name "
                + "(e.g. \(wanted)-YYYY-MM-DD)."
        }
    }
}
