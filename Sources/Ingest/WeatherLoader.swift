import Foundation
import Logging
import Migrations
import Warehouse

/// Options of one weather load.
public struct WeatherLoadOptions: Sendable {
    /// Name in `input.weather_locations`; the file's coordinates must be near it.
    public var location: String
    public var kind: WeatherKind
    /// When a forecast was issued. Rule: this value when given; for a `--url` fetch without it,
    /// the instant the request was sent (to the second); for a forecast file without it, an
    /// error, since Open-Meteo files do not record it. Must be nil for observed rows, whose
    /// issued_at is their valid_at.
    public var issuedAt: Date?
    /// Instead of one issue time: every forecast hour was issued this many hours before it (a file of
    /// the Historical Forecast API, whose hours come from the first hours of successive runs).
    public var leadHours: Int?
    /// Largest allowed difference, in degrees of latitude and of longitude, between the file's
    /// grid cell and the location. 0.125 is half the 0.25-degree ERA5 grid of the Historical
    /// Weather API, the coarsest grid Open-Meteo snaps to; finer models land closer.
    public var coordinateTolerance: Double
    public var timeInterpretation: WeatherTimeInterpretation
    /// Refuse a file whose radiation peaks hours away from the location's solar noon (`WeatherClockCheck`).
    public var checkClock: Bool

    public init(location: String = "san_diego", kind: WeatherKind = .observed, issuedAt: Date? = nil, leadHours: Int? = nil,
                coordinateTolerance: Double = 0.125, timeInterpretation: WeatherTimeInterpretation = .automatic,
                checkClock: Bool = true) {
        self.checkClock = checkClock
        self.location = location
        self.kind = kind
        self.issuedAt = issuedAt
        self.leadHours = leadHours
        self.coordinateTolerance = coordinateTolerance
        self.timeInterpretation = timeInterpretation
    }

    /// Reads an issue time with an explicit offset, e.g. `2024-06-01T06:00:00Z`, `2024-06-01T06:00-07:00`
    /// or `2024-06-01 06:00:00+00:00`. Nil when malformed or when the offset is missing, since a
    /// local time alone would be ambiguous.
    public static func instant(_ text: String) -> Date? {
        guard let parsed = WeatherTimes.parse(text.trimmingCharacters(in: .whitespaces)), let offset = parsed.offset else { return nil }
        return Date(timeIntervalSince1970: Double(parsed.naive - Int64(offset)))
    }
}

/// What one load did. `rowsRead = inserted + updated + unchanged + rejected`.
public struct WeatherLoadSummary: Sendable, Equatable {
    public var source: String
    public var location: String
    public var kind: WeatherKind
    public var issuedAt: Date?
    /// `json` or `csv`.
    public var format: String
    /// How local labels became instants; nil when every label was Unix seconds or carried an offset.
    public var timeInterpretation: WeatherTimeInterpretation?
    public var rowsRead = 0
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    public var rejected = 0
    public var firstValidAt: Date?
    public var lastValidAt: Date?
    /// Stored variables present in the file; the others keep their stored values.
    public var variables: [String] = []
    /// Stored variables absent from the file: hours already stored keep their values, new hours have
    /// none, so the features built on them are empty (and forecasts flag those hours).
    public var missingVariables: [String] = []
    public var ignoredVariables: [String] = []
    /// Unit conversions applied, e.g. `temperature_2m: °F -> °C`.
    public var unitConversions: [String] = []
    public var runID: UUID?
    public var seconds: Double = 0
}

/// Loads Open-Meteo hourly weather (JSON or CSV, from a file or an Open-Meteo-compatible URL)
/// into `input.weather_hourly`, staging then merging, in one transaction per source.
///
/// Steps: parse; check the coordinates against `weather_locations`; check units (°F, m/s, mph
/// and kn are converted, anything else is an error); turn labels into instants (see
/// `WeatherTimeInterpretation`); reject impossible values and repeated hours to `load_rejects`
/// (`source_kind` 'weather', replacing that source's earlier rejects); COPY the rest into a TEMP
/// table and upsert on (location, kind, valid_at, issued_at). Re-loading the same data changes
/// nothing and reports every row unchanged; a variable the file lacks keeps its stored value.
public struct WeatherLoader {
    public let layout: SchemaLayout
    public var options: WeatherLoadOptions
    public var logger: Logger

    public init(layout: SchemaLayout, options: WeatherLoadOptions = WeatherLoadOptions(),
                logger: Logger = Logger(label: "gridcast.load.weather")) {
        self.layout = layout
        self.options = options
        self.logger = logger
    }

    /// Loads one file; `runLog`, when given, gets a 'load' row for it.
    public func load(file path: String, on connection: Connection, runLog: RunLog? = nil) throws -> WeatherLoadSummary {
        try logged(runLog, source: path) { runID in
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw WeatherLoadError.fetchFailed(url: path, reason: "cannot read the file (\((error as NSError).localizedDescription))")
            }
            return try load(data: data, source: path, issuedAt: options.issuedAt, on: connection, runID: runID)
        }
    }

    /// Loads a response already in memory; `source` names it in rejects and messages.
    public func load(data: Data, source: String, on connection: Connection, runLog: RunLog? = nil) throws -> WeatherLoadSummary {
        try logged(runLog, source: source) { runID in
            try load(data: data, source: source, issuedAt: options.issuedAt, on: connection, runID: runID)
        }
    }

    func load(data: Data, source: String, issuedAt: Date?, on connection: Connection, runID: UUID?) throws -> WeatherLoadSummary {
        let started = Date()
        if options.kind == .observed, issuedAt != nil || options.leadHours != nil { throw WeatherLoadError.issuedAtForObserved }
        let site = try WeatherSite.lookup(options.location, layout: layout, on: connection)
        let document = try WeatherDocument.parse(data, source: source)
        guard abs(document.latitude - site.latitude) <= options.coordinateTolerance,
              abs(document.longitude - site.longitude) <= options.coordinateTolerance else {
            throw WeatherLoadError.locationTooFar(source: source, location: site.name, fileLatitude: document.latitude,
                                                  fileLongitude: document.longitude, latitude: site.latitude,
                                                  longitude: site.longitude, tolerance: options.coordinateTolerance)
        }
        var summary: WeatherLoadSummary
        if document.vintages.isEmpty {
            if options.kind == .forecast, issuedAt == nil, options.leadHours == nil { throw WeatherLoadError.issuedAtRequired(source: source) }
            summary = try write(document, source: source, issuedAt: issuedAt, leadHours: options.leadHours, site: site,
                                on: connection, runID: runID)
        } else {
            summary = try writeVintages(document, source: source, issuedAt: issuedAt, site: site, on: connection, runID: runID)
        }
        summary.seconds = Date().timeIntervalSince(started)
        logger.info("loaded weather", metadata: [
            "source": "\(source)", "location": "\(site.name)", "kind": "\(options.kind.rawValue)",
            "read": "\(summary.rowsRead)", "inserted": "\(summary.inserted)", "updated": "\(summary.updated)",
            "unchanged": "\(summary.unchanged)", "rejected": "\(summary.rejected)",
        ])
        if !summary.unitConversions.isEmpty {
            logger.notice("converted units", metadata: ["source": "\(source)", "conversions": "\(summary.unitConversions.joined(separator: ", "))"])
        }
        return summary
    }

    /// A Previous Runs response: each lead's columns are one vintage, issued `lead` days before each
    /// hour, written under `SOURCE#previous_dayN` (so each vintage keeps its own rejects); plain columns,
    /// if any, are the latest run (lead 0). Counts are summed over the vintages.
    private func writeVintages(_ document: WeatherDocument, source: String, issuedAt: Date?, site: WeatherSite,
                               on connection: Connection, runID: UUID?) throws -> WeatherLoadSummary {
        guard options.kind == .forecast else { throw WeatherLoadError.previousRunsNeedForecastKind(source: source) }
        guard issuedAt == nil, options.leadHours == nil else { throw WeatherLoadError.previousRunsCarryIssueTimes(source: source) }
        var parts: [(WeatherDocument, String, Int)] = document.vintages.keys.sorted().map {
            (document.vintage($0), "\(source)#previous_day\($0)", 24 * $0)
        }
        if !document.values.isEmpty { parts.insert((document.latestRun, "\(source)#previous_day0", 0), at: 0) }
        var total: WeatherLoadSummary?
        for (part, name, lead) in parts {
            let summary = try write(part, source: name, issuedAt: nil, leadHours: lead, site: site, on: connection, runID: runID)
            guard var sum = total else { total = summary; continue }
            sum.rowsRead += summary.rowsRead
            sum.inserted += summary.inserted
            sum.updated += summary.updated
            sum.unchanged += summary.unchanged
            sum.rejected += summary.rejected
            sum.variables = Array(Set(sum.variables + summary.variables)).sorted()
            sum.missingVariables = sum.missingVariables.filter(summary.missingVariables.contains)
            sum.unitConversions += summary.unitConversions
            total = sum
        }
        var summary = total!
        summary.source = source
        return summary
    }

    /// Checks one document's hours and merges them: the rows of one issue time, or of one lead.
    private func write(_ document: WeatherDocument, source: String, issuedAt: Date?, leadHours: Int?, site: WeatherSite,
                       on connection: Connection, runID: UUID?) throws -> WeatherLoadSummary {
        let checked = try WeatherRowSet.check(document, rule: options.timeInterpretation, source: source)
        if options.checkClock, let shift = WeatherClockCheck.shiftHours(checked, longitude: site.longitude),
           abs(shift) > WeatherClockCheck.toleranceHours {
            throw WeatherLoadError.clockShifted(source: source, location: site.name, shiftHours: shift, timezone: document.timezone,
                                                utcOffsetSeconds: document.utcOffsetSeconds)
        }
        var summary = WeatherLoadSummary(source: source, location: site.name, kind: options.kind, issuedAt: issuedAt,
                                         format: document.format.rawValue, timeInterpretation: checked.interpretation)
        summary.rowsRead = document.count
        summary.rejected = checked.rejects.count
        summary.firstValidAt = checked.rows.first?.validAt
        summary.lastValidAt = checked.rows.last?.validAt
        summary.variables = checked.variables.map(\.rawValue)
        summary.missingVariables = WeatherVariable.allCases.filter { !checked.variables.contains($0) }.map(\.rawValue)
        summary.ignoredVariables = document.ignoredVariables
        summary.unitConversions = checked.conversions
        summary.runID = runID

        let merge = try WeatherMerge(layout: layout, location: site.name, kind: options.kind, issuedAt: issuedAt,
                                     leadHours: leadHours, source: source, runID: runID)
        let counts = try merge.write(checked, on: connection)
        summary.inserted = counts.inserted
        summary.updated = counts.updated
        if counts.inserted + counts.updated > 0 {
            // As after an SQMD load: the feature query joins these rows next, and stale statistics made
            // the planner expect 14 weather rows where 25,960 came back.
            FreshStatistics.analyze("\(merge.input).weather_hourly", on: connection, logger: logger)
        }
        summary.unchanged = checked.rows.count - counts.inserted - counts.updated
        return summary
    }

    /// Wraps a load in a run-log row when a `RunLog` is given: started, then succeeded with the
    /// rows written (inserted + updated) or failed with the error.
    func logged(_ runLog: RunLog?, source: String, _ body: (UUID?) throws -> WeatherLoadSummary) throws -> WeatherLoadSummary {
        guard let runLog else { return try body(nil) }
        let arguments = ["source_kind": "weather", "source": source, "location": options.location, "kind": options.kind.rawValue]
        let runID = try runLog.start(kind: .load, arguments: arguments)
        do {
            let summary = try body(runID)
            try runLog.succeed(rows: summary.inserted + summary.updated)
            return summary
        } catch {
            try? runLog.fail(error: error)
            throw error
        }
    }
}

/// A row of `input.weather_locations`.
struct WeatherSite {
    let name: String
    let latitude: Double
    let longitude: Double
    let timeZone: String
    let elevation: Double?

    static func lookup(_ name: String, layout: SchemaLayout, on connection: Connection) throws -> WeatherSite {
        let table = "\(try SQLIdentifier(layout.inputSchema).quoted).weather_locations"
        guard let row = try connection.execute("""
            select location, latitude, longitude, time_zone, elevation_m from \(table) where location = $1
            """, [name], name: "weather location \(name)").first,
            let latitude = row.double("latitude"), let longitude = row.double("longitude")
        else { throw WeatherLoadError.unknownLocation(name: name) }
        return WeatherSite(name: name, latitude: latitude, longitude: longitude,
                           timeZone: row.string("time_zone") ?? "UTC", elevation: row.double("elevation_m"))
    }
}
