import Foundation
import Warehouse

/// The series an SQMD load feeds: registers missing ones (`load sqmd --register-series`) and names the
/// load profile x segment pairs that no series forecasts, so rows loaded for nobody do not go unnoticed.
/// Reads the validated staging rows; runs inside the load's merge transaction.
struct SQMDSeriesCatalog {
    let connection: Connection
    /// Quoted operational schema (`series_catalog`, `load_segment_of`).
    let operationalSchema: String

    /// The distinct load profile x segment pairs of the good staged rows: distinct rate groups first, so
    /// the segment rule runs once per rate group rather than once per row.
    private var loadedPairs: String {
        """
        select distinct p.loadprofile as load_profile, \(operationalSchema).load_segment_of(p.rategroup) as load_segment
        from (select distinct loadprofile, rategroup from \(SQMDStaging.checked) where reason is null) p
        """
    }

    /// Adds a series at `location` for every loaded pair without one; returns their ids, sorted.
    /// Existing series are left as they are (their location, delay and lags are the DBA's).
    func register(at location: String, sources: [String]) throws -> [String] {
        let shown = sources.prefix(3).joined(separator: ", ") + (sources.count > 3 ? ", ..." : "")
        return try connection.execute("""
            insert into \(operationalSchema).series_catalog (load_profile, load_segment, location, description)
            select l.load_profile, l.load_segment, $1::text, $2::text
            from (\(loadedPairs)) l
            order by l.load_profile, l.load_segment
            on conflict do nothing
            returning series_id
            """, [location, "registered by gridcast load sqmd from \(shown)"], name: "load sqmd: register series")
            .rows.compactMap { $0.string("series_id") }.sorted()
    }

    /// Loaded pairs that no series forecasts, as `PROFILE-SEGMENT`, sorted.
    func seriesWithoutCatalogRow() throws -> [String] {
        try connection.execute("""
            select l.load_profile || '-' || l.load_segment as series_id
            from (\(loadedPairs)) l
            where not exists (select 1 from \(operationalSchema).series_catalog c
                              where c.load_profile = l.load_profile and c.load_segment = l.load_segment)
            order by 1
            """, name: "load sqmd: series without a catalog row").rows.compactMap { $0.string("series_id") }
    }
}
