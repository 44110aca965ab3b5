import Foundation
import Logging
import Migrations
import Warehouse

/// Loads settlement-quality meter data (SQMD) CSV files into `input.sqmd`.
///
/// The steps follow the staging-then-merge pattern: stream every source into a temporary staging
/// table with COPY (raw text, file, line, raw line); validate and type the rows in SQL; then, in one
/// transaction under the environment's load lock, replace the sources' earlier rejects with this
/// load's, and upsert the good rows (Final and Initial are separate keys, so an Initial never
/// overwrites a Final). A failure anywhere leaves `input.sqmd` and `load_rejects` as they were, and,
/// when a `RunLog` is given, a `failed` row in `operational.run_log`.
///
/// When more rows are rejected than `maxRejects`, nothing is merged: the rejects are committed on
/// their own, tagged with the run id, and `SQMDLoadError.tooManyRejects` says how to query them.
public struct SQMDLoader {
    public var layout: SchemaLayout
    public var options: SQMDLoadOptions
    public var logger: Logger

    public init(layout: SchemaLayout, options: SQMDLoadOptions = SQMDLoadOptions(),
                logger: Logger = Logger(label: "gridcast.load.sqmd")) {
        self.layout = layout
        self.options = options
        self.logger = logger
    }

    /// The named lock (a row of run_locks) that serialises the merge step of SQMD loads into one environment.
    public var lockName: String { "load.sqmd.\(layout.inputSchema)" }

    /// What the run log records as the run's arguments (names of sources, never connection details).
    struct Arguments: Encodable {
        let environment: String
        let sources: [String]
        let timeZone: String
        let maxRejects: Int?
        enum CodingKeys: String, CodingKey {
            case environment, sources, timeZone = "time_zone", maxRejects = "max_rejects"
        }
    }

    /// Loads `sources` as one unit on `connection`, which must not be inside a transaction.
    /// - Parameter runLog: when given, the run is recorded through it (kind `load`).
    public func load(_ sources: [SQMDSource], on connection: Connection, runLog: RunLog? = nil) throws -> SQMDLoadSummary {
        let zoneDescription: String
        switch options.timeZone {
        case let .named(name): zoneDescription = name
        case let .location(location): zoneDescription = "location:\(location)"
        }
        let runID = try runLog?.start(kind: .load, arguments: Arguments(
            environment: layout.environment.rawValue, sources: sources.map(\.name),
            timeZone: zoneDescription, maxRejects: options.maxRejects)) ?? UUID()
        do {
            let summary = try run(sources, on: connection, runID: runID)
            try runLog?.succeed(rows: summary.written)
            return summary
        } catch {
            if let runLog {
                do { try runLog.fail(error: error) } catch let logError {
                    logger.error("could not record the failed run", metadata: ["error": "\(logError)"])
                }
            }
            throw error
        }
    }

    private func run(_ sources: [SQMDSource], on connection: Connection, runID: UUID) throws -> SQMDLoadSummary {
        let started = Date()
        let input = try SQLIdentifier(layout.inputSchema).quoted
        let rejectsTable = "\(input).load_rejects"
        let registerAt = try registrationLocation()
        let timeZone = try resolveTimeZone(on: connection, input: input)
        let staging = SQMDStaging(connection: connection, maxRecordBytes: options.maxRecordBytes, stopAfterRejects: options.maxRejects)
        defer { staging.drop() }

        try staging.create(sources: sources)
        var files = try staging.copy(sources)
        let combined = try SQMDValidation.run(on: connection, timeZone: timeZone)
        try checkSeriesTimeZones(timeZone, on: connection, input: input)

        var byReason: [SQMDRejectReason: Int] = [:]
        for index in files.indices { files[index].rejected = 0 }
        for row in try connection.execute(SQMDValidation.rejectCounts, name: "load sqmd: count rejects").rows {
            guard let index = row.int("file_index"), files.indices.contains(index), let count = row.int("n") else { continue }
            files[index].rejected += count
            if let reason = row.string("code").flatMap(SQMDRejectReason.init(rawValue:)) {
                byReason[reason, default: 0] += count
            }
        }
        let read = files.reduce(0) { $0 + $1.read }
        let rejected = files.reduce(0) { $0 + $1.rejected }
        logger.info("validated", metadata: ["read": "\(read)", "rejected": "\(rejected)", "time_zone": "\(timeZone)"])

        let merge = SQMDMerge(connection: connection, sqmdTable: "\(input).sqmd", rejectsTable: rejectsTable,
                              operationalSchema: try SQLIdentifier(layout.operationalSchema).quoted)
        if let limit = options.maxRejects, rejected > limit {
            try connection.transaction(name: "load sqmd: record rejects") { _ in try merge.replaceRejects(runID: runID) }
            let stopped = files.first { $0.stoppedAtRecord != nil }.map { "\($0.name) at data record \($0.stoppedAtRecord ?? 0)" }
            throw SQMDLoadError.tooManyRejects(rejected: rejected, limit: limit, read: read, runID: runID,
                                               rejectsTable: rejectsTable, byReason: byReason, stoppedReading: stopped)
        }
        let catalog = SQMDSeriesCatalog(connection: connection,
                                        operationalSchema: try SQLIdentifier(layout.operationalSchema).quoted)
        var registered: [String] = []
        var unforecast: [String] = []
        let counts = try connection.transaction(name: "load sqmd: merge") { connection in
            try connection.lockNamed(lockName, in: layout.runLocksTable, waitSeconds: options.lockWaitSeconds)
            try SQMDValidation.tune(connection)
            try connection.writeShardsOverOneConnectionPerWorker()
            // Before the merge, whose actuals refresh then includes the new series.
            if let registerAt { registered = try catalog.register(at: registerAt, sources: sources.map(\.name)) }
            unforecast = try catalog.seriesWithoutCatalogRow()
            return try merge.merge(runID: runID)
        }
        if !registered.isEmpty { logger.info("registered series", metadata: ["series": "\(registered)"]) }
        if !unforecast.isEmpty {
            logger.warning("loaded rows feed no series", metadata: ["series": "\(unforecast)"])
        }
        if counts.inserted + counts.updated > 0 {
            // Fresh statistics before the next feature query plans against this table: right after a
            // bulk load the planner still believes the old row counts until autovacuum gets round to it
            // (the bench saw a scan of 153,216 freshly loaded rows estimated at 1). Samples 30k rows, so
            // it costs well under a second; a loader role that does not own the table leaves it to
            // autovacuum (FreshStatistics).
            FreshStatistics.analyze("\(input).sqmd", on: connection, logger: logger)
        }
        let summary = SQMDLoadSummary(runID: runID, timeZone: timeZone, files: files, read: read,
                                      inserted: counts.inserted, updated: counts.updated, unchanged: counts.unchanged,
                                      rejected: rejected, rejectsByReason: byReason,
                                      seconds: Date().timeIntervalSince(started),
                                      intervalRowsCombined: combined, registeredSeries: registered, unforecastSeries: unforecast)
        logger.info("loaded", metadata: ["inserted": "\(summary.inserted)", "updated": "\(summary.updated)",
                                         "unchanged": "\(summary.unchanged)", "rejected": "\(rejected)"])
        return summary
    }

    /// Refuses a file read in another time zone than the locations of the series its load profiles feed
    /// (a Sydney file read as Los Angeles would shift every hour by 18-19 hours and load without a reject).
    /// Zones are compared by their UTC offsets at noon on the 1st and 15th of every month the file covers,
    /// so two names of one zone (US/Pacific, America/Los_Angeles) agree.
    private func checkSeriesTimeZones(_ zone: String, on connection: Connection, input: String) throws {
        let operational = try SQLIdentifier(layout.operationalSchema).quoted
        let rows = try connection.execute("""
            with loaded as (
                select loadprofile, min(tradedatelocal) as first_day, max(tradedatelocal) as last_day
                from \(SQMDStaging.checked) where reason is null group by loadprofile
            )
            select c.series_id, l.location, l.time_zone
            from loaded f
            join \(operational).series_catalog c on c.load_profile = f.loadprofile
            join \(input).weather_locations l on l.location = c.location
            where exists (
                select 1
                from generate_series(date_trunc('month', f.first_day), f.last_day, interval '1 month') m(month_start)
                cross join (values (0), (14)) d(days)
                where ((m.month_start + make_interval(days => d.days, hours => 12)) at time zone $1::text)
                   <> ((m.month_start + make_interval(days => d.days, hours => 12)) at time zone l.time_zone))
            order by c.series_id
            """, [zone], name: "load sqmd: series time zones").rows
        guard let first = rows.first, let location = first.string("location") else { return }
        throw SQMDLoadError.timeZoneMismatch(readIn: zone, series: rows.map {
            "\($0.string("series_id") ?? "") at \($0.string("location") ?? "") (\($0.string("time_zone") ?? ""))"
        }, location: location)
    }

    /// The location new series are registered at, nil when not registering.
    private func registrationLocation() throws -> String? {
        guard options.registerSeries else { return nil }
        guard case let .location(location) = options.timeZone else { throw SQMDLoadError.registrationNeedsLocation }
        return location
    }

    /// The zone name to use, checked against the server's time-zone database.
    private func resolveTimeZone(on connection: Connection, input: String) throws -> String {
        let name: String
        switch options.timeZone {
        case let .named(zone):
            name = zone
        case let .location(location):
            let row = try connection.execute("select time_zone from \(input).weather_locations where location = $1",
                                             [location], name: "load sqmd: location time zone").first
            guard let zone = row?.string("time_zone") else {
                throw SQMDLoadError.unknownLocation(location: location, table: "\(input).weather_locations")
            }
            name = zone
        }
        do {
            try connection.execute("select now() at time zone $1::text", [name], name: "load sqmd: check time zone")
        } catch let error as WarehouseError where error.sqlstate == "22023" {
            throw SQMDLoadError.unknownTimeZone(name)
        }
        return name
    }
}
