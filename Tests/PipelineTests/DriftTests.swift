import Foundation
import Testing
import TestSupport
import Warehouse
@testable import Pipeline

/// vw_series_drift, its findings in `gridcast check` and `gridcast train --if-drifted`, over two
/// champions trained on the sample through November: December's planted forecasts move the error
/// of one series, restated December meter data move the load of the other.
@Suite("Drift")
struct DriftTests {
    static let op = BIViewTests.op
    static let drifting = SeriesID(loadProfile: "RES", loadSegment: "NONSOLAR")
    static let steady = SeriesID(loadProfile: "RES", loadSegment: "SOLAR")

    struct Row: Equatable {
        let drifted: Bool, errorDrifted: Bool, inputDrifted: Bool, wapeRatio: Double?, loadPerMeterPSI: Double?, temperaturePSI: Double?
        let reason: String
    }

    static func drift(_ connection: Connection) throws -> [String: Row] {
        Dictionary(uniqueKeysWithValues: try connection.execute("""
            select series_id, drifted, error_drifted, input_drifted, wape_ratio, load_per_meter_psi, temperature_psi, reason
            from gridcast_bi_dev.vw_series_drift
            """, name: "drift").rows.map { row in
            (row.string("series_id") ?? "", Row(drifted: row.bool("drifted") ?? false, errorDrifted: row.bool("error_drifted") ?? false,
                                                inputDrifted: row.bool("input_drifted") ?? false, wapeRatio: row.double("wape_ratio"),
                                                loadPerMeterPSI: row.double("load_per_meter_psi"), temperaturePSI: row.double("temperature_psi"),
                                                reason: row.string("reason") ?? ""))
        })
    }

    /// Champions of both series trained through 2024-11-30, then two weeks of December backtests
    /// (the sample's SQMD known at its end reaches 2024-12-17):
    /// 40% under for the drifting series, 1% over for the steady one.
    static func prepared(_ label: String) throws -> (ConnectionTarget, Connection) {
        let target = try SampleWarehouse.clone(label)
        let connection = try Connection.open(target)
        var configuration = SampleWarehouse.quickTraining
        configuration.endDate = "2024-11-30"
        let trainer = SeriesTrainer(configuration: configuration, query: try SampleWarehouse.query, layout: SampleWarehouse.layout)
        for series in [drifting, steady] {
            #expect(try trainer.train(series, on: connection).status == "approved")
        }
        try BIViewTests.plant([
            .init(kind: "backtest", runTime: nil, createdAt: "2024-12-31 10:00+00", from: "2024-12-01", through: "2024-12-14",
                  scale: 0.6, version: 1, series: drifting.description),
            .init(kind: "backtest", runTime: nil, createdAt: "2024-12-31 10:00+00", from: "2024-12-01", through: "2024-12-14",
                  scale: 1.01, version: 1, series: steady.description),
        ], on: connection)
        try connection.execute("select \(op).refresh_forecast_accuracy()", name: "accuracy")
        return (target, connection)
    }

    @Test("error drift against the holdout, load drift against the same days a year before, each reported by check")
    func view() throws {
        let (target, connection) = try Self.prepared("drift")
        var rows = try Self.drift(connection)
        let drifting = try #require(rows[Self.drifting.description]), steady = try #require(rows[Self.steady.description])
        #expect(drifting.errorDrifted && drifting.drifted && (drifting.wapeRatio ?? 0) > 1.5, "\(drifting)")
        #expect(drifting.reason.contains("times the holdout WAPE"), "\(drifting.reason)")
        #expect(!steady.drifted && (steady.wapeRatio ?? 9) < 1, "\(steady)")
        for row in [drifting, steady] {
            #expect((row.loadPerMeterPSI ?? 1) < 0.1 && (row.temperaturePSI ?? 1) < 0.1, "the sample's December is like the year before's: \(row)")
        }
        #expect(rows["MEDCI-SOLAR"] == Row(drifted: false, errorDrifted: false, inputDrifted: false, wapeRatio: nil, loadPerMeterPSI: nil,
                                          temperaturePSI: nil, reason: "no champion"))

        // Two and a half times the load per meter on the newest 28 days outside the graded fortnight:
        // the steady series' inputs drifted, its error did not.
        try #require(try SampleWarehouse.restate(connection, where: """
            (tradedatelocal between '2024-11-20' and '2024-11-30' or tradedatelocal between '2024-12-15' and '2024-12-17')
            and loadprofile = 'RES'
            and (rategroup like 'NEM%' or rategroup like 'SBP%')
            """, values: "loadlal * 2.5, genlal * 2.5, metercount").rows > 0)
        rows = try Self.drift(connection)
        let shifted = try #require(rows[Self.steady.description])
        #expect(shifted.inputDrifted && !shifted.errorDrifted && (shifted.loadPerMeterPSI ?? 0) > 0.25, "\(shifted)")
        #expect(shifted.reason.contains("load per meter PSI") && !shifted.reason.contains("temperature PSI"), "\(shifted.reason)")

        let outcome = try CheckTests.check(target.conninfo)
        let found = Set(try CheckTests.failures(outcome).map { "\($0["check"] as? String ?? "") \($0["series"] as? String ?? "-")" })
        #expect(outcome.exitCode == 2)
        #expect(found.isSuperset(of: ["drift_wape_ratio RES-NONSOLAR", "drift_psi RES-SOLAR"]), "\(found)")
    }

    @Test("train --if-drifted trains the drifted series and skips the steady one, saying why")
    func trainIfDrifted() throws {
        let (target, connection) = try Self.prepared("ifdrifted")
        let outcome = try GridcastProcess.run(["train", "--if-drifted", "--series", Self.drifting.description,
                                               "--series", Self.steady.description, "--trials", "1", "--folds", "2",
                                               "--history-days", "460", "--json"],
                                              environment: ["GRIDCAST_DATABASE_URL": target.conninfo])
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let trained = (object["series"] as? [[String: Any]] ?? []).compactMap { $0["series"] as? String }
        let skipped = object["skipped"] as? [[String: Any]] ?? []
        #expect(trained == [Self.drifting.description], "\(outcome.stdout)")
        #expect(skipped.compactMap { $0["series"] as? String } == [Self.steady.description])
        #expect((skipped.first?["reason"] as? String)?.hasPrefix("not drifted (WAPE ratio 0.") == true, "\(skipped)")
        let versions = try connection.execute("""
            select series_id, max(model_version) as v from \(Self.op).model_registry m
            join \(Self.op).series_catalog c using (load_profile, load_segment) group by series_id
            """, name: "versions").rows.reduce(into: [String: Int]()) { $0[$1.string("series_id") ?? ""] = $1.int("v") }
        #expect(versions == [Self.drifting.description: 2, Self.steady.description: 1])
    }
}
