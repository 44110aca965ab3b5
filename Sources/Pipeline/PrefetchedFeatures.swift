import Features
import Foundation
import Migrations
import Warehouse

/// Feature matrices fetched ahead for many series, one query per group of series that share the
/// settings, dates and as-of rule, so that forecasting N series costs a few queries rather than N. A
/// series' forecast takes its rows from here when an entry fits (same settings and rule, its dates
/// inside the entry's), and runs its own query otherwise: the rows are the same either way, since the
/// feature SQL computes each series and day on its own.
public struct PrefetchedFeatures: Sendable {
    struct Entry: Sendable {
        let settings: FeatureSettings
        let asOf: AsOfRule
        let start: LocalDate
        let end: LocalDate
        let series: Set<SeriesID>
        let batch: FeatureBatch
    }

    private(set) var entries: [Entry] = []

    public init() {}

    /// The query's result for `series`, held for later lookups.
    mutating func add(_ batch: FeatureBatch, series: [SeriesID], start: String, end: String, settings: FeatureSettings,
                      asOf: AsOfRule) {
        guard let first = LocalDate(start), let last = LocalDate(end) else { return }
        entries.append(Entry(settings: settings, asOf: asOf, start: first, end: last, series: Set(series),
                             batch: batch))
    }

    /// The rows of `series` for local dates `start...end`, if a prefetched query covers them.
    public func features(_ series: SeriesID, start: String, end: String, settings: FeatureSettings,
                         asOf: AsOfRule) -> SeriesFeatures? {
        guard let first = LocalDate(start), let last = LocalDate(end),
              let entry = entries.first(where: { $0.series.contains(series) && $0.settings == settings
                                                 && $0.asOf == asOf && $0.start <= first && last <= $0.end })
        else { return nil }
        let features = entry.batch[series]
        guard first != entry.start || last != entry.end else { return features }
        // Rows of a day do not depend on the other days of the query: a sub-range is a filter.
        let rows = features.keys.indices.filter { index in
            LocalDate(features.keys[index].localDate).map { first <= $0 && $0 <= last } ?? false
        }
        return features.keeping(rows)
    }

    /// A series' features wanted for local dates `start...end` under `asOf`.
    public typealias Wanted = (series: SeriesID, settings: FeatureSettings, start: String, end: String, asOf: AsOfRule)

    /// Fetches `plan` (series with their settings, one date range and as-of rule each) in as few
    /// queries as the distinct settings, ranges and rules allow: one per group. The caller bounds the rows
    /// a plan holds (`ForecastRun` fetches chunks of at most 30,000).
    public static func fetch(_ plan: [Wanted], query: FeatureQuery, layout: SchemaLayout,
                             on connection: Connection) throws -> PrefetchedFeatures {
        var groups: [(key: GroupKey, series: [SeriesID])] = []
        for entry in plan {
            let key = GroupKey(settings: entry.settings, start: entry.start, end: entry.end, asOf: entry.asOf)
            if let index = groups.firstIndex(where: { $0.key == key }) {
                groups[index].series.append(entry.series)
            } else {
                groups.append((key, [entry.series]))
            }
        }
        var prefetched = PrefetchedFeatures()
        for (key, series) in groups {
            let batch = try query.fetch(on: connection, layout: layout, series: series, start: key.start, end: key.end,
                                        settings: key.settings, requireTarget: false, asOf: key.asOf)
            prefetched.add(batch, series: series, start: key.start, end: key.end, settings: key.settings, asOf: key.asOf)
        }
        return prefetched
    }

    private struct GroupKey: Equatable {
        let settings: FeatureSettings
        let start: String
        let end: String
        let asOf: AsOfRule
    }
}

/// How a run's series got their features: from a batched query or from one of their own. Shared by the
/// workers of one run (hence the lock); what `ForecastRunResult.featureQueries` reports.
public final class FeatureQueryCount: @unchecked Sendable {
    private let lock = NSLock()
    private var batched = 0
    private var own = 0

    public init() {}

    func addBatched(_ queries: Int) { lock.withLock { batched += queries } }
    func addOwn() { lock.withLock { own += 1 } }

    /// Batched queries plus single-series ones.
    public var total: Int { lock.withLock { batched + own } }
}
