// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "gridcast",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gridcast", targets: ["gridcast"]),
        .executable(name: "gridcast-bench", targets: ["GridcastBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
    ],
    targets: [
        // C shims: module maps only, no code.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
        .systemLibrary(name: "CXGBoost", pkgConfig: "xgboost",
                       providers: [.apt(["libxgboost-dev"]), .brew(["xgboost"])]),

        // libpq client: connections, bound parameters, COPY, transactions, locks, errors.
        .target(name: "Warehouse", dependencies: [
            "CLibPQ", .product(name: "Logging", package: "swift-log"),
        ]),
        // Versioned SQL migrations: rendering, checksums, history, locking.
        .target(name: "Migrations", dependencies: [
            "Warehouse", .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // A throwaway PostgreSQL cluster: the tests' server and the quickstart's local database.
        .target(name: "LocalPostgres", dependencies: ["Warehouse"]),
        // Dates, holidays, sun position and clear-sky irradiance without Foundation: compiled into the
        // PostgreSQL extension too, so SQL and Swift share one implementation.
        .target(name: "CalendarCore", dependencies: []),
        // Calendar features (local hours, DST, solar hours) on top of CalendarCore: pure computations, no database.
        .target(name: "Features", dependencies: ["CalendarCore"]),
        // Loaders: SQMD CSV and Open-Meteo weather into the input schema (staging, validate, merge, rejects),
        // and the calendar/solar table the feature SQL joins.
        .target(name: "Ingest", dependencies: [
            "Warehouse", "Migrations", "Features", .product(name: "Logging", package: "swift-log"),
        ]),
        // Deterministic synthetic SQMD and weather files in the loaders' formats, for the quickstart and tests.
        .target(name: "SampleData", dependencies: ["Features"]),
        // XGBoost through its C API: matrices, boosters, search, metrics.
        .target(name: "Boosting", dependencies: ["CXGBoost", "ModelCore"]),
        // Model documents without Foundation: the JSON scanner and the linear blend's scoring, compiled into
        // the PostgreSQL extension too, so SQL and the executable score a blended model with one implementation.
        .target(name: "ModelCore", dependencies: []),
        // The Swift core of the PostgreSQL extension (no Foundation); extension/build links it with the
        // C shim into gridcast.so. Built here too so `swift build` type-checks it.
        .target(name: "ExtensionCore", dependencies: ["CXGBoost", "CalendarCore", "ModelCore"]),
        // Orchestration: features, training, registry, forecast, backfill, run log.
        .target(name: "Pipeline", dependencies: [
            "Warehouse", "Migrations", "Boosting", "Features", .product(name: "Logging", package: "swift-log"),
        ]),
        // The CLI: parsing and printing only.
        .executableTarget(name: "gridcast", dependencies: [
            "Warehouse", "Migrations", "Features", "LocalPostgres", "Ingest", "SampleData", "Pipeline", "Boosting",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The benchmark: figures against references measured in the same run (bench/README.md).
        .executableTarget(name: "GridcastBench", dependencies: [
            "Warehouse", "Migrations", "LocalPostgres", "Pipeline", "Features", "Boosting",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // One shared throwaway cluster per test process, a fresh database per test.
        .target(name: "TestSupport", dependencies: ["Warehouse", "LocalPostgres"], path: "Tests/TestSupport"),
        .testTarget(name: "WarehouseTests", dependencies: ["Warehouse", "TestSupport"]),
        .testTarget(name: "MigrationsTests", dependencies: ["Migrations", "Warehouse", "TestSupport"]),
        .testTarget(name: "FeaturesTests", dependencies: ["Features", "CalendarCore"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Migrations", "Warehouse", "SampleData", "TestSupport"]),
        .testTarget(name: "BoostingTests", dependencies: ["Boosting", "ModelCore"]),
        .testTarget(name: "ExtensionTests", dependencies: ["Boosting", "Features", "Ingest", "Migrations", "Warehouse", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: [
            "Pipeline", "Migrations", "Warehouse", "Boosting", "ModelCore", "Features", "Ingest", "SampleData", "TestSupport",
        ]),
        .testTarget(name: "SampleDataTests", dependencies: ["SampleData", "Features"]),
        // Runs the built `gridcast` executable end to end against the test cluster.
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "Warehouse", "LocalPostgres", "SampleData"]),
    ]
)
