import CLibPQ
import Foundation
import Logging

/// One libpq connection. Not shareable between threads: open one per task or worker.
/// Every statement either binds its values as parameters (`execute`) or carries no values at all
/// (`executeScript`, for migration files), so values never become SQL text.
public final class Connection {
    let handle: OpaquePointer
    public let target: ConnectionTarget
    public var logger: Logger

    private init(handle: OpaquePointer, target: ConnectionTarget, logger: Logger) {
        self.handle = handle
        self.target = target
        self.logger = logger
    }

    deinit { PQfinish(handle) }

    /// The libpq loaded at run time, e.g. "15.13" (PQlibVersion's 150013; before 10 it was 90624 = 9.6.24).
    public static var libpqVersion: String {
        let number = Int(PQlibVersion())
        return number >= 100_000 ? "\(number / 10_000).\(number % 10_000)" : "\(number / 10_000).\(number / 100 % 100).\(number % 100)"
    }

    /// Opens a connection the way psql would for the same conninfo / URL / environment.
    /// Server notices are quieted (`client_min_messages = warning`) so `IF NOT EXISTS` chatter stays out of logs.
    ///
    /// Defaults the conninfo, the URL and the PG* variables may override: TCP keepalives (a firewall that
    /// drops idle flows must not strand a long training's connection), a 10 s connect timeout, and
    /// application_name `gridcast` for pg_stat_activity. The session turns idle_session_timeout off:
    /// a training connection idles for minutes while XGBoost fits, outside any transaction and
    /// holding no locks, and a role-level timeout used to kill every long training.
    public static func open(_ target: ConnectionTarget = .environment,
                            logger: Logger = Logger(label: "gridcast.warehouse")) throws -> Connection {
        guard let handle = connect(target) else {
            throw WarehouseError.connectionFailed(target: target.redactedDescription, reason: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let reason = target.redact(Self.message(handle))
            PQfinish(handle)
            throw WarehouseError.connectionFailed(target: target.redactedDescription, reason: reason)
        }
        let connection = Connection(handle: handle, target: target, logger: logger)
        try connection.setUpSession()
        logger.debug("connected", metadata: ["server": "\(connection.serverDescription)"])
        return connection
    }

    private func setUpSession() throws {
        try execute("""
            select set_config('client_min_messages', 'warning', false), set_config('idle_session_timeout', '0', false)
            """, name: "connection setup")
    }

    /// Probes the session after a long pause (a training's fit) and, when it was ended (a firewall, a
    /// pooler, a DBA's pg_terminate_backend or a restart), reconnects in place with the same parameters,
    /// so minutes of fitting are not lost to a connection that died while idle. Session state (temporary
    /// tables, SET values) does not survive a reconnect: call it only between units of work, outside a
    /// transaction. Returns whether it reconnected.
    @discardableResult
    public func reconnectIfLost() throws -> Bool {
        do {
            try execute("select 1", name: "connection probe")
            return false
        } catch let error as WarehouseError where error.isConnectionFailure {
            PQreset(handle)
            guard PQstatus(handle) == CONNECTION_OK else {
                throw WarehouseError.connectionFailed(target: target.redactedDescription, reason: target.redact(Self.message(handle)))
            }
            try setUpSession()
            logger.notice("reconnected: the idle connection had been closed", metadata: ["cause": "\(error)"])
            return true
        }
    }

    /// Defaults first, then the target's own conninfo (expanded by libpq, so its keys win); a default
    /// whose PG* variable is set is left to the variable.
    private static func connect(_ target: ConnectionTarget) -> OpaquePointer? {
        let environment = ProcessInfo.processInfo.environment
        var pairs: [(String, String)] = [("keepalives", "1"), ("keepalives_idle", "60"), ("keepalives_interval", "10"),
                                         ("keepalives_count", "6")]
        if environment["PGCONNECT_TIMEOUT"] == nil { pairs.append(("connect_timeout", "10")) }
        if environment["PGAPPNAME"] == nil { pairs.append(("application_name", "gridcast")) }
        pairs.append(("dbname", target.conninfo))
        let keys = pairs.map { strdup($0.0) }, values = pairs.map { strdup($0.1) }
        defer { (keys + values).forEach { free($0) } }
        var keyPointers = keys.map { UnsafePointer<CChar>($0) } + [nil]
        var valuePointers = values.map { UnsafePointer<CChar>($0) } + [nil]
        return PQconnectdbParams(&keyPointers, &valuePointers, 1)
    }

    /// `user@host:port/dbname` of the live connection, without password.
    public var serverDescription: String {
        func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String { pointer.map { String(cString: $0) } ?? "?" }
        return "\(text(PQuser(handle)))@\(text(PQhost(handle))):\(text(PQport(handle)))/\(text(PQdb(handle)))"
    }

    /// The PostgreSQL server version as an integer, e.g. 150018.
    public var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// Runs one statement with bound parameters (`$1`, `$2`, ...), sent as text and typed by the server.
    /// - Parameter name: what this statement is for, shown in errors and logs.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [any SQLBindable] = [], name: String) throws -> QueryResult {
        let values: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.sqlText.flatMap { strdup($0) } }
        defer { values.forEach { free($0) } }
        let result: OpaquePointer? = values.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(values.count, 1)) {
                PQexecParams(handle, sql, Int32(values.count), nil, values.isEmpty ? nil : $0, nil, nil, 0)
            }
        }
        return try check(result, name: name, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK])
    }

    /// Runs several statements without parameters in one round trip (a migration file, a DDL script).
    /// Without an explicit BEGIN the server runs them as one implicit transaction.
    public func executeScript(_ sql: String, name: String) throws {
        try check(PQexec(handle, sql), name: name, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK])
    }

    /// Turns a libpq result into a `QueryResult` or the matching `WarehouseError`.
    @discardableResult
    func check(_ result: OpaquePointer?, name: String, expecting accepted: [ExecStatusType]) throws -> QueryResult {
        guard let result else {
            throw WarehouseError.connectionLost(statementName: name, reason: target.redact(Self.message(handle)))
        }
        let status = PQresultStatus(result)
        if accepted.contains(status) { return QueryResult(handle: result) }
        defer { PQclear(result) }
        if status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR,
           let error = serverError(result, name: name) {
            throw WarehouseError.server(error)
        }
        if PQstatus(handle) != CONNECTION_OK {
            throw WarehouseError.connectionLost(statementName: name, reason: target.redact(Self.message(handle)))
        }
        throw WarehouseError.unexpectedResult(statementName: name,
                                              reason: "status \(String(cString: PQresStatus(status)))")
    }

    /// Reads the diagnostic fields of an error result; nil when the server sent none (client-side failure).
    func serverError(_ result: OpaquePointer, name: String) -> ServerError? {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return target.redact(String(cString: value))
        }
        guard let sqlstate = field("C") else { return nil }
        return ServerError(sqlstate: sqlstate, severity: field("V") ?? field("S") ?? "ERROR",
                           message: field("M") ?? "unknown error", detail: field("D"), hint: field("H"),
                           context: field("W"), position: field("P").flatMap { Int($0) }, statementName: name)
    }

    static func message(_ handle: OpaquePointer) -> String {
        guard let text = PQerrorMessage(handle) else { return "unknown libpq error" }
        // libpq messages span lines ("...failed: ...\n\tIs the server running..."); keep them on one.
        return String(cString: text).split(whereSeparator: { $0 == "\n" || $0 == "\t" })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// Whether the connection is still usable (false after the server went away).
    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }
}
