import Warehouse

/// Validates the staged rows in SQL and fills `sqmd_load_checked` with typed values, the hour's UTC
/// start, and a reject reason for every row that cannot be loaded.
///
/// Casts are guarded by pattern checks inside CASE, so no value in the file can make a statement fail
/// (PostgreSQL 15 has no `pg_input_is_valid`). Checks run in a fixed order and the first failure is the
/// reason: date (years 1900-2999), hour, dst_fold, minute, profile, rate group (each 1-64 characters), submission, loadlal, genlal, metercount, then the
/// hour's existence on its local date, then duplicates (only among rows that passed every other check,
/// so the first good occurrence of a key is kept).
enum SQMDValidation {
    /// Distinct date strings, each parsed once: a string matching YYYY-MM-DD that names a real day.
    static let parseDates = """
        insert into \(SQMDStaging.dates) (date_text, tradedatelocal)
        select date_text,
               case when date_text ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then
                 case when substr(date_text, 1, 4)::int between 1900 and 2999 and substr(date_text, 6, 2)::int between 1 and 12 then
                   case when substr(date_text, 9, 2)::int between 1 and extract(day from
                             make_date(substr(date_text, 1, 4)::int, substr(date_text, 6, 2)::int, 1)
                             + interval '1 month - 1 day')::int
                        then date_text::date end end end
        from (select distinct btrim(tradedatelocal) as date_text from \(SQMDStaging.staging)
              where reason is null and length(btrim(tradedatelocal)) <= 32) d  -- a longer one is no date, nor an index key
        """

    /// The real hours of every staged date in zone $1: 23, 24 or 25 per day, stepping one hour in UTC from
    /// local midnight; the second occurrence of a repeated wall-clock hour gets fold 1. Computed here
    /// rather than with `(date + hour) at time zone`, whose choice for an ambiguous or skipped local
    /// time is fixed by PostgreSQL and cannot express dst_fold.
    static let localHours = """
        insert into \(SQMDStaging.hours) (tradedatelocal, hour, fold, hour_start_utc)
        select tradedatelocal, hour, (row_number() over (partition by tradedatelocal, hour order by utc) - 1)::smallint, utc
        from (
            select d.tradedatelocal, k.utc, extract(hour from k.utc at time zone $1::text)::smallint as hour
            from (select distinct tradedatelocal from \(SQMDStaging.dates) where tradedatelocal is not null) d
            cross join lateral (select d.tradedatelocal::timestamp at time zone $1::text as day_start,
                                       (d.tradedatelocal + 1)::timestamp at time zone $1::text as day_end) b
            cross join lateral generate_series(b.day_start, b.day_end - interval '1 hour', interval '1 hour') as k(utc)
        ) h
        """

    /// A finite decimal number, or null. The common case, digits with at most one point, is recognised
    /// with cheap string functions and cast directly; anything else (a sign, an exponent) must match the
    /// full pattern, whose length and exponent limits keep the numeric cast from failing, and the range
    /// check keeps the float8 cast from overflowing or underflowing. No input can make the cast throw.
    static func number(_ text: String) -> String {
        """
        case when length(\(text)) between 1 and 64 and translate(\(text), '0123456789.', '') = '' and \(text) <> '.'
                  and strpos(substr(\(text), strpos(\(text), '.') + 1), '.') = 0 then \(text)::float8
             when length(\(text)) <= 64 and \(text) ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,3})?$' then
               case when \(text)::numeric = 0 or abs(\(text)::numeric) between 1e-300 and 1e300 then \(text)::float8 end
        end
        """
    }

    /// An integer that fits in bigint, or null (plain digits recognised without a regular expression).
    static func integer(_ text: String) -> String {
        """
        case when length(\(text)) between 1 and 10 and translate(\(text), '0123456789', '') = '' then \(text)::bigint
             when \(text) ~ '^[+-]?[0-9]{1,10}$' then \(text)::bigint end
        """
    }

    /// The spellings of hours 0-23 accepted (with or without a leading zero): a hashed IN list is far
    /// cheaper per row than a pattern match.
    static let hourSpellings = ((0...23).map { "'\($0)'" } + (0...9).map { "'0\($0)'" }).joined(separator: ", ")
    /// Minutes 0-59, the same way.
    static let minuteSpellings = ((0...59).map { "'\($0)'" } + (0...9).map { "'0\($0)'" }).joined(separator: ", ")

    static func quoted(_ text: String) -> String { "quote_literal(left(\(text), 60))" }

    static func numberReason(_ column: String, typed: String, text: String) -> String {
        """
        when \(typed) is null then case
            when lower(\(text)) in ('nan', '+nan', '-nan', 'inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity')
                then '\(SQMDRejectReason.notFinite.rawValue): \(column) ' || \(text) || ' is not a finite number'
            else '\(SQMDRejectReason.badNumber.rawValue): \(column) ' || \(quoted(text)) || ' is not a decimal number in range' end
        """
    }

    /// When a submission became available, from the optional `available_at` column: an ISO timestamp
    /// (`2024-06-15T06:00`, `2024-06-15 06:00:00-07:00`, `...Z`; local time of the load's zone when it has
    /// no offset) or a date alone, which counts from the end of that local day (the hour it arrived is
    /// unknown, and a run must not see it earlier). Null when absent or not a valid instant; every cast is
    /// behind a pattern and range check, so no text can make the statement fail. $1 is the time zone.
    static func availableAt(_ text: String) -> String {
        let date = "substr(\(text), 1, 10)"
        return """
        case when \(text) ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$' then
          case when substr(\(text), 1, 4)::int >= 1 and substr(\(text), 6, 2)::int between 1 and 12 then
            case when substr(\(text), 9, 2)::int between 1 and extract(day from
                      make_date(substr(\(text), 1, 4)::int, substr(\(text), 6, 2)::int, 1) + interval '1 month - 1 day')::int then
              case when length(\(text)) = 10 then ((\(date)::date + 1)::timestamp at time zone $1::text)
                   when substr(\(text), 12, 2)::int <= 23 and substr(\(text), 15, 2)::int <= 59
                        and (length(\(text)) < 19 or substr(\(text), 17, 1) <> ':' or substr(\(text), 18, 2)::int <= 59)
                        and coalesce(substring(\(text) from '[+-]([0-9]{2})(:?[0-9]{2})?$')::int, 0) <= 14 then
                     case when \(text) ~ '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$' then replace(\(text), 'T', ' ')::timestamptz
                          else replace(\(text), 'T', ' ')::timestamp at time zone $1::text end
              end end end
        end
        """
    }

    /// The longest load profile or rate group accepted: far above any real code (RES, SMLCOM, NEM2-A),
    /// and far below what a btree index entry can hold (a 6 kB value aborted the whole load).
    static let maximumNameLength = 64

    /// Types every staged row, finds its UTC hour, and sets its reason. $1 is the time zone name.
    static let check = """
        insert into \(SQMDStaging.checked) (file_index, line_number, raw_line, tradedatelocal, tradehourstartlocal, dst_fold,
                                           loadprofile, rategroup, submission, loadlal, genlal, metercount, hour_start_utc,
                                           available_at, trademinute, reason)
        select t.file_index, t.line_number, t.raw_line, t.d, t.hr, t.fold, t.profile, t.rate_group, t.sub,
               t.load, t.gen, t.meters, hf.hour_start_utc, t.available, t.minute,
               case
                 when t.parse_reason is not null then t.parse_reason
                 when t.d is null then
                   '\(SQMDRejectReason.badDate.rawValue): tradedatelocal ' || \(quoted("t.date_text")) || ' is not a date (YYYY-MM-DD)'
                 when t.hr is null then
                   '\(SQMDRejectReason.badHour.rawValue): tradehourstartlocal ' || \(quoted("t.hour_text")) || ' is not an hour 0-23'
                 when t.fold is null then
                   '\(SQMDRejectReason.badDSTFold.rawValue): dst_fold ' || \(quoted("t.fold_text")) || ' is not 0 or 1'
                 when t.minute is null then
                   '\(SQMDRejectReason.badMinute.rawValue): trademinutestartlocal ' || \(quoted("t.minute_text"))
                   || ' is not a minute 0-59'
                 when t.profile = '' then '\(SQMDRejectReason.emptyField.rawValue): loadprofile is empty'
                 when t.rate_group = '' then '\(SQMDRejectReason.emptyField.rawValue): rategroup is empty'
                 when length(t.profile) > \(maximumNameLength) then
                   '\(SQMDRejectReason.fieldTooLong.rawValue): loadprofile has ' || length(t.profile) || ' characters (at most \(maximumNameLength))'
                 when length(t.rate_group) > \(maximumNameLength) then
                   '\(SQMDRejectReason.fieldTooLong.rawValue): rategroup has ' || length(t.rate_group) || ' characters (at most \(maximumNameLength))'
                 when t.sub is null then
                   '\(SQMDRejectReason.unknownSubmission.rawValue): submission ' || \(quoted("t.submission_text")) || ' is not Initial or Final'
                 \(numberReason("loadlal", typed: "t.load", text: "t.load_text"))
                 \(numberReason("genlal", typed: "t.gen", text: "t.gen_text"))
                 when t.meters is null or t.meters > 2147483647 then
                   '\(SQMDRejectReason.badMetercount.rawValue): metercount ' || \(quoted("t.meters_text")) || ' is not an integer in range'
                 when t.meters < 0 then
                   '\(SQMDRejectReason.negativeMetercount.rawValue): metercount ' || t.meters || ' is negative'
                 when h0.hour_start_utc is null then
                   '\(SQMDRejectReason.nonexistentHour.rawValue): hour ' || t.hr || ' does not exist on ' || t.d
                   || ' in ' || $1::text || ' (clocks spring forward)'
                 when hf.hour_start_utc is null then
                   '\(SQMDRejectReason.notRepeatedHour.rawValue): dst_fold=1 but hour ' || t.hr || ' of ' || t.d
                   || ' is not repeated in ' || $1::text
                 when t.available_text <> '' and t.available is null then
                   '\(SQMDRejectReason.badAvailableAt.rawValue): available_at ' || \(quoted("t.available_text"))
                   || ' is not a date or timestamp (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][+HH:MM])'
                 when t.available < hf.hour_start_utc + interval '1 hour' then
                   '\(SQMDRejectReason.availableBeforeHour.rawValue): available_at ' || \(quoted("t.available_text"))
                   || ' is before the hour it measures ended'
               end
        from (
            select s.file_index, s.line_number, s.raw_line, s.reason as parse_reason,
                   v.*, dd.tradedatelocal as d,
                   case when v.hour_text in (\(hourSpellings)) then v.hour_text::smallint end as hr,
                   case when v.fold_text in ('0', '1') then v.fold_text::smallint end as fold,
                   case when v.minute_text in (\(minuteSpellings)) then v.minute_text::smallint end as minute,
                   case lower(v.submission_text) when 'initial' then 'Initial' when 'final' then 'Final' end as sub,
                   \(number("v.load_text")) as load,
                   \(number("v.gen_text")) as gen,
                   \(integer("v.meters_text")) as meters,
                   case when v.available_text <> '' then \(availableAt("v.available_text")) end as available
            from \(SQMDStaging.staging) s
            cross join lateral (
                select btrim(s.tradedatelocal) as date_text, btrim(s.tradehourstartlocal) as hour_text,
                       coalesce(nullif(btrim(s.dst_fold), ''), '0') as fold_text,
                       coalesce(nullif(btrim(s.trademinutestartlocal), ''), '0') as minute_text,
                       btrim(s.loadprofile) as profile, btrim(s.rategroup) as rate_group,
                       btrim(s.submission) as submission_text, btrim(s.loadlal) as load_text,
                       btrim(s.genlal) as gen_text, btrim(s.metercount) as meters_text,
                       coalesce(btrim(s.available_at), '') as available_text
            ) v
            left join \(SQMDStaging.dates) dd on dd.date_text = v.date_text
            offset 0   -- compute the typed values once, not again in each join condition
        ) t
        left join \(SQMDStaging.hours) h0 on h0.tradedatelocal = t.d and h0.hour = t.hr and h0.fold = 0
        left join \(SQMDStaging.hours) hf on hf.tradedatelocal = t.d and hf.hour = t.hr and hf.fold = t.fold
        """

    /// Among rows that passed every other check, all but the first occurrence of a key (by source, then
    /// line) are duplicates. The window sorts only the good rows' keys, not whole rows.
    static let duplicates = """
        update \(SQMDStaging.checked) c
        set reason = '\(SQMDRejectReason.duplicateKey.rawValue): duplicate of '
                     || case when d.first_file <> d.file_index
                             then (select s.source_file from \(SQMDStaging.sources) s where s.file_index = d.first_file) || ' '
                             else '' end
                     || 'line ' || d.first_line
                     || case when c.dst_fold = 0 and exists (
                                 select 1 from \(SQMDStaging.hours) h
                                 where h.tradedatelocal = c.tradedatelocal and h.hour = c.tradehourstartlocal and h.fold = 1)
                             then ' (the repeated hour of a fall-back day needs dst_fold=1 on its second occurrence)'
                             else '' end
        from (
            select file_index, line_number, first_file, first_line
            from (
                select file_index, line_number,
                       first_value(file_index) over w as first_file, first_value(line_number) over w as first_line
                from \(SQMDStaging.checked)
                where reason is null
                window w as (partition by tradedatelocal, tradehourstartlocal, trademinute, dst_fold, loadprofile, rategroup,
                                          submission
                             order by file_index, line_number)
            ) ranked
            where (first_file, first_line) <> (file_index, line_number)
        ) d
        where c.file_index = d.file_index and c.line_number = d.line_number
        """

    /// Reject counts per source and reason code.
    static let rejectCounts = """
        select file_index, split_part(reason, ':', 1) as code, count(*) as n
        from \(SQMDStaging.checked) where reason is not null group by 1, 2
        """

    /// Runs the validation statements for zone `timeZone` in one transaction. JIT compilation is
    /// switched off for it (compiling these wide expressions costs seconds and saves less), and sorts
    /// get more memory than the default 4 MB.
    /// Returns the sub-hourly rows summed into their hour's first row (`SQMDIntervals`).
    static func run(on connection: Connection, timeZone: String) throws -> Int {
        try connection.transaction(name: "load sqmd: validate") { connection in
            try tune(connection)
            return try steps(on: connection, timeZone: timeZone)
        }
    }

    /// Transaction-local settings for the load's big statements.
    static func tune(_ connection: Connection) throws {
        try connection.execute("select set_config('jit', 'off', true), set_config('work_mem', '128MB', true)",
                               name: "load sqmd: settings")
    }

    private static func steps(on connection: Connection, timeZone: String) throws -> Int {
        try connection.execute(parseDates, name: "load sqmd: parse dates")
        try connection.execute(localHours, [timeZone], name: "load sqmd: local hours")
        // Temporary tables get no autovacuum statistics; without them the planner may scan the hours
        // table once per staged row instead of hashing it.
        try connection.executeScript("analyze \(SQMDStaging.dates); analyze \(SQMDStaging.hours)", name: "load sqmd: analyze")
        try connection.execute(check, [timeZone], name: "load sqmd: validate rows")
        try connection.execute(duplicates, name: "load sqmd: find duplicates")
        let combined = try SQMDIntervals.run(on: connection)
        try connection.execute("analyze \(SQMDStaging.checked)", name: "load sqmd: analyze")
        return combined
    }
}
