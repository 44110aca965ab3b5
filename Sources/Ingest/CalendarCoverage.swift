import Features
import Migrations
import Warehouse

/// Forecasts need `calendar_hourly` rows for their target days. Rather than failing a day (exit 8)
/// because nobody ran `calendar fill` far enough ahead, `forecast` and `backfill` compute the days
/// that are missing for their series' locations first. Only days without any row are filled, so a
/// day a DBA edited by hand (a patched holiday) is never replaced.
public enum CalendarCoverage {
    /// One location's days that were filled.
    public struct Filled: Sendable, Equatable {
        public let location: String
        public let days: [LocalDate]
    }

    /// Fills the target days that have no calendar rows for the locations of `series` (PROFILE-SEGMENT keys).
    public static func fillMissing(series: [String], dates: [LocalDate], writer: CalendarTableWriter,
                                   on connection: Connection) throws -> [Filled] {
        guard !series.isEmpty, !dates.isEmpty else { return [] }
        let schema = SQLIdentifier.quoteValidated(writer.layout.operationalSchema)
                let missing = try connection.execute("""
            select l.location, d.day::text as day
            from (select distinct c.location from \(schema).series_catalog c where c.series_id = any ($1::text[])) l
            cross join unnest($2::date[]) d(day)
            where not exists (select 1 from \(schema).calendar_hourly k where k.location = l.location and k.local_date = d.day)
            order by l.location, d.day
            """, [SQLTextArray(series), SQLTextArray(dates.map(\.description))], name: "calendar coverage").rows
        var byLocation: [String: [LocalDate]] = [:]
        for row in missing {
            guard let location = row.string("location"), let day = row.string("day").flatMap(LocalDate.init) else { continue }
            byLocation[location, default: []].append(day)
        }
        var filled: [Filled] = []
        for (location, days) in byLocation.sorted(by: { $0.key < $1.key }) {
            for run in consecutiveRuns(days) {
                try writer.fill(location: location, from: run.lowerBound, through: run.upperBound, on: connection)
            }
            filled.append(Filled(location: location, days: days))
        }
        return filled
    }

    /// Sorted days grouped into runs of consecutive days, so each run is one fill.
    static func consecutiveRuns(_ days: [LocalDate]) -> [ClosedRange<LocalDate>] {
        var runs: [ClosedRange<LocalDate>] = []
        for day in days.sorted() {
            if let last = runs.last, day.days(since: last.upperBound) == 1 {
                runs[runs.count - 1] = last.lowerBound...day
            } else if runs.last?.contains(day) != true {
                runs.append(day...day)
            }
        }
        return runs
    }
}
