import Foundation
import Ingest
import Testing
import Warehouse

@Suite("Weather loader")
struct WeatherLoaderTests {
    static let localDate = "(valid_at at time zone 'America/Los_Angeles')::date"

    /// Rows per local date, as `date:count`.
    static func perLocalDay(_ harness: WeatherHarness) throws -> [String] {
        try harness.strings("""
            select d || ':' || n from (select \(localDate) as d, count(*) as n from \(WeatherHarness.table) group by 1) days order by d
            """)
    }

    @Test("Open-Meteo labels across spring-forward map to real instants: 2024-03-10 has 23 local hours, no gaps or duplicates")
    func springForward() throws {
        let harness = try WeatherHarness("wxspring")
        // Requested start_date=2024-03-09, end_date=2024-03-11 while PST was in force: one offset for all labels.
        let fixture = WeatherFixture(fromLocalMidnight: "2024-03-09", days: 3, utcOffsetSeconds: -28_800)
        let summary = try harness.load("spring.json", fixture.json)
        #expect(summary.rowsRead == 72 && summary.inserted == 72 && summary.rejected == 0)
        #expect(summary.timeInterpretation == .fixedOffset)
        #expect(try Self.perLocalDay(harness) == ["2024-03-09:24", "2024-03-10:23", "2024-03-11:24", "2024-03-12:1"])
        #expect(try harness.int("select count(*) - count(distinct valid_at) as n from \(WeatherHarness.table)") == 0)
        #expect(try harness.int("""
            select (extract(epoch from max(valid_at) - min(valid_at)) / 3600)::int + 1 - count(*) as n from \(WeatherHarness.table)
            """) == 0)
        // The label 2024-03-10T03:00 in a PST-offset response is 11:00 UTC (04:00 PDT), not 10:00 UTC.
        let index = 24 + 3
        #expect(fixture.label(index) == "2024-03-10T03:00")
        let stored = try harness.connection.execute("select temperature_2m from \(WeatherHarness.table) where valid_at = '2024-03-10 11:00+00'",
                                                    name: "probe").first?.double("temperature_2m")
        #expect(stored == fixture.value(index, "temperature_2m"))
        // Observed rows are issued when valid.
        #expect(try harness.int("select count(*) as n from \(WeatherHarness.table) where issued_at <> valid_at or kind <> 'observed'") == 0)
        // The loader refreshed the table's statistics for the feature query that reads these rows next.
        #expect(try harness.int("""
            select count(*) as n from pg_stat_user_tables where relname = 'weather_hourly' and last_analyze is not null
            """) == 1)
    }

    @Test("fall-back: 2024-11-03 has 25 local hours with 01:00 twice, in a response served in summer (offset -25200)")
    func fallBack() throws {
        let harness = try WeatherHarness("wxfall")
        let fixture = WeatherFixture(fromLocalMidnight: "2024-11-02", days: 3, utcOffsetSeconds: -25_200)
        let summary = try harness.load("fall.json", fixture.json)
        #expect(summary.inserted == 72)
        #expect(try Self.perLocalDay(harness) == ["2024-11-02:24", "2024-11-03:25", "2024-11-04:23"])
        #expect(try harness.int("""
            select count(*) as n from \(WeatherHarness.table)
            where \(Self.localDate) = '2024-11-03' and extract(hour from valid_at at time zone 'America/Los_Angeles') = 1
            """) == 2)
        #expect(try harness.int("select count(*) - count(distinct valid_at) as n from \(WeatherHarness.table)") == 0)
    }

    @Test("wall-clock labels (02:00 skipped, 01:00 repeated) from other tools load to the same rows as Open-Meteo's labels",
          arguments: [("2024-03-09", -28_800), ("2024-11-02", -25_200)])
    func wallClockLabels(day: String, offset: Int) throws {
        var fixture = WeatherFixture(fromLocalMidnight: day, days: 3, utcOffsetSeconds: offset)
        let openMeteo = try WeatherHarness("wxopenmeteo")
        try openMeteo.load("a.json", fixture.json)
        fixture.labels = .wallClock
        let wall = try WeatherHarness("wxwall")
        let summary = try wall.load("b.json", fixture.json)
        #expect(summary.timeInterpretation == .wallClock)
        #expect(summary.rejected == 0)
        #expect(try wall.dump() == openMeteo.dump())
    }

    @Test("the CSV download loads exactly the rows of the JSON response with the same data")
    func csvMatchesJSON() throws {
        let fixture = WeatherFixture(fromLocalMidnight: "2024-11-02", days: 3, utcOffsetSeconds: -25_200)
        let fromJSON = try WeatherHarness("wxjson")
        try fromJSON.load("w.json", fixture.json)
        let fromCSV = try WeatherHarness("wxcsv")
        let summary = try fromCSV.load("w.csv", fixture.csv)
        #expect(summary.format == "csv" && summary.inserted == 72)
        #expect(try fromCSV.dump() == fromJSON.dump())
        let again = try fromJSON.load("w.csv", fixture.csv)
        #expect(again.unchanged == 72 && again.inserted == 0 && again.updated == 0)
    }

    @Test("loading the same file twice changes nothing: no new rows, no touched rows, rejects not duplicated")
    func idempotent() throws {
        let harness = try WeatherHarness("wxidem")
        var fixture = WeatherFixture(fromLocalMidnight: "2024-06-01", days: 2)
        fixture.overrides = [(5, "relative_humidity_2m", 130)]
        let first = try harness.load("june.json", fixture.json)
        #expect(first.inserted == 47 && first.rejected == 1)
        let loadedAt = try harness.strings("select max(loaded_at)::text from \(WeatherHarness.table)")
        let second = try harness.load("june.json", fixture.json)
        #expect(second.inserted == 0 && second.updated == 0 && second.unchanged == 47 && second.rejected == 1)
        #expect(try harness.strings("select max(loaded_at)::text from \(WeatherHarness.table)") == loadedAt)
        #expect(try harness.int("select count(*) as n from gridcast_input_dev.vw_load_rejects_current where source_kind = 'weather'") == 1)
        #expect(try harness.int("""
            select count(*) as n from gridcast_input_dev.load_rejects where source_kind = 'weather' and superseded_at is not null
            """) == 1, "the first load's reject is kept, superseded")
        #expect(try harness.int("select count(*) as n from gridcast_operational_dev.run_log where kind = 'load' and status = 'succeeded'") == 2)

        fixture.overrides.append((10, "temperature_2m", 31.5))
        let third = try harness.load("june.json", fixture.json)
        #expect(third.updated == 1 && third.unchanged == 46 && third.inserted == 0)
    }

    @Test("forecasts keep their issue time, apart from observations and from each other")
    func forecastsAndObservations() throws {
        let harness = try WeatherHarness("wxfcst")
        var fixture = WeatherFixture(fromLocalMidnight: "2024-07-01", days: 2, utcOffsetSeconds: -25_200)
        try harness.load("obs.json", fixture.json)
        let early = WeatherFixture.utc("2024-06-30T13:00:00Z"), late = WeatherFixture.utc("2024-07-01T13:00:00Z")
        fixture.overrides = [(30, "temperature_2m", 25.5)]
        let first = try harness.load("f1.json", fixture.json, options: WeatherLoadOptions(kind: .forecast, issuedAt: early))
        fixture.overrides = [(30, "temperature_2m", 27.0)]
        let second = try harness.load("f2.json", fixture.json, options: WeatherLoadOptions(kind: .forecast, issuedAt: late))
        #expect(first.inserted == 48 && second.inserted == 48)
        #expect(try harness.strings("""
            select kind || ':' || count(*) || ':' || count(distinct issued_at) from \(WeatherHarness.table) group by kind order by kind
            """) == ["forecast:96:2", "observed:48:48"])
        let observed = WeatherFixture(fromLocalMidnight: "2024-07-01", days: 2, utcOffsetSeconds: -25_200).value(30, "temperature_2m")!
        #expect(try harness.connection.execute("""
            select temperature_2m from \(WeatherHarness.table) where valid_at = $1::timestamptz order by kind, issued_at
            """, [fixture.instant(30)], name: "probe").rows.map { $0.double("temperature_2m") } == [25.5, 27, observed])
        let again = try harness.load("f1.json", fixture.json, options: WeatherLoadOptions(kind: .forecast, issuedAt: early))
        #expect(again.updated == 1 && again.unchanged == 47)

        #expect(throws: WeatherLoadError.issuedAtRequired(source: harness.directory.appendingPathComponent("f3.json").path)) {
            try harness.load("f3.json", fixture.json, options: WeatherLoadOptions(kind: .forecast))
        }
        #expect(throws: WeatherLoadError.issuedAtForObserved) {
            try harness.load("o2.json", fixture.json, options: WeatherLoadOptions(kind: .observed, issuedAt: early))
        }
    }

    @Test("a file whose coordinates are far from the location is refused; a nearby grid cell is accepted")
    func locationCheck() throws {
        let harness = try WeatherHarness("wxloc")
        var fixture = WeatherFixture(fromLocalMidnight: "2024-01-10", days: 1)
        fixture.latitude = 34.05
        fixture.longitude = -118.25
        do {
            try harness.load("la.json", fixture.json)
            Issue.record("expected the Los Angeles file to be refused for san_diego")
        } catch let error as WeatherLoadError {
            guard case .locationTooFar = error else { Issue.record("wrong error \(error)"); return }
            #expect(error.description.contains("san_diego") && error.description.contains("34.05"))
        }
        #expect(throws: WeatherLoadError.unknownLocation(name: "atlantis")) {
            try harness.load("x.json", fixture.json, options: WeatherLoadOptions(location: "atlantis"))
        }
        #expect(try harness.int("select count(*) as n from \(WeatherHarness.table)") == 0)
        // The ERA5 cell nearest San Diego (0.25-degree grid) is still San Diego.
        fixture.latitude = 32.75
        fixture.longitude = -117.25
        #expect(try harness.load("era5.json", fixture.json).inserted == 24)
    }

    @Test("a wrong time-zone label is refused by where the sun peaks, storing nothing; --no-clock-check stores it as labelled")
    func clockCheck() throws {
        let harness = try WeatherHarness("wxclock")
        let fixture = WeatherFixture(fromLocalMidnight: "2024-01-10", days: 3)
        let label = "\"utc_offset_seconds\":-28800,\"timezone\":\"America/Los_Angeles\""
        #expect(fixture.json.contains(label))
        for (name, wrong, hours) in [("new_york", "\"utc_offset_seconds\":-18000,\"timezone\":\"America/New_York\"", -3),
                                     ("gmt", "\"utc_offset_seconds\":0,\"timezone\":\"GMT\"", -8)] {
            let mislabelled = fixture.json.replacingOccurrences(of: label, with: wrong)
            do {
                try harness.load("\(name).json", mislabelled)
                Issue.record("the \(name) label was accepted")
            } catch let WeatherLoadError.clockShifted(_, location, shift, _, _) {
                #expect(location == "san_diego" && Int(shift.rounded()) == hours, "\(name): shift \(shift)")
            }
            #expect(try harness.int("select count(*) as n from \(WeatherHarness.table)") == 0, "\(name) stored rows")
        }
        let refused = WeatherLoadError.clockShifted(source: "x.json", location: "san_diego", shiftHours: -3.2, timezone: "America/New_York",
                                                    utcOffsetSeconds: -18000)
        #expect(refused.description.contains("3.2 h before solar noon") && refused.description.contains("--no-clock-check"))
        // The right label loads; so does the wrong one when the operator overrides the check.
        #expect(try harness.load("right.json", fixture.json).inserted == 72)
        let overridden = try harness.load("forced.json", fixture.json.replacingOccurrences(of: label, with: "\"utc_offset_seconds\":0,\"timezone\":\"GMT\""),
                                          options: WeatherLoadOptions(checkClock: false))
        #expect(overridden.inserted == 8, "the GMT reading moves the 72 hours 8 hours earlier: 8 new, 64 updated")
    }

    @Test("°F and mph are converted to °C and km/h; a unit Gridcast cannot convert is refused naming the expected unit")
    func units() throws {
        let harness = try WeatherHarness("wxunits")
        var fixture = WeatherFixture(fromLocalMidnight: "2024-02-01", days: 1)
        fixture.temperatureUnit = "°F"
        fixture.windUnit = "mph"
        let summary = try harness.load("f.csv", fixture.csv)
        #expect(summary.unitConversions.count == 3)
        let rows = try harness.connection.execute("select temperature_2m, wind_speed_10m from \(WeatherHarness.table) order by valid_at",
                                                  name: "probe").rows
        #expect(rows.count == 24)
        for (index, row) in rows.enumerated() {
            #expect(abs((row.double("temperature_2m") ?? .nan) - fixture.value(index, "temperature_2m")!) < 1e-3)
            #expect(abs((row.double("wind_speed_10m") ?? .nan) - fixture.value(index, "wind_speed_10m")!) < 1e-9)
        }
        fixture.temperatureUnit = "K"
        do {
            try harness.load("k.json", fixture.json)
            Issue.record("expected kelvin to be refused")
        } catch let error as WeatherLoadError {
            #expect(error.description.contains("temperature_2m") && error.description.contains("°C") && error.description.contains("\"K\""))
        }
    }
}
