import Foundation
import Pipeline

/// The LightGBM peer: bench/reference/peer_lightgbm.py (LightGBM from PyPI, pinned in
/// bench/requirements.txt) on the matrices FeatureStage exported, so it sees exactly what gridcast saw:
/// every feature as known at each day's run time, the same split and test window. Reports each series'
/// holdout RMSE against gridcast's from the train stage; the goal is gridcast 5% below the peer.
/// The matrices are built with the series' delay (14 days, the SQMD default), so this is the delay-14
/// comparison; a delay-1 comparison needs matrices exported with delay 1 (not done by this stage).
struct PeerStage {
    let context: BenchContext

    func run(_ report: BenchReport, matrices: URL, gridcastRMSE: [String: Double]) throws {
        let delay = TrainingConfiguration().features.delayDays
        context.step("peer: LightGBM on the same \(gridcastRMSE.count) matrices (delay \(delay)) and split")
        guard let version = ChildProcessProbe.run([context.python, "-c", "import lightgbm; print(lightgbm.__version__)"],
                                                  logPrefix: context.log("peer-probe")) else {
            report.note("peer: \(context.python) cannot import lightgbm (./setup --deps-only installs bench/requirements.txt); "
                        + "no peer comparison in this run")
            return
        }
        let size = context.size
        let script = context.benchDirectory.appendingPathComponent("reference/peer_lightgbm.py").path
        let outcome = try ChildProcess.run([context.python, script, "--input", matrices.path, "--test-days", "\(size.testDays)",
                                            "--validation-days", "\(size.validationDays)", "--workers", "\(size.workers)"],
                                           logPrefix: context.log("peer-lightgbm"))
        let peer = try TrainStage.rmseBySeries(outcome.stdout, key: "series", log: context.log("peer-lightgbm"))
        let comparison = RMSEComparison(ours: gridcastRMSE, theirs: peer)
        guard !comparison.series.isEmpty else {
            throw BenchError.setup("the LightGBM peer scored none of gridcast's series; see \(context.log("peer-lightgbm")).out")
        }
        // Ratio = peer RMSE / gridcast RMSE: above 1 means gridcast's error is lower; 1/0.95 is "5% below".
        let goal = 1 / 0.95
        for series in comparison.series {
            report.add(.duration("peer", "\(series) holdout RMSE, delay \(delay)", gridcastRMSE[series]!,
                                 against: "LightGBM \(version)", peer[series]!, goal: goal).withUnit("kWh"))
        }
        report.add(.duration("peer", "mean holdout RMSE over \(comparison.series.count) series, delay \(delay)", comparison.meanOurs,
                             against: "LightGBM \(version)", comparison.meanTheirs, goal: goal).withUnit("kWh"))
        report.add(.measured("peer", "LightGBM wall, \(comparison.series.count) series", outcome.seconds, "s"))
    }
}
