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

    /// Holds the session-level advisory lock named `lockName` while `body` runs. Waits at most
    /// `waitSeconds` (0 = fail at once when held), then throws `lockNotAvailable`.
    /// The key is `hashtextextended(lockName, 0)`, so psql users can find it in pg_locks with the same expression.
    public func withAdvisoryLock<T>(_ lockName: String, waitSeconds: Double, _ body: () throws -> T) throws -> T {
        try acquireAdvisoryLock(lockName, waitSeconds: waitSeconds)
        defer { _ = try? execute("select pg_advisory_unlock(hashtextextended($1, 0))", [lockName], name: "release lock \(lockName)") }
        return try body()
    }

    func acquireAdvisoryLock(_ lockName: String, waitSeconds: Double) throws {
        if waitSeconds <= 0 {
            let got = try execute("select pg_try_advisory_lock(hashtextextended($1, 0)) as got", [lockName], name: "lock \(lockName)")
            guard got.first?.bool("got") == true else {
                throw WarehouseError.lockNotAvailable(lockName: lockName, reason: "held by another session, not waiting")
            }
            return
        }
        // lock_timeout bounds the wait; it is restored afterwards so it cannot leak into later statements.
        let previous = try execute("select current_setting('lock_timeout') as value", name: "lock \(lockName)").first?.string("value") ?? "0"
        try execute("select set_config('lock_timeout', $1, false)", ["\(Int(waitSeconds * 1000))ms"], name: "lock \(lockName)")
        defer { _ = try? execute("select set_config('lock_timeout', $1, false)", [previous], name: "lock \(lockName)") }
        do {
            try execute("select pg_advisory_lock(hashtextextended($1, 0))", [lockName], name: "lock \(lockName)")
        } catch let WarehouseError.server(error) where error.sqlstate == "55P03" {
            throw WarehouseError.lockNotAvailable(lockName: lockName, reason: "still held after waiting \(waitSeconds) s")
        }
    }
}
