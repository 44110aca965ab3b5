import Foundation
import Logging
import Migrations
import Warehouse

/// What a run does, as `operational.run_log.kind` allows.
public enum RunKind: String, Sendable, CaseIterable {
    case train, forecast, backfill, load
}

/// Records one gridcast run in `operational.run_log`: a `running` row at the start, then `succeeded`
/// with a row count or `failed` with the error. A run whose writing transaction already finished the
/// row (the forecast writer does, so rows and status commit together) is left as that transaction set it.
///
/// It writes on a connection of its own in autocommit mode, so its rows commit at once and survive the
/// rollback of the work they describe: a load that fails half-way still leaves a `failed` row. The
/// row's `backend_pid` is this connection's, so `bi.vw_run_history` shows a run whose process died
/// (and whose connection closed) as `abandoned`.
public final class RunLog {
    /// The dedicated connection; use it for nothing else. Replaced by a new one when the server was
    /// restarted under a run, so the run's end is still recorded.
    public private(set) var connection: Connection
    /// How long `succeed`/`fail` keep trying to reconnect to record the end of a run after the connection was lost.
    public var reconnectSeconds: Double = 30
    /// Quoted `operational_schema.run_log`.
    public let table: String
    /// The id of the run started last, nil before `start`.
    public private(set) var runID: UUID?
    private let logger: Logger

    /// Uses `connection`, which must not be used for the run's own work.
    public init(connection: Connection, layout: SchemaLayout, logger: Logger = Logger(label: "gridcast.runlog")) throws {
        self.connection = connection
        self.table = "\(try SQLIdentifier(layout.operationalSchema).quoted).run_log"
        self.logger = logger
    }

    /// Opens a connection of its own to `target`.
    public convenience init(target: ConnectionTarget, layout: SchemaLayout,
                            logger: Logger = Logger(label: "gridcast.runlog")) throws {
        try self.init(connection: try Connection.open(target, logger: logger), layout: layout, logger: logger)
    }

    /// Inserts a `running` row and returns its id. `arguments` are stored as jsonb; any secret of the
    /// connection (password, PGPASSWORD) is masked, but callers should not pass secrets at all.
    @discardableResult
    public func start<Arguments: Encodable>(kind: RunKind, arguments: Arguments) throws -> UUID {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = connection.target.redact(String(decoding: try encoder.encode(arguments), as: UTF8.self))
        let row = try connection.execute("""
            insert into \(table) (kind, arguments, client_host)
            values ($1, $2::jsonb, $3)
            returning run_id
            """, [kind.rawValue, json, ProcessInfo.processInfo.hostName], name: "run log: start").first
        guard let text = row?.string("run_id"), let id = UUID(uuidString: text) else {
            throw WarehouseError.unexpectedResult(statementName: "run log: start", reason: "no run_id returned")
        }
        runID = id
        logger.debug("run started", metadata: ["run_id": "\(text)", "kind": "\(kind.rawValue)"])
        return id
    }

    /// Marks the run succeeded with the number of rows it wrote.
    public func succeed(rows: Int) throws {
        try finish(status: "succeeded", rows: rows, error: nil)
    }

    /// Marks the run failed with the error's description (secrets of the connection masked, at most 4,000 characters).
    public func fail(error: Error, rows: Int? = nil) throws {
        try finish(status: "failed", rows: rows, error: String(connection.target.redact("\(error)").prefix(4000)))
    }

    private func finish(status: String, rows: Int?, error: String?) throws {
        guard let runID else {
            throw WarehouseError.unexpectedResult(statementName: "run log: \(status)", reason: "the run was never started")
        }
        // statement_timestamp(), not clock_timestamp(): the same instant inside a transaction, but stable,
        // which Citus requires of every function in a write to a reference table.
        let update = {
            try self.connection.execute("""
                update \(self.table) set status = $2, rows = $3, error = $4, finished_at = statement_timestamp()
                where run_id = $1::uuid and status = 'running'
                """, [runID.uuidString.lowercased(), status, rows, error], name: "run log: \(status)")
        }
        do {
            _ = try update()
        } catch where !connection.isHealthy {
            // The server went away under the run (restart, failover): reconnect and record the end anyway,
            // so the row says failed with the reason instead of leaving it to look abandoned.
            try reconnect()
            _ = try update()
        }
    }

    private func reconnect() throws {
        let deadline = Date().addingTimeInterval(reconnectSeconds)
        while true {
            do {
                connection = try Connection.open(connection.target, logger: logger)
                logger.notice("run log: reconnected to record the end of the run")
                return
            } catch WarehouseError.connectionFailed where Date() < deadline {
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
    }
}
