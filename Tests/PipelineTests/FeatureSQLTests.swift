import Foundation
import Testing
import TestSupport
import Warehouse
@testable import Pipeline

/// Columns of the feature SQL that come from per-location settings rather than constants.
@Suite("Feature SQL settings per location")
struct FeatureSQLTests {
    @Test("heating and cooling degrees count from the location's bases (migration 0023), 15.5 and 18.3 by default")
    func degreeDayBases() throws {
        let connection = try Connection.open(try SampleWarehouse.clone("degreebases"))
        let series = SeriesID(loadProfile: "RES", loadSegment: "NONSOLAR")
        func features() throws -> (temperature: [Float], cooling: [Float], heating: [Float]) {
            let data = try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout, series: series,
                                                       start: "2024-08-01", end: "2024-08-03", settings: FeatureSettings(),
                                                       requireTarget: false, asOf: .dayAhead())
            return (data.matrix.column("temperature_2m"), data.matrix.column("cooling_degrees"), data.matrix.column("heating_degrees"))
        }
        func close(_ a: Float, _ b: Float) -> Bool { abs(a - b) < 1e-4 }
        let before = try features()
        #expect(before.temperature.count == 72 && before.temperature.allSatisfy(\.isFinite))
        #expect(zip(before.temperature, before.cooling).allSatisfy { close($1, max($0 - 18.3, 0)) })
        #expect(zip(before.temperature, before.heating).allSatisfy { close($1, max(15.5 - $0, 0)) })

        try connection.execute("""
            update gridcast_input_dev.weather_locations set heating_base_c = 22, cooling_base_c = 26 where location = 'san_diego'
            """, name: "a warmer climate's bases")
        let after = try features()
        #expect(zip(after.temperature, after.cooling).allSatisfy { close($1, max($0 - 26, 0)) })
        #expect(zip(after.temperature, after.heating).allSatisfy { close($1, max(22 - $0, 0)) })
        #expect(after.heating != before.heating, "August in San Diego has hours between 15.5 and 22 degC")
        #expect(throws: WarehouseError.self) {
            try connection.execute("update gridcast_input_dev.weather_locations set heating_base_c = 30, cooling_base_c = 20",
                                   name: "heating above cooling")
        }
    }
}

/// Holiday names as a feature: one number per name, the same every year.
@Suite("Holiday codes in the feature SQL")
struct HolidayCodeFeatureTests {
    @Test("each holiday name has its own nonzero code, the same in every year; other days have 0")
    func holidayCodes() throws {
        let connection = try Connection.open(try SampleWarehouse.clone("holidaycodes"))
        let series = SeriesID(loadProfile: "RES", loadSegment: "NONSOLAR")
        func code(on day: String) throws -> Set<Float> {
            let data = try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout, series: series,
                                                       start: day, end: day, settings: FeatureSettings(),
                                                       requireTarget: false, asOf: .dayAhead())
            return Set(data.matrix.column("holiday_code"))
        }
        let christmas = try code(on: "2024-12-25"), christmasBefore = try code(on: "2023-12-25")
        let thanksgiving = try code(on: "2024-11-28"), ordinary = try code(on: "2024-11-20")
        #expect(christmas.count == 1 && christmas != [0], "one code for all hours of Christmas: \(christmas)")
        #expect(christmas == christmasBefore, "the same name gets the same code every year")
        #expect(thanksgiving.count == 1 && thanksgiving != [0] && thanksgiving != christmas)
        #expect(ordinary == [0])
    }
}

/// The feature SQL takes its values as bound parameters ($1 ... $13): what gridcast binds and what a
/// DBA runs by hand from `gridcast features print` must be the same query with the same result.
@Suite("Feature SQL with bound parameters")
struct FeatureParameterTests {
    @Test("the printed PREPARE/EXECUTE script, run by psql, gives the rows gridcast reads, value for value (one series: the one-series form; two: the batch form)",
          arguments: [1, 2])
    func handRunScriptMatchesFetch(seriesCount: Int) throws {
        let target = try SampleWarehouse.clone("handrun")
        let connection = try Connection.open(target)
        let series = SeriesID(loadProfile: "RES", loadSegment: "SOLAR")
        let settings = FeatureSettings()
        let data = try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout, series: series,
                                                   start: "2024-08-01", end: "2024-08-02", settings: settings,
                                                   requireTarget: false, asOf: .dayAhead())
        let asked = [series, SeriesID(loadProfile: "MEDCI", loadSegment: "NONSOLAR")].prefix(seriesCount)
        let example = FeatureParameters(series: Array(asked), start: "2024-08-01", end: "2024-08-02", settings: settings,
                                        requireTarget: false, asOf: .dayAhead())
        let script = try SampleWarehouse.query.handRunScript(SampleWarehouse.layout, example: example)
        #expect(!script.contains("current_setting"), "values are parameters, not settings")
        #expect(script.contains("prepare dayahead_features(text[], text[],") == (seriesCount > 1), "arrays for many series only")

        let lines = try Self.psqlCSV(script, conninfo: target.conninfo)
        let header = try #require(lines.first).split(separator: ",").map(String.init)
        #expect(Array(header.prefix(FeatureQuery.keyColumns.count)) == FeatureQuery.keyColumns)
        let all = lines.dropFirst().map { Self.csvFields($0) }
        #expect(all.count == 48 * seriesCount, "two days of 24 hours a series: \(all.count)")
        let rows = all.filter { $0[0] == "RES" && $0[1] == "SOLAR" }
        #expect(rows.count == 48 && data.keys.count == 48, "two days of 24 hours: \(rows.count), \(data.keys.count)")
        #expect(rows.map { $0[2] } == data.keys.map(\.hourStart), "hour starts, in order")
        // Every scalar feature column agrees with the matrix gridcast built from its own bound query.
        for (offset, name) in header.enumerated().dropFirst(FeatureQuery.keyColumns.count) where name != "same_hour_lags" {
            let mine = data.matrix.column(name)
            let theirs = rows.map { row -> Float in
                switch row[offset] { case "": return .nan; case "t": return 1; case "f": return 0
                default: return Double(row[offset]).map(Float.init) ?? .nan }
            }
            #expect(zip(mine, theirs).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "\(name)")
        }
    }

    @Test("a hostile series name stays a value: quoted in the printed EXECUTE, bound by gridcast")
    func hostileValuesStayValues() throws {
        let example = FeatureParameters(series: SeriesID(loadProfile: "R'ES; drop table x", loadSegment: "SOLAR"),
                                        start: "2024-08-01", end: "2024-08-01", settings: FeatureSettings(),
                                        requireTarget: false, asOf: .dayAhead())
        #expect(example.literals[0] == "'R''ES; drop table x'", "one series: the one-series form's text")
        #expect(example.literals[8] == "null", "no fixed run time: each day's own")
        #expect(example.values.count == FeatureParameters.types.count)
        let connection = try Connection.open(try SampleWarehouse.clone("hostile"))
        let data = try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout,
                                                   series: SeriesID(loadProfile: "R'ES; drop table x", loadSegment: "SOLAR"),
                                                   start: "2024-08-01", end: "2024-08-01", settings: FeatureSettings(),
                                                   requireTarget: false, asOf: .dayAhead())
        #expect(data.keys.isEmpty, "no such series: no rows, and no error from the quote")
    }

    /// Runs `script` with psql in CSV mode and returns the lines of the last result.
    static func psqlCSV(_ script: String, conninfo: String) throws -> [String] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("features-\(UUID().uuidString).sql")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let psql = Process()
        psql.executableURL = try TestCluster.cluster().binDirectory.appendingPathComponent("psql")
        psql.arguments = ["-X", "-q", "--csv", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-f", file.path]
        let output = Pipe(), errors = Pipe()
        psql.standardOutput = output
        psql.standardError = errors
        try psql.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problems = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        psql.waitUntilExit()
        try #require(psql.terminationStatus == 0, "psql: \(problems)")
        return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    /// Splits one CSV line; the feature columns are numbers, timestamps and `{...}` arrays in quotes.
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        for character in line {
            switch character {
            case "\"": quoted.toggle()
            case "," where !quoted: fields.append(current); current = ""
            default: current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
