import Foundation
import Ingest
import Testing
import Warehouse

/// Broken inputs: each either fails with one clear sentence and writes nothing, or loads what it
/// can and sends the bad hours to load_rejects with a reason. Nothing crashes.
@Suite("Weather loader: malformed input")
struct WeatherMalformedTests {
    static let good = WeatherFixture(fromLocalMidnight: "2024-05-01", days: 1)

    /// Loads `text` and returns the error it raised (nil when it loaded), checking nothing was written on error.
    static func failure(_ harness: WeatherHarness, _ name: String, _ text: String) throws -> WeatherLoadError? {
        do {
            try harness.load(name, text)
            return nil
        } catch let error as WeatherLoadError {
            #expect(try harness.int("select count(*) as n from \(WeatherHarness.table)") == 0)
            #expect(try harness.int("select count(*) as n from gridcast_operational_dev.run_log where status = 'failed'") >= 1)
            return error
        }
    }

    /// Replaces the first occurrence of `of` in the good JSON.
    static func edited(_ of: String, _ with: String) -> String {
        let json = good.json
        let range = json.range(of: of)!
        return json.replacingCharacters(in: range, with: with)
    }

    @Test("missing hourly, missing time, wrong shapes, not JSON, empty: one clear error each, nothing written")
    func fileErrors() throws {
        let harness = try WeatherHarness("wxbad")
        let noHourly = #"{"latitude":32.71,"longitude":-117.16,"utc_offset_seconds":-28800,"timezone":"America/Los_Angeles"}"#
        #expect(try Self.failure(harness, "a.json", noHourly)?.description.contains("no 'hourly'") == true)

        let noTime = Self.edited(#""time":["#, #""times":["#)
        #expect(try Self.failure(harness, "b.json", noTime)?.description.contains("'hourly.time'") == true)

        let noLatitude = Self.edited(#""latitude":"#, #""lat":"#)
        #expect(try Self.failure(harness, "c.json", noLatitude)?.description.contains("'latitude'") == true)

        let textValues = Self.edited(#""cloud_cover":["#, #""cloud_cover":["high","#)
        let shape = try Self.failure(harness, "d.json", textValues)
        #expect(shape?.description.contains("hourly.cloud_cover") == true, "\(String(describing: shape))")

        let notJSON = "<html><body>502 Bad Gateway</body></html>"
        #expect(try Self.failure(harness, "e.json", notJSON)?.description.contains("neither Open-Meteo JSON nor Open-Meteo CSV") == true)

        let truncated = String(Self.good.json.prefix(200))
        let broken = try Self.failure(harness, "f.json", truncated)
        guard case .invalidJSON? = broken else { Issue.record("expected invalid JSON, got \(String(describing: broken))"); return }

        #expect(try Self.failure(harness, "g.json", "") == .emptyInput(source: harness.directory.appendingPathComponent("g.json").path))
        #expect(try Self.failure(harness, "h.json", "  \n\n") != nil)

        let twoLocations = "[" + Self.good.json + "," + Self.good.json + "]"
        #expect(try Self.failure(harness, "i.json", twoLocations)?.description.contains("several locations") == true)

        let unknownOnly = #"{"latitude":32.71,"longitude":-117.16,"hourly_units":{"precipitation":"mm"},"hourly":{"time":["2024-01-01T00:00"],"precipitation":[0]}}"#
        #expect(try Self.failure(harness, "j.json", unknownOnly)?.description.contains("none of the weather variables") == true)

        let noUnits = Self.edited(#""hourly_units""#, #""units""#)
        #expect(try Self.failure(harness, "k.json", noUnits)?.description.contains("no unit") == true)
    }

    @Test("a variable with a different number of values than time is refused, naming the variable and both lengths")
    func lengthMismatch() throws {
        let harness = try WeatherHarness("wxlen")
        let short = Self.edited(#""wind_speed_10m":["#, #""wind_speed_10m":[1.5,"#)
        let error = try Self.failure(harness, "len.json", short)
        #expect(error == .lengthMismatch(source: harness.directory.appendingPathComponent("len.json").path,
                                         variable: "wind_speed_10m", count: 25, timeCount: 24))
        #expect(error?.description.contains("wind_speed_10m has 25 values but hourly.time has 24") == true)
    }

    @Test("nulls are stored as NULL; a variable missing from the file keeps its stored value")
    func nulls() throws {
        let harness = try WeatherHarness("wxnull")
        var fixture = Self.good
        fixture.overrides = [(3, "temperature_2m", nil), (4, "is_day", nil), (4, "cloud_cover", nil)]
        let summary = try harness.load("n.json", fixture.json)
        #expect(summary.inserted == 24 && summary.rejected == 0)
        #expect(try harness.int("select count(*) as n from \(WeatherHarness.table) where temperature_2m is null") == 1)
        #expect(try harness.int("select count(*) as n from \(WeatherHarness.table) where is_day is null and cloud_cover is null") == 1)
        // A temperature-only file updates temperature and leaves the other columns alone.
        let onlyTemperature = #"{"latitude":32.71,"longitude":-117.16,"utc_offset_seconds":-28800,"timezone":"America/Los_Angeles","hourly_units":{"time":"iso8601","temperature_2m":"°C"},"hourly":{"time":["2024-05-01T00:00"],"temperature_2m":[9.5]}}"#
        let partial = try harness.load("t.json", onlyTemperature)
        #expect(partial.updated == 1 && partial.variables == ["temperature_2m"])
        #expect(partial.missingVariables == WeatherVariable.allCases.filter { $0 != .temperature2m }.map(\.rawValue),
                "the summary names every stored variable the file lacks")
        #expect(summary.missingVariables.isEmpty)
        #expect(try harness.int("""
            select count(*) as n from \(WeatherHarness.table)
            where valid_at = '2024-05-01 08:00+00' and temperature_2m = 9.5 and relative_humidity_2m is not null
            """) == 1)
    }

    @Test("impossible values are rejected with reasons, line numbers and the raw row; good rows load")
    func rejects() throws {
        let harness = try WeatherHarness("wxrej")
        var fixture = Self.good
        fixture.overrides = [(2, "relative_humidity_2m", 130), (7, "direct_radiation", -5), (7, "cloud_cover", 101), (9, "is_day", 2),
                             (11, "temperature_2m", 99)]
        let json = try harness.load("r.json", fixture.json)
        #expect(json.rejected == 4 && json.inserted == 20 && json.rowsRead == 24)
        let reasons = try harness.strings("""
            select line_number || ' ' || reason from gridcast_input_dev.load_rejects where source_kind = 'weather' order by line_number
            """)
        #expect(reasons == ["3 relative_humidity_2m 130% is outside 0..100 %",
                            "8 cloud_cover 101% is outside 0..100 %; direct_radiation -5 W/m² is outside 0..1500 W/m²",
                            "10 is_day 2 is outside 0 or 1",
                            "12 temperature_2m 99 °C is outside -90..60 °C"])
        #expect(try harness.strings("select raw_line from gridcast_input_dev.load_rejects where line_number = 3").first?
            .contains(#""relative_humidity_2m":130"#) == true)
        #expect(try harness.int("select count(*) as n from gridcast_input_dev.load_rejects where run_id is null") == 0)

        // CSV: a short line, a non-number and an unreadable time; line numbers are the file's.
        var lines = Self.good.csv.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[4] = "2024-05-01T00:00,12.5"
        var fields = lines[5].split(separator: ",").map(String.init)
        fields[1] = "warm"
        lines[5] = fields.joined(separator: ",")
        lines[6] = "yesterday" + lines[6].drop { $0 != "," }
        let csv = try harness.load("r.csv", lines.joined(separator: "\n"))
        // Hours 7, 9 and 11 were rejected from the JSON but are fine here.
        #expect(csv.rejected == 3 && csv.inserted == 3 && csv.unchanged == 18)
        #expect(try harness.strings("""
            select line_number || ' ' || reason from gridcast_input_dev.load_rejects where source_file like '%r.csv' order by line_number
            """) == ["5 has 2 fields but the header on line 4 has 10",
                     "6 temperature_2m value \"warm\" is not a number",
                     "7 time \"yesterday\" is not an ISO 8601 local time such as 2024-01-01T00:00"])
    }

    @Test("a repeated hour in a file is rejected as a duplicate of the first")
    func duplicateHour() throws {
        let harness = try WeatherHarness("wxdup")
        let json = Self.edited(#""2024-05-01T01:00""#, #""2024-05-01T00:00""#)
        let summary = try harness.load("dup.json", json)
        #expect(summary.rejected == 1 && summary.inserted == 23)
        #expect(try harness.strings("select reason from gridcast_input_dev.load_rejects").first?.contains("as line 1") == true)
    }
}
