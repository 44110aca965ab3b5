import Boosting
import Foundation
import Testing

/// Hourly-like synthetic data: a daily cycle, a temperature effect, and one pure-noise column.
func synthetic(rows: Int, seed: UInt64) -> (FeatureMatrix, [Float], hours: [Int]) {
    var generator = SeededGenerator(seed: seed)
    var values: [Float] = [], labels: [Float] = [], hours: [Int] = []
    for row in 0..<rows {
        let hour = row % 24
        let temperature = 15 + 10 * sin(Double(row) / 500) + Double.random(in: -3...3, using: &generator)
        let noise = Double.random(in: -1...1, using: &generator)
        let target = 100 + 30 * sin(Double(hour) / 24 * 2 * .pi) + 4 * max(temperature - 18, 0) + Double.random(in: -2...2, using: &generator)
        values += [Float(hour), Float(temperature), Float(noise)]
        labels.append(Float(target))
        hours.append(hour)
    }
    return (FeatureMatrix(featureNames: ["hour", "temperature", "noise"], values: values), labels, hours)
}

@Suite("XGBoost through the C API")
struct BoostingTests {
    @Test("a fitted model beats predicting the mean, and early stopping trims the rounds")
    func fitBeatsMean() throws {
        let (matrix, labels, _) = synthetic(rows: 3000, seed: 1)
        let train = 0..<2400, validation = 2400..<3000
        var parameters = BoostParameters()
        parameters.maxRounds = 2000
        let fitted = try Trainer.fit(parameters, train: matrix.rows(train), labels: Array(labels[train]),
                                     validation: (matrix.rows(validation), Array(labels[validation])), patience: 20)
        #expect(fitted.bestRounds < 2000)
        #expect(fitted.booster.rounds == fitted.bestRounds)
        let predicted = try fitted.booster.predict(DMatrix(matrix.rows(validation))).map(Double.init)
        let actual = labels[validation].map(Double.init)
        let mean = labels[train].reduce(0, +) / Float(train.count)
        let model = ForecastMetrics(actual: actual, predicted: predicted, days: validation.map { $0 / 24 })
        let naive = ForecastMetrics(actual: actual, predicted: actual.map { _ in Double(mean) }, days: validation.map { $0 / 24 })
        #expect(model.rmse < naive.rmse * 0.3, "model \(model.rmse) vs mean \(naive.rmse)")
        #expect(model.skill(against: naive) > 0.7)
        #expect(abs((fitted.bestValidationRMSE ?? 0) - model.rmse) < 0.01)
    }

    @Test("the saved JSON model, loaded again, predicts exactly the same values")
    func jsonRoundTrip() throws {
        let (matrix, labels, _) = synthetic(rows: 1000, seed: 2)
        var parameters = BoostParameters()
        parameters.maxRounds = 50
        let fitted = try Trainer.fit(parameters, train: matrix, labels: labels)
        let json = try fitted.booster.modelJSON()
        let decoded = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        #expect(decoded?["learner"] != nil)
        let reloaded = try Booster(modelJSON: json)
        let input = try DMatrix(matrix)
        #expect(try reloaded.predict(input) == fitted.booster.predict(input))
        #expect(reloaded.rounds == 50)
        #expect(reloaded.featureNames == ["hour", "temperature", "noise"])
    }

    @Test("random search over time-series folds is reproducible and never worse than the defaults")
    func randomSearch() throws {
        let (matrix, labels, _) = synthetic(rows: 2000, seed: 3)
        let folds = TimeSeriesFolds(rowCount: 2000, foldCount: 3, validationSize: 240, gap: 24)
        #expect(folds.folds.count == 3)
        for fold in folds.folds {
            #expect(fold.train.upperBound + 24 == fold.validation.lowerBound)
        }
        let search = RandomSearch(trials: 4, seed: 9, patience: 10, strategy: .full)
        let first = try search.run(matrix: matrix, labels: labels, folds: folds, maxRounds: 200)
        let second = try search.run(matrix: matrix, labels: labels, folds: folds, maxRounds: 200)
        #expect(first.trials.map(\.meanRMSE) == second.trials.map(\.meanRMSE))
        #expect(first.best.meanRMSE <= first.trials[0].meanRMSE)
        #expect(first.trials.count == 4)
    }

    @Test("a search whose one fold is the final windows hands its best fits to the final fit: the same boosters, not refit")
    func memoReusesSearchFits() throws {
        let (matrix, labels, _) = synthetic(rows: 2000, seed: 3)
        let folds = TimeSeriesFolds(rowCount: 2000, foldCount: 1, validationSize: 240)
        let fold = try #require(folds.folds.first)
        let memo = FitMemo(train: fold.train, validation: fold.validation, capacity: 2)
        let search = try RandomSearch(trials: 5, seed: 9, patience: 10, strategy: .full)
            .run(matrix: matrix, labels: labels, folds: folds, maxRounds: 200, memo: memo)
        #expect(search.trials.map(\.seed) == (0..<5).map { 9 + UInt64($0) })
        // The best candidate's final fit comes from the memo; made afresh with its seed it is the same model.
        var made = 0
        let final = try memo.fit(search.best.parameters, seed: search.best.seed, patience: 10, features: matrix.featureNames,
                                 train: fold.train, validation: fold.validation) {
            made += 1
            return try Trainer.fit(search.best.parameters, train: matrix.rows(fold.train), labels: Array(labels[fold.train]),
                                   validation: (matrix.rows(fold.validation), Array(labels[fold.validation])), patience: 10,
                                   seed: search.best.seed)
        }
        #expect(made == 0 && memo.reused == 1)
        let fresh = try Trainer.fit(search.best.parameters, train: matrix.rows(fold.train), labels: Array(labels[fold.train]),
                                    validation: (matrix.rows(fold.validation), Array(labels[fold.validation])), patience: 10,
                                    seed: search.best.seed)
        #expect(try final.booster.modelJSON() == fresh.booster.modelJSON() && final.bestRounds == fresh.bestRounds)
        // Only the best `capacity` fits are kept; another seed, another window or a worse candidate is made.
        let worst = try #require(search.trials.max { $0.meanRMSE < $1.meanRMSE })
        for (parameters, seed, train) in [(search.best.parameters, search.best.seed &+ 100, fold.train),
                                          (search.best.parameters, search.best.seed, 0..<(fold.train.upperBound - 24)),
                                          (worst.parameters, worst.seed, fold.train)] {
            _ = try memo.fit(parameters, seed: seed, patience: 10, features: matrix.featureNames, train: train,
                             validation: fold.validation) {
                made += 1
                return fresh
            }
        }
        #expect(made == 3 && memo.reused == 1)
    }

    @Test("successive halving fits all candidates on the newest fold, a third on one more, and picks a finalist scored on every fold")
    func halvingSearch() throws {
        let (matrix, labels, _) = synthetic(rows: 2000, seed: 3)
        let folds = TimeSeriesFolds(rowCount: 2000, foldCount: 3, validationSize: 240, gap: 24)
        let halving = try RandomSearch(trials: 12, seed: 9, patience: 10).run(matrix: matrix, labels: labels, folds: folds, maxRounds: 200)
        let full = try RandomSearch(trials: 12, seed: 9, patience: 10, strategy: .full)
            .run(matrix: matrix, labels: labels, folds: folds, maxRounds: 200)
        #expect(full.fits == 36)
        #expect(halving.fits == 12 + 4 + 2, "12 on the newest fold, the best 4 on two, the best 2 on all three")
        #expect(halving.trials.map(\.folds).sorted() == Array(repeating: 1, count: 8) + [2, 2, 3, 3])
        #expect(halving.best.folds == 3)
        // The same fits as the full search's: a finalist's mean is the full search's mean of that candidate.
        for (pruned, complete) in zip(halving.trials, full.trials) where pruned.folds == 3 {
            #expect(pruned.meanRMSE == complete.meanRMSE)
        }
        // The finalists were the best on the newest fold alone.
        let newestFold = try RandomSearch(trials: 12, seed: 9, patience: 10, strategy: .full)
            .run(matrix: matrix, labels: labels, folds: TimeSeriesFolds(rowCount: 2000, foldCount: 1, validationSize: 240, gap: 24),
                 maxRounds: 200)
        let bestOnNewest = Set(newestFold.trials.indices.sorted { newestFold.trials[$0].meanRMSE < newestFold.trials[$1].meanRMSE }.prefix(4))
        let finalists = Set(halving.trials.indices.filter { halving.trials[$0].folds == 3 })
        #expect(finalists.isSubset(of: bestOnNewest))
        // As good a pick: within 5% of the full search's best, on the same three folds.
        #expect(halving.best.meanRMSE <= full.best.meanRMSE * 1.05, "halving \(halving.best.meanRMSE) vs full \(full.best.meanRMSE)")
    }

    @Test("averaged boosters are one XGBoost model predicting the members' mean, with SHAP summing to it")
    func averagedModel() throws {
        let (matrix, labels, _) = synthetic(rows: 1500, seed: 4)
        let members = try RandomSearch.candidates(trials: 3, seed: 5).enumerated().map { index, candidate in
            var parameters = candidate
            parameters.maxRounds = 40 + 10 * index
            return try Trainer.fit(parameters, train: matrix, labels: labels, seed: UInt64(index)).booster
        }
        let input = try DMatrix(matrix.rows(0..<200))
        let each = try members.map { try $0.predict(input) }
        let averaged = try ModelAveraging.average(members)
        let predicted = try averaged.predict(input)
        #expect(averaged.rounds == 40 + 50 + 60)
        for row in 0..<200 {
            let mean = each.map { Double($0[row]) }.reduce(0, +) / 3
            #expect(abs(Double(predicted[row]) - mean) < 1e-3 * max(1, abs(mean)), "row \(row): \(predicted[row]) vs \(mean)")
        }
        let contributions = try averaged.contributions(input)
        let width = matrix.featureNames.count + 1
        for row in 0..<200 {
            let sum = contributions[row * width..<(row + 1) * width].map(Double.init).reduce(0, +)
            #expect(abs(sum - Double(predicted[row])) < 1e-2, "row \(row)")
        }
        // Saved and loaded like any model; one member is returned unchanged.
        #expect(try Booster(modelJSON: averaged.modelJSON()).predict(input) == predicted)
        #expect(try ModelAveraging.average([members[0]]) === members[0])
    }

    @Test("the search scores an ensemble of its best finalists on the same folds, and deploys it only when it scores better")
    func searchEnsemble() throws {
        let (matrix, labels, _) = synthetic(rows: 2000, seed: 3)
        let folds = TimeSeriesFolds(rowCount: 2000, foldCount: 3, validationSize: 240, gap: 24)
        let outcome = try RandomSearch(trials: 12, seed: 9, patience: 10, strategy: .full)
            .run(matrix: matrix, labels: labels, folds: folds, maxRounds: 200)
        let ensemble = try #require(outcome.ensemble)
        #expect(ensemble.members.count == 3 && ensemble.members[0].meanRMSE == outcome.best.meanRMSE)
        #expect(ensemble.members.map(\.meanRMSE) == outcome.trials.map(\.meanRMSE).sorted().prefix(3).map { $0 })
        #expect(outcome.chosen.count == (ensemble.meanRMSE < outcome.best.meanRMSE ? 3 : 1))
        // Averaging cannot score worse on a fold than the mean of the members' own RMSEs (convexity).
        #expect(ensemble.meanRMSE <= ensemble.members.map(\.meanRMSE).reduce(0, +) / 3 + 1e-9)
        var single = RandomSearch(trials: 12, seed: 9, patience: 10, strategy: .full)
        single.ensembleSize = 1
        let alone = try single.run(matrix: matrix, labels: labels, folds: folds, maxRounds: 200)
        #expect(alone.ensemble == nil && alone.chosen.count == 1)
    }

    @Test("histogram bins: 64 by default, passed to XGBoost, carried by the search's candidates; old documents read as 256")
    func histogramBins() throws {
        #expect(BoostParameters().xgboostParameters(threads: 1, seed: 1)["max_bin"] == "64")
        var search = RandomSearch(trials: 3, seed: 5, patience: 5, strategy: .full)
        search.maxBins = 16
        let (matrix, labels, _) = synthetic(rows: 600, seed: 11)
        let folds = TimeSeriesFolds(rowCount: 600, foldCount: 1, validationSize: 96)
        let outcome = try search.run(matrix: matrix, labels: labels, folds: folds, maxRounds: 20)
        #expect(outcome.trials.allSatisfy { $0.parameters.maxBins == 16 })
        // Fewer bins are coarser splits: a different model from the same data and seed.
        var coarse = BoostParameters(), fine = BoostParameters()
        (coarse.maxRounds, fine.maxRounds, coarse.maxBins, fine.maxBins) = (20, 20, 4, 256)
        let input = try DMatrix(matrix)
        #expect(try Trainer.fit(coarse, train: matrix, labels: labels).booster.predict(input)
                != Trainer.fit(fine, train: matrix, labels: labels).booster.predict(input))
        let before = #"{"eta":0.1,"max_depth":6,"min_child_weight":1,"subsample":0.8,"colsample_bytree":0.8,"lambda":1,"alpha":0,"gamma":0,"max_rounds":100}"#
        #expect(try JSONDecoder().decode(BoostParameters.self, from: Data(before.utf8)).maxBins == 256)
        let encoded = try JSONEncoder().encode(search.maxBins == 16 ? outcome.best.parameters : BoostParameters())
        #expect(try JSONDecoder().decode(BoostParameters.self, from: encoded) == outcome.best.parameters)
    }

    @Test("consensus selection keeps informative features and drops pure noise")
    func featureSelection() throws {
        let (matrix, labels, _) = synthetic(rows: 3000, seed: 4)
        var parameters = BoostParameters()
        parameters.maxRounds = 100
        let fitted = try Trainer.fit(parameters, train: matrix.rows(0..<2400), labels: Array(labels[0..<2400]))
        var selection = FeatureSelection()
        selection.minimumFeatures = 1
        let outcome = try selection.select(model: fitted.booster, train: matrix.rows(0..<2400), labels: Array(labels[0..<2400]),
                                           validation: matrix.rows(2400..<3000), validationLabels: Array(labels[2400..<3000]))
        #expect(outcome.selected.contains("hour"))
        #expect(outcome.selected.contains("temperature"), "votes: \(outcome.votes)")
        #expect(!outcome.selected.contains("noise"), "votes: \(outcome.votes)")
    }

    @Test("near-copies of a feature are shuffled as one group, so each keeps the permutation vote")
    func correlatedFeaturesVoteTogether() throws {
        // A slowly wandering level read through seven near-copies (the same hour 1..7 days back), an hour
        // profile, and pure noise. Alone, shuffling one copy barely hurts: the trees read the others.
        var generator = SeededGenerator(seed: 11)
        var values: [Float] = [], labels: [Float] = [], level = 100.0
        let copies = (1...7).map { "level_\($0)d" }
        for row in 0..<3000 {
            level += Double.random(in: -0.5...0.5, using: &generator)
            let hour = row % 24
            values += copies.map { _ in Float(level + Double.random(in: -0.1...0.1, using: &generator)) }
            values += [Float(hour), Float(Double.random(in: -1...1, using: &generator))]
            labels.append(Float(level + 40 * sin(Double(hour) / 24 * 2 * .pi) + Double.random(in: -1...1, using: &generator)))
        }
        let matrix = FeatureMatrix(featureNames: copies + ["hour", "noise"], values: values)
        #expect(FeatureSelection.correlatedGroups(matrix, threshold: 0.9) == [copies, ["hour"], ["noise"]])

        var parameters = BoostParameters()
        parameters.maxRounds = 100
        let train = 0..<2400, validation = 2400..<3000
        let fitted = try Trainer.fit(parameters, train: matrix.rows(train), labels: Array(labels[train]))
        func permutationVotes(groupCorrelation: Double) throws -> [String] {
            var selection = FeatureSelection()
            selection.groupCorrelation = groupCorrelation
            let outcome = try selection.select(model: fitted.booster, train: matrix.rows(train), labels: Array(labels[train]),
                                               validation: matrix.rows(validation), validationLabels: Array(labels[validation]))
            return matrix.featureNames.filter { outcome.votes[$0]?.contains("permutation") == true }
        }
        #expect(try permutationVotes(groupCorrelation: 0.9) == copies + ["hour"])
        // Without groups (no |r| reaches 1.01) some copies lose the vote: the case the groups are for.
        let alone = try permutationVotes(groupCorrelation: 1.01)
        #expect(alone.filter(copies.contains).count < copies.count, "votes without groups: \(alone)")
    }

    @Test("per-hour conformal intervals cover close to their nominal rate on new data")
    func intervals() throws {
        let (matrix, labels, hours) = synthetic(rows: 6000, seed: 5)
        var parameters = BoostParameters()
        parameters.maxRounds = 150
        let fitted = try Trainer.fit(parameters, train: matrix.rows(0..<3000), labels: Array(labels[0..<3000]))
        let calibrationPredictions = try fitted.booster.predict(DMatrix(matrix.rows(3000..<4500)))
        let residuals = (3000..<4500).map { Double(labels[$0] - calibrationPredictions[$0 - 3000]) }
        let intervals = PredictionIntervals(residuals: residuals, hours: Array(hours[3000..<4500]), coverage: 0.8)
        let testPredictions = try fitted.booster.predict(DMatrix(matrix.rows(4500..<6000))).map(Double.init)
        let coverage = intervals.coverage(actual: (4500..<6000).map { Double(labels[$0]) }, predicted: testPredictions,
                                          hours: Array(hours[4500..<6000]))
        #expect(coverage > 0.72 && coverage < 0.88, "coverage \(coverage)")
    }

    @Test("a calibration window biased one way does not shift the bands: they are symmetric and cover data biased the other way")
    func intervalsIgnoreTheWindowsBias() {
        var generator = SeededGenerator(seed: 11)
        func normal(mean: Double) -> Double {   // Box-Muller
            let u = Double.random(in: Double.ulpOfOne..<1, using: &generator), v = Double.random(in: 0..<1, using: &generator)
            return mean + (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        let hours = (0..<2400).map { $0 % 24 }
        // The calibration window under-forecast (residuals centred on +0.8), the new days over-forecast (-0.8).
        let intervals = PredictionIntervals(residuals: hours.map { _ in normal(mean: 0.8) }, hours: hours, coverage: 0.8)
        for hour in 0..<24 {
            let bounds = intervals.bounds(prediction: 10, hour: hour)
            #expect(abs((bounds.upper - 10) - (10 - bounds.lower)) < 1e-12)
        }
        let actual = hours.map { _ in 10 + normal(mean: -0.8) }
        let coverage = intervals.coverage(actual: actual, predicted: hours.map { _ in 10 }, hours: hours)
        // Signed 10th/90th percentiles would give about [-0.48, 2.08] here and cover some 37%.
        #expect(coverage > 0.74 && coverage < 0.86, "coverage \(coverage)")
    }

    @Test("metrics match hand-computed values")
    func metrics() {
        let metrics = ForecastMetrics(actual: [10, 20, 30, 40], predicted: [12, 18, 33, 40], days: [0, 0, 1, 1],
                                      duckCurveHours: [false, true, true, false])
        #expect(abs(metrics.rmse - (17.0 / 4).squareRoot()) < 1e-12)
        #expect(abs(metrics.mae - 7.0 / 4) < 1e-12)
        #expect(abs(metrics.bias - 3.0 / 4) < 1e-12)
        #expect(abs(metrics.mape - 100 * (0.2 + 0.1 + 0.1 + 0) / 4) < 1e-9)
        #expect(abs((metrics.wape ?? 0) - 100 * 7.0 / 100) < 1e-9)   // sum |error| 7 over sum |actual| 100
        // Net load crossing zero: MAPE explodes on the near-zero hour, WAPE stays what the errors weigh.
        let solar = ForecastMetrics(actual: [-50, 0.01, 50], predicted: [-45, 1.01, 55], days: [0, 0, 0])
        #expect(solar.mape > 3000 && abs((solar.wape ?? 0) - 100 * 11 / 100.01) < 1e-9)
        #expect(abs(metrics.r2 - (1 - 17.0 / 500)) < 1e-12)
        #expect(abs(metrics.peakHourError - (2.0 + 0.0) / 2) < 1e-12)  // day 0: 20 vs 18; day 1: 40 vs 40
        #expect(abs((metrics.duckCurveRMSE ?? 0) - (13.0 / 2).squareRoot()) < 1e-12)
    }
}
