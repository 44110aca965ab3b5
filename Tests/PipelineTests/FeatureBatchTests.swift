import Foundation
import Testing
import TestSupport
import Warehouse
@testable import Pipeline

/// One feature query for many series (issue 21): the template's batch form must give every series exactly
/// the rows its one-series form gives (the form the extension and Citus run), whatever else is asked for.
@Suite("Feature SQL for many series in one query")
struct FeatureBatchTests {
    static let series = SampleSeries.ids.compactMap(SeriesID.init)

    @Test("the batch form gives each of the six series (one asked twice), and an unknown one among them, its one-series rows",
          arguments: [(true, AsOfRule.dayAhead(weather: .asIssuedOrObserved)), (false, AsOfRule.dayAhead()), (false, AsOfRule(runTime: "2024-08-20 16:00:00+00"))])
    func batchEqualsAlone(requireTarget: Bool, asOf: AsOfRule) throws {
        let connection = try Connection.open(try SampleWarehouse.clone("batch"))
        let unknown = SeriesID(loadProfile: "NOSUCH", loadSegment: "SOLAR")
        let asked = Array(Self.series[..<3]) + [unknown] + Array(Self.series[3...]) + [Self.series[0]]
        let (start, end) = requireTarget ? ("2024-06-01", "2024-08-31") : ("2024-08-19", "2024-08-21")
        let batch = try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout, series: asked, start: start,
                                                    end: end, settings: FeatureSettings(), requireTarget: requireTarget, asOf: asOf)
        #expect(batch.bySeries.count == 6 && batch[unknown].keys.isEmpty, "an unknown series has no rows: \(batch.bySeries.keys)")
        #expect(batch[unknown].matrix.featureNames == batch.featureNames, "and the query's columns")
        var totals: [Float] = []
        for id in Self.series {
            let alone = try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout, series: id, start: start,
                                                        end: end, settings: FeatureSettings(), requireTarget: requireTarget,
                                                        asOf: asOf)
            let together = batch[id]
            #expect(alone.keys.count >= 48 && together.keys == alone.keys, "\(id): keys and lineage")
            #expect(together.targets == alone.targets, "\(id): targets")
            #expect(together.matrix.featureNames == alone.matrix.featureNames)
            #expect(zip(together.matrix.values, alone.matrix.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) },
                    "\(id): every feature value")
            totals.append(together.matrix.column("same_hour_mean_28d").filter(\.isFinite).reduce(0, +))
        }
        #expect(Set(totals).count == 6, "six series, six different histories: no series read another's rows")
    }

    @Test("a prefetched range serves a day inside it with the rows of that day's own query, and only for its settings")
    func prefetchedSubRange() throws {
        let connection = try Connection.open(try SampleWarehouse.clone("prefetch"))
        let settings = FeatureSettings(), asOf = AsOfRule.dayAhead()
        let wanted = Self.series.map { (series: $0, settings: settings, start: "2024-08-10", end: "2024-08-16", asOf: asOf) }
        let prefetched = try PrefetchedFeatures.fetch(wanted, query: SampleWarehouse.query, layout: SampleWarehouse.layout,
                                                      on: connection)
        #expect(prefetched.entries.count == 1, "one query for six series with one settings, range and rule")
        let id = Self.series[1]
        let day = try #require(prefetched.features(id, start: "2024-08-13", end: "2024-08-14", settings: settings, asOf: asOf))
        let direct = try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout, series: id,
                                                     start: "2024-08-13", end: "2024-08-14", settings: settings,
                                                     requireTarget: false, asOf: asOf)
        #expect(day.keys.count == 48 && day.keys == direct.keys && day.targets == direct.targets)
        #expect(zip(day.matrix.values, direct.matrix.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })

        var otherLags = settings
        otherLags.lagDays = [21, 28, 364]
        #expect(prefetched.features(id, start: "2024-08-13", end: "2024-08-13", settings: otherLags, asOf: asOf) == nil)
        #expect(prefetched.features(id, start: "2024-08-13", end: "2024-08-13", settings: settings,
                                    asOf: AsOfRule(runTime: "2024-08-12 16:00:00+00")) == nil, "another as-of rule")
        #expect(prefetched.features(id, start: "2024-08-16", end: "2024-08-17", settings: settings, asOf: asOf) == nil,
                "a day outside the range")
        #expect(prefetched.features(SeriesID(loadProfile: "NOSUCH", loadSegment: "SOLAR"), start: "2024-08-13",
                                    end: "2024-08-13", settings: settings, asOf: asOf) == nil, "a series not asked for")
    }

    @Test("a template written for one series (no arrays) is refused before any query, naming what it lacks")
    func oneSeriesTemplateRefused() throws {
        let old = FeatureQuery(template: SQLTemplate("select 1 where $1::text = 'RES'", origin: "old_features.sql"))
        #expect {
            _ = try old.checked(for: SampleWarehouse.layout)
        } throws: { error in
            "\(error)".contains("old_features.sql") && "\(error)".contains("unnest($1::text[], $2::text[])")
        }
    }
}
