import Foundation
import Testing
import TestSupport
import Warehouse

@Suite("Connections, parameters and errors")
struct ConnectionTests {
    @Test("values are bound, never spliced: SQL in a value stays a value")
    func boundValues() throws {
        let connection = try TestCluster.freshConnection("bind")
        try connection.execute("create table t (name text)", name: "create")
        let hostile = "x'); drop table t; --"
        try connection.execute("insert into t (name) values ($1)", [hostile], name: "insert")
        let back = try connection.execute("select name from t where name = $1", [hostile], name: "select")
        #expect(back.rowCount == 1)
        #expect(back.first?.string("name") == hostile)
        let typed = try connection.execute("select $1::int + 1 as n, $2::double precision as d, $3::boolean as b, $4::text is null as isnull",
                                           [41, 0.1, true, SQLNull()], name: "typed").first
        #expect(typed?.int("n") == 42)
        #expect(typed?.double("d") == 0.1)
        #expect(typed?.bool("b") == true)
        #expect(typed?.bool("isnull") == true)
    }

    @Test("a SQL error keeps SQLSTATE, message, detail and the statement's name")
    func serverErrors() throws {
        let connection = try TestCluster.freshConnection("errors")
        do {
            try connection.execute("select * from no_such_table", name: "read missing table")
            Issue.record("expected an error")
        } catch let error as WarehouseError {
            #expect(error.sqlstate == "42P01")
            #expect(error.description.contains("42P01"))
            #expect(error.description.contains("no_such_table"))
            #expect(error.description.contains("read missing table"))
        }
        try connection.execute("create table t (id int primary key)", name: "create")
        try connection.execute("insert into t values (1)", name: "insert")
        do {
            try connection.execute("insert into t values ($1)", [1], name: "insert duplicate")
            Issue.record("expected an error")
        } catch let WarehouseError.server(error) {
            #expect(error.sqlstate == "23505")
            #expect(error.detail?.contains("(id)=(1)") == true)
        }
        // The connection is still usable after errors.
        #expect(try connection.execute("select count(*) as n from t", name: "count").first?.int("n") == 1)
    }

    @Test("a failed transaction rolls everything back")
    func transactionRollback() throws {
        struct Boom: Error {}
        let connection = try TestCluster.freshConnection("tx")
        try connection.execute("create table t (id int)", name: "create")
        #expect(throws: Boom.self) {
            try connection.transaction(name: "fill") { tx in
                try tx.execute("insert into t select generate_series(1, 1000)", name: "insert")
                throw Boom()
            }
        }
        #expect(try connection.execute("select count(*) as n from t", name: "count").first?.int("n") == 0)
        try connection.transaction(name: "fill") { tx in
            try tx.execute("insert into t select generate_series(1, 10)", name: "insert")
        }
        #expect(try connection.execute("select count(*) as n from t", name: "count").first?.int("n") == 10)
    }

    @Test("a session ended while idle is reopened in place by reconnectIfLost; a live one is left alone")
    func reconnectAfterTermination() throws {
        let target = try TestCluster.freshDatabase("reconnect")
        let worker = try Connection.open(target), dba = try Connection.open(target)
        #expect(try worker.reconnectIfLost() == false)
        let pid = try worker.execute("select pg_backend_pid() as p", name: "pid").first?.int("p") ?? 0
        try dba.execute("select pg_terminate_backend($1)", [pid], name: "terminate")
        #expect(try worker.reconnectIfLost() == true)
        let row = try worker.execute("""
            select pg_backend_pid() as p, current_setting('idle_session_timeout') as t, current_setting('application_name') as a
            """, name: "after").first
        #expect(row?.int("p") != pid && row?.string("t") == "0" && row?.string("a") == "gridcast")
    }

    @Test("a named lock held by one transaction is refused to another, then granted after it ends")
    func namedLocks() throws {
        let target = try TestCluster.freshDatabase("locks")
        let first = try Connection.open(target)
        let second = try Connection.open(target)
        try first.execute("create table run_locks (lock_name text primary key, created_at timestamptz default now())", name: "locks")
        #expect(throws: WarehouseError.self, "outside a transaction") {
            try first.lockNamed("gridcast.test", in: "run_locks", waitSeconds: 0)
        }
        try first.transaction(name: "hold") { tx in
            try tx.lockNamed("gridcast.test", in: "run_locks", waitSeconds: 0)
            do {
                try second.transaction(name: "try") { tx in try tx.lockNamed("gridcast.test", in: "run_locks", waitSeconds: 0) }
                Issue.record("expected lockNotAvailable at once")
            } catch WarehouseError.lockNotAvailable {}
            let started = Date()
            do {
                try second.transaction(name: "wait") { tx in
                    try tx.execute("set local lock_timeout = '7s'", name: "caller's timeout")
                    try tx.lockNamed("gridcast.test", in: "run_locks", waitSeconds: 0.3)
                }
                Issue.record("expected lockNotAvailable")
            } catch let WarehouseError.lockNotAvailable(name, reason) {
                #expect(name == "gridcast.test" && reason.contains("0.3"))
            }
            #expect(Date().timeIntervalSince(started) >= 0.25)
            try second.transaction(name: "other name") { tx in try tx.lockNamed("gridcast.other", in: "run_locks", waitSeconds: 0) }
        }
        try second.transaction(name: "after") { tx in
            try tx.execute("set local lock_timeout = '7s'", name: "caller's timeout")
            try tx.lockNamed("gridcast.test", in: "run_locks", waitSeconds: 0)
            // The caller's lock_timeout is restored after the acquire.
            #expect(try tx.execute("select current_setting('lock_timeout') as v", name: "setting").first?.string("v") == "7s")
        }
    }

    @Test("a password in the URL never appears in a connection error")
    func passwordsAreRedacted() throws {
        let cluster = try TestCluster.cluster()
        let secret = "s3cr3t-P@ss;word"
        let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let url = "postgresql://nobody:\(encoded)@/nodb?host=\(cluster.socketDirectory.path)&port=1"
        do {
            _ = try Connection.open(ConnectionTarget(url))
            Issue.record("expected a connection failure")
        } catch {
            let text = "\(error)"
            #expect(text.contains("Cannot connect"))
            #expect(!text.contains(secret))
            #expect(!text.contains(encoded))
            #expect(!text.contains("s3cr3t"))
        }
        let target = ConnectionTarget("host=/tmp user=a password='\(secret.replacingOccurrences(of: "'", with: "\\'"))'")
        #expect(!target.redactedDescription.contains("s3cr3t"))
        #expect(target.redact("failed for \(secret)") == "failed for ********")
    }

    @Test("a malformed URL or conninfo that libpq cannot parse keeps its password out of the error")
    func malformedTargetsAreRedacted() throws {
        let secret = "SECRET-pw-77"
        // Shapes libpq refuses to parse; its message quotes the string it was given.
        let shapes = [
            "postgresql://svc:\(secret)@[::1/gridcast",
            "postgresql://svc:\(secret)@host:notaport/gridcast",
            "postgresql://svc:\(secret)@host/gridcast?nosuchoption=1",
            "postgresql://svc:\(secret)@host/gridcast?sslmode",
            "postgresql://svc@host/gridcast?password=\(secret)&bogus=1",
            "host=localhost password=\(secret) nosuchkey=1",
            "host=localhost password='\(secret) dbname=x",
            "host=localhost password=\(secret) dbname",
        ]
        for shape in shapes {
            let target = ConnectionTarget(shape)
            #expect(target.secrets.contains { $0.contains(secret) }, "the password of \(shape) is not recognised")
            do {
                _ = try Connection.open(target)
                Issue.record("expected \(shape) to be refused")
            } catch {
                #expect(!"\(error)".contains(secret), "\(error)")
            }
        }
    }

    @Test("a short password is masked where it stands as a credential, not in every word")
    func shortSecretsDoNotGarbleMessages() {
        let target = ConnectionTarget("postgresql://svc:a@host/db")
        #expect(target.redact("Cannot connect to the database") == "Cannot connect to the database")
        #expect(target.redact("bad URL \"postgresql://svc:a@[host\"") == "bad URL \"postgresql://svc:********@[host\"")
        #expect(target.redact("host=h password=a dbname=d") == "host=h password=******** dbname=d")
        // Another target's credentials in a message are masked as well.
        #expect(ConnectionTarget("").redact("password='x y' user=u") == "password=******** user=u")
    }

    @Test("a connection outlives a DBA's idle_session_timeout while it idles (as training does) and sets keepalives")
    func idleSessionTimeout() throws {
        let target = try TestCluster.freshDatabase("idletimeout")
        let owner = try Connection.open(target)
        try owner.executeScript("""
            do $$ begin execute format('alter database %I set idle_session_timeout = %L', current_database(), '1s'); end $$
            """, name: "a DBA's timeout")
        let connection = try Connection.open(target)
        Thread.sleep(forTimeInterval: 2.5)
        #expect(try connection.execute("select 1 as one", name: "after idling").first?.int("one") == 1)
        #expect(try connection.execute("select current_setting('application_name') as a", name: "name").first?.string("a") == "gridcast")
    }

    @Test("connects through the PG* environment as psql would")
    func environmentConnection() throws {
        let cluster = try TestCluster.cluster()
        // libpq reads these when the conninfo is empty; this test process owns its environment.
        setenv("PGHOST", cluster.socketDirectory.path, 1)
        setenv("PGPORT", String(cluster.port), 1)
        setenv("PGUSER", cluster.superuser, 1)
        setenv("PGDATABASE", "postgres", 1)
        defer { for name in ["PGHOST", "PGPORT", "PGUSER", "PGDATABASE"] { unsetenv(name) } }
        let connection = try Connection.open(.environment)
        #expect(connection.serverDescription.hasSuffix(":\(cluster.port)/postgres"))
        #expect(connection.serverVersion >= 150000)
    }
}
