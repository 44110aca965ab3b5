import Foundation
import Ingest
import Migrations
import TestSupport
import Warehouse

/// A migrated dev database, a scratch folder for input files, and helpers to load them and read back
/// what the warehouse holds.
final class SQMDHarness {
    static let layout = SchemaLayout(environment: .dev)
    static let header = "tradedatelocal,tradehourstartlocal,loadprofile,rategroup,loadlal,genlal,metercount,submission,dst_fold"

    let target: ConnectionTarget
    let connection: Connection
    let directory: URL

    init(_ label: String) throws {
        target = try TestCluster.freshDatabase(label)
        connection = try Connection.open(target)
        try MigrationRunner(layout: Self.layout, files: try MigrationFile.load(from: Repository.migrations))
            .migrate(on: connection)
        try SampleSeries.register(on: connection)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-sqmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Writes `bytes` to a file in the scratch folder and returns its path.
    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    /// Writes a file with the standard header and `lines`, LF-terminated.
    @discardableResult
    func write(_ name: String, lines: [String], header: String = SQMDHarness.header) throws -> String {
        try write(name, ([header] + lines).map { $0 + "\n" }.joined())
    }

    /// Loads files of the scratch folder with a run log on a second connection.
    func load(_ names: [String], options: SQMDLoadOptions = SQMDLoadOptions()) throws -> SQMDLoadSummary {
        let runLog = try RunLog(target: target, layout: Self.layout)
        return try SQMDLoader(layout: Self.layout, options: options)
            .load(names.map { .file(directory.appendingPathComponent($0).path) }, on: connection, runLog: runLog)
    }

    func load(_ name: String, options: SQMDLoadOptions = SQMDLoadOptions()) throws -> SQMDLoadSummary {
        try load([name], options: options)
    }

    func int(_ sql: String, _ parameters: [any SQLBindable] = []) throws -> Int? {
        try connection.execute(sql, parameters, name: "test query").first?.int("n")
    }

    func strings(_ sql: String, _ parameters: [any SQLBindable] = []) throws -> [String] {
        try connection.execute(sql, parameters, name: "test query").rows.map { $0.string(at: 0) ?? "NULL" }
    }

    var sqmdCount: Int { (try? int("select count(*) as n from gridcast_input_dev.sqmd")) ?? -1 }
    var rejectCount: Int { (try? int("select count(*) as n from gridcast_input_dev.vw_load_rejects_current")) ?? -1 }

    /// `line: reason` of every stored reject of `file`, in line order.
    func rejects(_ file: String) throws -> [Int: String] {
        var result: [Int: String] = [:]
        for row in try connection.execute("""
            select line_number, reason from gridcast_input_dev.vw_load_rejects_current
            where source_kind = 'sqmd' and source_file = $1 order by line_number
            """, [file], name: "rejects").rows {
            result[row.int("line_number") ?? -1] = row.string("reason")
        }
        return result
    }

    /// The latest run-log rows, newest first.
    func runs() throws -> [(status: String, rows: Int?, error: String?, arguments: String)] {
        try connection.execute("""
            select status, rows, error, arguments::text as arguments from gridcast_operational_dev.run_log
            where kind = 'load' order by started_at desc, finished_at desc
            """, name: "runs").rows.map {
            ($0.string("status") ?? "", $0.int("rows"), $0.string("error"), $0.string("arguments") ?? "")
        }
    }
}
