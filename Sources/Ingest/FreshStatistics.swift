import Logging
import Warehouse

/// ANALYZE of a table a load has just committed to. The rows are in by then, so this step can only
/// help the next query's plan: it waits at most a few seconds for its lock (a DBA's VACUUM, ANALYZE
/// or DDL holds it), and a failure is a warning, never a failed load.
enum FreshStatistics {
    static let lockTimeout = "5s"

    static func analyze(_ quotedTable: String, on connection: Connection, logger: Logger) {
        do {
            try connection.transaction(name: "analyze \(quotedTable)") { tx in
                try tx.execute("select set_config('lock_timeout', $1, true)", [lockTimeout], name: "analyze: lock timeout")
                try tx.execute("analyze \(quotedTable)", name: "analyze \(quotedTable)")
            }
        } catch {
            logger.warning("the rows are loaded, but their statistics are not refreshed (run ANALYZE or let autovacuum do it)",
                           metadata: ["table": "\(quotedTable)", "error": "\(error)"])
        }
    }
}
