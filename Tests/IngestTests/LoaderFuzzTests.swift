import Foundation
import Ingest
import SampleData
import Testing
import Warehouse

/// Seeded random mutations of valid SQMD CSV and Open-Meteo JSON, loaded through the real loaders.
/// Whatever the bytes, a load either fails with one of the loaders' typed errors and writes nothing,
/// or accounts for every record: read = inserted + updated + unchanged + rejected, with each reject
/// stored. Nothing crashes, nothing is lost. The seed of a failing case is in the expectation message.
@Suite("Loaders under fuzzed input", .serialized)
struct LoaderFuzzTests {
    static let cases = 60

    /// Two days of every hour for two rate groups, all valid.
    static func validSQMD() -> [UInt8] {
        var lines = [SQMDHarness.header]
        for day in ["2024-06-01", "2024-06-02"] {
            for hour in 0..<24 {
                for (group, load) in [("DR", 100 + hour), ("NEM2", 50 + hour)] {
                    lines.append("\(day),\(hour),RES,\(group),\(load).25,\(hour % 7),\(40 + hour),Initial,0")
                }
            }
        }
        return Array(lines.joined(separator: "\n").utf8) + [10]
    }

    static let interesting: [[UInt8]] = [
        [0x2C], [0x22], [0x0A], [0x0D, 0x0A], [0xFF], [0x00], [0xEF, 0xBB, 0xBF], [0xC3], Array("24".utf8), Array("-1".utf8),
        Array("1e400".utf8), Array("99999999999999999999999999".utf8), Array("NaN".utf8), Array("-5".utf8),
        Array("2024-02-30".utf8), Array("2024-03-10,2".utf8), Array("2024-11-03,1".utf8), Array("Final".utf8), Array("'; drop table x; --".utf8),
    ]

    /// 1 to 4 random edits: overwrite, insert, delete a range, duplicate or drop a line, truncate.
    static func mutate(_ bytes: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var data = bytes
        for _ in 0..<Int.random(in: 1...4, using: &random) where !data.isEmpty {
            let at = Int.random(in: 0..<data.count, using: &random)
            switch Int.random(in: 0..<7, using: &random) {
            case 0: data[at] = UInt8.random(in: 0...255, using: &random)
            case 1: data.insert(contentsOf: interesting.randomElement(using: &random)!, at: at)
            case 2: data.removeSubrange(at..<min(data.count, at + Int.random(in: 1...40, using: &random)))
            case 3:
                let lines = data.split(separator: 10, omittingEmptySubsequences: false)
                let line = lines.randomElement(using: &random)!
                data.insert(contentsOf: Array(line) + [10], at: data.firstIndex(of: 10).map { $0 + 1 } ?? 0)
            case 4:
                var lines = data.split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
                lines.remove(at: Int.random(in: 0..<lines.count, using: &random))
                data = Array(lines.joined(separator: [10]))
            case 5: data = Array(data.prefix(at))
            default:
                // Replace one field of a random line with an interesting value.
                var lines = data.split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
                let index = Int.random(in: 0..<lines.count, using: &random)
                var fields = lines[index].split(separator: 0x2C, omittingEmptySubsequences: false).map(Array.init)
                if !fields.isEmpty {
                    fields[Int.random(in: 0..<fields.count, using: &random)] = interesting.randomElement(using: &random)!
                    lines[index] = Array(fields.joined(separator: [0x2C]))
                }
                data = Array(lines.joined(separator: [10]))
            }
        }
        return data
    }

    @Test("mutated SQMD CSV: a typed error and nothing written, or every record loaded or rejected with a stored reason")
    func fuzzSQMD() throws {
        let harness = try SQMDHarness("fuzzsqmd")
        var random = SplitMix64(seed: 20_261_128)
        var loaded = 0, refused = 0, rejectedRows = 0
        for index in 0..<Self.cases {
            let bytes = Self.mutate(Self.validSQMD(), &random)
            let name = "fuzz\(index).csv"
            try harness.write(name, bytes: bytes)
            let before = harness.sqmdCount
            do {
                let summary = try harness.load(name)
                loaded += 1
                rejectedRows += summary.rejected
                #expect(summary.read == summary.inserted + summary.updated + summary.unchanged + summary.rejected, "case \(index)")
                #expect(harness.sqmdCount == before + summary.inserted, "case \(index)")
                let stored = try harness.int("""
                    select count(*) as n from gridcast_input_dev.load_rejects where run_id = $1::uuid
                    """, [summary.runID.uuidString.lowercased()])
                #expect(stored == summary.rejected, "case \(index)")
            } catch let error as SQMDLoadError {
                refused += 1
                #expect(!"\(error)".isEmpty)
                #expect(harness.sqmdCount == before, "case \(index): a refused load wrote rows")
            }
        }
        #expect(loaded + refused == Self.cases)
        #expect(loaded > Self.cases / 2 && rejectedRows > 0, "the mutations should mostly leave a loadable file with some bad rows")
    }

    @Test("mutated Open-Meteo JSON: a typed error and nothing written, or every hour loaded or rejected")
    func fuzzWeather() throws {
        let harness = try WeatherHarness("fuzzweather")
        var random = SplitMix64(seed: 7_2026)
        let base = WeatherFixture(fromLocalMidnight: "2024-06-01", days: 2).json
        var loaded = 0, refused = 0
        for index in 0..<Self.cases {
            let text: String
            if index.isMultiple(of: 2) {
                text = String(decoding: Self.mutate(Array(base.utf8), &random), as: UTF8.self)
            } else {
                text = Self.mutateStructure(base, &random)
            }
            let before = try harness.int("select count(*) as n from \(WeatherHarness.table)")
            do {
                let summary = try harness.load("fuzz\(index).json", text)
                loaded += 1
                #expect(summary.rowsRead == summary.inserted + summary.updated + summary.unchanged + summary.rejected, "case \(index)")
                #expect(try harness.int("select count(*) as n from \(WeatherHarness.table)") == before + summary.inserted, "case \(index)")
            } catch let error as WeatherLoadError {
                refused += 1
                #expect(!"\(error)".isEmpty)
                #expect(try harness.int("select count(*) as n from \(WeatherHarness.table)") == before, "case \(index): a refused load wrote rows")
            }
        }
        #expect(loaded + refused == Self.cases)
        #expect(loaded > 0 && refused > 0)
    }

    /// Edits the parsed document: drop or shorten an array, null or stringify values, change a unit,
    /// drop `time`, change coordinates.
    static func mutateStructure(_ json: String, _ random: inout SplitMix64) -> String {
        guard var document = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              var hourly = document["hourly"] as? [String: Any] else { return json }
        var units = document["hourly_units"] as? [String: Any] ?? [:]
        let keys = hourly.keys.sorted()
        let key = keys.randomElement(using: &random)!
        switch Int.random(in: 0..<7, using: &random) {
        case 0: hourly.removeValue(forKey: key)
        case 1:
            if let values = hourly[key] as? [Any] { hourly[key] = Array(values.dropLast(Int.random(in: 1...5, using: &random))) }
        case 2:
            if var values = hourly[key] as? [Any], !values.isEmpty {
                for _ in 0..<5 { values[Int.random(in: 0..<values.count, using: &random)] = NSNull() }
                hourly[key] = values
            }
        case 3:
            if var values = hourly[key] as? [Any], !values.isEmpty {
                values[Int.random(in: 0..<values.count, using: &random)] = ["warm", -1e12, 1e300, true].randomElement(using: &random)!
                hourly[key] = values
            }
        case 4: units[key] = ["K", "°F", "mph", "", "furlongs"].randomElement(using: &random)!
        case 5: hourly.removeValue(forKey: "time")
        default: document["latitude"] = [91.0, -10.0, "north"].randomElement(using: &random)!
        }
        document["hourly"] = hourly
        document["hourly_units"] = units
        guard let data = try? JSONSerialization.data(withJSONObject: document) else { return json }
        return String(decoding: data, as: UTF8.self)
    }
}
