import Logging
import Warehouse

/// ANALYZE of a table a load has just committed to. The rows are in by then, so this step can only
/// help the next query's plan: it waits at most a few seconds for its lock (a DBA's VACUUM, ANALYZE
/// or DDL holds it), and a failure is a warning, never a failed load. PostgreSQL 15 lets only the
/// table's or database's owner analyze, so a loader login skips it quietly (migration 0011 makes
/// autovacuum analyze these tables after 1% of their rows changed instead).
enum FreshStatistics {
    static let lockTimeout = "5s"

    static func analyze(_ quotedTable: String, on connection: Connection, logger: Logger) {
        do {
            guard try mayAnalyze(quotedTable, on: connection) else {
                logger.debug("statistics left to autovacuum: this role does not own the table", metadata: ["table": "\(quotedTable)"])
                return
            }
            try connection.transaction(name: "analyze \(quotedTable)") { tx in
                try tx.execute("select set_config('lock_timeout', $1, true)", [lockTimeout], name: "analyze: lock timeout")
                try tx.execute("analyze \(quotedTable)", name: "analyze \(quotedTable)")
            }
        } catch {
            logger.warning("the rows are loaded, but their statistics are not refreshed (run ANALYZE or let autovacuum do it)",
                           metadata: ["table": "\(quotedTable)", "error": "\(error)"])
        }
    }

    /// Owner of the table or of the database, a superuser, or (PostgreSQL 17+) MAINTAIN granted.
    private static func mayAnalyze(_ quotedTable: String, on connection: Connection) throws -> Bool {
        try connection.execute("""
            select pg_has_role(current_user, c.relowner, 'USAGE')
                or pg_has_role(current_user, d.datdba, 'USAGE')
                or (select rolsuper from pg_roles where rolname = current_user)
                or (current_setting('server_version_num')::int >= 170000
                    and has_table_privilege(c.oid, 'MAINTAIN')) as may
            from pg_class c, pg_database d
            where c.oid = $1::regclass and d.datname = current_database()
            """, [quotedTable], name: "analyze: may this role").first?.bool("may") ?? false
    }
}
