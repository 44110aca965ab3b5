import Foundation
import Testing
import TestSupport
import Warehouse

/// The benchmark is not a test of speed; CI only checks that every stage still runs at the tiny size
/// and reports finite figures, and that it refuses a database that already holds gridcast schemas.
@Suite("gridcast-bench, tiny size")
struct BenchCLITests {
    @Test("every stage runs against a fresh database and writes a figure for each")
    func tinyBenchRuns() throws {
        try ExtensionInstall.ensure()  // the extension stage scores in the server
        let target = try TestCluster.freshDatabase("bench")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-bench-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: work) }
        let outcome = try GridcastProcess.run(["--size", "tiny", "--work-dir", work.path],
                                              environment: ["GRIDCAST_DATABASE_URL": target.conninfo], program: "gridcast-bench")
        try #require(outcome.exitCode == 0, "\(outcome.stderr.suffix(3000))")
        let data = try Data(contentsOf: work.appendingPathComponent("results.json"))
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let figures = try #require(document["figures"] as? [[String: Any]])
        let stages = Set(figures.compactMap { $0["stage"] as? String })
        #expect(stages.isSuperset(of: ["setup", "copy", "features", "train", "peer", "forecast", "extension", "scale", "bi"]), "\(stages)")
        for figure in figures {
            let value = (figure["value"] as? NSNumber)?.doubleValue ?? -1
            #expect(value > 0 && value.isFinite, "\(figure)")
        }
        // gridcast's own training figures are always there; the reference's come from the pinned packages
        // `./setup --deps-only` installs (bench/requirements.txt), which every machine that runs the tests has.
        let train = figures.filter { $0["stage"] as? String == "train" }
        #expect(train.contains { ($0["name"] as? String)?.hasSuffix("wall") == true }, "\(train)")
        let python = train.first { ($0["reference"] as? String)?.hasPrefix("Python xgboost") == true }
        #expect(python != nil, "no Python reference in the train stage; run ./setup --deps-only: \(outcome.stderr.suffix(2000))")
        // With the same build, the same candidates and the same shuffles, both pipelines must fit the same models.
        // Not bit-equal when a series deploys an ensemble: gridcast sums the members' trees with float32 leaves
        // scaled by 1/k in one model, Python averages the members' float32 predictions (a relative 1e-6);
        // a different model anywhere moves the mean by far more.
        let sameBuild = figures.first { ($0["name"] as? String)?.hasPrefix("mean holdout RMSE, gridcast on PyPI") == true }
        let ratio = (sameBuild?["ratio"] as? NSNumber)?.doubleValue ?? 0
        #expect(abs(ratio - 1) < 1e-5, "gridcast and the Python reference differ on the same XGBoost build: \(String(describing: sameBuild))")
        // The LightGBM peer (pinned in bench/requirements.txt) scored every series gridcast trained.
        let peer = figures.filter { $0["stage"] as? String == "peer" && ($0["reference"] as? String)?.hasPrefix("LightGBM") == true }
        #expect(peer.count == 7, "6 series and their mean: \(peer)")
        #expect(outcome.stdout.contains("| stage | figure | gridcast | reference | ratio | goal |"))
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("explain_features.txt").path))
    }

    @Test("a database that already holds gridcast schemas is refused, untouched")
    func refusesAWarehouse() throws {
        let target = try TestCluster.freshDatabase("benchrefuse")
        let migrated = try GridcastProcess.run(["migrate", "--env", "dev"], environment: ["GRIDCAST_DATABASE_URL": target.conninfo])
        try #require(migrated.exitCode == 0)
        let outcome = try GridcastProcess.run(["--size", "tiny", "--stages", "copy", "--work-dir", "/tmp/gridcast-bench-refused"],
                                              environment: ["GRIDCAST_DATABASE_URL": target.conninfo], program: "gridcast-bench")
        #expect(outcome.exitCode == 1)
        #expect(outcome.stderr.contains("already has gridcast schemas"), "\(outcome.stderr)")
    }
}
