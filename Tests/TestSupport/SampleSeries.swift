import Warehouse

/// The six series of the sample data (RES, MEDCI, SMLCOM x SOLAR, NONSOLAR) at `san_diego`. Migrations
/// seed no series (0028), so a test set-up that loads the sample registers them first, with INSERT as a
/// DBA would; the loader's own registration (`--register-series`) has tests of its own.
public enum SampleSeries {
    public static let ids = ["MEDCI-NONSOLAR", "MEDCI-SOLAR", "RES-NONSOLAR", "RES-SOLAR", "SMLCOM-NONSOLAR", "SMLCOM-SOLAR"]

    /// Inserts the six series into `operationalSchema.series_catalog` (existing rows are kept).
    public static func register(on connection: Connection, operationalSchema: String = "gridcast_operational_dev") throws {
        try connection.execute("""
            insert into \(try SQLIdentifier(operationalSchema).quoted).series_catalog
                (load_profile, load_segment, location, description)
            select split_part(id, '-', 1), split_part(id, '-', 2), 'san_diego', 'sample series'
            from unnest($1::text[]) id
            on conflict do nothing
            """, [SQLTextArray(ids)], name: "register the sample series")
    }
}
