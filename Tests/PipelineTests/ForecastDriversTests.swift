import Foundation
@testable import Pipeline
import Testing

@Suite("Forecast drivers")
struct ForecastDriversTests {
    @Test("the three largest contributions by absolute value, the bias and NaN left out, ties by name")
    func topThree() throws {
        let features = ["temperature", "hour", "lag_15d", "cloud", "is_holiday"]
        // Two rows of five contributions plus the bias; the second row's bias is the largest number.
        let contributions: [Float] = [1, -5, 2, .nan, 0.5, 100,
                                      3, 3, -0.5, 9, 0, 1000]
        let first = try #require(try ForecastDrivers.json(contributions, row: 0, features: features))
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [[String: Any]])
        #expect(decoded.map { $0["feature"] as? String } == ["hour", "lag_15d", "temperature"])
        #expect(decoded.map { $0["kwh"] as? Double } == [-5, 2, 1])
        let second = try #require(try ForecastDrivers.json(contributions, row: 1, features: features))
        let names = try #require(try JSONSerialization.jsonObject(with: Data(second.utf8)) as? [[String: Any]]).map { $0["feature"] as? String }
        #expect(names == ["cloud", "hour", "temperature"], "a tie (3 and 3) is broken by name; the bias of 1000 is not a driver")
        #expect(try ForecastDrivers.json(contributions, row: 2, features: features) == nil, "no such row")
    }
}
