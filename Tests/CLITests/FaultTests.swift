import Foundation
import LocalPostgres
import SampleData
import Testing
import TestSupport
import Warehouse

/// Faults injected into real gridcast processes against a real server: SIGKILL at random points and
/// at a known point inside the merge, and a server restart in the middle of a load. Every check
/// compares the warehouse before and after: the old state or the new state, never a mix, nothing lost.
@Suite("Faults: killed processes and a restarted server", .serialized)
struct FaultTests {
    @Test("SIGKILL of the SQMD loader during COPY and merge leaves the old rows or the new ones, never a mix")
    func killTheLoader() throws {
        let warehouse = try CLIWarehouse("killload")
        let began = Date()
        try warehouse.mustRun(["load", "sqmd", warehouse.initialCSV])
        let loadSeconds = Date().timeIntervalSince(began)
        let old = try warehouse.sqmdFingerprint()
        var random = SplitMix64(seed: 20_261_128)
        var states: [String] = [], phases: [String] = [], killed = 0

        // Kills at random moments of a load of the Final file over the Initial rows (a process that finished
        // before its kill is a complete load: its state must then be the new one).
        for _ in 0..<3 {
            let process = try warehouse.start(["load", "sqmd", warehouse.finalCSV])
            Thread.sleep(forTimeInterval: loadSeconds * Double.random(in: 0.05...0.7, using: &random))
            phases.append(try warehouse.activeQueries())
            process.kill()
            if process.wait().signalled { killed += 1 }
            try warehouse.waitUntilQuiet()
            states.append(try warehouse.sqmdFingerprint())
        }
        // A kill while the rows stream into staging: as soon as the COPY shows in pg_stat_activity.
        do {
            let process = try warehouse.start(["load", "sqmd", warehouse.finalCSV])
            let copying = try warehouse.poll(seconds: 120) { try warehouse.activeQueries().lowercased().contains("copy") }
            #expect(copying, "the loader never reached its COPY")
            phases.append("copy: " + (try warehouse.activeQueries()))
            process.kill()
            if process.wait().signalled { killed += 1 }
            try warehouse.waitUntilQuiet()
            states.append(try warehouse.sqmdFingerprint())
        }
        // A kill at a known point: the merge waits for a lock this test holds on sqmd, so the COPY and the
        // reject bookkeeping have run inside the loader's transaction when it dies.
        do {
            let blocker = try Connection.open(warehouse.target)
            try blocker.execute("begin", name: "begin")
            try blocker.execute("lock table gridcast_input_dev.sqmd in exclusive mode", name: "block writers")
            let process = try warehouse.start(["load", "sqmd", warehouse.finalCSV])
            let blocked = try warehouse.poll(seconds: 120) { try warehouse.someoneWaits(on: "gridcast_input_dev.sqmd") }
            #expect(blocked, "the loader never reached the merge")
            phases.append("merge: " + (try warehouse.activeQueries()))
            process.kill()
            if process.wait().signalled { killed += 1 }
            try blocker.execute("rollback", name: "release")
        }
        try warehouse.waitUntilQuiet()
        states.append(try warehouse.sqmdFingerprint())

        try warehouse.mustRun(["load", "sqmd", warehouse.finalCSV])
        let new = try warehouse.sqmdFingerprint()
        #expect(new != old)
        // The COPY and merge kills always land; a random one may come after the load finished.
        #expect(killed >= 2, "phases: \(phases)")
        for (state, phase) in zip(states, phases) {
            #expect(state == old || state == new, "a kill during \(phase) left a mix: \(state), old \(old), new \(new)")
        }
        #expect(phases.contains { $0.lowercased().contains("copy") }, "no kill landed during COPY: \(phases)")
        // The killed runs show as abandoned (their run-log connection died with them); the last one succeeded.
        #expect(try warehouse.poll(seconds: 10) {
            try warehouse.int("select count(*) as n from gridcast_bi_dev.vw_run_history where status = 'abandoned'") == killed
        })
        #expect(try warehouse.int("select count(*) as n from gridcast_bi_dev.vw_run_history where status = 'succeeded'") == 2 + 5 - killed)
        // Nothing lost: every Final line of the file is in the table.
        let finalLines = try String(contentsOfFile: warehouse.finalCSV, encoding: .utf8).split(separator: "\n").count - 1
        #expect(try warehouse.int("select count(*) as n from gridcast_input_dev.sqmd where submission = 'Final'") == finalLines)
    }

    @Test("SIGKILL of a backfill at random points and inside the forecast merge: the forecasts all come from one succeeded run")
    func killTheForecast() throws {
        let warehouse = try CLIWarehouse("killforecast")
        try warehouse.loadAll()
        try warehouse.mustRun(["train", "--series", "RES-SOLAR"] + CLIWarehouse.trainArguments)
        let backfill = ["backfill", "--series", "RES-SOLAR", "--from", "2024-10-15", "--to", "2024-12-15"]
        let began = Date()
        try warehouse.mustRun(backfill)
        let seconds = Date().timeIntervalSince(began)
        // 62 days, one of them the 25-hour fall-back day.
        let expectedRows = 62 * 24 + 1
        func state() throws -> (rows: Int, runs: Int, succeeded: Int, runID: String?) {
            let rows = try warehouse.int("select count(*) as n from gridcast_operational_dev.dayahead_load_forecasts")
            let runs = try warehouse.int("select count(distinct run_id) as n from gridcast_operational_dev.dayahead_load_forecasts")
            let succeeded = try warehouse.int("""
                select count(*) as n from gridcast_operational_dev.run_log
                where status = 'succeeded' and run_id in (select run_id from gridcast_operational_dev.dayahead_load_forecasts)
                """)
            let runID = try warehouse.string("select min(run_id::text) from gridcast_operational_dev.dayahead_load_forecasts")
            return (rows, runs, succeeded, runID)
        }
        let old = try state()
        #expect(old.rows == expectedRows && old.runs == 1 && old.succeeded == 1)

        var random = SplitMix64(seed: 11_28)
        var phases: [String] = [], killed = 0
        func check(_ phase: String) throws {
            try warehouse.waitUntilQuiet()
            let now = try state()
            #expect(now.rows == expectedRows && now.runs == 1 && now.succeeded == 1, "after a kill during \(phase): \(now)")
        }
        for _ in 0..<4 {
            let process = try warehouse.start(backfill)
            Thread.sleep(forTimeInterval: seconds * Double.random(in: 0.05...0.7, using: &random))
            let phase = try warehouse.activeQueries()
            phases.append(phase)
            process.kill()
            if process.wait().signalled { killed += 1 }
            try check(phase)
        }
        do {
            // The writer has copied its rows into staging and waits to replace the old ones when it dies.
            let blocker = try Connection.open(warehouse.target)
            try blocker.execute("begin", name: "begin")
            try blocker.execute("lock table gridcast_operational_dev.dayahead_load_forecasts in exclusive mode", name: "block writers")
            let process = try warehouse.start(backfill)
            #expect(try warehouse.poll(seconds: 120) { try warehouse.someoneWaits(on: "gridcast_operational_dev.dayahead_load_forecasts") })
            phases.append("merge: " + (try warehouse.activeQueries()))
            process.kill()
            if process.wait().signalled { killed += 1 }
            try blocker.execute("rollback", name: "release")
        }
        try check("merge")
        #expect(killed >= 1, "the merge kill always lands; phases: \(phases)")

        try warehouse.mustRun(backfill)
        let new = try state()
        #expect(new.rows == expectedRows && new.runs == 1 && new.succeeded == 1 && new.runID != old.runID)
    }

    /// A cluster of the test's own (it is stopped and restarted) with a migrated warehouse database.
    @Test("the training connection terminated while XGBoost fits: the train reconnects and registers the model")
    func connectionLostDuringFit() throws {
        let warehouse = try CLIWarehouse("lostfit")
        try warehouse.loadAll()
        let train = try warehouse.start(["train", "--series", "RES-NONSOLAR", "--json", "--trials", "6", "--folds", "2",
                                         "--test-days", "14", "--validation-days", "14", "--history-days", "200"])
        // The feature transaction has committed and the session idles while the fits run (its last
        // statement "commit", for over a second): end it, as a DBA's idle timeout or a firewall would.
        let deadline = Date().addingTimeInterval(240)
        var terminated = 0
        while terminated == 0 && Date() < deadline {
            terminated = try warehouse.int("""
                select count(pg_terminate_backend(pid)) as n from pg_stat_activity
                where datname = current_database() and pid <> pg_backend_pid() and application_name = 'gridcast'
                  and state = 'idle' and query = 'commit' and now() - state_change > interval '1 second'
                """)
            Thread.sleep(forTimeInterval: 0.1)
        }
        try #require(terminated == 1, "never saw the training session idle after its feature query")
        let outcome = train.wait()
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        #expect(try warehouse.int("""
            select count(*) as n from gridcast_operational_dev.model_registry where load_profile = 'RES' and load_segment = 'NONSOLAR'
            """) == 1)
        #expect(try warehouse.int("select count(*) as n from gridcast_operational_dev.run_log where kind = 'train' and status = 'succeeded'") == 1)
    }

    static func warehouseOnPrivateCluster(_ label: String) throws -> (LocalCluster, CLIWarehouse) {
        let cluster = try TestCluster.privateCluster(label)
        let admin = try Connection.open(cluster.target)
        try admin.execute("create database \(label)_test", name: "create database")
        return (cluster, try CLIWarehouse(label, target: ConnectionTarget(cluster.conninfo(database: "\(label)_test"))))
    }

    @Test("a server restart during a load: exit 3 with a clear message, a failed run-log row, nothing half-loaded; the next load succeeds")
    func restartTheServer() throws {
        let (cluster, warehouse) = try Self.warehouseOnPrivateCluster("restart")
        let process = try warehouse.start(["load", "sqmd", warehouse.initialCSV, warehouse.finalCSV])
        let copying = try warehouse.poll(seconds: 60) { try warehouse.activeQueries().lowercased().contains("copy") }
        #expect(copying, "the load never reached its COPY")
        cluster.stop(mode: "fast")
        _ = try LocalCluster.start(in: cluster.directory)
        let outcome = process.wait()
        #expect(outcome.exitCode == 3, "stderr: \(outcome.stderr)")
        #expect(outcome.stderr.contains("restarted") || outcome.stderr.contains("Lost the database connection"), "\(outcome.stderr)")

        let after = try Connection.open(warehouse.target)
        let row = try after.execute("select status, error from gridcast_operational_dev.run_log where kind = 'load'", name: "run log").rows
        #expect(row.count == 1)
        #expect(row.first?.string("status") == "failed")
        #expect(row.first?.string("error")?.isEmpty == false)
        #expect(try after.execute("select count(*) as n from gridcast_input_dev.sqmd", name: "count").first?.int("n") == 0)

        let retry = try GridcastProcess.run(["load", "sqmd", warehouse.initialCSV, warehouse.finalCSV], environment: warehouse.environment)
        #expect(retry.exitCode == 0, "\(retry.stderr)")
        let lines = try [warehouse.initialCSV, warehouse.finalCSV].map {
            try String(contentsOfFile: $0, encoding: .utf8).split(separator: "\n").count - 1
        }.reduce(0, +)
        #expect(try after.execute("select count(*) as n from gridcast_input_dev.sqmd", name: "count").first?.int("n") == lines)
        cluster.stop(mode: "immediate")
    }

    @Test("a server restart while a backfill waits on its feature query: exit 3 at once, no rows, a failed run-log row")
    func restartDuringBackfill() throws {
        let (cluster, warehouse) = try Self.warehouseOnPrivateCluster("restartbf")
        try warehouse.loadAll()
        try warehouse.mustRun(["train", "--series", "RES-SOLAR"] + CLIWarehouse.trainArguments)
        // A DBA's lock holds the backfill inside its first feature query, so the restart lands mid-run every time.
        let dba = try Connection.open(warehouse.target)
        try dba.execute("begin", name: "dba transaction")
        try dba.execute("lock table gridcast_input_dev.sqmd in access exclusive mode", name: "dba lock")
        let process = try warehouse.start(["backfill", "--series", "RES-SOLAR", "--from", "2024-11-01", "--to", "2024-12-15"])
        let waiting = try warehouse.poll(seconds: 120) {
            try warehouse.int("""
                select count(*) as n from pg_stat_activity
                where datname = current_database() and wait_event_type = 'Lock' and query like '%dayahead_features%'
                """) > 0
        }
        #expect(waiting, "the backfill never reached its feature query")
        cluster.stop(mode: "fast")
        _ = try LocalCluster.start(in: cluster.directory)
        let outcome = process.wait()
        #expect(outcome.exitCode == 3, "stderr: \(outcome.stderr)")
        #expect(outcome.stderr.components(separatedBy: "FAILED").count <= 2, "one failure, not one per day: \(outcome.stderr)")

        let after = try Connection.open(warehouse.target)
        #expect(try after.execute("select count(*) as n from gridcast_operational_dev.dayahead_load_forecasts",
                                  name: "count").first?.int("n") == 0)
        let runs = try after.execute("select status from gridcast_operational_dev.run_log where kind = 'backfill'", name: "run log").rows
        #expect(runs.map { $0.string("status") } == ["failed"])
        cluster.stop(mode: "immediate")
    }
}
