import Foundation
import LocalPostgres
import Warehouse

/// The test process's PostgreSQL: one throwaway cluster started on first use, shared by every test,
/// with a fresh database per test so tests never see each other's rows. A watchdog process stops
/// the server and deletes its directory when the test process exits, even if it is killed.
public enum TestCluster {
    nonisolated(unsafe) private static var shared: LocalCluster?
    private static let lock = NSLock()

    /// The running cluster, started on first call.
    public static func cluster() throws -> LocalCluster {
        lock.lock()
        defer { lock.unlock() }
        if let shared { return shared }
        let directory = URL(fileURLWithPath: "/tmp/gridcast-test-\(getpid())-\(UUID().uuidString.prefix(8))")
        let cluster = try LocalCluster.start(in: directory)
        startWatchdog(for: cluster)
        shared = cluster
        return cluster
    }

    /// A cluster of the calling test's own, for tests that stop or restart the server. Stopped and
    /// deleted by a watchdog when the test process ends.
    public static func privateCluster(_ label: String) throws -> LocalCluster {
        let directory = URL(fileURLWithPath: "/tmp/gridcast-test-\(getpid())-\(label)-\(UUID().uuidString.prefix(8))")
        let cluster = try LocalCluster.start(in: directory)
        startWatchdog(for: cluster)
        return cluster
    }

    /// Creates an empty database and returns a target for it (as the cluster superuser).
    public static func freshDatabase(_ label: String = "t") throws -> ConnectionTarget {
        let cluster = try cluster()
        let name = "\(label.lowercased().filter { $0.isLetter || $0.isNumber })_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try Connection.open(cluster.target)
        try admin.execute("create database \(try SQLIdentifier(name).quoted)", name: "create test database")
        return ConnectionTarget(cluster.conninfo(database: name))
    }

    /// Opens a connection to a fresh database.
    public static func freshConnection(_ label: String = "t") throws -> Connection {
        try Connection.open(freshDatabase(label))
    }

    /// A shell loop that waits for this process to end, then stops the server and removes its files.
    private static func startWatchdog(for cluster: LocalCluster) {
        let pgCtl = "\(cluster.binDirectory.path)/pg_ctl"
        let stop = getuid() == 0 ? "/sbin/runuser -u postgres -- \(pgCtl)" : pgCtl
        let script = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            \(stop) -D '\(cluster.dataDirectory.path)' -m immediate stop >/dev/null 2>&1
            rm -rf '\(cluster.directory.path)'
            """
        _ = try? LocalCluster.spawnDetached(["/bin/sh", "-c", script])
    }
}
