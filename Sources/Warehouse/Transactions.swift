import CLibPQ

extension Connection {
    /// Runs `body` inside BEGIN/COMMIT; any error rolls back and is rethrown, so a failed body leaves
    /// nothing behind. Not re-entrant: nested calls are a programming error.
    @discardableResult
    public func transaction<T>(name: String, _ body: (Connection) throws -> T) throws -> T {
        try execute("begin", name: "\(name): begin")
        do {
            let value = try body(self)
            try execute("commit", name: "\(name): commit")
            return value
        } catch {
            if PQtransactionStatus(handle) != PQTRANS_IDLE, isHealthy {
                _ = try? execute("rollback", name: "\(name): rollback")
            }
            throw error
        }
    }

    /// Takes Gridcast's named lock `lockName`: its row in `locksTable` (quoted
    /// `operational_schema.run_locks`), locked FOR UPDATE until the current transaction ends, also
    /// when the session dies. A row lock rather than an advisory lock because any login can take any
    /// advisory key (a BI reader could block every load); this one needs UPDATE on the table, which only
    /// the loader and runner roles have. Waits at most `waitSeconds` (0 = fail at once when held), then
    /// throws `lockNotAvailable`; the transaction's lock_timeout is restored afterwards.
    public func lockNamed(_ lockName: String, in locksTable: String, waitSeconds: Double) throws {
        try waitingForLock(lockName, waitSeconds: waitSeconds) {
            // The row exists after the first use; creating it waits only for a concurrent first use.
            try execute("insert into \(locksTable) (lock_name) values ($1) on conflict (lock_name) do nothing", [lockName],
                        name: "lock \(lockName): create")
            try execute("select lock_name from \(locksTable) where lock_name = $1 for update", [lockName], name: "lock \(lockName)")
        }
    }

    /// Runs `acquire`, the statements that take the lock `lockName`, with the transaction's lock_timeout
    /// set to `waitSeconds` (0 = fail at once when held) and restored afterwards; a timeout becomes
    /// `lockNotAvailable`. Only inside a transaction, so the setting cannot outlive it.
    public func waitingForLock(_ lockName: String, waitSeconds: Double, _ acquire: () throws -> Void) throws {
        guard PQtransactionStatus(handle) == PQTRANS_INTRANS else {
            throw WarehouseError.unexpectedResult(statementName: "lock \(lockName)", reason: "a lock wait needs an open transaction")
        }
        let previous = try execute("select current_setting('lock_timeout') as value", name: "lock \(lockName)").first?.string("value") ?? "0"
        try execute("select set_config('lock_timeout', $1, true)", ["\(max(1, Int(waitSeconds * 1000)))ms"], name: "lock \(lockName)")
        do {
            try acquire()
        } catch let WarehouseError.server(error) where error.sqlstate == "55P03" {
            let reason = waitSeconds <= 0 ? "held by another session, not waiting" : "still held after waiting \(waitSeconds) s"
            throw WarehouseError.lockNotAvailable(lockName: lockName, reason: reason)
        }
        try execute("select set_config('lock_timeout', $1, true)", [previous], name: "lock \(lockName)")
    }
}

extension Connection {
    /// On Citus, makes the rest of the current transaction write shards over one connection per worker.
    /// A transaction that writes many shards in parallel and then reads or writes them again (the SQMD
    /// merge, then the hourly actuals built from it) fails otherwise: "cannot perform query with
    /// placements that were modified over multiple connections". On plain PostgreSQL the setting is an
    /// unused placeholder and changes nothing.
    public func writeShardsOverOneConnectionPerWorker() throws {
        try execute("select set_config('citus.multi_shard_modify_mode', 'sequential', true)",
                    name: "one connection per worker")
    }
}

extension Connection {
    /// Whether the database has the Citus extension.
    public func hasCitus() throws -> Bool {
        try execute("select exists (select 1 from pg_extension where extname = 'citus') as citus",
                    name: "is this Citus").first?.bool("citus") ?? false
    }

    /// Refuses a Citus worker node: gridcast's named locks and the model registry live on the coordinator,
    /// so two runs through different nodes would not exclude each other. One catalog lookup on plain
    /// PostgreSQL (no citus extension), two on Citus.
    public func refuseCitusWorker() throws {
        guard try hasCitus() else { return }
        let coordinator = try execute("select citus_is_coordinator() as coordinator", name: "is this the Citus coordinator")
            .first?.bool("coordinator") ?? true
        if !coordinator { throw WarehouseError.citusWorker(target: target.redactedDescription) }
    }
}
