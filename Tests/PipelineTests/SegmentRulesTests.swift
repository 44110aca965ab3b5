import Foundation
import Testing
import TestSupport
import Warehouse
@testable import Pipeline

/// Which rate groups are solar is data (migration 0027): editing segment_rules changes load_segment_of(),
/// the stored actuals and what the feature SQL reads, in the editing transaction.
@Suite("Segment rules as data")
struct SegmentRulesTests {
    private static let actuals = "gridcast_operational_dev.series_actuals_hourly"

    @Test("the seeded rule is 0003's; a utility's own rule replaces it and rebuilds the stored actuals")
    func rulesAreRows() throws {
        let connection = try Connection.open(try SampleWarehouse.clone("segmentrules"))
        func segment(_ rategroup: String) throws -> String? {
            try connection.execute("select gridcast_operational_dev.load_segment_of($1) as s", [rategroup], name: "test").first?.string("s")
        }
        func actualHours(_ profile: String, _ segment: String) throws -> Int {
            try connection.execute("select count(*) as n from \(Self.actuals) where load_profile = $1 and load_segment = $2",
                                   [profile, segment], name: "test").first?.int("n") ?? -1
        }
        #expect(try segment("NEM2") == "SOLAR" && segment("SBP-TOU-A") == "SOLAR" && segment("GS-1") == "NONSOLAR")
        let solarHours = try actualHours("RES", "SOLAR")
        #expect(solarHours > 0)

        // NEM is a market's name here; this utility's solar tariffs are the NEM2 ones only.
        try connection.transaction(name: "replace the rule") { tx in
            try tx.execute("delete from gridcast_operational_dev.segment_rules", name: "test")
            try tx.execute("""
                insert into gridcast_operational_dev.segment_rules (rategroup_pattern, load_segment, note)
                values ('NEM2%', 'SOLAR', 'this utility''s solar tariffs')
                """, name: "test")
        }
        #expect(try segment("NEM2") == "SOLAR" && segment("NEM1") == "NONSOLAR" && segment("SBP") == "NONSOLAR")
        // Stored actuals follow: RES-SOLAR now sums NEM2 only; a quote in a pattern stays a value.
        let narrower = try actualHours("RES", "SOLAR")
        #expect(narrower > 0 && narrower <= solarHours)
        #expect(try connection.execute("""
            select count(*) as n from (
                select s.hour_start_utc, sum(s.loadlal - s.genlal) as net
                from gridcast_input_dev.vw_sqmd_effective s
                where s.loadprofile = 'RES' and s.rategroup like 'NEM2%' group by 1) e
            join \(Self.actuals) a on a.load_profile = 'RES' and a.load_segment = 'SOLAR' and a.hour_start_utc = e.hour_start_utc
            where abs(a.net_load_kwh - e.net) > 1e-6
            """, name: "test").first?.int("n") == 0, "every stored RES-SOLAR hour is the NEM2 sum")

        try connection.execute("""
            insert into gridcast_operational_dev.segment_rules (rategroup_pattern, load_segment) values ('O''Brien%', 'SOLAR')
            """, name: "test")
        #expect(try segment("O'Brien tariff") == "SOLAR")

        // The feature SQL reads the new rule: with no rule left, no rate group is solar, so RES-SOLAR has no targets.
        try connection.execute("delete from gridcast_operational_dev.segment_rules", name: "test")
        #expect(try segment("NEM2") == "NONSOLAR")
        #expect(try actualHours("RES", "SOLAR") == 0)
        let features = try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout,
                                                       series: SeriesID(loadProfile: "RES", loadSegment: "SOLAR"),
                                                       start: "2024-06-01", end: "2024-06-02", settings: FeatureSettings(),
                                                       requireTarget: true, asOf: .dayAhead())
        #expect(features.keys.isEmpty, "no hour of RES-SOLAR has a target without solar rate groups")
    }

    @Test("only the schema owner edits the rules: the runner and the loader cannot")
    func onlyTheOwnerEdits() throws {
        let connection = try Connection.open(try SampleWarehouse.clone("segmentgrants"))
        for role in ["gridcast_runner_dev", "gridcast_loader_dev"] {
            let allowed = try connection.execute("""
                select has_table_privilege($1, 'gridcast_operational_dev.segment_rules', 'insert, update, delete') as ok
                """, [role], name: "test").first?.bool("ok")
            #expect(allowed == false, "\(role)")
        }
    }
}
