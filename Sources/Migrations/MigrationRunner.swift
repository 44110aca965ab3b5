import Foundation
import Logging
import Warehouse

/// Where one migration stands in one environment.
public struct MigrationState: Sendable {
    public enum Status: Sendable, Equatable {
        case applied(at: String, by: String)
        case pending
        /// Applied, but the file on disk no longer matches what was applied.
        case edited(appliedChecksum: String)
        /// Recorded as applied, but no file has its version.
        case missingFile
    }
    public let version: Int
    public let name: String
    public let status: Status
}

/// Applies numbered migration files to one environment, Flyway-style: in order, one transaction
/// each, recorded with checksums in `schema_migrations`, under an advisory lock so that concurrent
/// runs apply each file once. Refuses to run when an applied file was edited.
public struct MigrationRunner {
    public let layout: SchemaLayout
    public let files: [MigrationFile]
    public var logger: Logger
    /// Where applied files are recorded: `layout.historyTable` for the main set; the optional Citus
    /// layout set (`migrations/citus/`) keeps its own history beside it.
    public let historyTable: String

    public init(layout: SchemaLayout, files: [MigrationFile], logger: Logger = Logger(label: "gridcast.migrate"),
                historyTable: String? = nil) {
        self.layout = layout
        self.files = files
        self.logger = logger
        self.historyTable = historyTable ?? layout.historyTable
    }

    /// The runner of the Citus layout set (`migrations/citus/NNNN_*.sql`, history in
    /// `schema_migrations_citus`): applied after the main set by `gridcast migrate --distributed citus`,
    /// and by every later `migrate` of an environment that has it.
    public static func citus(layout: SchemaLayout, directory: URL, logger: Logger = Logger(label: "gridcast.migrate"))
        throws -> MigrationRunner {
        // A migrations folder without citus/ (an older copy) has no distributed layout: an empty set.
        let folder = directory.appendingPathComponent("citus")
        let files = FileManager.default.fileExists(atPath: folder.path) ? try MigrationFile.load(from: folder) : []
        let history = "\(SQLIdentifier.quoteValidated(layout.operationalSchema)).schema_migrations_citus"
        return MigrationRunner(layout: layout, files: files, logger: logger, historyTable: history)
    }

    /// Whether this runner's history records an applied file (for the Citus set: whether the environment
    /// is distributed; a `--distributed citus` that failed on plain PostgreSQL leaves an empty history).
    public func hasApplied(on connection: Connection) throws -> Bool {
        try !readHistory(connection).isEmpty
    }

    /// Whether this runner's history table exists.
    public func hasHistory(on connection: Connection) throws -> Bool {
        try connection.execute("select to_regclass($1) is not null as present", [historyTable],
                               name: "find migration history").first?.bool("present") ?? false
    }

    struct HistoryRow { let version: Int; let name: String; let checksum: String; let appliedAt: String; let appliedBy: String }

    /// Every file and every recorded migration with its state. Reads only; takes no lock.
    public func status(on connection: Connection) throws -> [MigrationState] {
        let history = try readHistory(connection)
        var states: [MigrationState] = files.map { file in
            guard let row = history.first(where: { $0.version == file.version }) else {
                return MigrationState(version: file.version, name: file.name, status: .pending)
            }
            if row.checksum != file.checksum {
                return MigrationState(version: file.version, name: file.name, status: .edited(appliedChecksum: row.checksum))
            }
            return MigrationState(version: file.version, name: file.name, status: .applied(at: row.appliedAt, by: row.appliedBy))
        }
        for row in history where !files.contains(where: { $0.version == row.version }) {
            states.append(MigrationState(version: row.version, name: row.name, status: .missingFile))
        }
        return states.sorted { $0.version < $1.version }
    }

    /// Applies every pending migration and returns those applied (empty when up to date).
    /// - Parameter lockWaitSeconds: how long to wait for a concurrent `migrate` of the same environment.
    @discardableResult
    public func migrate(on connection: Connection, lockWaitSeconds: Double = 300) throws -> [MigrationFile] {
        let identifiers = try layout.identifiers()
        try bootstrap(on: connection)
        let history = try readHistory(connection)
        try checkSchemasOfHistory(history, on: connection)
        let pending = try validatedPending(history)
        var applied: [MigrationFile] = []
        for file in pending where try apply(file, identifiers: identifiers, on: connection, lockWaitSeconds: lockWaitSeconds) {
            applied.append(file)
        }
        if applied.isEmpty { logger.info("schema is up to date", metadata: ["environment": "\(layout.environment.rawValue)"]) }
        return applied
    }

    /// Creates the schema and history table if missing. Two first migrations at once can both miss
    /// them; the loser of that race gets a duplicate error and finds them there on a second try.
    private func bootstrap(on connection: Connection) throws {
        do {
            try connection.executeScript(bootstrapSQL, name: "create migration history \(historyTable)")
        } catch let WarehouseError.server(error) where ["23505", "42P06", "42P07"].contains(error.sqlstate) {
            try connection.executeScript(bootstrapSQL, name: "create migration history \(historyTable)")
        }
    }

    /// The history lives in the operational schema. When it records migrations but the input or BI
    /// schema of this layout does not exist, those migrations were applied under other schema names
    /// (`--input-schema X` with the default operational schema): "up to date" would create nothing.
    private func checkSchemasOfHistory(_ history: [HistoryRow], on connection: Connection) throws {
        guard !history.isEmpty else { return }
        for schema in [layout.inputSchema, layout.biSchema] {
            let exists = try connection.execute("select to_regnamespace(quote_ident($1)) is not null as e", [schema],
                                                name: "migrate: does \(schema) exist").first?.bool("e") ?? false
            guard exists else {
                throw MigrationError.historyOfOtherSchemas(history: historyTable, missing: schema, applied: history.count)
            }
        }
    }

    /// The whole migration script for a DBA to review or run with `psql -v ON_ERROR_STOP=1 -f`:
    /// the history table, then each file in its own transaction with its history row. A file whose
    /// version is already in the history is skipped (psql `\gset` and `\if`), so running the script
    /// on a migrated database applies only what is new, as `gridcast migrate` does.
    public func script() throws -> String {
        let identifiers = try layout.identifiers()
        var text = """
            -- Gridcast migrations for environment \(layout.environment.rawValue): schemas \(layout.inputSchema), \
            \(layout.operationalSchema), \(layout.biSchema); roles \(layout.loaderRole), \(layout.runnerRole), \(layout.biReaderRole).
            -- Review, then apply with: psql -v ON_ERROR_STOP=1 -f this_file.sql
            -- Files already recorded in \(historyTable) are skipped (psql \\if), so the script can be run again.
            \(bootstrapSQL)

            """
        for file in files {
            text += """

                -- ==== \(file.fileName) (checksum \(file.checksum)) ====
                select not exists (select 1 from \(historyTable) where version = \(file.version)) as gridcast_apply \\gset
                \\if :gridcast_apply
                begin;
                \(try file.template.render(identifiers))
                insert into \(historyTable) (version, name, checksum, environment)
                values (\(file.version), \(literal(file.name)), \(literal(file.checksum)), \(literal(layout.environment.rawValue)))
                on conflict (version) do nothing;
                commit;
                \\endif

                """
        }
        return text
    }

    var bootstrapSQL: String {
        """
        create schema if not exists \(SQLIdentifier.quote(layout.operationalSchema));
        create table if not exists \(historyTable) (
            version      integer     primary key,
            name         text        not null,
            checksum     text        not null,
            applied_at   timestamptz not null default now(),
            applied_by   text        not null default current_user,
            execution_ms integer,
            environment  text        not null
        );
        """
    }

    private func readHistory(_ connection: Connection) throws -> [HistoryRow] {
        guard try hasHistory(on: connection) else { return [] }
        let rows = try connection.execute("""
            select version, name, checksum, to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS TZ') as applied_at, applied_by
            from \(historyTable) order by version
            """, name: "read migration history").rows
        return rows.map { row in
            HistoryRow(version: row.int("version") ?? -1, name: row.string("name") ?? "", checksum: row.string("checksum") ?? "",
                       appliedAt: row.string("applied_at") ?? "", appliedBy: row.string("applied_by") ?? "")
        }
    }

    /// Checks the recorded history against the files and returns the files still to apply.
    private func validatedPending(_ history: [HistoryRow]) throws -> [MigrationFile] {
        for row in history {
            guard let file = files.first(where: { $0.version == row.version }) else {
                throw MigrationError.missingFile(version: row.version, name: row.name)
            }
            guard file.checksum == row.checksum else {
                throw MigrationError.checksumMismatch(file: file.path, version: file.version, applied: row.checksum, current: file.checksum)
            }
        }
        let newest = history.map(\.version).max() ?? 0
        let pending = files.filter { file in !history.contains { $0.version == file.version } }
        if let early = pending.first(where: { $0.version < newest }) {
            throw MigrationError.outOfOrder(file: early.path, version: early.version, newestApplied: newest)
        }
        return pending
    }

    /// Applies one file and records it, in one transaction that first locks the history table against
    /// other migrations: SHARE ROW EXCLUSIVE conflicts with itself, and only a role that may change the
    /// history can take it, so unlike an advisory lock no other login can hold migrations up. Returns
    /// false when a concurrent `migrate` applied the file while this one waited.
    private func apply(_ file: MigrationFile, identifiers: [String: SQLIdentifier], on connection: Connection,
                       lockWaitSeconds: Double) throws -> Bool {
        let sql = try file.template.render(identifiers)
        let started = Date()
        do {
            let appliedHere = try connection.transaction(name: file.fileName) { tx in
                try lockHistory(tx, waitSeconds: lockWaitSeconds)
                let done = try tx.execute("select exists (select 1 from \(historyTable) where version = $1) as done",
                                          [file.version], name: "migrate: is \(file.fileName) applied").first?.bool("done") ?? false
                if done { return false }
                // On Citus, DDL on a distributed and then a reference table in one transaction must use one
                // connection per worker; elsewhere this sets an unused placeholder.
                try tx.writeShardsOverOneConnectionPerWorker()
                // One statement per execute: Citus refuses DDL on distributed tables in a multi-statement string.
                for statement in SQLStatements.split(sql) {
                    do {
                        try tx.execute(statement.text, name: "migration \(file.fileName) line \(statement.line)")
                    } catch let WarehouseError.server(error) {
                        throw StatementFailure(line: error.position.map(statement.scriptLine) ?? statement.line,
                                               underlying: .server(error))
                    }
                }
                try tx.execute("""
                    insert into \(historyTable) (version, name, checksum, execution_ms, environment)
                    values ($1, $2, $3, $4, $5)
                    """, [file.version, file.name, file.checksum, Int(Date().timeIntervalSince(started) * 1000), layout.environment.rawValue],
                    name: "record migration \(file.fileName)")
                return true
            }
            guard appliedHere else {
                logger.info("applied meanwhile by another migrate", metadata: ["file": "\(file.fileName)"])
                return false
            }
        } catch let failure as StatementFailure {
            throw MigrationError.failed(file: file.path, line: failure.line, underlying: failure.underlying)
        } catch let error as WarehouseError {
            if case .lockNotAvailable = error { throw error }
            throw MigrationError.failed(file: file.path, line: nil, underlying: error)
        }
        logger.info("applied migration", metadata: [
            "file": "\(file.fileName)", "environment": "\(layout.environment.rawValue)",
            "ms": "\(Int(Date().timeIntervalSince(started) * 1000))",
        ])
        return true
    }

    /// A statement of a migration file failed at `line` of the file.
    private struct StatementFailure: Error {
        let line: Int
        let underlying: WarehouseError
    }

    private func lockHistory(_ tx: Connection, waitSeconds: Double) throws {
        try tx.waitingForLock("\(historyTable) (migrations of \(layout.environment.rawValue))", waitSeconds: waitSeconds) {
            try tx.execute("lock table \(historyTable) in share row exclusive mode", name: "migrate: lock history")
        }
    }

    private func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}
