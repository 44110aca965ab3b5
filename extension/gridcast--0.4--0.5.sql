-- gridcast 0.4 -> 0.5: gridcast_model() reports the deployed model's fit window through refit_end
-- (migration 0020: the deployed model is refit on every day up to the newest actuals), so
-- gridcast_forecast() flags those days in_sample exactly as gridcast forecast does. Needs the
-- warehouse migrated to 0020 (the registry's refit_end column).
\echo Use "ALTER EXTENSION gridcast UPDATE TO '0.5'" to load this file. \quit

create or replace function gridcast_model(registry regclass, profile text, segment text, version integer default null)
returns table (model_id bigint, model_version integer, features text[], metrics jsonb, created_at timestamptz,
               fit_start date, fit_end date)
language plpgsql stable parallel unsafe
set search_path = @extschema@, pg_catalog, pg_temp
as $function$
declare
    series text := profile || '-' || segment;
    found_model boolean := false;
begin
    for model_id, model_version, features, metrics, created_at, fit_start, fit_end in
        execute format('select model_id, model_version, features, metrics, created_at, train_start,
                               coalesce(refit_end, validation_end, train_end)
                        from %s where load_profile = $1 and load_segment = $2
                          and (($3::integer is null and status = ''approved'') or model_version = $3)', registry)
        using profile, segment, version
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
        raise exception 'series % has no approved model', series
            using hint = format('Train one (gridcast train --series %s) or approve a version (gridcast models approve).', series);
    elsif not found_model then
        raise exception 'series % has no model version %', series, version
            using hint = format('gridcast models list --series %s shows the versions.', series);
    end if;
end
$function$;
