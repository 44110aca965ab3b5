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
}
