import Features
import Foundation
@testable import Pipeline
import Testing
import Warehouse

/// The search's folds are cut by days, as the training split is, so a fold equal to the final windows lets
/// the final fit take the search's fit instead of making it again (`FitMemo`).
@Suite("Training folds by days")
struct TrainingFoldsTests {
    /// Hourly keys from 2024-01-01 for `days` days, one 23-hour day (the 40th) and one day missing (the 70th).
    static func keys(days: Int) -> [FeatureRowKey] {
        let first = LocalDate(year: 2024, month: 1, day: 1)!
        return (0..<days).filter { $0 != 69 }.flatMap { day -> [FeatureRowKey] in
            let date = first.adding(days: day).description
            return (0..<(day == 39 ? 23 : 24)).map {
                FeatureRowKey(hourStart: "\(date) \($0)", localDate: date, localHour: $0, dstFold: 0)
            }
        }
    }

    @Test("each fold validates on whole days, oldest first; one fold of validation days is the validation window")
    func foldsByDays() throws {
        let keys = Self.keys(days: 200)
        let split = try DateSplit(keys: keys, testDays: 28, validationDays: 28,
                                  series: SeriesID(loadProfile: "RES", loadSegment: "SOLAR"))
        let three = split.folds(count: 3, days: 21)
        #expect(three.folds.count == 3)
        for (index, fold) in three.folds.enumerated() {
            let dates = Set(keys[fold.validation].map(\.localDate))
            #expect(dates.count == 21, "fold \(index): \(dates.count) days")
            #expect(fold.train == 0..<fold.validation.lowerBound)
            let first = fold.validation.lowerBound
            #expect(keys[first - 1].localDate < keys[first].localDate, "starts on a new day")
            if index > 0 {
                #expect(three.folds[index - 1].validation.upperBound == first, "oldest first, adjacent")
            }
        }
        #expect(three.folds.last?.validation.upperBound == split.test.lowerBound)
        let one = split.folds(count: 1, days: 28)
        #expect(one.folds.count == 1 && one.folds[0].train == split.train && one.folds[0].validation == split.validation)
        // Folds that would train on fewer rows than they validate are left out: of 171 days before the test
        // window, ten blocks of 21 leave 7 with more than 21 days to train on.
        let ten = split.folds(count: 10, days: 21)
        #expect(ten.folds.count == 7 && ten.folds.allSatisfy { $0.train.count > $0.validation.count })
    }
}
