import Boosting
import Foundation
import Testing
import TestSupport
import Warehouse
@testable import Pipeline

/// Series-days a person excluded (training_exclusions) stay out of training and are recorded.
@Suite("Training exclusions")
struct TrainingExclusionTests {
    @Test("the excluded days' rows are dropped, the others kept in order")
    func dropsExcludedRows() {
        let dates = ["2024-06-09", "2024-06-10", "2024-06-10", "2024-06-11"]
        let keys = dates.enumerated().map { FeatureRowKey(hourStart: "h\($0.offset)", localDate: $0.element, localHour: $0.offset, dstFold: 0) }
        let features = SeriesFeatures(keys: keys, targets: [1, 2, 3, 4],
                                      matrix: FeatureMatrix(featureNames: ["a", "b"], values: [1, 10, 2, 20, 3, 30, 4, 40]))
        let kept = SeriesTrainer.dropping(["2024-06-10": "stuck meter"], from: features)
        #expect(kept.keys.map(\.hourStart) == ["h0", "h3"] && kept.targets == [1, 4] && kept.matrix.values == [1, 10, 4, 40])
        #expect(SeriesTrainer.dropping([:], from: features).keys.count == 4)
    }

    @Test("a trained model records the days excluded for its series, and only those")
    func recordedInMetrics() throws {
        let connection = try Connection.open(try SampleWarehouse.clone("exclusions"))
        try connection.execute("""
            insert into gridcast_operational_dev.training_exclusions (series_id, local_date, reason) values
                ('SMLCOM-SOLAR', '2024-06-10', 'stuck meter'), ('SMLCOM-SOLAR', '2024-06-11', 'stuck meter'),
                ('RES-SOLAR', '2024-06-12', 'another series')
            """, name: "exclude days")
        let trainer = SeriesTrainer(configuration: SampleWarehouse.quickTraining, query: try SampleWarehouse.query,
                                    layout: SampleWarehouse.layout)
        let result = try trainer.train(SeriesID(loadProfile: "SMLCOM", loadSegment: "SOLAR"), on: connection)
        let recorded = try connection.execute("""
            select (metrics -> 'excluded_days')::text as days from gridcast_operational_dev.model_registry
            where load_profile = 'SMLCOM' and load_segment = 'SOLAR' and model_version = $1
            """, [result.version], name: "metrics").first?.string("days")
        #expect(recorded == #"{"2024-06-10": "stuck meter", "2024-06-11": "stuck meter"}"#)
    }
}
