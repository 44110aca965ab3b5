-- 0029: `gridcast check` warns when the gridcast extension installed in this database is older than 0.7
-- while approved models learn the deviation from the recent level (`train --target level|auto`).
-- Parameters: identifier placeholders only (see 0001).
--
-- Extension 0.7 added the level back in gridcast_forecast(); 0.6 and older return the model's raw output,
-- the deviation, for such a champion: forecasts near zero with no error raised. The new finding,
-- extension_outdated (one row, no series), names the series and the fix:
--   ALTER EXTENSION gridcast UPDATE;   -- then re-grant its functions as after any update (README)
-- No finding when the extension is not installed here (nothing in SQL forecasts) or is 0.7 or newer.
-- Everything else in check_findings() is as in 0025. pg_extension is a catalog of this database and
-- model_registry a plain table on Citus too (only the per-series hourly tables are distributed).

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
       format('extension gridcast %s is older than 0.7: gridcast_forecast() does not add back the recent level that '
              || 'the approved model(s) of %s learn, so SQL forecasts of them are wrong; run ALTER EXTENSION gridcast '
              || 'UPDATE (then re-grant its functions: README, "Scoring in SQL: the extension")', e.extversion, l.series),
       l.models::float8, 0::float8
from pg_catalog.pg_extension e
cross join (
    select count(*) as models,
           string_agg(distinct r.load_profile || '-' || r.load_segment, ', ') as series
    from {{operational_schema}}.model_registry r
    where r.status = 'approved' and r.metrics -> 'feature_settings' ->> 'targetBase' is not null
) l
where e.extname = 'gridcast' and l.models > 0 and e.extversion ~ '^[0-9]+[.][0-9]+'
  and (regexp_match(e.extversion, '^([0-9]+)[.]([0-9]+)'))::int[] < array[0, 7];
end
$$;
