import Foundation
import Testing
import TestSupport
import Warehouse

/// Each series' delay and lags from series_catalog (migration 0021): `train --all` trains each with its
/// own, `--delay-days` overrides for one run and its lags follow it, the catalog refuses leaky lags,
/// and the forecast uses what the model was trained with.
@Suite("Per-series delay and lags through the CLI")
struct SeriesSettingsCLITests {
    static let catalog = "gridcast_operational_dev.series_catalog"

    /// The delay and lags recorded in the newest model of a series.
    static func trainedSettings(_ warehouse: CLIWarehouse, _ series: String) throws -> String? {
        try warehouse.string("""
            select (m.metrics -> 'feature_settings' ->> 'delayDays') || ' ' || (m.metrics -> 'feature_settings' -> 'lagDays')::text
            from gridcast_operational_dev.model_registry m
            join \(Self.catalog) c using (load_profile, load_segment)
            where c.series_id = $1 order by m.model_version desc limit 1
            """, [series])
    }

    @Test("a telemetry series (delay 1) and an SQMD one (delay 14) each train and forecast with their own lags")
    func perSeriesDelay() throws {
        let warehouse = try CLIWarehouse("seriesdelay")
        try warehouse.loadAll()
        try warehouse.connection.executeScript("""
            update \(Self.catalog) set active = series_id in ('RES-SOLAR', 'RES-NONSOLAR');
            update \(Self.catalog) set delay_days = 1 where series_id = 'RES-SOLAR';
            insert into \(Self.catalog) (load_profile, load_segment, location) values ('LRGCOM', 'SOLAR', 'san_diego');
            """, name: "a telemetry series, and one without data yet")
        let all = try warehouse.mustRun(["train", "--all"] + CLIWarehouse.trainArguments)
        #expect(all.stdout.contains("LRGCOM-SOLAR     skipped: no SQMD for its load profile in the warehouse yet"), "\(all.stdout)")
        #expect(try Self.trainedSettings(warehouse, "RES-SOLAR") == "1 [2, 3, 4, 5, 6, 7, 14, 21, 28, 35, 364]")
        #expect(try Self.trainedSettings(warehouse, "RES-NONSOLAR") == "14 [21, 28, 35, 42, 364]")
        // What each model learns (--target auto: the load, or its deviation from the recent level) is printed.
        #expect(all.stdout.contains("coverage  learns  features"), "\(all.stdout)")
        for series in ["RES-SOLAR", "RES-NONSOLAR"] {
            let base = try warehouse.string("""
                select coalesce(m.metrics -> 'feature_settings' ->> 'targetBase', 'none')
                from gridcast_operational_dev.model_registry m join \(Self.catalog) c using (load_profile, load_segment)
                where c.series_id = $1 order by m.model_version desc limit 1
                """, [series])
            let line = all.stdout.split(separator: "\n").first { $0.hasPrefix(series + " ") }.map(String.init) ?? ""
            #expect(line.contains(base == "none" ? " load " : " level "), "\(series): \(base ?? "?") \(line)")
        }

        // The forecast reads the model's settings: the delay-1 lags are columns of its feature rows.
        try warehouse.mustRun(["backfill", "--series", "RES-SOLAR", "--date", "2024-12-20"])
        #expect(try warehouse.int("""
            select count(*) as n from gridcast_operational_dev.dayahead_load_forecasts
            where series_id = 'RES-SOLAR' and forecast_date_local = '2024-12-20'
            """) == 24)

        // A delay given for one run brings its own default lags, not the catalog's or 14's.
        try warehouse.mustRun(["train", "--series", "RES-NONSOLAR", "--delay-days", "7"] + CLIWarehouse.trainArguments)
        #expect(try Self.trainedSettings(warehouse, "RES-NONSOLAR") == "7 [14, 21, 28, 35, 364]")

        // Catalog lags win over the defaults; a lag shorter than delay + 1 is refused by the catalog itself.
        try warehouse.connection.execute("update \(Self.catalog) set lag_days = '{21,28,364}' where series_id = 'RES-NONSOLAR'",
                                         name: "catalog lags")
        try warehouse.mustRun(["train", "--series", "RES-NONSOLAR"] + CLIWarehouse.trainArguments)
        #expect(try Self.trainedSettings(warehouse, "RES-NONSOLAR") == "14 [21, 28, 364]")
        #expect(throws: WarehouseError.self) {
            try warehouse.connection.execute("update \(Self.catalog) set lag_days = '{7,21}' where series_id = 'RES-NONSOLAR'",
                                             name: "leaky catalog lags")
        }
        let leaky = try warehouse.gridcast(["train", "--series", "RES-NONSOLAR", "--lags", "7,21"] + CLIWarehouse.trainArguments)
        #expect(leaky.exitCode != 0 && leaky.stderr.contains("would leak future data"), "\(leaky.stderr)")
    }
}
