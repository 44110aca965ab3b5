/// A PostgreSQL error as the server reported it, with the fields a DBA needs to act on it.
public struct ServerError: Sendable, Equatable {
    /// Five-character SQLSTATE, e.g. `42P01` (undefined table) or `23505` (unique violation).
    public var sqlstate: String
    public var severity: String
    public var message: String
    public var detail: String?
    public var hint: String?
    public var context: String?
    /// 1-based character offset into the statement text, when the server gave one.
    public var position: Int?
    /// What Gridcast was doing, e.g. `migration 0003_operational_tables.sql` or `load sqmd: merge`.
    public var statementName: String

    public init(sqlstate: String, severity: String = "ERROR", message: String, detail: String? = nil,
                hint: String? = nil, context: String? = nil, position: Int? = nil, statementName: String) {
        self.sqlstate = sqlstate
        self.severity = severity
        self.message = message
        self.detail = detail
        self.hint = hint
        self.context = context
        self.position = position
        self.statementName = statementName
    }

    /// SQLSTATE class `08`: the connection itself failed.
    public var isConnectionFailure: Bool { sqlstate.hasPrefix("08") }
}

/// Everything that can go wrong talking to the warehouse. Descriptions are one actionable sentence
/// and never contain a password.
public enum WarehouseError: Error, Sendable, CustomStringConvertible {
    /// The server could not be reached or refused the login.
    case connectionFailed(target: String, reason: String)
    /// The server rejected a statement.
    case server(ServerError)
    /// The connection dropped or libpq failed outside a server error.
    case connectionLost(statementName: String, reason: String)
    /// A result had an unexpected shape (e.g. no rows where one was required).
    case unexpectedResult(statementName: String, reason: String)
    /// A lock held by another session could not be taken in time.
    case lockNotAvailable(lockName: String, reason: String)
    /// Connected to a Citus worker node instead of the coordinator.
    case citusWorker(target: String)

    public var description: String {
        switch self {
        case let .connectionFailed(target, reason):
            return "Cannot connect to PostgreSQL at \(target): \(reason). Check PGHOST/PGPORT/PGUSER/PGDATABASE, "
                + "~/.pgpass or --database-url, and that the server is running."
        case let .server(error):
            var text = "PostgreSQL error \(error.sqlstate) in \(error.statementName): \(error.message)"
            if let detail = error.detail { text += " Detail: \(detail)" }
            if let hint = error.hint { text += " Hint: \(hint)" }
            if error.sqlstate.hasPrefix("57P") {
                text += " The server shut down or restarted during the run; the run was rolled back and can be retried once it is back."
            }
            return text
        case let .connectionLost(name, reason):
            return "Lost the database connection during \(name): \(reason). Check the server log; the run was rolled back and can be retried."
        case let .unexpectedResult(name, reason):
            return "Unexpected result from \(name): \(reason)."
        case let .lockNotAvailable(lockName, reason):
            return "Another Gridcast run holds the lock \(lockName) (\(reason)). Wait for it to finish, or find the other session in pg_stat_activity (application_name gridcast)."
        case let .citusWorker(target):
            return "\(target) is a Citus worker, not the coordinator. Connect gridcast to the coordinator "
                + "(GRIDCAST_DATABASE_URL): its named locks, model registry and run log live there, and a run through "
                + "a worker would not see the locks of runs through the coordinator."
        }
    }

    /// True when the connection is gone: lost, refused, or ended by a server shutdown or restart (57P01-57P03).
    public var isConnectionFailure: Bool {
        switch self {
        case .connectionFailed, .connectionLost: return true
        case let .server(error): return error.sqlstate.hasPrefix("57P") || error.sqlstate.hasPrefix("08")
        default: return false
        }
    }

    /// The SQLSTATE when this is a server error.
    public var sqlstate: String? {
        if case let .server(error) = self { return error.sqlstate }
        return nil
    }
}
