import Foundation
import Warehouse

/// Writes a validated load to the input schema: rejects to `load_rejects`, good rows upserted into
/// `sqmd`, both in one transaction.
struct SQMDMerge {
    let connection: Connection
    /// Quoted `input_schema.sqmd`.
    let sqmdTable: String
    /// Quoted `input_schema.load_rejects`.
    let rejectsTable: String
    /// Quoted operational schema, whose `refresh_series_actuals` rebuilds the hourly actuals BI reads.
    let operationalSchema: String

    struct Counts {
        var inserted: Int
        var updated: Int
        var unchanged: Int
    }

    /// Inserts this load's rejects, tagged with the run id.
    func insertRejects(runID: UUID) throws {
        try connection.execute("""
            insert into \(rejectsTable) (run_id, source_kind, source_file, line_number, raw_line, reason)
            select $1::uuid, 'sqmd', s.source_file, c.line_number, c.raw_line, c.reason
            from \(SQMDStaging.checked) c join \(SQMDStaging.sources) s using (file_index)
            where c.reason is not null
            order by c.file_index, c.line_number
            """, [runID.uuidString.lowercased()], name: "load sqmd: insert rejects")
    }

    /// Replaces the earlier SQMD rejects of the loaded sources with this load's, then upserts the good rows.
    /// Must run inside a transaction.
    func merge(runID: UUID) throws -> Counts {
        try replaceRejects(runID: runID)
        let counts = try upsert()
        if counts.inserted + counts.updated > 0 { try refreshActuals() }
        return counts
    }

    /// Rebuilds `series_actuals_hourly` for the trade dates this load wrote, in the same transaction,
    /// so the BI views never show actuals that disagree with `sqmd`.
    private func refreshActuals() throws {
        try connection.execute("""
            select \(operationalSchema).refresh_series_actuals(min(tradedatelocal), max(tradedatelocal))
            from \(SQMDStaging.checked) where reason is null
            having count(*) > 0
            """, name: "load sqmd: refresh hourly actuals")
    }

    /// This load's rejects in place of the earlier loads' of the same files, so retrying a bad file
    /// (within the limit or not) never piles its rejects up in `vw_load_rejects_current`. The earlier
    /// ones are marked superseded by this run, not deleted: the loader cannot delete rejects (0011).
    func replaceRejects(runID: UUID) throws {
        try connection.execute("""
            update \(rejectsTable) r set superseded_at = now(), superseded_by = $1::uuid
            from \(SQMDStaging.sources) s
            where r.source_kind = 'sqmd' and r.source_file = s.source_file and r.superseded_at is null
            """, [runID.uuidString.lowercased()], name: "load sqmd: supersede earlier rejects")
        try insertRejects(runID: runID)
    }

    /// Upserts the good rows. A row is `inserted` when its key (which includes the submission) is new,
    /// `updated` when it existed with different values, `unchanged` otherwise; unchanged rows are not
    /// rewritten (they are filtered out before the INSERT, and the DO UPDATE is guarded by the same
    /// comparison), so loading a file twice changes nothing. `available_at` comes from the file when it has
    /// the column, else it is the load time; a row whose values are restated gets the new instant, since
    /// that is when the restatement became known. An Initial row never touches a Final row: the
    /// submission is part of the key, and vw_sqmd_effective prefers Final.
    private func upsert() throws -> Counts {
        let key = "tradedatelocal, tradehourstartlocal, dst_fold, loadprofile, rategroup, submission"
        let result = try connection.execute("""
            with good as (
                select c.tradedatelocal, c.tradehourstartlocal, c.dst_fold, c.loadprofile, c.rategroup, c.submission,
                       c.loadlal, c.genlal, c.metercount::integer as metercount, c.hour_start_utc,
                       coalesce(c.available_at, now()) as available_at,
                       s.source_file, c.line_number,
                       e.tradedatelocal is not null as existed,
                       e.tradedatelocal is not null
                         and (e.loadlal, e.genlal, e.metercount, e.hour_start_utc)
                             is not distinct from (c.loadlal, c.genlal, c.metercount::integer, c.hour_start_utc)
                         and (c.available_at is null or c.available_at = e.available_at) as same
                from \(SQMDStaging.checked) c
                join \(SQMDStaging.sources) s using (file_index)
                left join \(sqmdTable) e
                  on (e.tradedatelocal, e.tradehourstartlocal, e.dst_fold, e.loadprofile, e.rategroup, e.submission)
                   = (c.tradedatelocal, c.tradehourstartlocal, c.dst_fold, c.loadprofile, c.rategroup, c.submission)
                where c.reason is null
            ),
            written as (
                insert into \(sqmdTable) as t (\(key), loadlal, genlal, metercount, hour_start_utc, available_at,
                                              source_file, source_line)
                select \(key), loadlal, genlal, metercount, hour_start_utc, available_at, source_file, line_number
                from good
                where not same   -- unchanged rows never reach the (costlier) conflict path
                order by \(key)
                on conflict (\(key)) do update
                set loadlal = excluded.loadlal, genlal = excluded.genlal, metercount = excluded.metercount,
                    hour_start_utc = excluded.hour_start_utc, available_at = excluded.available_at,
                    source_file = excluded.source_file, source_line = excluded.source_line,
                    loaded_at = excluded.loaded_at  -- the column default: now(), evaluated once per statement
                where (t.loadlal, t.genlal, t.metercount, t.hour_start_utc, t.available_at)
                      is distinct from (excluded.loadlal, excluded.genlal, excluded.metercount, excluded.hour_start_utc,
                                        excluded.available_at)
                returning 1
            )
            select (select count(*) from good) as good,
                   (select count(*) from good where not existed) as inserted,
                   (select count(*) from written) as written
            """, name: "load sqmd: upsert")
        let row = result.first
        let good = row?.int("good") ?? 0
        let inserted = row?.int("inserted") ?? 0
        let written = row?.int("written") ?? 0
        return Counts(inserted: inserted, updated: written - inserted, unchanged: good - written)
    }
}
