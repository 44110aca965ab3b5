-- 0019: drift per series (vw_series_drift) and two more kinds of findings in check_findings():
-- data-quality findings of the newest loaded days, and series whose error or inputs drifted.
-- Parameters: identifier placeholders only (see 0001).
--
-- Drift compares what a series sees now with what its champion was trained and approved on:
--   error  WAPE of the newest graded days (issued forecasts, else backtests; never in-sample) over
--          the champion's holdout WAPE (its test-window MAE over the mean absolute actual there);
--   inputs the population stability index (PSI) of hourly net load per meter and hourly observed
--          temperature over the newest days with actuals, against the same days of the year inside
--          the champion's training window (seasonally matched, so December is not compared with a
--          whole year). Per meter, so customers joining a segment (solar adoption) is not drift of
--          the load itself; a drop in meters is data_quality's meter_drop.
-- PSI over the training deciles: sum((recent - reference) * ln(recent / reference)); 0.1 is a small
-- shift, 0.25 and more a large one. Windows end at the newest data, not at the clock, so a replayed
-- warehouse gives the same answer. Run by hand: select * from <operational schema>.vw_series_drift;

alter table {{operational_schema}}.check_thresholds drop constraint if exists check_thresholds_check_name_check;
alter table {{operational_schema}}.check_thresholds add constraint check_thresholds_check_name_check
    check (check_name in ('failed_run', 'missing_forecast', 'stale_initial', 'stale_final', 'missing_forecast_weather',
                          'accuracy_wape', 'interval_coverage', 'data_quality', 'drift_wape_ratio', 'drift_psi'));
comment on column {{operational_schema}}.check_thresholds.threshold is
    'failed_run: ignored (any failed or abandoned run in window_days); missing_forecast and missing_forecast_weather: '
    'local hour from which tomorrow''s must exist; stale_initial, stale_final: days of lag allowed; '
    'accuracy_wape: percent; interval_coverage: allowed distance of coverage from the nominal level, 0-1; '
    'data_quality: findings per series allowed; drift_wape_ratio: recent WAPE over holdout WAPE; drift_psi: PSI.';
comment on column {{operational_schema}}.check_thresholds.window_days is
    'failed_run: days looked back; accuracy_wape, interval_coverage, drift_wape_ratio: the newest days with actuals graded; '
    'data_quality: the newest trade dates with SQMD known; drift_psi: the newest days with actuals.';
insert into {{operational_schema}}.check_thresholds (check_name, threshold, window_days, note) values
    ('data_quality', 0, 3, 'no data-quality finding on the newest 3 trade dates with SQMD'),
    ('drift_wape_ratio', 1.5, 14, 'WAPE of the newest 14 graded days at most 1.5 times the champion''s holdout WAPE'),
    ('drift_psi', 0.25, 28, 'PSI of hourly load per meter and temperature over the newest 28 days at most 0.25')
on conflict do nothing;

create or replace view {{operational_schema}}.vw_series_drift as
with settings as (
    select c.series_id, c.load_profile, c.load_segment, c.location, l.time_zone,
           coalesce(wo.threshold, wd.threshold) as wape_ratio_threshold,
           coalesce(wo.window_days, wd.window_days, 14) as error_window_days,
           coalesce(wo.enabled, wd.enabled, false) as error_check_enabled,
           coalesce(po.threshold, pd.threshold) as psi_threshold,
           coalesce(po.window_days, pd.window_days, 28) as input_window_days,
           coalesce(po.enabled, pd.enabled, false) as input_check_enabled
    from {{operational_schema}}.series_catalog c
    join {{input_schema}}.weather_locations l on l.location = c.location
    left join {{operational_schema}}.check_thresholds wd on wd.check_name = 'drift_wape_ratio' and wd.series_id = '*'
    left join {{operational_schema}}.check_thresholds wo on wo.check_name = 'drift_wape_ratio' and wo.series_id = c.series_id
    left join {{operational_schema}}.check_thresholds pd on pd.check_name = 'drift_psi' and pd.series_id = '*'
    left join {{operational_schema}}.check_thresholds po on po.check_name = 'drift_psi' and po.series_id = c.series_id
    where c.active
),
champions as (
    select s.*, m.model_version, m.train_start, m.train_end, m.test_start, m.test_end,
           (m.metrics -> 'model' ->> 'mae')::float8 as holdout_mae
    from settings s
    left join {{operational_schema}}.model_registry m
      on m.load_profile = s.load_profile and m.load_segment = s.load_segment and m.status = 'approved'
),
holdout as (
    select c.series_id, 100 * c.holdout_mae / nullif(avg(abs(a.net_load_kwh)), 0) as holdout_wape_percent
    from champions c
    join {{operational_schema}}.series_actuals_hourly a
      on a.load_profile = c.load_profile and a.load_segment = c.load_segment
     and a.tradedatelocal between c.test_start and c.test_end
    group by c.series_id, c.holdout_mae
),
-- One graded row per series and day: the issued forecast where there is one, else the backtest.
graded_days as (
    select distinct on (a.series_id, a.forecast_date_local)
           a.series_id, a.forecast_date_local, a.abs_error_sum_kwh, a.abs_actual_sum_kwh
    from {{operational_schema}}.forecast_accuracy_daily a
    where not a.in_sample and a.forecast_kind in ('issued', 'backtest')
    order by a.series_id, a.forecast_date_local, a.forecast_kind = 'issued' desc
),
recent_error as (
    select g.series_id, min(g.forecast_date_local) as error_from, max(g.forecast_date_local) as error_to,
           count(*) as error_days, 100 * sum(g.abs_error_sum_kwh) / nullif(sum(g.abs_actual_sum_kwh), 0) as recent_wape_percent
    from (select d.*, max(d.forecast_date_local) over (partition by d.series_id) as newest from graded_days d) g
    join champions c on c.series_id = g.series_id
    where g.forecast_date_local > g.newest - c.error_window_days
    group by g.series_id
),
-- The hourly inputs whose distribution is compared, per series and local day.
input_values as (
    select c.series_id, 'load_per_meter'::text as input, a.tradedatelocal as local_date, a.net_load_kwh / a.meter_count as value
    from champions c
    join {{operational_schema}}.series_actuals_hourly a on a.load_profile = c.load_profile and a.load_segment = c.load_segment
    where a.meter_count > 0
    union all
    select c.series_id, 'temperature', (w.valid_at at time zone c.time_zone)::date, w.temperature_2m
    from champions c
    join {{input_schema}}.weather_hourly w on w.location = c.location and w.kind = 'observed'
    where w.temperature_2m is not null
),
input_windows as (
    select c.series_id, max(a.tradedatelocal) - c.input_window_days + 1 as recent_from, max(a.tradedatelocal) as recent_to
    from champions c
    join {{operational_schema}}.series_actuals_hourly a on a.load_profile = c.load_profile and a.load_segment = c.load_segment
    group by c.series_id, c.input_window_days
),
periods as (
    select v.series_id, v.input, v.value,
           case when v.local_date between w.recent_from and w.recent_to then 'recent'
                when v.local_date between c.train_start and c.train_end
                 and exists (select 1
                             from (values (extract(year from w.recent_to)::int - extract(year from v.local_date)::int - 1),
                                          (extract(year from w.recent_to)::int - extract(year from v.local_date)::int)) o(years)
                             where o.years >= 1
                               and (v.local_date + make_interval(years => o.years))::date between w.recent_from and w.recent_to)
                then 'reference' end as period
    from input_values v
    join input_windows w on w.series_id = v.series_id
    join champions c on c.series_id = v.series_id
),
deciles as (
    select p.series_id, p.input,
           percentile_cont(array[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) within group (order by p.value) as edges
    from periods p
    where p.period = 'reference'
    group by p.series_id, p.input
    having count(*) >= 7 * 24
),
bins as (
    select p.series_id, p.input, width_bucket(p.value, d.edges) as bin,
           count(*) filter (where p.period = 'recent')::float8 as recent_count,
           count(*) filter (where p.period = 'reference')::float8 as reference_count
    from periods p
    join deciles d on d.series_id = p.series_id and d.input = p.input
    where p.period is not null
    group by p.series_id, p.input, width_bucket(p.value, d.edges)
),
stability as (
    select s.series_id, s.input,
           case when sum(s.recent_count) >= 7 * 24 then
               sum((s.recent_share - s.reference_share) * ln(s.recent_share / s.reference_share)) end as psi
    from (select b.series_id, b.input, b.recent_count,
                 greatest(b.recent_count / nullif(sum(b.recent_count) over w, 0), 1e-4) as recent_share,
                 greatest(b.reference_count / sum(b.reference_count) over w, 1e-4) as reference_share
          from bins b
          window w as (partition by b.series_id, b.input)) s
    group by s.series_id, s.input
),
measured as (
    select c.*, e.error_from, e.error_to, e.error_days, e.recent_wape_percent, h.holdout_wape_percent,
           e.recent_wape_percent / nullif(h.holdout_wape_percent, 0) as wape_ratio,
           w.recent_from as input_from, w.recent_to as input_to,
           (select s.psi from stability s where s.series_id = c.series_id and s.input = 'load_per_meter') as load_per_meter_psi,
           (select s.psi from stability s where s.series_id = c.series_id and s.input = 'temperature') as temperature_psi
    from champions c
    left join recent_error e on e.series_id = c.series_id
    left join holdout h on h.series_id = c.series_id
    left join input_windows w on w.series_id = c.series_id
)
select m.series_id, m.load_profile, m.load_segment, m.model_version, m.train_start, m.train_end,
       m.error_from, m.error_to, m.error_days, m.recent_wape_percent, m.holdout_wape_percent, m.wape_ratio,
       m.wape_ratio_threshold, m.input_from, m.input_to, m.load_per_meter_psi, m.temperature_psi, m.psi_threshold,
       coalesce(m.error_check_enabled and m.wape_ratio > m.wape_ratio_threshold, false) as error_drifted,
       coalesce(m.input_check_enabled and greatest(m.load_per_meter_psi, m.temperature_psi) > m.psi_threshold, false) as input_drifted,
       coalesce(m.error_check_enabled and m.wape_ratio > m.wape_ratio_threshold, false)
           or coalesce(m.input_check_enabled and greatest(m.load_per_meter_psi, m.temperature_psi) > m.psi_threshold, false) as drifted,
       concat_ws('; ',
           case when m.model_version is null then 'no champion' end,
           case when m.error_check_enabled and m.wape_ratio > m.wape_ratio_threshold then
               format('WAPE %s%% over %s..%s is %s times the holdout WAPE %s%% (%s allowed)',
                      round(m.recent_wape_percent::numeric, 2), m.error_from, m.error_to, round(m.wape_ratio::numeric, 2),
                      round(m.holdout_wape_percent::numeric, 2), m.wape_ratio_threshold) end,
           case when m.input_check_enabled and m.load_per_meter_psi > m.psi_threshold then
               format('load per meter PSI %s over %s..%s against the same days in training (%s allowed)',
                      round(m.load_per_meter_psi::numeric, 3), m.input_from, m.input_to, m.psi_threshold) end,
           case when m.input_check_enabled and m.temperature_psi > m.psi_threshold then
               format('temperature PSI %s over %s..%s against the same days in training (%s allowed)',
                      round(m.temperature_psi::numeric, 3), m.input_from, m.input_to, m.psi_threshold) end) as reason
from measured m;
comment on view {{operational_schema}}.vw_series_drift is
    'Per active series: recent WAPE against the champion''s holdout WAPE, and PSI of hourly load per meter and temperature against '
    'the same days of the year in its training window; thresholds drift_wape_ratio and drift_psi of check_thresholds.';

create or replace view {{bi_schema}}.vw_series_drift as
select d.series_id, c.description as series_description, d.load_profile, d.load_segment, d.model_version,
       d.train_start, d.train_end, d.error_from, d.error_to, d.error_days, d.recent_wape_percent,
       d.holdout_wape_percent, d.wape_ratio, d.wape_ratio_threshold, d.input_from, d.input_to, d.load_per_meter_psi,
       d.temperature_psi, d.psi_threshold, d.error_drifted, d.input_drifted, d.drifted, d.reason
from {{operational_schema}}.vw_series_drift d
join {{operational_schema}}.series_catalog c on c.series_id = d.series_id;
comment on view {{bi_schema}}.vw_series_drift is
    'Drift per series: recent error against the holdout error of the champion, and input shift (PSI); see gridcast train --if-drifted.';
comment on column {{bi_schema}}.vw_series_drift.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_series_drift.series_description is 'What the series is.';
comment on column {{bi_schema}}.vw_series_drift.load_profile is 'Load profile of the series.';
comment on column {{bi_schema}}.vw_series_drift.load_segment is 'SOLAR or NONSOLAR.';
comment on column {{bi_schema}}.vw_series_drift.model_version is 'Version of the champion compared against; null: no champion (train it).';
comment on column {{bi_schema}}.vw_series_drift.train_start is 'First target day the champion was trained on.';
comment on column {{bi_schema}}.vw_series_drift.train_end is 'Last target day the champion was trained on.';
comment on column {{bi_schema}}.vw_series_drift.error_from is 'First day of the recent error window (issued forecasts, else backtests; never in-sample).';
comment on column {{bi_schema}}.vw_series_drift.error_to is 'Newest graded day.';
comment on column {{bi_schema}}.vw_series_drift.error_days is 'Graded days in the recent error window.';
comment on column {{bi_schema}}.vw_series_drift.recent_wape_percent is 'WAPE (percent) over the recent error window.';
comment on column {{bi_schema}}.vw_series_drift.holdout_wape_percent is 'WAPE (percent) of the champion on its test window: its MAE over the mean absolute actual.';
comment on column {{bi_schema}}.vw_series_drift.wape_ratio is 'recent_wape_percent over holdout_wape_percent.';
comment on column {{bi_schema}}.vw_series_drift.wape_ratio_threshold is 'Ratio above which the error has drifted (check_thresholds drift_wape_ratio).';
comment on column {{bi_schema}}.vw_series_drift.input_from is 'First day of the recent input window.';
comment on column {{bi_schema}}.vw_series_drift.input_to is 'Newest day with actuals.';
comment on column {{bi_schema}}.vw_series_drift.load_per_meter_psi is
    'PSI of hourly net load per meter, recent window against the same days of the year in the training window.';
comment on column {{bi_schema}}.vw_series_drift.temperature_psi is 'PSI of hourly observed temperature, recent window against the same days of the year in training.';
comment on column {{bi_schema}}.vw_series_drift.psi_threshold is 'PSI above which an input has drifted (check_thresholds drift_psi).';
comment on column {{bi_schema}}.vw_series_drift.error_drifted is 'The recent error is beyond the threshold.';
comment on column {{bi_schema}}.vw_series_drift.input_drifted is 'Load or temperature shifted beyond the threshold.';
comment on column {{bi_schema}}.vw_series_drift.drifted is 'error_drifted or input_drifted: gridcast train --if-drifted retrains the series.';
comment on column {{bi_schema}}.vw_series_drift.reason is 'Why, in words (no champion, which error or input moved and by how much).';

-- check_findings() of 0015 keeps its checks under a new name; the new one adds data quality and drift.
alter function {{operational_schema}}.check_findings(timestamptz) rename to check_findings_of_runs_and_accuracy;

create or replace function {{operational_schema}}.check_findings(as_of timestamptz default now())
returns table (check_name text, series_id text, detail text, observed double precision, threshold double precision)
language sql stable
as $$
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
newest_sqmd as (
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
from {{operational_schema}}.vw_series_drift d where d.input_drifted and not d.error_drifted
$$;
comment on function {{operational_schema}}.check_findings(timestamptz) is
    'What gridcast check reports as of an instant: one row per failed check (none: all passed), thresholds from '
    'check_thresholds. Drift (vw_series_drift) is as of the newest data, not as_of.';

grant select on {{operational_schema}}.vw_series_drift to {{runner_role}};
grant select on {{bi_schema}}.vw_series_drift to {{runner_role}}, {{bi_reader_role}};
grant execute on function {{operational_schema}}.check_findings(timestamptz) to {{runner_role}};
