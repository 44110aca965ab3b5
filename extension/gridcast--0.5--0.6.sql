-- gridcast 0.5 -> 0.6: gridcast_features() binds the feature SQL's values as parameters ($1 ... $12),
-- as gridcast itself now runs it, so PostgreSQL and Citus plan with the values (Citus routes the
-- query to one shard). Feature SQL recorded by an earlier gridcast (values as settings) still runs.
\echo Use "ALTER EXTENSION gridcast UPDATE TO '0.6'" to load this file. \quit

create or replace function gridcast_features(
    registry regclass, profile text, segment text, target_date date,
    version integer default null, missing_weather text default 'error', issue_time text default '09:00')
returns table (
    forecast_datetime timestamptz, local_date date, local_hour smallint, forecast_kind text, run_time timestamptz,
    weather_issued_at timestamptz, sqmd_known_at timestamptz, model_id bigint, model_version integer,
    features text[], feature_values float8[], seasonal_naive float8)
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
    lags integer[];
    lag_names text[];
    missing_features text[];
    sql_rows jsonb[];
    hours integer;
    missing_hours integer;
    weekly_lag text;
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
    -- one that has begun a backtest as of D - 1 at the issue time (the feature SQL computes that).
    kind := case when (target_date::timestamp at time zone time_zone) <= now() then 'backtest' else 'issued' end;
    select * into model from gridcast_model(registry, profile, segment, version);
    delay := (model.metrics -> 'feature_settings' ->> 'delayDays')::integer;
    lags := array(select jsonb_array_elements_text(model.metrics -> 'feature_settings' -> 'lagDays')::integer);
    if delay is null or cardinality(lags) = 0 or exists (select 1 from unnest(lags) l where l < delay + 1) then
        raise exception 'model % v% has feature settings that would leak future data or are missing: delay %, lags %',
            series, model.model_version, delay, lags
            using hint = 'Every lag must be at least delay + 1 days; retrain the series.';
    end if;
    lag_names := array(select 'lag_' || l || 'd' from unnest(lags) l);

    -- 3. The feature rows, computed by the feature SQL as known at the run time. Its values are bound
    -- parameters $1 ... $12 (gridcast 0.6 and later); feature SQL recorded by an earlier gridcast reads
    -- the same values as settings, so both are given and each SQL uses the ones it knows.
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
              case when kind = 'issued' then now() end, issue_time::time, 'as_known'::text, now();
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
                               gridcast_row_feature(r.j, 'same_hour_mean_28d', lag_names)))::float4::float8 end
    from unnest(sql_rows) with ordinality as r(j, position)
    order by r.position;
end
$function$;
comment on function gridcast_features(regclass, text, text, date, integer, text, text) is
    'The feature rows gridcast_forecast() scores: one per local hour of the target date, computed by the feature SQL gridcast last ran, as known at the run time, with the model (id, version, feature names) and its feature values in that order. seasonal_naive is the baseline when weather is missing and missing_weather => ''seasonal_naive''. Change feature_values and score them with gridcast_predict(registry, model_id, ...) for what-if questions.';
