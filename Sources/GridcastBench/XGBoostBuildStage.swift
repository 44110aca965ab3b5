import Foundation

/// The training comparison once more, with the same gridcast binary running on the libxgboost that the
/// Python reference's xgboost package ships (swapped in through LD_LIBRARY_PATH). The train stage
/// compares gridcast on the system library (Debian's libxgboost-dev build) with Python on PyPI's build;
/// this stage holds the library build equal, so what remains is gridcast's own code against Python's.
///
/// Runs after the forecast stage because the models it registers come from another XGBoost: the
/// forecast stage must read the ones the train stage made with the system library.
struct XGBoostBuildStage {
    let context: BenchContext

    func run(_ report: BenchReport, against python: PythonTraining?) throws {
        context.step("xgboost-build: gridcast train --all again, on the Python package's libxgboost")
        guard let python, let library = python.libraryPath else {
            report.note("xgboost-build stage skipped: no Python reference in this run, or its xgboost package does not say which libxgboost it loads")
            return
        }
        let directory = try libraryDirectory(for: URL(fileURLWithPath: library))
        let environment = ["LD_LIBRARY_PATH": directory.path]
        // The swap must have happened, or the figures would describe the system library under another name.
        let versionLine = ChildProcessProbe.run([context.gridcast, "--version"], environment: environment,
                                                logPrefix: context.log("xgboost-build-version")) ?? ""
        guard versionLine.contains("XGBoost \(python.version)") else {
            report.note("xgboost-build stage skipped: gridcast with LD_LIBRARY_PATH=\(directory.path) reports '\(versionLine)', not XGBoost \(python.version)")
            return
        }
        let size = context.size
        let gridcast: ChildProcess.Outcome
        do {
            // The reference's search (every candidate on every fold), so both sides fit the same models.
            gridcast = try ChildProcess.run([context.gridcast, "train", "--all", "--json", "--search", "full"] + size.trainArguments,
                                            environment: context.childEnvironment.merging(environment) { $1 },
                                            logPrefix: context.log("xgboost-build-train"))
        } catch {
            // Another XGBoost's C API may refuse something gridcast relies on: a finding, not a bench failure.
            report.note("xgboost-build stage: gridcast on libxgboost \(python.version) failed (\(error)); see \(context.log("xgboost-build-train")).err")
            return
        }
        let ours = try TrainStage.rmseBySeries(gridcast.stdout, key: "series", log: context.log("xgboost-build-train"))
        report.add(.duration("train", "\(ours.count) series wall, gridcast --search full on PyPI's libxgboost \(python.version) (same build both sides)",
                             gridcast.seconds, against: "Python xgboost \(python.version) hist", python.seconds))
        let rmse = RMSEComparison(ours: ours, theirs: python.rmseBySeries)
        guard !rmse.series.isEmpty else { return }
        report.add(.duration("train", "mean holdout RMSE, gridcast on PyPI's libxgboost \(python.version)", rmse.meanOurs,
                             against: "Python", rmse.meanTheirs).withUnit("kWh"))
        report.note("holdout RMSE per series, both on libxgboost \(python.version) (gridcast / Python): \(rmse.pairs)")
    }

    /// A folder that makes the package's library load as gridcast's `libxgboost.so.0`: a link under that
    /// name, plus links to the libraries the wheel vendors beside the package (its own libgomp, found
    /// through `<site-packages>/xgboost*.libs/`), since the wheel's RPATH is relative to its real folder.
    private func libraryDirectory(for library: URL) throws -> URL {
        let files = FileManager.default
        let directory = context.workDirectory.appendingPathComponent("pypi-libxgboost")
        try? files.removeItem(at: directory)
        try files.createDirectory(at: directory, withIntermediateDirectories: true)
        try files.createSymbolicLink(at: directory.appendingPathComponent("libxgboost.so.0"), withDestinationURL: library)
        let sitePackages = library.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let vendored = (try? files.contentsOfDirectory(atPath: sitePackages.path))?
            .filter { $0.hasPrefix("xgboost") && $0.hasSuffix(".libs") } ?? []
        for folder in vendored {
            let source = sitePackages.appendingPathComponent(folder)
            for name in (try? files.contentsOfDirectory(atPath: source.path)) ?? [] {
                try? files.createSymbolicLink(at: directory.appendingPathComponent(name),
                                              withDestinationURL: source.appendingPathComponent(name))
            }
        }
        return directory
    }
}
