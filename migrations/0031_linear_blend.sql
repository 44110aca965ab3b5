-- 0031: blended models. `gridcast train` may blend a linear member (a ridge regression on standardized
-- features) into the tree model when the blend wins every fold (`--linear-blend auto`). The
-- blend travels inside model_json as one more top-level key, "gridcast_blend", written first; XGBoost
-- ignores it when it loads the document, so any XGBoost still loads the tree member from the same text.
-- Parameters: identifier placeholders only (see 0001).
--
--   model_registry.model_json   comment: what the blend key holds and how a forecast is computed from it
--   extension_findings()         the extension's version checks, on their own so a later version restates
--                                 only this function: extension_outdated below 0.8 (the feature SQL's lead,
--                                 $13), and below 0.9 while an approved model is blended (0.8 and older score
--                                 the tree member alone, so SQL forecasts would differ from the executable's)
--   check_findings()             as 0030, its extension rows from extension_findings()
--
-- Runs on plain PostgreSQL and on Citus (model_registry is a reference table there; no new tables).

comment on column {{operational_schema}}.model_registry.model_json is
    'The model in XGBoost''s JSON format. A blended model carries "gridcast_blend" as its first key: the forecast '
    'is trees_weight * (the trees) + linear_weight * (intercept + sum of coefficients[j] * (x_j - center[j]) '
    '/ scale[j]), a missing x_j counting as center[j]. XGBoost ignores the key: it loads the trees alone.';

-- True when a model document carries a linear blend (its first key, so only the start is read).
create or replace function {{operational_schema}}.model_is_blended(model_json json)
returns boolean
language sql immutable
as $$ select left(model_json::text, 40) ~ '^\s*[{]\s*"gridcast_blend"' $$;
comment on function {{operational_schema}}.model_is_blended(json) is
    'Whether a model_json blends a linear member into its trees (its first key is "gridcast_blend").';

-- PL/pgSQL, as the other check functions (0025): Citus plans a SQL function's query with the caller's
-- parameters, which it refuses for queries of distributed tables.
create or replace function {{operational_schema}}.extension_findings()
returns table (check_name text, series_id text, detail text, observed double precision, threshold double precision)
language plpgsql stable
as $$
#variable_conflict use_column
begin
return query
with installed as (
    select e.extversion, (regexp_match(e.extversion, '^([0-9]+)[.]([0-9]+)'))::int[] as version
    from pg_catalog.pg_extension e
    where e.extname = 'gridcast' and e.extversion ~ '^[0-9]+[.][0-9]+'
),
champions as (
    select count(*) as models,
           string_agg(distinct r.load_profile || '-' || r.load_segment, ', ') as series,
           count(*) filter (where {{operational_schema}}.model_is_blended(r.model_json)) as blended,
           string_agg(distinct r.load_profile || '-' || r.load_segment, ', ')
               filter (where {{operational_schema}}.model_is_blended(r.model_json)) as blended_series
    from {{operational_schema}}.model_registry r
    where r.status = 'approved'
)
select 'extension_outdated'::text, null::text,
       format('extension gridcast %s is older than 0.8: its gridcast_forecast() and gridcast_features() cannot run the '
              || 'feature SQL of this gridcast (it takes the lead, $13) nor tell a day-ahead champion from a D+2/D+3 '
              || 'one, so SQL forecasts of %s fail; run ALTER EXTENSION gridcast UPDATE (then re-grant its functions: '
              || 'README, "Scoring in SQL: the extension")', i.extversion, c.series),
       c.models::float8, 0::float8
from installed i cross join champions c
where c.models > 0 and i.version < array[0, 8]
union all
select 'extension_outdated'::text, null::text,
       format('extension gridcast %s is older than 0.9: it scores the tree member of a blended model alone, so SQL '
              || 'forecasts of %s (champions with a linear blend) differ from the executable''s; install this '
              || 'gridcast''s extension (extension/build --install) and run ALTER EXTENSION gridcast UPDATE',
              i.extversion, c.blended_series),
       c.blended::float8, 0::float8
from installed i cross join champions c
where c.blended > 0 and i.version >= array[0, 8] and i.version < array[0, 9];
end
$$;
comment on function {{operational_schema}}.extension_findings() is
    'extension_outdated findings of check_findings(): the installed gridcast extension is too old for the approved models.';

-- As 0030, its extension rows from extension_findings().
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
union all select * from {{operational_schema}}.extension_findings();
end
$$;
