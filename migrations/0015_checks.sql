-- 0015: what `gridcast check` reports: failed runs, missing forecasts, stale meter data, missing
-- forecast weather and accuracy beyond thresholds, as SQL a monitor or a DBA can run by hand:
--   select * from <operational schema>.check_findings();          -- as of now
--   select * from <operational schema>.check_findings('2024-11-04 09:30-08');
-- Parameters: identifier placeholders only (see 0001).

-- Thresholds are rows: series_id '*' is the default, a row for one series overrides it.
create table if not exists {{operational_schema}}.check_thresholds (
    check_name  text             not null check (check_name in ('failed_run', 'missing_forecast', 'stale_initial',
                                                                'stale_final', 'missing_forecast_weather',
                                                                'accuracy_wape', 'interval_coverage')),
    series_id   text             not null default '*',
    threshold   double precision not null,
    window_days integer          not null default 7 check (window_days > 0),
    enabled     boolean          not null default true,
    note        text,
    primary key (check_name, series_id)
);
comment on table {{operational_schema}}.check_thresholds is
    'Thresholds of gridcast check, per check and series (''*'': every series unless it has its own row).';
comment on column {{operational_schema}}.check_thresholds.threshold is
    'failed_run: ignored (any failed or abandoned run in window_days); missing_forecast and missing_forecast_weather: '
    'local hour from which tomorrow''s must exist; stale_initial, stale_final: days of lag allowed; '
    'accuracy_wape: percent; interval_coverage: allowed distance of coverage from the nominal level, 0-1.';
comment on column {{operational_schema}}.check_thresholds.window_days is
    'failed_run: days looked back; accuracy_wape, interval_coverage: the newest days with actuals graded.';
insert into {{operational_schema}}.check_thresholds (check_name, threshold, window_days, note) values
    ('failed_run', 0, 1, 'any failed or abandoned run of the last day'),
    ('missing_forecast', 10, 1, 'tomorrow''s issued forecast exists by 10:00 local'),
    ('stale_initial', 17, 1, 'Initial SQMD arrives about 14 days after the trade date'),
    ('stale_final', 52, 1, 'Final SQMD arrives about 48 days after the trade date'),
    ('missing_forecast_weather', 8, 1, 'every hour of tomorrow has forecast weather by 08:00 local'),
    ('accuracy_wape', 10, 7, 'WAPE of issued forecasts over the newest 7 days with actuals'),
    ('interval_coverage', 0.15, 14, 'coverage within 0.15 of the nominal level over the newest 14 days with actuals')
on conflict do nothing;

-- One row per finding; none means every check passed. Reads only what was known at as_of.
create or replace function {{operational_schema}}.check_findings(as_of timestamptz default now())
returns table (check_name text, series_id text, detail text, observed double precision, threshold double precision)
language sql stable
as $$
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
missing_forecasts as (
    select 'missing_forecast'::text, t.series_id,
           format('no issued forecast for %s written by %s', t.local_now::date + 1, as_of), 0::float8, t.threshold
    from thresholds t
    where t.check_name = 'missing_forecast' and t.enabled and extract(hour from t.local_now) >= t.threshold
      and not exists (select 1 from {{operational_schema}}.dayahead_load_forecasts f
                      where f.series_id = t.series_id and f.forecast_date_local = t.local_now::date + 1
                        and f.forecast_kind = 'issued' and f.created_at <= as_of)
),
stale_sqmd as (
    select t.check_name, t.series_id,
           format('newest %s SQMD known at %s is for %s, %s days before today (%s allowed)',
                  s.submission, as_of, coalesce(s.latest::text, 'no date'), t.local_now::date - s.latest, t.threshold),
           (t.local_now::date - s.latest)::float8, t.threshold
    from thresholds t
    cross join lateral (
        select case t.check_name when 'stale_initial' then 'Initial' else 'Final' end as submission) k
    cross join lateral (
        select k.submission, max(q.tradedatelocal) as latest
        from {{input_schema}}.sqmd q
        where q.loadprofile = t.load_profile and {{operational_schema}}.load_segment_of(q.rategroup) = t.load_segment
          and q.submission = k.submission and q.available_at <= as_of) s
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
union all select * from accuracy
$$;
comment on function {{operational_schema}}.check_findings(timestamptz) is
    'What gridcast check reports as of an instant: one row per failed check (none: all passed), thresholds from check_thresholds.';

grant select on {{operational_schema}}.check_thresholds to {{runner_role}};
grant execute on function {{operational_schema}}.check_findings(timestamptz) to {{runner_role}};
