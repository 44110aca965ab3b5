import Features
import Foundation
import Ingest
import Migrations
import Pipeline
import SampleData
import TestSupport
import Warehouse

/// A migrated database holding loaded sample data (SQMD, weather, calendar), built once per test
/// process and cloned per test with CREATE DATABASE ... TEMPLATE, so each test starts from the same
/// state in a fraction of a second.
enum SampleWarehouse {
    static let layout = SchemaLayout(environment: .dev)
    /// 15 months ending 2024-12-31: enough for a year of lags, both 2024 DST days, and a test window.
    static let start = LocalDate(year: 2023, month: 10, day: 1)!
    static let end = LocalDate(year: 2024, month: 12, day: 31)!

    nonisolated(unsafe) private static var templateName: String?
    private static let lock = NSLock()

    /// A fresh database cloned from the loaded template.
    static func clone(_ label: String) throws -> ConnectionTarget {
        let template = try prepareTemplate()
        let cluster = try TestCluster.cluster()
        let name = "\(label)_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try Connection.open(cluster.target)
        try admin.execute("create database \(try SQLIdentifier(name).quoted) template \(try SQLIdentifier(template).quoted)", name: "clone sample")
        return ConnectionTarget(cluster.conninfo(database: name))
    }

    private static func prepareTemplate() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let templateName { return templateName }
        let target = try TestCluster.freshDatabase("sampletemplate")
        do {
            let connection = try Connection.open(target)
            try MigrationRunner(layout: layout, files: try MigrationFile.load(from: Repository.migrations)).migrate(on: connection)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-sample-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let files = try SampleGenerator(seed: 7, start: start, end: end).write(to: directory)
            let options = SQMDLoadOptions(timeZone: .location("san_diego"), registerSeries: true)
            _ = try SQMDLoader(layout: layout, options: options).load(files.sqmdFiles.map { SQMDSource.file($0.path) }, on: connection)
            _ = try WeatherLoader(layout: layout).load(file: files.weather.path, on: connection)
            _ = try WeatherLoader(layout: layout, options: WeatherLoadOptions(kind: .forecast))
                .load(file: files.weatherForecasts.path, on: connection)
            try CalendarTableWriter(layout: layout).fill(from: start, through: end.adding(days: 2), on: connection)
        }
        let name = String(target.conninfo.split(separator: "=").last ?? "")
        templateName = name
        return name
    }

    /// Restates effective SQMD rows of the sample as Final submissions through the real loader:
    /// `values` is the SQL for (loadlal, genlal, metercount) over the rows `condition` selects.
    /// Returns how many rows the file held and what the loader did with them.
    @discardableResult
    static func restate(_ connection: Connection, where condition: String, values: String) throws
        -> (rows: Int, summary: SQMDLoadSummary) {
        let rows = try connection.execute("""
            select tradedatelocal::text || ',' || tradehourstartlocal || ',' || loadprofile || ',' || rategroup || ','
                   || concat_ws(',', \(values)) || ',Final,' || dst_fold as line
            from gridcast_input_dev.vw_sqmd_effective where \(condition)
            """, name: "restated rows").rows.compactMap { $0.string("line") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("restated-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        let header = "tradedatelocal,tradehourstartlocal,loadprofile,rategroup,loadlal,genlal,metercount,submission,dst_fold"
        try ([header] + rows).map { $0 + "\n" }.joined().write(to: file, atomically: true, encoding: .utf8)
        return (rows.count, try SQMDLoader(layout: layout).load([.file(file.path)], on: connection))
    }

    static var query: FeatureQuery {
        get throws {
            let path = Repository.sql.appendingPathComponent("features/dayahead_features.sql").path
            return FeatureQuery(template: SQLTemplate(try String(contentsOfFile: path, encoding: .utf8), origin: path))
        }
    }

    /// A small, fast training configuration for tests (the CLI default searches 50 trials).
    static var quickTraining: TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.trials = 3
        configuration.folds = 2
        configuration.foldDays = 21
        configuration.testDays = 42
        configuration.validationDays = 42
        configuration.historyDays = 460
        configuration.maxRounds = 300
        configuration.patience = 20
        return configuration
    }
}
