import Boosting
import Foundation
import Pipeline

/// Training all default series: `gridcast train --all` (features in the warehouse, XGBoost through its
/// C API, one series per core) against bench/reference/train_reference.py, the same pipeline in Python
/// (xgboost from PyPI, tree_method=hist, one process per core) on the matrices FeatureStage exported,
/// with the same split, selection, search trials, folds and early stopping. Reports wall time, peak RSS
/// and holdout RMSE of both. The Python side starts from files, so gridcast also pays for its feature SQL.
struct TrainStage {
    let context: BenchContext

    /// Returns gridcast's holdout RMSE per series (the peer stage compares against it) and the Python
    /// reference's outcome (nil when no Python with xgboost was found), which the xgboost-build stage
    /// compares against.
    @discardableResult
    func run(_ report: BenchReport, matrices: URL) throws -> (gridcastRMSE: [String: Double], python: PythonTraining?) {
        let size = context.size
        context.step("train: gridcast train --all (\(size.trials) trials, \(size.folds) folds) against the Python reference")
        let gridcast = try context.gridcast(["train", "--all", "--json"] + size.trainArguments, log: "train-gridcast")
        let ours = try Self.rmseBySeries(gridcast.stdout, key: "series", log: context.log("train-gridcast"))

        let wall = "\(ours.count) series, \(size.trials) trials x \(size.folds) folds (gridcast: halving search; Python: every fold), wall"
        let meanOurs = ours.values.reduce(0, +) / Double(max(ours.count, 1))
        guard let python = try pythonReference(matrices) else {
            // gridcast's own figures are always recorded; only the comparison is missing, and says why.
            report.add(.measured("train", wall, gridcast.seconds, "s"))
            report.add(.measured("train", "peak RSS, largest process", gridcast.peakRSSMiB, "MiB"))
            report.add(.measured("train", "mean holdout RMSE over \(ours.count) series", meanOurs, "kWh"))
            report.note("train: no Python reference in this run (\(context.python) cannot import numpy and xgboost; "
                        + "./setup --deps-only installs bench/requirements.txt into .gridcast/python), so no ratios")
            return (ours, nil)
        }
        let theirs = try Self.rmseBySeries(python.outcome.stdout, key: "series", log: context.log("train-python"))
        report.add(.duration("train", wall, gridcast.seconds,
                             against: "Python xgboost \(python.version) hist", python.outcome.seconds, goal: 1.5))
        report.add(.duration("train", "peak RSS, largest process", gridcast.peakRSSMiB, against: "Python", python.outcome.peakRSSMiB)
            .withUnit("MiB"))
        let rmse = RMSEComparison(ours: ours, theirs: theirs)
        report.add(.duration("train", "mean holdout RMSE over \(rmse.series.count) series", rmse.meanOurs, against: "Python",
                             rmse.meanTheirs, goal: 0.99).withUnit("kWh"))
        report.note("holdout RMSE per series (gridcast / Python): \(rmse.pairs)")
        return (ours, PythonTraining(seconds: python.outcome.seconds, peakRSSMiB: python.outcome.peakRSSMiB, version: python.version,
                                     libraryPath: python.libraryPath, rmseBySeries: theirs))
    }

    /// Trains with the size's settings when the forecast stage runs without the train stage.
    func trainForForecast() throws {
        context.step("train: models for the forecast stage")
        _ = try context.gridcast(["train", "--all"] + context.size.trainArguments, log: "train-for-forecast")
    }

    private func pythonReference(_ matrices: URL) throws -> (outcome: ChildProcess.Outcome, version: String, libraryPath: String?)? {
        // The version, then the libxgboost file the package loads (for the xgboost-build stage).
        let probe = ChildProcessProbe.run([context.python, "-c", """
            import numpy, xgboost
            print(xgboost.__version__)
            try:
                from xgboost.libpath import find_lib_path
                print(find_lib_path()[0])
            except Exception:
                pass
            """], logPrefix: context.log("train-python-probe"))
        let lines = probe?.split(separator: "\n").map(String.init) ?? []
        guard let version = lines.first else { return nil }
        let size = context.size
        let script = context.benchDirectory.appendingPathComponent("reference/train_reference.py").path
        // The exact hyperparameters gridcast's search tries, so both sides fit the same models and the
        // times compare implementations, not luckier or costlier random draws.
        let candidates = matrices.deletingLastPathComponent().appendingPathComponent("search_candidates.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(RandomSearch.candidates(trials: size.trials, seed: TrainingConfiguration().seed)).write(to: candidates)
        // And the same shuffles for permutation importance, keyed by validation-window length (a window
        // holds 24 rows a day, one fewer or more across a DST change, a few fewer where actuals are missing).
        let permutations = matrices.deletingLastPathComponent().appendingPathComponent("selection_permutations.json")
        let hours = size.validationDays * 24
        try encoder.encode(Dictionary(uniqueKeysWithValues: (max(1, hours - 48)...(hours + 2)).map {
            ("\($0)", FeatureSelection.permutation(rowCount: $0, seed: FeatureSelection().seed))
        })).write(to: permutations)
        let outcome = try ChildProcess.run([context.python, script, "--input", matrices.path, "--candidates", candidates.path,
                                            "--permutations", permutations.path,
                                            "--trials", "\(size.trials)",
                                            "--folds", "\(size.folds)", "--test-days", "\(size.testDays)",
                                            "--validation-days", "\(size.validationDays)", "--workers", "\(size.workers)"],
                                           logPrefix: context.log("train-python"))
        return (outcome, version, lines.dropFirst().first)
    }

    /// `{"series": [{"series": "RES-SOLAR", "rmse": 12.3, ...}, ...]}` from either side.
    static func rmseBySeries(_ json: String, key: String, log: String) throws -> [String: Double] {
        guard let document = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let rows = document[key] as? [[String: Any]] else {
            throw BenchError.setup("expected a JSON summary with \"\(key)\" on stdout; see \(log).out")
        }
        var result: [String: Double] = [:]
        for row in rows {
            if let name = row["series"] as? String, let rmse = (row["rmse"] as? NSNumber)?.doubleValue { result[name] = rmse }
        }
        return result
    }
}

/// Holdout RMSE of gridcast and the Python reference over the series both trained.
struct RMSEComparison {
    let series: [String]
    let meanOurs: Double
    let meanTheirs: Double
    /// "SERIES ours / theirs, ..." for a report note.
    let pairs: String

    init(ours: [String: Double], theirs: [String: Double]) {
        series = ours.keys.filter { theirs[$0] != nil }.sorted()
        meanOurs = series.map { ours[$0]! }.reduce(0, +) / Double(max(series.count, 1))
        meanTheirs = series.map { theirs[$0]! }.reduce(0, +) / Double(max(series.count, 1))
        pairs = series.map { String(format: "%@ %.1f / %.1f", $0, ours[$0]!, theirs[$0]!) }.joined(separator: ", ")
    }
}

/// What the Python training reference measured in this run.
struct PythonTraining {
    let seconds: Double
    let peakRSSMiB: Double
    let version: String
    /// The libxgboost shared library its xgboost package loads, when the package says.
    let libraryPath: String?
    let rmseBySeries: [String: Double]
}

/// Runs a short command and returns its trimmed stdout when it exits 0, or nil.
enum ChildProcessProbe {
    static func run(_ arguments: [String], environment: [String: String] = [:], logPrefix: String) -> String? {
        var child = ChildProcess(arguments, environment: environment, logPrefix: logPrefix)
        guard (try? child.start()) != nil else { return nil }
        let outcome = child.wait()
        return outcome.status == 0 ? outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }
}

extension Figure {
    func withUnit(_ unit: String) -> Figure {
        Figure(stage: stage, name: name, value: value, unit: unit, reference: reference, referenceValue: referenceValue,
               ratio: ratio, goal: goal, met: met)
    }
}
