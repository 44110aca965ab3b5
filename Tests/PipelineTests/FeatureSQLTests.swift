import Testing
import TestSupport
import Warehouse
@testable import Pipeline

/// Columns of the feature SQL that come from per-location settings rather than constants.
@Suite("Feature SQL settings per location")
struct FeatureSQLTests {
    @Test("heating and cooling degrees count from the location's bases (migration 0023), 15.5 and 18.3 by default")
    func degreeDayBases() throws {
        let connection = try Connection.open(try SampleWarehouse.clone("degreebases"))
        let series = SeriesID(loadProfile: "RES", loadSegment: "NONSOLAR")
        func features() throws -> (temperature: [Float], cooling: [Float], heating: [Float]) {
            let data = try SampleWarehouse.query.fetch(on: connection, layout: SampleWarehouse.layout, series: series,
                                                       start: "2024-08-01", end: "2024-08-03", settings: FeatureSettings(),
                                                       requireTarget: false, asOf: .dayAhead())
            return (data.matrix.column("temperature_2m"), data.matrix.column("cooling_degrees"), data.matrix.column("heating_degrees"))
        }
        func close(_ a: Float, _ b: Float) -> Bool { abs(a - b) < 1e-4 }
        let before = try features()
        #expect(before.temperature.count == 72 && before.temperature.allSatisfy(\.isFinite))
        #expect(zip(before.temperature, before.cooling).allSatisfy { close($1, max($0 - 18.3, 0)) })
        #expect(zip(before.temperature, before.heating).allSatisfy { close($1, max(15.5 - $0, 0)) })

        try connection.execute("""
            update gridcast_input_dev.weather_locations set heating_base_c = 22, cooling_base_c = 26 where location = 'san_diego'
            """, name: "a warmer climate's bases")
        let after = try features()
        #expect(zip(after.temperature, after.cooling).allSatisfy { close($1, max($0 - 26, 0)) })
        #expect(zip(after.temperature, after.heating).allSatisfy { close($1, max(22 - $0, 0)) })
        #expect(after.heating != before.heating, "August in San Diego has hours between 15.5 and 22 degC")
        #expect(throws: WarehouseError.self) {
            try connection.execute("update gridcast_input_dev.weather_locations set heating_base_c = 30, cooling_base_c = 20",
                                   name: "heating above cooling")
        }
    }
}
