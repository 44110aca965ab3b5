import Features
import Foundation
import SampleData
import Testing

/// One parsed SQMD row of a generated file.
struct SampleRow {
    let date: LocalDate
    let hour: Int
    let profile: String
    let rateGroup: String
    let loadlal: Double
    let genlal: Double
    let meters: Int
    let submission: String
    let fold: Int

    var isSolar: Bool { rateGroup.hasPrefix("NEM") || rateGroup.hasPrefix("SBP") }
    var net: Double { loadlal - genlal }
}

/// Generated samples shared by the tests of this file (generation is deterministic, so sharing is safe).
enum Samples {
    static func scratch() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-sample-\(UUID().uuidString)")
    }

    static func generate(seed: UInt64, start: String, end: String) throws -> SampleOutput {
        try SampleGenerator(seed: seed, start: LocalDate(start)!, end: LocalDate(end)!).write(to: scratch())
    }

    static let year2024: SampleOutput = { try! generate(seed: 7, start: "2024-01-01", end: "2024-12-31") }()

    static func rows(_ url: URL) throws -> [SampleRow] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.first == Substring(SampleGenerator.sqmdHeader))
        lines.removeFirst()
        return lines.map { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            return SampleRow(date: LocalDate(String(f[0]))!, hour: Int(f[1])!, profile: String(f[2]), rateGroup: String(f[3]),
                             loadlal: Double(f[4])!, genlal: Double(f[5])!, meters: Int(f[6])!, submission: String(f[7]),
                             fold: Int(f[8])!)
        }
    }

    static func bytes(_ output: SampleOutput) throws -> [Data] {
        try [output.sqmdInitial, output.sqmdFinal, output.weather].map { try Data(contentsOf: $0) }
    }
}

@Suite("Sample data: determinism, shape of the files")
struct SampleGeneratorTests {
    @Test("the same seed gives byte-identical files; another seed gives different ones")
    func determinism() throws {
        let first = try Samples.generate(seed: 11, start: "2024-02-01", end: "2024-04-30")
        let again = try Samples.generate(seed: 11, start: "2024-02-01", end: "2024-04-30")
        let other = try Samples.generate(seed: 12, start: "2024-02-01", end: "2024-04-30")
        let (a, b, c) = (try Samples.bytes(first), try Samples.bytes(again), try Samples.bytes(other))
        #expect(a == b)
        #expect(a[0] != c[0] && a[1] != c[1] && a[2] != c[2])
        #expect(first.initialRows == other.initialRows && first.finalRows == other.finalRows)
        for output in [first, again, other] { try? FileManager.default.removeItem(at: output.directory) }
    }

    @Test("a day's values do not depend on where the period ends")
    func valuesIndependentOfEnd() throws {
        let short = try Samples.generate(seed: 5, start: "2024-01-01", end: "2024-03-31")
        let long = try Samples.generate(seed: 5, start: "2024-01-01", end: "2024-05-31")
        defer { for output in [short, long] { try? FileManager.default.removeItem(at: output.directory) } }
        let shortRows = try Samples.rows(short.sqmdInitial).filter { $0.date == LocalDate("2024-02-15")! }
        let longRows = try Samples.rows(long.sqmdInitial).filter { $0.date == LocalDate("2024-02-15")! }
        #expect(!shortRows.isEmpty)
        #expect(shortRows.map(\.loadlal) == longRows.map(\.loadlal))
    }

    @Test("every local hour of every trade date, 23 and 25 on the DST days, Initial and Final by publication delay")
    func rowCounts() throws {
        let output = Samples.year2024
        let initial = try Samples.rows(output.sqmdInitial)
        let final = try Samples.rows(output.sqmdFinal)
        #expect(initial.count == output.initialRows && final.count == output.finalRows)
        #expect(initial.allSatisfy { $0.submission == "Initial" } && final.allSatisfy { $0.submission == "Final" })
        // Initial through 14 days before the end, Final through 48 days before.
        #expect(initial.map(\.date).max() == LocalDate("2024-12-17") && final.map(\.date).max() == LocalDate("2024-11-13"))
        #expect(initial.map(\.date).min() == LocalDate("2024-01-01") && final.map(\.date).min() == LocalDate("2024-01-01"))

        var perGroupDay: [String: Int] = [:]
        for row in initial { perGroupDay["\(row.rateGroup) \(row.date)", default: 0] += 1 }
        let clock = LocalClock.losAngeles
        #expect(perGroupDay.allSatisfy { key, count in
            count == clock.hoursInDay(LocalDate(String(key.split(separator: " ")[1]))!)
        })
        let springDay = initial.filter { $0.date == LocalDate("2024-03-10")! && $0.rateGroup == "DR" }
        #expect(springDay.count == 23 && !springDay.contains { $0.hour == 2 })
        let fallDay = initial.filter { $0.date == LocalDate("2024-11-03")! && $0.rateGroup == "DR" }
        #expect(fallDay.count == 25 && fallDay.filter { $0.hour == 1 }.map(\.fold) == [0, 1])
        #expect(initial.filter { $0.fold == 1 }.allSatisfy { $0.date == LocalDate("2024-11-03")! && $0.hour == 1 })
        #expect(Set(initial.map(\.rateGroup)).count == SampleCatalog.rateGroups.count)
    }

    @Test("weather: one label per hour at the response's fixed offset, 24 per day, consistent radiation")
    func weatherFile() throws {
        let output = Samples.year2024
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: output.weather)) as! [String: Any]
        #expect(json["timezone"] as? String == "America/Los_Angeles" && json["utc_offset_seconds"] as? Int == -28_800)
        let hourly = json["hourly"] as! [String: Any]
        let times = hourly["time"] as! [String]
        #expect(times.count == 366 * 24 && output.weatherHours == times.count)
        #expect(times.first == "2024-01-01T00:00" && times.last == "2024-12-31T23:00")
        #expect(times.contains("2024-03-10T02:00") && Set(times).count == times.count)   // no gap, no repeat
        for name in ["temperature_2m", "apparent_temperature", "cloud_cover", "direct_radiation", "diffuse_radiation",
                     "shortwave_radiation", "wind_speed_10m", "relative_humidity_2m", "is_day"] {
            #expect((hourly[name] as? [Double])?.count == times.count, "\(name)")
        }
        let ghi = hourly["shortwave_radiation"] as! [Double], direct = hourly["direct_radiation"] as! [Double]
        let diffuse = hourly["diffuse_radiation"] as! [Double], isDay = hourly["is_day"] as! [Double]
        let cloud = hourly["cloud_cover"] as! [Double], temperature = hourly["temperature_2m"] as! [Double]
        #expect(zip(ghi, zip(direct, diffuse)).allSatisfy { abs($0 - $1.0 - $1.1) <= 0.11 && $1.0 >= 0 && $1.1 >= 0 })
        #expect(cloud.allSatisfy { (0...100).contains($0) })
        // Labels are standard time: 00:00-04:00 PST is night all year; radiation means the preceding hour.
        for (index, label) in times.enumerated() where ["T01:00", "T02:00", "T03:00"].contains(where: { label.hasSuffix($0) }) {
            #expect(ghi[index] == 0 && isDay[index] == 0)
        }
        #expect(ghi.max()! > 850 && ghi.max()! < 1100)
        func meanTemperature(_ month: String) -> Double {
            let values = times.indices.filter { times[$0].dropFirst(5).hasPrefix(month) }.map { temperature[$0] }
            return values.reduce(0, +) / Double(values.count)
        }
        #expect(meanTemperature("08") > meanTemperature("02") + 3)
        #expect((10...16).contains(meanTemperature("01")) && (18...25).contains(meanTemperature("08")))
    }

    @Test("a rate group introduced later has no rows before its first day, and few meters at first")
    func introducedGroup() throws {
        let output = try Samples.generate(seed: 3, start: "2023-04-01", end: "2023-06-30")
        let sbp = try Samples.rows(output.sqmdInitial).filter { $0.rateGroup == "SBP" }
        #expect(sbp.map(\.date).min() == LocalDate("2023-04-15"))
        #expect(sbp.filter { $0.date == LocalDate("2023-04-15")! }.allSatisfy { $0.meters < 10 })
        try? FileManager.default.removeItem(at: output.directory)
    }

    @Test("an empty period is refused")
    func invalidRange() {
        #expect(throws: SampleDataError.self) {
            try SampleGenerator(seed: 1, start: LocalDate("2024-02-02")!, end: LocalDate("2024-02-01")!).write(to: Samples.scratch())
        }
    }
}
