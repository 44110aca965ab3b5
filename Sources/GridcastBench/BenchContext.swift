import Features
import Foundation
import LocalPostgres
import Logging
import Migrations
import Warehouse

/// What every stage needs: where the database is, how to run `gridcast`, psql and Python, and where
/// to keep logs and exported files.
struct BenchContext {
    let size: BenchSize
    let workDirectory: URL
    let target: ConnectionTarget
    /// `citus`: the scale stage migrates its environment with `--distributed citus`.
    var distributed: String? = nil
    let gridcast: String
    let psql: String
    let python: String
    /// The repository's bench/ folder: reference scripts and SQL.
    let benchDirectory: URL
    let logger: Logger
    /// The sample's "today": SQMD Initial rows reach 14 days before it, weather reaches it.
    let sampleEnd = "2024-12-31"

    /// The environment children get: the database through GRIDCAST_DATABASE_URL, never argv.
    var childEnvironment: [String: String] { ["GRIDCAST_DATABASE_URL": target.conninfo] }

    func layout(_ environment: DeploymentEnvironment) -> SchemaLayout { SchemaLayout(environment: environment) }

    func connect() throws -> Connection { try Connection.open(target, logger: logger) }

    /// A connection whose planner may not use index scans (session settings every transaction on it
    /// inherits), to measure what the indexes buy.
    func connectWithoutIndexScans() throws -> Connection {
        let connection = try connect()
        for setting in ["enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"] {
            try connection.execute("select set_config($1, 'off', false)", [setting], name: "turn off \(setting)")
        }
        return connection
    }

    func log(_ name: String) -> String { workDirectory.appendingPathComponent("logs/\(name)").path }

    /// Runs `gridcast ARGS` to completion, measured.
    func gridcast(_ arguments: [String], log name: String) throws -> ChildProcess.Outcome {
        try ChildProcess.run([gridcast] + arguments, environment: childEnvironment, logPrefix: log(name))
    }

    /// Runs a psql script file as one process (connection, script, exit), measured.
    func psql(file: String, log name: String) throws -> ChildProcess.Outcome {
        try ChildProcess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target.conninfo, "-f", file], logPrefix: log(name))
    }

    func psql(command: String, log name: String) throws -> ChildProcess.Outcome {
        try ChildProcess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target.conninfo, "-c", command], logPrefix: log(name))
    }

    /// `date` plus `days`, both ISO dates.
    func date(_ date: String, adding days: Int) throws -> String {
        guard let day = LocalDate(date) else { throw BenchError.setup("'\(date)' is not a date") }
        return day.adding(days: days).description
    }

    func step(_ message: String) { FileHandle.standardError.write(Data("--> \(message)\n".utf8)) }

    /// The `gridcast` executable built beside this one (`swift build -c release` builds both).
    static func locateGridcast() throws -> String {
        let here = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidate = here.appendingPathComponent("gridcast").path
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw BenchError.setup("no gridcast executable next to gridcast-bench in \(here.path); build both with `swift build -c release`")
        }
        return candidate
    }

    /// bench/ beside migrations/ and sql/, found like them (or GRIDCAST_BENCH_DIR).
    static func locateBenchDirectory() throws -> URL {
        try ResourceDirectory.locate("bench", marker: "sql/scale_series.sql", variable: "GRIDCAST_BENCH_DIR")
    }

    /// The reference's interpreter: `--python`, GRIDCAST_BENCH_PYTHON, the venv `./setup` fills with
    /// bench/requirements.txt (`.gridcast/python` beside bench/), or python3 on PATH.
    static func locatePython(explicit: String?) throws -> String {
        if let explicit { return explicit }
        if let configured = ProcessInfo.processInfo.environment["GRIDCAST_BENCH_PYTHON"], !configured.isEmpty { return configured }
        let venv = try locateBenchDirectory().deletingLastPathComponent().appendingPathComponent(".gridcast/python/bin/python3")
        return FileManager.default.isExecutableFile(atPath: venv.path) ? venv.path : "python3"
    }

    /// The configured database (which must hold no gridcast schemas yet, since the bench fills it), or
    /// a throwaway cluster in the work folder with a fresh `gridcast_bench` database.
    static func database(configured: String?, workDirectory: URL, logger: Logger) throws -> (ConnectionTarget, LocalCluster?) {
        if let configured, !configured.isEmpty {
            let target = ConnectionTarget(configured)
            guard target.secrets.isEmpty else {
                throw BenchError.setup("the database URL holds a password, and the bench hands it to psql on a command line; "
                                       + "put the password in PGPASSWORD or ~/.pgpass and leave it out of the URL")
            }
            let connection = try Connection.open(target, logger: logger)
            let used = try connection.execute("select string_agg(nspname, ', ') as names from pg_namespace where nspname like 'gridcast%'",
                                              name: "look for gridcast schemas").first?.string("names")
            if let used {
                throw BenchError.setup("the bench fills the database it is given, and this one already has gridcast schemas (\(used)); "
                                       + "point it at an empty scratch database, or unset GRIDCAST_DATABASE_URL to let it start its own")
            }
            return (target, nil)
        }
        let cluster = try LocalCluster.start(in: workDirectory.appendingPathComponent("postgres"), durable: true)
        let admin = try Connection.open(cluster.target, logger: logger)
        try admin.execute("drop database if exists gridcast_bench", name: "drop old bench database")
        try admin.execute("create database gridcast_bench", name: "create bench database")
        return (ConnectionTarget(cluster.conninfo(database: "gridcast_bench")), cluster)
    }
}

/// How big a run is. `full` is what bench/README.md reports; `tiny` is what CI runs to prove the bench still works.
struct BenchSize: Sendable {
    let name: String
    /// Days of sample history (3 years for full).
    let sampleDays: Int
    /// `gridcast train` options, also handed to the Python reference.
    let trials: Int
    let folds: Int
    let testDays: Int
    let validationDays: Int
    let historyDays: Int
    let copyRows: Int
    let repeats: Int
    var scaleCounts: [Int]
    let scaleDays: Int
    let scaleTrainArguments: [String]
    let workers: Int
    /// Series counts of the BI stage (6 = the sample's count) and days of issued forecasts per series.
    let biCounts: [Int]
    let biDays: Int

    /// The training comparison's settings. `--target load`: the Python reference learns the load, so both sides
    /// fit the same models (the deviation from the recent level is gridcast's own choice under auto; its effect
    /// is measured on real data by bench/public_check.sh).
    var trainArguments: [String] {
        ["--target", "load", "--trials", "\(trials)", "--folds", "\(folds)", "--test-days", "\(testDays)",
         "--validation-days", "\(validationDays)", "--history-days", "\(historyDays)"]
    }

    static func named(_ name: String, trials: Int?) -> BenchSize? {
        switch name {
        case "full":
            return BenchSize(name: name, sampleDays: 3 * 365, trials: trials ?? 50, folds: 3, testDays: 56, validationDays: 56,
                             historyDays: 3 * 365, copyRows: 1_000_000, repeats: 3, scaleCounts: [100, 1000], scaleDays: 365,
                             scaleTrainArguments: ["--trials", "2", "--folds", "1", "--test-days", "28", "--validation-days", "28",
                                                   "--history-days", "365"], workers: 2,
                             biCounts: [6, 1000], biDays: 365)
        case "tiny":
            return BenchSize(name: name, sampleDays: 400, trials: trials ?? 2, folds: 1, testDays: 14, validationDays: 14,
                             historyDays: 330, copyRows: 5_000, repeats: 1, scaleCounts: [2, 4], scaleDays: 240,
                             scaleTrainArguments: ["--trials", "1", "--folds", "1", "--test-days", "14", "--validation-days", "14",
                                                   "--history-days", "200"], workers: 2,
                             biCounts: [6, 20], biDays: 60)
        default:
            return nil
        }
    }
}
