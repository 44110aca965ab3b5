import Boosting
import Foundation
import Testing
@testable import Pipeline

/// The default lags per data delay (series_catalog.lag_days null) and the leak guard on lags.
@Suite("Feature settings")
struct FeatureSettingsTests {
    @Test("default lags: daily while the data are under a week old, four weekly, a year; never shorter than delay + 1")
    func defaultLags() throws {
        #expect(FeatureSettings.defaultLags(delayDays: 14) == [21, 28, 35, 42, 364], "SQMD: today's defaults")
        #expect(FeatureSettings.defaultLags(delayDays: 1) == [2, 3, 4, 5, 6, 7, 14, 21, 28, 35, 364], "telemetry")
        #expect(FeatureSettings.defaultLags(delayDays: 0) == [1, 2, 3, 4, 5, 6, 7, 14, 21, 28, 35, 364])
        #expect(FeatureSettings.defaultLags(delayDays: 7) == [14, 21, 28, 35, 364])
        #expect(FeatureSettings.defaultLags(delayDays: 6) == [7, 14, 21, 28, 35, 364])
        #expect(FeatureSettings.defaultLags(delayDays: 60) == [63, 70, 77, 84, 364])
        for delay in 0...60 {
            let settings = FeatureSettings(delayDays: delay)
            #expect(throws: Never.self) { try settings.validate() }
            #expect(settings.lagDays.min()! == delay + 1 || settings.lagDays.min()! % 7 == 0, "delay \(delay): \(settings.lagDays)")
        }
        #expect(throws: FeatureError.self) { try FeatureSettings(delayDays: 14, lagDays: [7, 21]).validate() }
    }

    @Test("the recent level a level model adds back: the 7-day same-hour mean, else the 28-day one; 0 for a load model")
    func targetBase() throws {
        let nan = Float.nan
        let matrix = FeatureMatrix(featureNames: ["hour_of_day", "same_hour_mean_7d", "same_hour_mean_28d"],
                                   values: [0, 10, 12,   1, nan, 13,   2, nan, nan])
        var settings = FeatureSettings(delayDays: 1)
        #expect(settings.baseValues(matrix) == [0, 0, 0])
        settings.targetBase = FeatureSettings.recentLevelBase
        let base = settings.baseValues(matrix)
        #expect(base[0] == 10 && base[1] == 13 && base[2].isNaN)
        // Without the columns (a feature SQL edited without them) nothing is known.
        let withoutLevels = settings.baseValues(matrix.columns(["hour_of_day"]))
        #expect(withoutLevels.count == 3 && withoutLevels.allSatisfy { $0.isNaN })
        // Recorded with the model's settings; models trained before it decode as load models.
        let decoded = try JSONDecoder().decode(FeatureSettings.self, from: Data(#"{"delayDays": 14, "lagDays": [21]}"#.utf8))
        #expect(decoded.targetBase == nil)
        let roundTrip = try JSONDecoder().decode(FeatureSettings.self, from: JSONEncoder().encode(settings))
        #expect(roundTrip.targetBase == FeatureSettings.recentLevelBase)
    }
}
