import Boosting
import Foundation
import ModelCore
import Testing

/// Load that grows with temperature beyond anything in the training rows: trees hold the warmest
/// training hour's value, a linear member extrapolates. `trend` adds a slope over time as well.
func warming(rows: Int, seed: UInt64) -> (FeatureMatrix, [Float]) {
    var generator = SeededGenerator(seed: seed)
    var values: [Float] = [], labels: [Float] = []
    for row in 0..<rows {
        let hour = row % 24
        let temperature = 10 + 20 * Double(row) / Double(rows) + Double.random(in: -2...2, using: &generator)
        let missing = row % 97 == 0  // now and then a missing reading
        values += [Float(hour), missing ? .nan : Float(temperature)]
        labels.append(Float(200 + 8 * temperature + 20 * sin(Double(hour) / 24 * 2 * .pi)
                            + Double.random(in: -3...3, using: &generator)))
    }
    return (FeatureMatrix(featureNames: ["hour", "temperature"], values: values), labels)
}

@Suite("the linear member and its blend")
struct LinearBlendTests {
    @Test("ridge on standardized features: exact on a linear load, the penalty chosen on validation, missing as the mean")
    func ridgeOnStandardizedFeatures() throws {
        // load = 50 + 3 * temperature - 0.5 * hour exactly: the weights come back (in standardized units).
        let (base, _, _) = synthetic(rows: 600, seed: 9)
        let exact = (0..<600).map { Float(50 + 3 * Double(base[$0, 1]) - 0.5 * Double(base[$0, 0])) }
        let line = try LinearTrainer.fit(train: base, labels: exact, penalties: [1e-9])
        #expect(abs(line.member.coefficients[1] / line.member.scale[1] - 3) < 1e-4, "\(line.member.coefficients)")
        #expect(abs(line.member.coefficients[0] / line.member.scale[0] + 0.5) < 1e-4)
        #expect(abs(line.member.coefficients[2]) < 1e-4, "the noise column gets no weight")
        let residual = LinearTrainer.rmse(line.member.linearPredictions(base), exact)
        #expect(residual < 1e-3, "\(residual)")

        let (matrix, labels, _) = synthetic(rows: 2000, seed: 4)
        let fitted = try LinearTrainer.fit(train: matrix.rows(0..<1600), labels: Array(labels[0..<1600]),
                                           validation: (matrix.rows(1600..<2000), Array(labels[1600..<2000])))
        #expect(LinearTrainer.penalties.contains(fitted.penalty))
        // The kept penalty scores no worse on validation than any other of the grid.
        for penalty in LinearTrainer.penalties {
            let other = try LinearTrainer.fit(train: matrix.rows(0..<1600), labels: Array(labels[0..<1600]), penalties: [penalty])
            let rmse = LinearTrainer.rmse(other.member.linearPredictions(matrix.rows(1600..<2000)), Array(labels[1600..<2000]))
            #expect((fitted.validationRMSE ?? .infinity) <= rmse + 1e-9)
        }
        let member = fitted.member
        #expect(member.features == ["hour", "temperature", "noise"])
        // Standardized on the training rows: the temperature's mean and spread, not 0 and 1.
        let temperatures = matrix.rows(0..<1600).column("temperature").map(Double.init)
        let mean = temperatures.reduce(0, +) / 1600
        #expect(abs(member.center[1] - mean) < 1e-6 * mean && member.scale[1] > 3, "\(member.center) \(member.scale)")
        // A missing value counts as the training mean: the same as passing the mean.
        var withMean = matrix.rows(0..<1).values, withMissing = withMean
        withMean[1] = Float(member.center[1])
        withMissing[1] = .nan
        let one = { (values: [Float]) in member.linearPredictions(FeatureMatrix(featureNames: matrix.featureNames, values: values)) }
        #expect(abs(one(withMean)[0] - one(withMissing)[0]) < 1e-4)
    }

    @Test("the folds choose a linear share where the load runs past the training range, and none where trees suffice")
    func chooseWeightOnFolds() throws {
        let (warm, warmLabels) = warming(rows: 2400, seed: 5)
        let folds = TimeSeriesFolds(rowCount: 2400, foldCount: 2, validationSize: 240, gap: 24)
        let outcome = try RandomSearch(trials: 4, seed: 3, patience: 10, strategy: .full)
            .run(matrix: warm, labels: warmLabels, folds: folds, maxRounds: 300)
        #expect(outcome.chosenFoldPredictions.count == 2 && outcome.chosenFoldPredictions.allSatisfy { $0.count == 240 })
        let choice = try #require(try LinearTrainer.chooseWeight(matrix: warm, labels: warmLabels, folds: folds,
                                                                 treePredictions: outcome.chosenFoldPredictions))
        #expect(choice.winsEveryFold && choice.linearWeight >= 0.3 && choice.foldsWon == 2 && choice.folds == 2, "\(choice)")
        #expect(choice.foldRMSE < 0.95 * choice.treesFoldRMSE, "\(choice)")

        // A step in the hour and a threshold in temperature, inside the training range: trees alone.
        let (matrix, labels, _) = synthetic(rows: 2400, seed: 6)
        let stepped = labels.enumerated().map { index, label in label + ((index % 24) >= 17 ? 60 : 0) }
        let plain = try RandomSearch(trials: 4, seed: 3, patience: 10, strategy: .full)
            .run(matrix: matrix, labels: stepped, folds: folds, maxRounds: 300)
        let none = try #require(try LinearTrainer.chooseWeight(matrix: matrix, labels: stepped, folds: folds,
                                                               treePredictions: plain.chosenFoldPredictions))
        #expect(!none.winsEveryFold && !LinearBlendRule.auto.deploys(none), "\(none)")
        // A mean gain carried by one fold is not enough: the blend must win every fold.
        let oneFold = LinearBlendChoice(linearWeight: 0.2, foldRMSE: 90, treesFoldRMSE: 100, foldsWon: 1, folds: 2)
        #expect(!LinearBlendRule.auto.deploys(oneFold) && LinearBlendRule.always.deploys(oneFold))
        #expect(!LinearBlendRule.never.deploys(choice))
    }

    @Test("a blend stored in the model JSON reads back equal; XGBoost loads the same text as the trees alone")
    func storedBlend() throws {
        let (matrix, labels, _) = synthetic(rows: 1200, seed: 7)
        var parameters = BoostParameters()
        parameters.maxRounds = 40
        let trees = try Trainer.fit(parameters, train: matrix, labels: labels).booster
        let linear = try LinearTrainer.fit(train: matrix, labels: labels).member.weighted(0.3)
        let model = BlendedModel(trees: trees, blend: linear)
        let json = try model.modelJSON()
        #expect(String(decoding: json.prefix(20), as: UTF8.self).hasPrefix("{\"gridcast_blend\":"))
        let reloaded = try BlendedModel(modelJSON: json)
        #expect(reloaded.blend == linear)
        #expect(try reloaded.predict(matrix) == model.predict(matrix))
        // The same text through XGBoost alone is the tree member.
        #expect(try Booster(modelJSON: json).predict(DMatrix(matrix)) == trees.predict(DMatrix(matrix)))
        // Blended: 0.7 of the trees and 0.3 of the linear member, row by row; contributions sum to it.
        let treeOutput = try trees.predict(DMatrix(matrix)), linearOutput = linear.linearPredictions(matrix)
        let blended = try model.predict(matrix)
        for row in [0, 500, 1199] {
            #expect(abs(Double(blended[row]) - (0.7 * Double(treeOutput[row]) + 0.3 * linearOutput[row])) < 1e-3)
        }
        let contributions = try model.contributions(matrix)
        for row in [0, 700] {
            let sum = contributions[(row * 4)..<(row * 4 + 4)].reduce(0.0) { $0 + Double($1) }
            #expect(abs(sum - Double(blended[row])) < 1e-2 * max(1, abs(Double(blended[row]))), "\(sum) vs \(blended[row])")
        }
    }

    @Test("a blend that does not fit its trees is refused with what is wrong")
    func refusesInconsistentBlend() throws {
        let (matrix, labels, _) = synthetic(rows: 300, seed: 8)
        var parameters = BoostParameters()
        parameters.maxRounds = 5
        let trees = try Trainer.fit(parameters, train: matrix, labels: labels).booster
        let short = LinearBlend(treesWeight: 0.5, linearWeight: 0.5, intercept: 1, features: ["hour"], center: [0],
                                scale: [1], coefficients: [2])
        let json = try BlendedModel(trees: trees, blend: short).modelJSON()
        let error = #expect(throws: XGBoostError.self) { try BlendedModel(modelJSON: json) }
        #expect(error?.description.contains("1/1/1/1 features/center/scale/coefficients for a model of 3") == true,
                "\(String(describing: error))")
        #expect(throws: LinearBlend.Problem.self) { try LinearBlend.read(from: Array("{\"gridcast_blend\": 3}".utf8)) }
        #expect(try LinearBlend.read(from: Array("{\"learner\": {}}".utf8)) == nil)
    }
}

/// Node indices libxgboost would trust (and crash on) are refused before it reads the model.
@Suite("tree model structure checks")
struct TreeCheckTests {
    @Test("trained and averaged models pass; a parent, child or split feature out of range is refused with where")
    func nodeIndices() throws {
        let (matrix, labels, _) = synthetic(rows: 800, seed: 12)
        var parameters = BoostParameters()
        parameters.maxRounds = 15
        parameters.gamma = 2  // pruned nodes too
        let one = try Trainer.fit(parameters, train: matrix, labels: labels).booster
        parameters.maxDepth = 9
        let other = try Trainer.fit(parameters, train: matrix, labels: labels).booster
        let averaged = try ModelAveraging.average([one, other])
        for model in [one, other, averaged] { try TreeCheck.check([UInt8](try model.modelJSON())) }

        let text = String(decoding: try one.modelJSON(), as: UTF8.self)
        func refused(_ edit: (String) -> String) -> String {
            do { try TreeCheck.check(Array(edit(text).utf8)) } catch { return error.description }
            return "accepted"
        }
        // The first tree's second node gets parent -17, the mutation that crashed libxgboost 1.6 in the fuzz test.
        let parent = refused { $0.replacingOccurrences(of: "\"parents\":[2147483647,0,", with: "\"parents\":[2147483647,-17,") }
        #expect(parent.contains("tree 0, node 1: parent -17"), "\(parent)")
        let child = refused { $0.replacingOccurrences(of: "\"left_children\":[1,", with: "\"left_children\":[99999,") }
        #expect(child.contains("tree 0, node 0: children 99999"), "\(child)")
        let split = refused { $0.replacingOccurrences(of: "\"split_indices\":[", with: "\"split_indices\":[7") }
        #expect(split.contains("split feature"), "\(split)")
        #expect(refused { String($0.dropLast(5)) }.contains("not valid JSON"))
        #expect(throws: XGBoostError.self) {
            try BlendedModel(modelJSON: Data(text.replacingOccurrences(of: "\"parents\":[2147483647,0,",
                                                                       with: "\"parents\":[2147483647,-17,").utf8))
        }
    }
}
