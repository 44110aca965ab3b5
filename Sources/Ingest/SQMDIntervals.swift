import Warehouse

/// Sub-hourly SQMD (a `trademinutestartlocal` column): each hour's intervals become one hourly row,
/// since everything downstream (actuals, features, forecasts) is hourly.
///
/// The rule (README, "Sub-hourly SQMD"):
/// - A file's interval length is the greatest common divisor of 60 and every minute the file holds
///   (minutes 0, 15, 30, 45: 15-minute intervals; 0, 30: half-hourly). The minute is the interval's start.
/// - An hour (date, hour, dst_fold, load profile, rate group, submission) is complete when the file holds
///   all 60 / length of its intervals. Then loadlal and genlal are summed (each interval's kWh adds to
///   the hour's), metercount is the rounded mean of the intervals' counts, and available_at is the
///   latest interval's (the hour is known once its last interval is; a missing one counts as the load
///   time, as for hourly rows). The hour keeps the file and line of its first interval.
/// - An incomplete hour is rejected whole (`incomplete_hour`, naming the minutes it had): a partial sum
///   would understate the load without a trace. An hour's intervals must be in one file.
/// Files without the column, or with only minute 0, load exactly as before.
enum SQMDIntervals {
    /// Interval length in minutes for a file holding `minutes`: gcd(60, every minute).
    static func intervalMinutes(_ minutes: [Int]) -> Int {
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        return minutes.reduce(60) { gcd($0, $1) }
    }

    /// The key of an hour among the checked rows.
    static let hourKey = "tradedatelocal, tradehourstartlocal, dst_fold, loadprofile, rategroup, submission"

    /// A checked row `c` of the hour `h`: the two key tuples equal.
    static let sameHour = { () -> String in
        let columns = hourKey.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return "(\(columns.map { "c." + $0 }.joined(separator: ", "))) = (\(columns.map { "h." + $0 }.joined(separator: ", ")))"
    }()

    static let steps = "select * from unnest($1::int[], $2::int[]) as s(file_index, step)"

    static let rejectIncomplete = """
        with steps as (\(steps)),
        hours as (
            select c.file_index, \(hourKey), count(*) as n, s.step,
                   string_agg(lpad(c.trademinute::text, 2, '0'), ',' order by c.trademinute) as minutes
            from \(SQMDStaging.checked) c join steps s using (file_index)
            where c.reason is null
            group by c.file_index, \(hourKey), s.step
            having count(*) <> 60 / s.step
        )
        update \(SQMDStaging.checked) c
        set reason = '\(SQMDRejectReason.incompleteHour.rawValue): ' || h.n || ' of the hour''s ' || 60 / h.step || ' '
                     || h.step || '-minute intervals (minutes ' || h.minutes || '); the hour is loaded only when complete'
        from hours h
        where c.reason is null and c.file_index = h.file_index
          and \(sameHour)
        """

    /// Sums each complete hour into its first interval's row and deletes the other rows of the hour (the
    /// two sets are disjoint, so one statement does both). Returns the deleted rows.
    static let combine = """
        with steps as (\(steps)),
        hours as (
            select c.file_index, \(hourKey), min(c.line_number) as first_line,
                   sum(c.loadlal) as loadlal, sum(c.genlal) as genlal, round(avg(c.metercount))::bigint as metercount,
                   case when bool_or(c.available_at is null) then null else max(c.available_at) end as available_at
            from \(SQMDStaging.checked) c join steps s using (file_index)
            where c.reason is null
            group by c.file_index, \(hourKey)
            having count(*) > 1
        ),
        kept as (
            update \(SQMDStaging.checked) c
            set loadlal = h.loadlal, genlal = h.genlal, metercount = h.metercount, available_at = h.available_at,
                trademinute = 0
            from hours h
            where c.file_index = h.file_index and c.line_number = h.first_line
            returning c.line_number
        )
        delete from \(SQMDStaging.checked) c
        using hours h
        where c.reason is null and c.file_index = h.file_index and c.line_number <> h.first_line
          and \(sameHour)
        """

    /// Rejects incomplete hours and combines the complete ones; returns the rows summed into another.
    /// Does nothing (one scan of the good rows) for hourly files.
    static func run(on connection: Connection) throws -> Int {
        let files = try connection.execute("""
            select file_index, string_agg(distinct trademinute::text, ',') as minutes
            from \(SQMDStaging.checked) where reason is null
            group by file_index having max(trademinute) > 0
            """, name: "load sqmd: sub-hourly files").rows.compactMap { row -> (Int, Int)? in
            guard let file = row.int("file_index"), let minutes = row.string("minutes") else { return nil }
            return (file, intervalMinutes(minutes.split(separator: ",").compactMap { Int($0) }))
        }
        guard !files.isEmpty else { return 0 }
        // The checked rows have no statistics yet (temporary tables are never auto-analyzed): without them
        // the planner joins the hours back to the rows by nested loops, quadratic in the file's rows
        // (a year of half-hours took 2 minutes instead of a second).
        try connection.execute("analyze \(SQMDStaging.checked)", name: "load sqmd: analyze intervals")
        let parameters: [any SQLBindable] = [SQLTextArray(files.map { String($0.0) }), SQLTextArray(files.map { String($0.1) })]
        try connection.execute(rejectIncomplete, parameters, name: "load sqmd: reject incomplete hours")
        return try connection.execute(combine, parameters, name: "load sqmd: sum intervals into hours").affectedRows
    }
}
