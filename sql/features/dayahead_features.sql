-- dayahead_features.sql: the feature matrix of one or more series, one row per series and local hour of the
-- target dates, each computed from what was known at that day's run time (the as-of instant of its forecast).
-- Day-ahead by default; with a lead of 2 or 3 days the same rules as known on D - 2 or D - 3 (D+2, D+3
-- horizons).
--
-- Computes, in the warehouse: the target (net load of the series' rate groups, hours with enough
-- meters only), same-hour lags and rolling means, the newest known day's profile shape, the hour's
-- weather and the temperature of the three days before, calendar (with a code per holiday name) and
-- solar position.
--
-- Many series in one query: the feature rows of each series asked for ($1, $2) are computed by the
-- LATERAL subquery below with that series' profile and segment (requested.load_profile and
-- requested.load_segment), so a series' rows are the same whichever other series share the query, and one
-- statement serves a whole forecast run (planned once, one round trip) instead of one per series.
--
-- Values are bound parameters, never part of the SQL text, and both PostgreSQL and Citus plan with them.
-- gridcast runs a single series (and the extension's gridcast_forecast() every series) in the query's
-- one-series form: "unnest($1::text[], $2::text[])" written "unnest(array[$1::text], array[$2::text])" and
-- requested.load_profile, requested.load_segment written $1::text, $2::text, which makes the subquery
-- uncorrelated, the query it was before batching; Citus routes that form to the load profile's shard.
-- On Citus gridcast runs every series in that form (Citus refuses the batch form: "CTEs that refer to other
-- subqueries are not supported in multi-shard queries"). By hand: `gridcast features print` wraps the
-- one-series form in PREPARE dayahead_features(...) AS ...; followed by an EXECUTE with example values;
-- this file as it stands runs the same way with arrays for $1 and $2 (declare them text[]).
--   $1  text[]      load profiles of the series, e.g. '{RES,RES}'
--   $2  text[]      their load segments, pairwise with $1: SOLAR | NONSOLAR, e.g. '{SOLAR,NONSOLAR}'
--   $3  date        first target date (local)
--   $4  date        last target date (local)
--   $5  int         SQMD delay: a target day D may use trade dates <= D - lead - delay
--   $6  int[]       same-hour lags in days, e.g. '{21,28,35,42,364}'; each >= delay + lead (gridcast checks)
--   $7  bool        true: hours with an actual only (training); false: every hour (forecasting)
--   $8  date        oldest trade date to read: start - longest lag - 35 days
--   $9  timestamptz one as-of instant for every target day (a live run: now), or NULL for each day's
--                   own: D - lead at the issue time, local
--   $10 time        local time of day a forecast is issued on D - lead, e.g. '09:00'
--   $11 text        weather: as_known (only weather issued at or before the run time),
--                   as_issued_or_observed (that, else observed: training), observed (hindsight only)
--   $12 timestamptz targets (labels) as known at this instant (the run's start)
--   $13 int         lead in days: 1 day-ahead (forecast made on D - 1), 2 or 3 for D+2 and D+3
-- Identifier placeholders: {{input_schema}}, {{operational_schema}}.
--
-- As-known rules (SPEC 8): the lags and rolling means of day D use, per SQMD key, the newest submission
-- whose available_at is at or before D's run time (Initial until its Final arrives), and never a trade
-- date after D - lead - delay, even if a lag were set shorter; the weather of an hour is the newest row
-- issued at or before the run time (an observation is issued at its own hour, so observed values are
-- only ever used for hours before the run time). The lineage columns say what was used: run_time,
-- weather_issued_at (newest issue time of the hour's weather) and sqmd_known_at (newest SQMD arrival
-- behind the day's history features).

select requested.load_profile as load_profile, requested.load_segment as load_segment, f.*
from unnest($1::text[], $2::text[]) with ordinality as requested(load_profile, load_segment, series_no)
cross join lateral (
    with params as (
        select requested.load_profile         as load_profile,
               requested.load_segment         as load_segment,
               $3::date         as start_date,
               $4::date         as end_date,
               $5::int          as delay_days,
               $6::int[]        as lag_days,
               $7::bool         as require_target,
               $9::timestamptz  as run_time,
               $10::time        as issue_time,
               $11::text        as weather_mode,
               $12::timestamptz as known_at,
               $13::int         as lead_days,
               -- days back of the newest trade date a run may know: D - lead - delay
               $5::int + $13::int as newest_back
    ),
    series as (
        select c.load_profile, c.load_segment, c.location, c.meter_threshold, l.time_zone, l.heating_base_c,
               l.cooling_base_c
        from {{operational_schema}}.series_catalog c
        join {{input_schema}}.weather_locations l on l.location = c.location
        join params p on c.load_profile = p.load_profile and c.load_segment = p.load_segment
    ),
    -- Each target day and its run time: one given instant, or D - lead at the issue time in local time.
    target_days as (
        select d::date                                                                              as local_date,
               coalesce(p.run_time, ((d::date - p.lead_days) + p.issue_time) at time zone s.time_zone) as run_time
        from params p
        cross join series s
        cross join generate_series(p.start_date, p.end_date, interval '1 day') as d
    ),
    -- Every local hour of the target dates (23, 24 or 25 per day), from the calendar table.
    targets as (
        select k.*, td.run_time
        from {{operational_schema}}.calendar_hourly k
        join series s on k.location = s.location
        join target_days td on td.local_date = k.local_date
        where k.local_date between $3::date and $4::date
    ),
    -- Days back that history features read: every lag and the 28-day rolling window.
    offsets as (
        select distinct o.days_back
        from params p
        cross join lateral (select unnest(p.lag_days)
                            union all
                            select generate_series(p.newest_back, p.newest_back + 27)) as o(days_back)
    ),
    -- Each target day with each trade date its history reads, at most D - lead - delay (the leakage guard,
    -- whatever the lags say). Materialized, so the join below is a hash join on the trade date rather than
    -- a nested loop over every vintage.
    day_offsets as materialized (
        select td.local_date as target_date, td.run_time, o.days_back, td.local_date - o.days_back as trade_date
        from target_days td
        cross join offsets o
        cross join params p
        where o.days_back >= p.newest_back
    ),
    -- The series' SQMD rows from far enough back for the longest lag, each with the span in which it was
    -- the newest known submission of its key: input.vw_sqmd_known's rule (an Initial is known from its arrival
    -- until its Final's), computed here in one pass over the series' rows with a window rather than the view's
    -- lookup of each row's Final (an index probe per row: 40% of a training query). The filters use the
    -- parameters directly (not a join with params) so PostgreSQL pushes them into the SQMD scan and Citus
    -- prunes to the load profile's shard.
    sqmd_rows as (
        select q.*
        from (
            select s.tradedatelocal, s.tradehourstartlocal, s.dst_fold, s.hour_start_utc,
                   s.loadlal - s.genlal as net_kwh, s.metercount, s.available_at as known_from,
                   case when s.submission = 'Initial'
                        then coalesce(min(s.available_at) filter (where s.submission = 'Final')
                                          over (partition by s.tradedatelocal, s.tradehourstartlocal, s.dst_fold,
                                                             s.rategroup),
                                      'infinity'::timestamptz)
                        else 'infinity'::timestamptz
                   end as known_until
            from {{input_schema}}.sqmd s
            where s.loadprofile = requested.load_profile
              and {{operational_schema}}.load_segment_of(s.rategroup) = requested.load_segment
              and s.tradedatelocal between $8::date and $4::date
              -- only the target dates (labels) and the trade dates their history reads: a day-ahead run reads
              -- 33 of the ~400 days back
              and (s.tradedatelocal between $3::date and $4::date
                   or s.tradedatelocal in (select trade_date from day_offsets))
        ) q
        where q.known_from < q.known_until
    ),
    -- Vintages of the series' hourly net load: its value from each instant a submission arrived until the
    -- next one did. Hours with too few meters at a vintage are unknown during it.
    vintages as (
        select v.*
        from (
            select i.tradedatelocal, i.tradehourstartlocal, i.dst_fold, i.hour_start_utc, i.known_from,
                   coalesce(lead(i.known_from) over (partition by i.hour_start_utc order by i.known_from),
                            'infinity'::timestamptz)                                     as known_until,
                   i.net_load_kwh, i.meter_count
            from (
                select i.tradedatelocal, i.tradehourstartlocal, i.dst_fold, i.hour_start_utc, i.known_from,
                       sum(r.net_kwh) as net_load_kwh, sum(r.metercount) as meter_count
                from (select distinct tradedatelocal, tradehourstartlocal, dst_fold, hour_start_utc, known_from
                      from sqmd_rows) i
                join sqmd_rows r
                  on r.hour_start_utc = i.hour_start_utc
                 and r.known_from <= i.known_from and i.known_from < r.known_until
                group by i.tradedatelocal, i.tradehourstartlocal, i.dst_fold, i.hour_start_utc, i.known_from
            ) i
        ) v
        cross join series s
        where v.meter_count >= s.meter_threshold
    ),
    -- The history each target day saw: the same-hour value of each day back as known at its run time.
    -- The repeated 01:00 hour of a fall-back day is a second reading of the same clock hour; history uses
    -- the first (dst_fold = 0), so every day has one value per clock hour.
    history as (
        select d.target_date, d.days_back, v.tradehourstartlocal as local_hour, v.net_load_kwh, v.known_from
        from day_offsets d
        join vintages v
          on v.tradedatelocal = d.trade_date
         and v.dst_fold = 0
         and v.known_from <= d.run_time and d.run_time < v.known_until
    ),
    -- The lags' rows of the history only (5 of ~33 days back), so the join below hashes a sixth of it.
    lags as (
        select t.hour_start_utc,
               array_agg(h.net_load_kwh order by l.position) as same_hour_lags
        from targets t
        cross join params p
        cross join unnest(p.lag_days) with ordinality as l(days, position)
        left join (select * from history where days_back = any ($6::int[])) h
               on h.target_date = t.local_date and h.days_back = l.days and h.local_hour = t.local_hour
        group by t.hour_start_utc
    ),
    -- Per target day and clock hour: sums and counts of the 7 and 28 days behind the delay and lead, and the newest
    -- arrival behind all its history. The rolling means divide them; the daily figures add them up over
    -- the day's hours rather than reading the history a second time.
    hour_sums as (
        select h.target_date, h.local_hour,
               sum(h.net_load_kwh) filter (where h.days_back <= p.newest_back + 6)    as sum_7d,
               count(h.net_load_kwh) filter (where h.days_back <= p.newest_back + 6)  as n_7d,
               sum(h.net_load_kwh) filter (where h.days_back <= p.newest_back + 27)   as sum_28d,
               count(h.net_load_kwh) filter (where h.days_back <= p.newest_back + 27) as n_28d,
               max(h.known_from)                                                     as known_at
        from history h
        cross join params p
        group by h.target_date, h.local_hour
    ),
    rolling as (
        select target_date, local_hour, sum_7d / nullif(n_7d, 0) as mean_7d, sum_28d / nullif(n_28d, 0) as mean_28d
        from hour_sums
    ),
    daily as (
        select target_date, sum(sum_7d) / nullif(sum(n_7d), 0) as day_mean_7d, max(known_at) as sqmd_known_at
        from hour_sums
        group by target_date
    ),
    -- The newest day the delay lets a run know (trade date D - lead - delay): each hour minus that day's mean,
    -- the shape of the latest known profile. A difference, not a ratio: solar net load crosses zero.
    newest_day as (
        select h.target_date, h.local_hour,
               h.net_load_kwh - avg(h.net_load_kwh) over (partition by h.target_date) as shape
        from history h
        cross join params p
        where h.days_back = p.newest_back
    ),
    -- The label: the hour's net load as known when the run started (Final where it has arrived).
    labels as (
        select v.hour_start_utc, v.net_load_kwh
        from vintages v
        cross join params p
        where v.tradedatelocal between p.start_date and p.end_date
          and v.known_from <= p.known_at and p.known_at < v.known_until
    ),
    -- Weather for each target hour: instantaneous values at the hour start ('state'); radiation, a mean
    -- over the preceding hour in Open-Meteo, at the hour's end ('radiation'). Each is the newest row
    -- issued at or before the day's run time; in the training modes an observation may stand in.
    weather_needs as (
        select hour_start_utc as target_hour, hour_start_utc as valid_at, run_time, 'state' as part from targets
        union all
        select hour_start_utc, hour_start_utc + interval '1 hour', run_time, 'radiation' from targets
    ),
    weather as (
        -- the columns used below only, so the sort that picks the newest row per hour stays in memory
        select distinct on (n.target_hour, n.part) n.target_hour, n.part, w.issued_at, w.temperature_2m,
               w.apparent_temperature, w.relative_humidity_2m, w.wind_speed_10m, w.cloud_cover,
               w.shortwave_radiation, w.direct_radiation, w.diffuse_radiation
        from weather_needs n
        cross join series s
        cross join params p
        join {{input_schema}}.weather_hourly w on w.location = s.location and w.valid_at = n.valid_at
        where w.kind in ('observed', 'forecast')
          and w.valid_at >= (($3::date - 1)::timestamp at time zone 'UTC')
          and w.valid_at < (($4::date + 2)::timestamp at time zone 'UTC')
          and case p.weather_mode
                when 'observed' then w.kind = 'observed'
                when 'as_issued_or_observed' then w.issued_at <= n.run_time or w.kind = 'observed'
                else w.issued_at <= n.run_time
              end
        order by n.target_hour, n.part, (w.issued_at <= n.run_time) desc, (w.kind = 'observed') desc, w.issued_at desc
    ),
    -- Temperature of the three local days before each target day, each hour as known at the day's run time
    -- by the weather rule above (observations up to the run time, then the newest forecast issued by then):
    -- yesterday's mean and the three-day mean, the heat build-up behind cooling load.
    past_hours as (
        select h.target_date, h.run_time, h.valid_at, h.valid_at >= h.yesterday_start as is_yesterday
        from (select td.local_date                                                          as target_date,
                     td.run_time,
                     ((td.local_date - 3)::timestamp at time zone s.time_zone)
                         + k.hours * interval '1 hour'                                     as valid_at,
                     ((td.local_date - 1)::timestamp at time zone s.time_zone)              as yesterday_start,
                     (td.local_date::timestamp at time zone s.time_zone)                    as day_start
              from target_days td
              cross join series s
              -- 71 to 73 hours back to local midnight D-3 (DST days have 23 or 25): a fixed set of offsets,
              -- not a generate_series per day, so the weather below is joined once for all days.
              cross join generate_series(0, 72) as k(hours)) h
        where h.valid_at < h.day_start
    ),
    past_weather as (
        select distinct on (n.target_date, n.valid_at) n.target_date, n.is_yesterday, w.temperature_2m
        from past_hours n
        cross join series s
        cross join params p
        join {{input_schema}}.weather_hourly w on w.location = s.location and w.valid_at = n.valid_at
        where w.kind in ('observed', 'forecast')
          and w.valid_at >= (($3::date - 4)::timestamp at time zone 'UTC')
          and w.valid_at < (($4::date + 1)::timestamp at time zone 'UTC')
          and w.temperature_2m is not null
          and case p.weather_mode
                when 'observed' then w.kind = 'observed'
                when 'as_issued_or_observed' then w.issued_at <= n.run_time or w.kind = 'observed'
                else w.issued_at <= n.run_time
              end
        order by n.target_date, n.valid_at, (w.issued_at <= n.run_time) desc, (w.kind = 'observed') desc,
                 w.issued_at desc
    ),
    recent_temperature as (
        select target_date,
               avg(temperature_2m) filter (where is_yesterday) as mean_1d_before,
               avg(temperature_2m)                            as mean_3d_before
        from past_weather
        group by target_date
    )
    select t.hour_start_utc,
           t.local_date,
           t.local_hour,
           t.dst_fold,
           a.net_load_kwh                                   as target,
           t.run_time,
           -- null when the hour has no temperature: the hour's weather is missing (radiation alone is not enough)
           case when w.temperature_2m is not null then greatest(w.issued_at, r.issued_at) end as weather_issued_at,
           d.sqmd_known_at,
           -- calendar
           t.local_hour                                     as hour_of_day,
           t.day_of_week,
           extract(month from t.local_date)::int            as month,
           extract(doy from t.local_date)::int              as day_of_year,
           t.is_weekend::int                                as is_weekend,
           t.is_holiday::int                                as is_holiday,
           t.is_bridge_day::int                             as is_bridge_day,
           t.is_school_holiday::int                         as is_school_holiday,
           least(t.days_to_holiday, 30)                     as days_to_holiday,
           least(t.days_since_holiday, 30)                  as days_since_holiday,
           -- a stable number per holiday name (0 on other days), below 2^24 so a float32 holds it exactly:
           -- trees can tell Christmas from Labor Day, and the same holiday gets the same number every year
           coalesce(abs(hashtext(t.holiday_name)) % 1000000, 0) as holiday_code,
           t.is_dst::int                                    as is_dst,
           t.hours_in_day,
           t.is_morning_peak::int                           as is_morning_peak,
           t.is_solar_period::int                           as is_solar_period,
           t.is_evening_ramp::int                           as is_evening_ramp,
           t.is_evening_peak::int                           as is_evening_peak,
           -- sun
           t.solar_elevation_deg,
           t.solar_azimuth_deg,
           t.clear_sky_ghi,
           -- weather
           w.temperature_2m,
           w.apparent_temperature,
           greatest(w.temperature_2m - sr.cooling_base_c, 0) as cooling_degrees,
           greatest(sr.heating_base_c - w.temperature_2m, 0) as heating_degrees,
           w.relative_humidity_2m,
           w.wind_speed_10m,
           w.cloud_cover,
           r.shortwave_radiation,
           r.direct_radiation,
           r.diffuse_radiation,
           max(w.temperature_2m) over (partition by t.local_date) as day_max_temperature,
           avg(w.temperature_2m) over (partition by t.local_date) as day_mean_temperature,
           pt.mean_1d_before                                as temperature_mean_1d_before,
           pt.mean_3d_before                                as temperature_mean_3d_before,
           -- history, as known at the run time, trade dates up to target date - lead - delay
           g.same_hour_lags,
           h.mean_7d                                        as same_hour_mean_7d,
           h.mean_28d                                       as same_hour_mean_28d,
           d.day_mean_7d                                    as all_hours_mean_7d,
           nd.shape                                         as newest_day_shape
    from targets t
    cross join params p
    cross join series sr
    join lags g on g.hour_start_utc = t.hour_start_utc
    left join labels a on a.hour_start_utc = t.hour_start_utc
    left join weather w on w.target_hour = t.hour_start_utc and w.part = 'state'
    left join weather r on r.target_hour = t.hour_start_utc and r.part = 'radiation'
    left join rolling h on h.target_date = t.local_date and h.local_hour = t.local_hour
    left join daily d on d.target_date = t.local_date
    left join newest_day nd on nd.target_date = t.local_date and nd.local_hour = t.local_hour
    left join recent_temperature pt on pt.target_date = t.local_date
    where a.net_load_kwh is not null or not p.require_target
) f
order by requested.series_no, f.hour_start_utc;
