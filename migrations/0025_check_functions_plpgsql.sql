-- 0025: the check functions as PL/pgSQL, reading the SQMD and the forecasts once each.
-- Parameters: identifier placeholders only (see 0001).
--
-- check_findings() (0019) and check_findings_of_runs_and_accuracy() (0015) give the same rows as before.
-- What changed is how they read the per-series tables, so that they also run on Citus
-- (`gridcast migrate --distributed citus`, where the SQMD and the forecasts are distributed):
-- * PL/pgSQL (RETURN QUERY) instead of SQL: Citus cannot plan a parameterized SQL function over
--   distributed tables;
-- * the newest SQMD per series and the issued forecast days are each read once in a materialized CTE
--   (grouped, or filtered to the days around as_of) and joined, instead of a LATERAL subquery or a
--   correlated NOT EXISTS per series, which Citus refuses over distributed tables. What is left joins
--   small reference tables and those results.

create or replace function {{operational_schema}}.check_findings_of_runs_and_accuracy(as_of timestamptz default now())
returns table (check_name text, series_id text, detail text, observed double precision, threshold double precision)
language plpgsql stable
as $$
#variable_conflict use_column
begin
return query
with thresholds as (
    select c.series_id, k.check_name,
           coalesce(own.threshold, dflt.threshold) as threshold,
           coalesce(own.window_days, dflt.window_days) as window_days,
           coalesce(own.enabled, dflt.enabled, false) as enabled,
           c.load_profile, c.load_segment, c.location,
           (as_of at time zone l.time_zone) as local_now, l.time_zone
    from {{operational_schema}}.series_catalog c
    join {{input_schema}}.weather_locations l on l.location = c.location
    cross join (select distinct t.check_name from {{operational_schema}}.check_thresholds t) k
    left join {{operational_schema}}.check_thresholds own on own.check_name = k.check_name and own.series_id = c.series_id
    left join {{operational_schema}}.check_thresholds dflt on dflt.check_name = k.check_name and dflt.series_id = '*'
    where c.active
),
failed_runs as (
    select 'failed_run'::text, null::text,
           format('%s run %s %s at %s: %s', r.kind, r.run_id, r.status, r.started_at, coalesce(left(r.error, 300), '')),
           1::float8, t.threshold
    from {{bi_schema}}.vw_run_history r
    join {{operational_schema}}.check_thresholds t on t.check_name = 'failed_run' and t.series_id = '*' and t.enabled
    where r.status in ('failed', 'abandoned')
      and r.started_at > as_of - t.window_days * interval '1 day' and r.started_at <= as_of
),
-- Series with an issued forecast for a local date, read once (see the header: no correlated subquery
-- into the forecasts).
issued_days as materialized (
    select distinct f.load_profile, f.load_segment, f.forecast_date_local
    from {{operational_schema}}.dayahead_load_forecasts f
    where f.forecast_kind = 'issued' and f.created_at <= as_of
      and f.forecast_date_local between (as_of at time zone 'UTC')::date - 1 and (as_of at time zone 'UTC')::date + 2
),
missing_forecasts as (
    select 'missing_forecast'::text, t.series_id,
           format('no issued forecast for %s written by %s', t.local_now::date + 1, as_of), 0::float8, t.threshold
    from thresholds t
    where t.check_name = 'missing_forecast' and t.enabled and extract(hour from t.local_now) >= t.threshold
      and not exists (select 1 from issued_days f
                      where f.load_profile = t.load_profile and f.load_segment = t.load_segment
                        and f.forecast_date_local = t.local_now::date + 1)
),
-- The newest trade date per series and submission known at as_of, read once.
known_sqmd as materialized (
    select q.loadprofile as load_profile, {{operational_schema}}.load_segment_of(q.rategroup) as load_segment,
           q.submission, max(q.tradedatelocal) as latest
    from {{input_schema}}.sqmd q
    where q.available_at <= as_of
    group by q.loadprofile, {{operational_schema}}.load_segment_of(q.rategroup), q.submission
),
stale_sqmd as (
    select t.check_name, t.series_id,
           format('newest %s SQMD known at %s is for %s, %s days before today (%s allowed)',
                  k.submission, as_of, coalesce(s.latest::text, 'no date'), t.local_now::date - s.latest, t.threshold),
           (t.local_now::date - s.latest)::float8, t.threshold
    from thresholds t
    cross join lateral (
        select case t.check_name when 'stale_initial' then 'Initial' else 'Final' end as submission) k
    left join known_sqmd s
      on s.load_profile = t.load_profile and s.load_segment = t.load_segment and s.submission = k.submission
    where t.check_name in ('stale_initial', 'stale_final') and t.enabled
      and (s.latest is null or t.local_now::date - s.latest > t.threshold)
),
missing_weather as (
    select 'missing_forecast_weather'::text, null::text,
           format('location %s: %s of %s hours of %s have forecast weather issued by %s',
                  w.location, w.covered, w.hours, w.tomorrow, as_of),
           w.covered::float8, w.threshold
    from (select distinct on (t.location) t.location, t.threshold, t.local_now::date + 1 as tomorrow,
                 h.hours, h.covered
          from thresholds t
          cross join lateral (
              select count(*) as hours,
                     count(*) filter (where exists (
                         select 1 from {{input_schema}}.weather_hourly x
                         where x.location = t.location and x.kind = 'forecast' and x.valid_at = g.hour
                           and x.issued_at <= as_of and x.temperature_2m is not null)) as covered
              from generate_series(((t.local_now::date + 1)::timestamp at time zone t.time_zone),
                                   ((t.local_now::date + 2)::timestamp at time zone t.time_zone) - interval '1 hour',
                                   interval '1 hour') as g(hour)) h
          where t.check_name = 'missing_forecast_weather' and t.enabled and extract(hour from t.local_now) >= t.threshold
          order by t.location) w
    where w.covered < w.hours
),
graded as (
    select t.check_name, t.series_id, t.threshold, t.window_days,
           sum(a.abs_error_sum_kwh) as abs_error, sum(a.abs_actual_sum_kwh) as abs_actual,
           sum(a.interval_coverage * a.hours_compared) / nullif(sum(a.hours_compared), 0) as coverage,
           max(a.interval_level) as level, min(a.forecast_date_local) as first_day, max(a.forecast_date_local) as last_day
    from thresholds t
    join {{operational_schema}}.forecast_accuracy_daily a
      on a.series_id = t.series_id and a.forecast_kind = 'issued' and not a.in_sample
     and a.forecast_date_local > (select max(b.forecast_date_local) from {{operational_schema}}.forecast_accuracy_daily b
                                  where b.series_id = t.series_id and b.forecast_kind = 'issued'
                                    and b.forecast_date_local < t.local_now::date) - t.window_days
     and a.forecast_date_local < t.local_now::date
    where t.check_name in ('accuracy_wape', 'interval_coverage') and t.enabled
    group by t.check_name, t.series_id, t.threshold, t.window_days
),
accuracy as (
    select g.check_name, g.series_id,
           case g.check_name
               when 'accuracy_wape' then format('WAPE %s%% over %s..%s (issued)', round((100 * g.abs_error / g.abs_actual)::numeric, 2),
                                                g.first_day, g.last_day)
               else format('interval coverage %s against nominal %s over %s..%s', round(g.coverage::numeric, 3), g.level,
                           g.first_day, g.last_day) end,
           case g.check_name when 'accuracy_wape' then 100 * g.abs_error / g.abs_actual else g.coverage end,
           g.threshold
    from graded g
    where (g.check_name = 'accuracy_wape' and g.abs_actual > 0 and 100 * g.abs_error / g.abs_actual > g.threshold)
       or (g.check_name = 'interval_coverage' and g.level is not null and abs(g.coverage - g.level) > g.threshold)
)
select * from failed_runs
union all select * from missing_forecasts
union all select * from stale_sqmd
union all select * from missing_weather
union all select * from accuracy;
end
$$;

create or replace function {{operational_schema}}.check_findings(as_of timestamptz default now())
returns table (check_name text, series_id text, detail text, observed double precision, threshold double precision)
language plpgsql stable
as $$
#variable_conflict use_column
begin
return query
with thresholds as (
    select c.series_id, c.load_profile, k.check_name,
           coalesce(own.threshold, dflt.threshold) as threshold,
           coalesce(own.window_days, dflt.window_days) as window_days,
           coalesce(own.enabled, dflt.enabled, false) as enabled
    from {{operational_schema}}.series_catalog c
    cross join (values ('data_quality')) k(check_name)
    left join {{operational_schema}}.check_thresholds own on own.check_name = k.check_name and own.series_id = c.series_id
    left join {{operational_schema}}.check_thresholds dflt on dflt.check_name = k.check_name and dflt.series_id = '*'
    where c.active
),
-- The newest trade date per load profile with SQMD known at as_of.
newest_sqmd as materialized (
    select q.loadprofile, max(q.tradedatelocal) as latest
    from {{input_schema}}.sqmd q
    where q.available_at <= as_of
    group by q.loadprofile
),
data_quality as (
    select 'data_quality'::text, t.series_id,
           format('%s data-quality finding(s) on %s..%s: %s', count(*), n.latest - t.window_days + 1, n.latest,
                  string_agg(d.check_name || ' ' || d.local_date, ', ' order by d.local_date, d.check_name)),
           count(*)::float8, t.threshold
    from thresholds t
    join newest_sqmd n on n.loadprofile = t.load_profile
    join {{operational_schema}}.data_quality_findings d
      on d.series_id = t.series_id and d.local_date > n.latest - t.window_days and d.local_date <= n.latest
    where t.check_name = 'data_quality' and t.enabled
    group by t.series_id, t.threshold, t.window_days, n.latest
    having count(*) > t.threshold
)
select * from {{operational_schema}}.check_findings_of_runs_and_accuracy(as_of)
union all select * from data_quality
-- One row per drifted series: drift_wape_ratio when its error drifted (the detail names every reason), else drift_psi.
union all
select 'drift_wape_ratio', d.series_id, d.reason, d.wape_ratio, d.wape_ratio_threshold
from {{operational_schema}}.vw_series_drift d where d.error_drifted
union all
select 'drift_psi', d.series_id, d.reason, greatest(d.load_per_meter_psi, d.temperature_psi), d.psi_threshold
from {{operational_schema}}.vw_series_drift d where d.input_drifted and not d.error_drifted;
end
$$;
