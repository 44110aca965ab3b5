-- 0030: forecast horizons. A model is trained for one lead (`gridcast train --lead-days N`): 1 is
-- day-ahead (every model before this), 2 and 3 forecast D+2 and D+3 as known on D - 2 and D - 3. Each lead
-- has its own champion, and every forecast row says which lead made it.
-- Parameters: identifier placeholders only (see 0001).
--
--   model_registry.lead_days           generated from the model's feature settings (metrics ->
--                                       'feature_settings' ->> 'leadDays', absent: 1), so it cannot
--                                       disagree with the features the model was trained on
--   one champion per series and lead   approving a D+2 model retires the previous D+2 champion only
--   dayahead_load_forecasts.lead_days  days between the run and the target day the row was made for;
--                                       of an hour's rows the current one (superseded_at is null) is still
--                                       the newest run time, so a D+1 forecast supersedes the D+2 one made
--                                       a day earlier, and BI views keep one row per hour
--   vw_series_status, vw_series_drift  the day-ahead champion (lead 1), as before
--   vw_model_registry, vw_champion_models  lead_days added (vw_champion_models: one row per series and lead)
--   check_findings()                   extension_outdated when the extension is older than 0.8: the feature
--                                       SQL now takes the lead as $13, which 0.7 does not bind
--
-- The feature SQL's leakage guard follows the lead: a row of target day D reads trade dates up to
-- D - lead - delay, SQMD and weather as known at D - lead at the issue time (sql/features/dayahead_features.sql).
-- Runs on plain PostgreSQL and on Citus: model_registry is a plain (reference) table there, the forecasts'
-- new column is added on every shard; migrations/citus/0004 restates vw_series_status's grouped form.

-- A model's lead, read from its metrics: one definition for the generated column and the approval trigger
-- (which runs before generated columns are computed, so it cannot read the column).
create or replace function {{operational_schema}}.model_lead_days(metrics jsonb)
returns smallint
language sql immutable
as $$ select coalesce((metrics -> 'feature_settings' ->> 'leadDays')::smallint, 1::smallint) $$;
comment on function {{operational_schema}}.model_lead_days(jsonb) is
    'Days before the target day a model forecasts it: its feature settings'' leadDays, 1 (day-ahead) when absent.';

alter table {{operational_schema}}.model_registry
    add column if not exists lead_days smallint
        generated always as ({{operational_schema}}.model_lead_days(metrics)) stored;
alter table {{operational_schema}}.model_registry drop constraint if exists model_registry_lead_days_check;
alter table {{operational_schema}}.model_registry
    add constraint model_registry_lead_days_check check (lead_days between 1 and 7);
comment on column {{operational_schema}}.model_registry.lead_days is
    'Days before the target day the model forecasts it (1 day-ahead, 2 = D+2, ...): from its feature settings.';

drop index if exists {{operational_schema}}.model_registry_one_champion;
create unique index if not exists model_registry_one_champion_per_lead
    on {{operational_schema}}.model_registry (load_profile, load_segment, lead_days) where status = 'approved';

-- Approving a model retires the champion of the same series and lead.
create or replace function {{operational_schema}}.model_registry_before_status()
returns trigger
language plpgsql
as $$
begin
    if tg_op = 'UPDATE' and new.status is not distinct from old.status then
        return new;
    end if;
    new.status_changed_at := clock_timestamp();
    new.status_changed_by := current_user;
    if new.status = 'approved' then
        update {{operational_schema}}.model_registry
           set status = 'retired',
               status_reason = format('superseded by version %s', new.model_version)
         where load_profile = new.load_profile
           and load_segment = new.load_segment
           -- not new.lead_days: a stored generated column is computed after BEFORE triggers (null here)
           and lead_days = {{operational_schema}}.model_lead_days(new.metrics)
           and status = 'approved'
           and model_id is distinct from new.model_id;
    end if;
    return new;
end
$$;

alter table {{operational_schema}}.dayahead_load_forecasts
    add column if not exists lead_days smallint not null default 1;
alter table {{operational_schema}}.dayahead_load_forecasts drop constraint if exists dayahead_load_forecasts_lead_days_check;
alter table {{operational_schema}}.dayahead_load_forecasts
    add constraint dayahead_load_forecasts_lead_days_check check (lead_days between 1 and 7);
comment on column {{operational_schema}}.dayahead_load_forecasts.lead_days is
    'Days between the run and the target day (1 day-ahead: as of D - 1; 2: as of D - 2, ...).';

-- BI: the lead of every version (a column added at the end, as create or replace view requires), and the
-- champion of each series and lead.
create or replace view {{bi_schema}}.vw_model_registry as
select m.model_id,
       m.load_profile || '-' || m.load_segment           as series_id,
       m.load_profile,
       m.load_segment,
       m.model_version,
       m.status,
       m.status_reason,
       m.status_changed_at,
       m.status_changed_by,
       m.created_at,
       m.train_start,
       m.train_end,
       m.test_start,
       m.test_end,
       (m.metrics -> 'model' ->> 'rmse')::double precision    as rmse_kwh,
       (m.metrics -> 'model' ->> 'mape')::double precision    as mape_percent,
       (m.metrics -> 'baseline' ->> 'rmse')::double precision as baseline_rmse_kwh,
       (m.metrics ->> 'skill')::double precision              as skill,
       m.hyperparameters,
       m.features,
       m.metrics,
       m.refit_start,
       m.refit_end,
       m.lead_days
from {{operational_schema}}.model_registry m;
comment on column {{bi_schema}}.vw_model_registry.lead_days is 'Days before the target day the model forecasts it (1 = day-ahead).';
create or replace view {{bi_schema}}.vw_champion_models as
select series_id, load_profile, load_segment, model_id, model_version, status_changed_at as approved_at,
       rmse_kwh, mape_percent, baseline_rmse_kwh, skill, train_start, train_end, lead_days
from {{bi_schema}}.vw_model_registry
where status = 'approved';
comment on view {{bi_schema}}.vw_champion_models is 'The approved (champion) model of each series and lead (1 = day-ahead).';
comment on column {{bi_schema}}.vw_champion_models.lead_days is 'Days before the target day the champion forecasts it.';

-- The day-ahead champion, as before (a series with D+2 and D+3 champions too keeps one row).
create or replace view {{bi_schema}}.vw_series_status as
select c.series_id,
       c.load_profile,
       c.load_segment,
       m.model_version                              as champion_version,
       (m.metrics -> 'model' ->> 'rmse')::float8     as champion_rmse_kwh,
       (m.metrics ->> 'skill')::float8               as champion_skill,
       f.last_hour                                  as last_forecast_hour,
       f.last_created                               as last_forecast_written_at,
       d.latest_initial,
       d.latest_final
from {{operational_schema}}.series_catalog c
left join {{operational_schema}}.model_registry m
       on m.load_profile = c.load_profile and m.load_segment = c.load_segment and m.status = 'approved'
      and m.lead_days = 1
left join lateral (select max(x.forecast_datetime) as last_hour, max(x.created_at) as last_created
                   from {{operational_schema}}.dayahead_load_forecasts x
                   where x.load_profile = c.load_profile and x.load_segment = c.load_segment) f on true
left join lateral (select max(s.tradedatelocal) filter (where s.submission = 'Initial') as latest_initial,
                          max(s.tradedatelocal) filter (where s.submission = 'Final')   as latest_final
                   from {{input_schema}}.sqmd s
                   where s.loadprofile = c.load_profile
                     and {{operational_schema}}.load_segment_of(s.rategroup) = c.load_segment) d on true
where c.active;

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
      on m.load_profile = s.load_profile and m.load_segment = s.load_segment and m.status = 'approved' and m.lead_days = 1
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

-- As 0029, with extension_outdated for extensions older than 0.8.
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
from {{operational_schema}}.vw_series_drift d where d.input_drifted and not d.error_drifted
union all
select 'extension_outdated', null::text,
       format('extension gridcast %s is older than 0.8: its gridcast_forecast() and gridcast_features() cannot run the '
              || 'feature SQL of this gridcast (it takes the lead, $13) nor tell a day-ahead champion from a D+2/D+3 '
              || 'one, so SQL forecasts of %s fail; run ALTER EXTENSION gridcast UPDATE (then re-grant its functions: '
              || 'README, "Scoring in SQL: the extension")', e.extversion, l.series),
       l.models::float8, 0::float8
from pg_catalog.pg_extension e
cross join (
    select count(*) as models,
           string_agg(distinct r.load_profile || '-' || r.load_segment, ', ') as series
    from {{operational_schema}}.model_registry r
    where r.status = 'approved'
) l
where e.extname = 'gridcast' and l.models > 0 and e.extversion ~ '^[0-9]+[.][0-9]+'
  and (regexp_match(e.extversion, '^([0-9]+)[.]([0-9]+)'))::int[] < array[0, 8];
end
$$;
