import Features
import Foundation
import Ingest
import SampleData
import Testing
import TestSupport
import Warehouse

/// The sample generator's files go through the real loader untouched.
@Suite("SQMD loader: generated sample data")
struct SQMDSampleLoadTests {
    @Test("generated Initial and Final files load with zero rejects, DST days included, and re-load unchanged")
    func sampleLoads() throws {
        let harness = try SQMDHarness("sqmdsample")
        let output = try SampleGenerator(seed: 99, start: LocalDate("2024-09-01")!, end: LocalDate("2024-12-31")!)
            .write(to: harness.directory.appendingPathComponent("sample"))
        let names = output.sqmdFiles.map { "sample/" + $0.lastPathComponent }
        let summary = try harness.load(names)
        #expect(summary.rejected == 0 && summary.read == output.sqmdRows && summary.inserted == output.sqmdRows)
        #expect(summary.files.map(\.read) == [output.initialRows, output.finalRows])
        #expect(harness.sqmdCount == output.sqmdRows)
        // Every Final has its Initial, so the effective view has one row per Initial key, Final where present.
        #expect(try harness.int("select count(*) as n from gridcast_input_dev.vw_sqmd_effective") == output.initialRows)
        #expect(try harness.int("""
            select count(*) as n from gridcast_input_dev.vw_sqmd_effective where submission = 'Final'
            """) == output.finalRows)
        #expect(try harness.strings("""
            select count(distinct (tradehourstartlocal, dst_fold))::text from gridcast_input_dev.sqmd
            where tradedatelocal = '2024-11-03' and rategroup = 'DR'
            """) == ["25"])
        // All six default series have hourly actuals over the meter threshold.
        #expect(try harness.strings("""
            select load_profile || '-' || load_segment from gridcast_operational_dev.vw_series_actuals_hourly
            group by 1 order by 1
            """) == ["MEDCI-NONSOLAR", "MEDCI-SOLAR", "RES-NONSOLAR", "RES-SOLAR", "SMLCOM-NONSOLAR", "SMLCOM-SOLAR"])
        let again = try harness.load(names)
        #expect(again.inserted == 0 && again.updated == 0 && again.unchanged == output.sqmdRows)
    }
}
