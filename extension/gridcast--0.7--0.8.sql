-- gridcast 0.7 -> 0.8: forecast horizons. gridcast's migration 0030 gives each series a champion per lead
-- (1 day-ahead, 2 for D+2, 3 for D+3, ...; `gridcast train --lead-days N`), and its feature SQL takes the
-- lead as $13. gridcast_model(), gridcast_features() and gridcast_forecast() take lead_days (default 1, as
-- before) to pick the champion of that lead; the model's own lead sets the as-of instant of a backtest
-- (D - lead at issue_time) and the leakage guard (lags of at least delay + lead days). gridcast_forecast()
-- returns lead_days as its last column, as dayahead_load_forecasts has it. Needs the warehouse migrated to
-- 0030 (model_registry.lead_days). The three functions are dropped and created again with the new
-- argument and the default privileges (EXECUTE to PUBLIC): a DBA who revoked or granted EXECUTE on any of
-- them must do so again after the update.
\echo Use "ALTER EXTENSION gridcast UPDATE TO '0.8'" to load this file. \quit

drop function gridcast_forecast(regclass, text, text, date, integer, text, text);
drop function gridcast_features(regclass, text, text, date, integer, text, text);
drop function gridcast_model(regclass, text, text, integer);

create function gridcast_model(registry regclass, profile text, segment text, version integer default null,
                               lead integer default 1)
returns table (model_id bigint, model_version integer, features text[], metrics jsonb, created_at timestamptz,
               fit_start date, fit_end date, model_lead_days integer)
language plpgsql stable parallel unsafe
set search_path = @extschema@, pg_catalog, pg_temp
as $function$
declare
    series text := profile || '-' || segment;
    found_model boolean := false;
begin
    for model_id, model_version, features, metrics, created_at, fit_start, fit_end, model_lead_days in
        execute format('select model_id, model_version, features, metrics, created_at, train_start,
                               coalesce(refit_end, validation_end, train_end), lead_days
                        from %s where load_profile = $1 and load_segment = $2
                          and (($3::integer is null and status = ''approved'' and lead_days = $4)
                               or model_version = $3)', registry)
        using profile, segment, version, lead
    loop
        found_model := true;
        return next;
    end loop;
    if not found_model then
        execute format('select exists (select 1 from %s.series_catalog where load_profile = $1 and load_segment = $2)',
                       (select quote_ident(n.nspname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                        where c.oid = registry))
            into found_model using profile, segment;
        if not found_model then
            raise exception 'series % is not in the series_catalog next to %', series, registry
                using hint = 'gridcast status lists the series; load SQMD for it first.';
        end if;
        found_model := false;
    end if;
    if not found_model and version is null then
        raise exception 'series % has no approved model for lead % (1 = day-ahead)', series, lead
            using hint = format('Train one (gridcast train --series %s --lead-days %s) or approve a version of that lead '
                                '(gridcast models approve).', series, lead);
    elsif not found_model then
        raise exception 'series % has no model version %', series, version
            using hint = format('gridcast models list --series %s shows the versions.', series);
    end if;
end
$function$;

create function gridcast_features(
    registry regclass, profile text, segment text, target_date date,
    version integer default null, missing_weather text default 'error', issue_time text default '09:00',
    lead integer default 1)
returns table (
    forecast_datetime timestamptz, local_date date, local_hour smallint, forecast_kind text, run_time timestamptz,
    weather_issued_at timestamptz, sqmd_known_at timestamptz, model_id bigint, model_version integer,
    features text[], feature_values float8[], seasonal_naive float8, target_base float8, model_lead_days integer)
language plpgsql volatile parallel unsafe
-- The function's own search path (no caller's objects shadow pg_catalog), and the feature SQL's
-- parameters as settings local to the call: each SET here is restored when the function returns.
set search_path = @extschema@, pg_catalog, pg_temp
set "TimeZone" = 'UTC'
set gridcast.load_profile = '' set gridcast.load_segment = '' set gridcast.start_date = ''
set gridcast.end_date = '' set gridcast.delay_days = '' set gridcast.lag_days = ''
set gridcast.require_target = '' set gridcast.history_start = '' set gridcast.run_time = ''
set gridcast.issue_time = '' set gridcast.weather_mode = '' set gridcast.known_at = ''
as $function$
#variable_conflict use_column
declare
    series text := profile || '-' || segment;
    ops text;
    feature_sql record;
    time_zone text;
    kind text;
    model record;
    delay integer;
    model_lead integer;
    lags integer[];
    lag_names text[];
    missing_features text[];
    sql_rows jsonb[];
    hours integer;
    missing_hours integer;
    weekly_lag text;
    level_base text;
begin
    -- 1. Arguments, the environment's feature SQL and the series' time zone.
    if missing_weather not in ('error', 'allow', 'seasonal_naive') then
        raise exception 'missing_weather must be error, allow or seasonal_naive, not %', missing_weather;
    end if;
    if issue_time !~ '^([01]?[0-9]|2[0-3]):[0-5][0-9]$' then
        raise exception 'issue_time must be a local time of day HH:MM, not %', issue_time;
    end if;
    issue_time := lpad(issue_time, 5, '0');
    select quote_ident(n.nspname) into ops
    from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.oid = registry;
    execute format('select rendered_sql, input_schema from %s.feature_sql where template_name = $1
                    order by last_used_at desc limit 1', ops)
        into feature_sql using 'dayahead_features';
    if feature_sql is null then
        raise exception 'no feature SQL recorded in %.feature_sql', ops
            using hint = 'Run gridcast train or gridcast forecast once: each records the feature SQL it runs.';
    end if;
    execute format('select l.time_zone from %s.series_catalog c join %I.weather_locations l on l.location = c.location
                    where c.load_profile = $1 and c.load_segment = $2', ops, feature_sql.input_schema)
        into time_zone using profile, segment;
    if time_zone is null then
        raise exception 'the location of series % has no time zone in %.weather_locations', series, feature_sql.input_schema
            using hint = 'Load the location''s weather (gridcast load weather), which records its time zone.';
    end if;

    -- 2. The model and its feature settings. A day that has not begun is an issued forecast as of now;
    -- one that has begun a backtest as of D - lead at the issue time (the feature SQL computes that), where
    -- the lead is the model's (the argument lead picks the champion: 1 day-ahead, 2 for D+2, ...).
    if lead is null or lead not between 1 and 7 then
        raise exception 'lead must be 1 (day-ahead) to 7 days, not %', lead;
    end if;
    kind := case when (target_date::timestamp at time zone time_zone) <= now() then 'backtest' else 'issued' end;
    select * into model from gridcast_model(registry, profile, segment, version, lead);
    delay := (model.metrics -> 'feature_settings' ->> 'delayDays')::integer;
    model_lead := model.model_lead_days;
    lags := array(select jsonb_array_elements_text(model.metrics -> 'feature_settings' -> 'lagDays')::integer);
    if delay is null or cardinality(lags) = 0 or exists (select 1 from unnest(lags) l where l < delay + model_lead) then
        raise exception 'model % v% has feature settings that would leak future data or are missing: delay %, lead %, lags %',
            series, model.model_version, delay, model_lead, lags
            using hint = 'Every lag must be at least delay + lead days; retrain the series.';
    end if;
    -- Feature SQL recorded before leads (by a gridcast before migration 0030) has no $13 and computes every
    -- row as of D - 1: right for a day-ahead model, a leak for a longer lead.
    if model_lead > 1 and position('$13' in feature_sql.rendered_sql) = 0 then
        raise exception 'model % v% forecasts % days ahead, and the feature SQL recorded in %.feature_sql predates leads',
            series, model.model_version, model_lead, ops
            using hint = 'Run gridcast forecast or gridcast train once with this gridcast: each records the feature SQL it runs.';
    end if;
    lag_names := array(select 'lag_' || l || 'd' from unnest(lags) l);

    -- 3. The feature rows, computed by the feature SQL as known at the run time. Its values are bound
    -- parameters $1 ... $13 (the lead $13 since gridcast's migration 0030; SQL recorded before ignores it);
    -- feature SQL recorded for an extension older than 0.6 reads the same values as settings, so both are
    -- given and each SQL uses the ones it knows.
    perform set_config('gridcast.load_profile', profile, true), set_config('gridcast.load_segment', segment, true),
            set_config('gridcast.start_date', target_date::text, true), set_config('gridcast.end_date', target_date::text, true),
            set_config('gridcast.delay_days', delay::text, true), set_config('gridcast.lag_days', lags::text, true),
            set_config('gridcast.require_target', 'false', true),
            set_config('gridcast.history_start', (target_date - (select max(l) from unnest(lags) l) - 35)::text, true),
            set_config('gridcast.run_time', case when kind = 'issued' then now()::text else '' end, true),
            set_config('gridcast.issue_time', issue_time, true), set_config('gridcast.weather_mode', 'as_known', true),
            set_config('gridcast.known_at', 'now', true);
    execute format('select array_agg(to_jsonb(f)) from (%s) f', feature_sql.rendered_sql) into sql_rows
        using profile, segment, target_date, target_date, delay, lags, false,
              target_date - (select max(l) from unnest(lags) l) - 35,
              case when kind = 'issued' then now() end, issue_time::time, 'as_known'::text, now(), model_lead;
    hours := coalesce(cardinality(sql_rows), 0);
    if hours = 0 then
        raise exception 'no feature rows for % on %: the calendar has no hours for that day', series, target_date
            using hint = format('Run gridcast calendar fill for a range that covers %s.', target_date);
    end if;
    -- A model feature is a feature column of the SQL (not a key column), or one of its lags.
    missing_features := array(
        select f.name from unnest(model.features) f(name)
        where not (f.name = any(lag_names) and sql_rows[1] ? 'same_hour_lags')
          and not (sql_rows[1] ? f.name
                   and f.name not in ('hour_start_utc', 'local_date', 'local_hour', 'dst_fold', 'target', 'run_time',
                                      'weather_issued_at', 'sqmd_known_at', 'same_hour_lags')));
    if cardinality(missing_features) > 0 then
        raise exception 'model % v% needs features the current feature SQL no longer produces: %', series,
            model.model_version, array_to_string(missing_features, ', ')
            using hint = 'Retrain the series or restore those columns in sql/features/dayahead_features.sql.';
    end if;

    -- A model that learned the deviation from the recent same-hour level (gridcast train --target level or
    -- auto) adds it back: the 7-day same-hour mean behind the delay, else the 28-day one. Without either, the
    -- day cannot be forecast (checked before the weather, as gridcast forecast does).
    level_base := model.metrics -> 'feature_settings' ->> 'targetBase';
    if level_base is not null and exists (select 1 from unnest(sql_rows) r(j)
            where gridcast_row_feature(r.j, 'same_hour_mean_7d', lag_names) is null
              and gridcast_row_feature(r.j, 'same_hour_mean_28d', lag_names) is null) then
        raise exception '% %: its model learns the deviation from the recent same-hour level, and no load of the '
            '28 days behind the delay was known at the run time %', series, target_date, sql_rows[1] ->> 'run_time'
            using hint = 'Load the series'' SQMD (gridcast load sqmd), or retrain it with --target load.';
    end if;

    -- 4. Missing weather: an error, the model anyway (its hours flagged by the forecast), or the
    -- seasonal-naive baseline for the whole day: the weekly lag, else the 28-day same-hour mean.
    missing_hours := (select count(*) from unnest(sql_rows) r(j) where r.j ->> 'weather_issued_at' is null);
    if missing_hours > 0 and missing_weather = 'error' then
        raise exception '% %: % of % hours have no weather forecast issued at or before the run time %', series, target_date,
            missing_hours, hours, sql_rows[1] ->> 'run_time'
            using hint = 'Load one (gridcast load weather --kind forecast), or pass missing_weather => ''allow'' (hours '
                || 'flagged) or ''seasonal_naive'' (the baseline, flagged).';
    end if;
    if missing_hours > 0 and missing_weather = 'seasonal_naive' then
        weekly_lag := 'lag_' || coalesce((select min(l) from unnest(lags) l where l % 7 = 0), (select min(l) from unnest(lags) l)) || 'd';
    end if;
    if weekly_lag is not null and exists (select 1 from unnest(sql_rows) r(j)
            where gridcast_row_feature(r.j, weekly_lag, lag_names) is null
              and gridcast_row_feature(r.j, 'same_hour_mean_28d', lag_names) is null) then
        raise exception '% %: % of % hours have no weather forecast issued at or before the run time %, and the '
            'seasonal-naive fallback has no history for them either.', series, target_date, missing_hours, hours,
            sql_rows[1] ->> 'run_time';
    end if;

    -- 5. One row per hour, the features in the model's order (a lag from the same_hour_lags array), in
    -- float8 as the model's float4 inputs come from them.
    return query
    select (r.j ->> 'hour_start_utc')::timestamptz, (r.j ->> 'local_date')::date, (r.j ->> 'local_hour')::smallint,
           kind, (r.j ->> 'run_time')::timestamptz, (r.j ->> 'weather_issued_at')::timestamptz,
           (r.j ->> 'sqmd_known_at')::timestamptz, model.model_id, model.model_version, model.features,
           array(select gridcast_row_feature(r.j, f.name, lag_names)
                 from unnest(model.features) with ordinality as f(name, position) order by f.position),
           -- float4, as the model's inputs are: gridcast forecast reads its baseline from them
           case when weekly_lag is not null
                then (coalesce(gridcast_row_feature(r.j, weekly_lag, lag_names),
                               gridcast_row_feature(r.j, 'same_hour_mean_28d', lag_names)))::float4::float8 end,
           -- float4 too: gridcast forecast adds it to the model's float4 output in float4
           case when level_base is not null
                then (coalesce(gridcast_row_feature(r.j, 'same_hour_mean_7d', lag_names),
                               gridcast_row_feature(r.j, 'same_hour_mean_28d', lag_names)))::float4::float8 end,
           model_lead
    from unnest(sql_rows) with ordinality as r(j, position)
    order by r.position;
end
$function$;
comment on function gridcast_features(regclass, text, text, date, integer, text, text, integer) is
    'The feature rows gridcast_forecast() scores: one per local hour of the target date, computed by the feature SQL gridcast last ran, as known at the run time, with the model (id, version, feature names) and its feature values in that order. seasonal_naive is the baseline when weather is missing and missing_weather => ''seasonal_naive''. Change feature_values and score them with gridcast_predict(registry, model_id, ...) for what-if questions; where target_base is not null the model learned the deviation from that recent level, and a forecast is the prediction plus target_base. lead picks the champion of that lead (1 day-ahead, 2 for D+2, ...); model_lead_days is the lead of the model used (a named version has its own).';

create function gridcast_forecast(
    registry regclass, profile text, segment text, target_date date,
    version integer default null, missing_weather text default 'error', issue_time text default '09:00',
    lead integer default 1)
returns table (
    forecast_datetime timestamptz, predicted_lossadjustedload float8, predicted_lower_bound float8,
    predicted_upper_bound float8, model_version integer, load_profile text, load_segment text,
    year smallint, month smallint, day smallint, local_hour smallint, as_of_date date,
    out_of_distribution boolean, ood_reasons text[], forecast_kind text, run_time timestamptz,
    weather_issued_at timestamptz, sqmd_known_at timestamptz, model_registered_at timestamptz,
    in_sample boolean, fallback text, drivers jsonb, lead_days smallint)
language plpgsql volatile parallel unsafe
set search_path = @extschema@, pg_catalog, pg_temp
as $function$
#variable_conflict use_column
declare
    model record;
begin
    -- The model once, by version, so the features and the bounds come from the same registry row.
    select * into model from gridcast_model(registry, profile, segment, version, lead);
    return query
    with hours as materialized (
        select row_number() over () as position, h.*
        from gridcast_features(registry, profile, segment, target_date, model.model_version, missing_weather, issue_time,
                               lead) h
    ),
    scored as (
        select gridcast_predict_batch(registry, model.model_id, array_agg(h.feature_values order by h.position)) as predictions
        from hours h where h.seasonal_naive is null
    )
    select h.forecast_datetime, p.prediction,
           case when o.offset_ is not null then p.prediction + least((o.offset_ ->> 'lower')::float8, 0) end,
           case when o.offset_ is not null then p.prediction + greatest((o.offset_ ->> 'upper')::float8, 0) end,
           h.model_version, profile, segment,
           extract(year from h.local_date)::smallint, extract(month from h.local_date)::smallint,
           extract(day from h.local_date)::smallint, h.local_hour, h.local_date - h.model_lead_days,
           cardinality(ood.reasons) > 0, nullif(ood.reasons, '{}'), h.forecast_kind,
           h.run_time, h.weather_issued_at, h.sqmd_known_at, model.created_at,
           model.fit_start <= h.local_date and h.local_date <= model.fit_end,
           case when h.seasonal_naive is not null then 'seasonal_naive' end,
           case when h.seasonal_naive is null
                then gridcast_top_drivers(h.features, gridcast_contributions(registry, model.model_id, h.feature_values)) end,
           h.model_lead_days::smallint
    from hours h
    cross join scored s
    -- The model's output, plus the recent level for a model that learned the deviation from it (in float4,
    -- as gridcast forecast adds them).
    cross join lateral (
        select coalesce(h.seasonal_naive,
                        case when h.target_base is null then s.predictions[h.position]
                             else (s.predictions[h.position]::float4 + h.target_base::float4)::float8 end) as prediction) p
    -- Bounds from held-out residuals of the same local hour; none for the baseline.
    cross join lateral (
        select case when h.seasonal_naive is null
                    then coalesce(model.metrics -> 'intervals' -> 'offsets' -> (h.local_hour::text),
                                  model.metrics -> 'intervals' -> 'overall') end as offset_) o
    cross join lateral (
        select case when h.seasonal_naive is not null then array['weather missing: seasonal-naive fallback']
                    else gridcast_out_of_range(h.features, h.feature_values, model.metrics -> 'feature_ranges')
               end as reasons) ood
    order by h.position;
end
$function$;
comment on function gridcast_forecast(regclass, text, text, date, integer, text, text, integer) is
    'Forecast of one series for a local target date (day-ahead, or D+2, D+3 ... with lead), computed in the server exactly as gridcast forecast computes it: the feature SQL gridcast last ran (feature_sql), the champion (or version), prediction bounds, flags, lineage and drivers. A day not begun yet is issued as of now; a begun day is a backtest as of D - lead at issue_time, with the champion of that lead. missing_weather: error, allow (hours flagged) or seasonal_naive. Columns as in dayahead_load_forecasts; add a run_id to insert them there.';
