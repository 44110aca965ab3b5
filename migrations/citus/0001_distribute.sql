-- citus/0001_distribute.sql: the distributed layout of an environment on a Citus cluster.
-- Applied by `gridcast migrate --distributed citus` after the main migrations (recorded in
-- {{operational_schema}}.schema_migrations_citus), on the coordinator, in one transaction.
--
-- Layout (the README's "Citus" section says why):
-- * Per-series data is distributed by load profile and co-located: sqmd (loadprofile), the hourly
--   actuals and the forecasts (load_profile). A series is one load profile's rate groups (the
--   segment follows from the rate group), so every row of a series lives on one shard and the
--   feature query of a series, filtered on its load profile, runs on one worker.
-- * Dimensions and small operational tables are reference tables (a copy on every node), so any
--   shard can join them: weather, locations, holidays, calendar, catalog, run log, settings,
--   thresholds, exclusions, feature SQL, accuracy and data-quality results.
-- * The model registry and its status history stay on the coordinator (Citus makes them Citus local
--   tables because of their foreign keys to reference tables); so do load_rejects and run_locks.
--   gridcast must connect to the coordinator: its named locks live there.
-- * Distributing re-creates the views that read a table, without their grants and comments; both
--   are saved first and restored at the end.

do $$
begin
    if not exists (select 1 from pg_extension where extname = 'citus') then
        raise exception 'the citus extension is not installed in database %', current_database()
            using hint = 'Run CREATE EXTENSION citus (as a superuser, on the coordinator), or migrate without --distributed.';
    end if;
    if not citus_is_coordinator() then
        raise exception 'this is a Citus worker, not the coordinator'
            using hint = 'Connect gridcast to the coordinator (GRIDCAST_DATABASE_URL).';
    end if;
end
$$;

-- DDL on distributed and reference tables in one transaction must run shard by shard, and tables with
-- triggers (the guards against overwriting issued forecasts) may only be distributed with this set;
-- the guards then run on the workers' shards, where the rows are.
set local citus.multi_shard_modify_mode = 'sequential';
set local citus.enable_unsafe_triggers = on;

create temporary table gridcast_saved_view_acl on commit drop as
with views as (
    select c.oid, c.relname, n.nspname, c.relkind, c.relacl
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.oid in ('{{input_schema}}'::regnamespace, '{{operational_schema}}'::regnamespace, '{{bi_schema}}'::regnamespace)
      and c.relkind in ('v', 'm')
)
select v.nspname, v.relname, v.relkind, v.relacl, null::name as attname, d.description
from views v
left join pg_description d on d.objoid = v.oid and d.classoid = 'pg_class'::regclass and d.objsubid = 0
union all
select v.nspname, v.relname, v.relkind, null, a.attname, d.description
from views v
join pg_description d on d.objoid = v.oid and d.classoid = 'pg_class'::regclass and d.objsubid > 0
join pg_attribute a on a.attrelid = v.oid and a.attnum = d.objsubid;

select create_reference_table('{{input_schema}}.holiday_regions');
select create_reference_table('{{input_schema}}.holidays');
select create_reference_table('{{input_schema}}.weather_locations');
select create_reference_table('{{input_schema}}.weather_hourly');
select create_reference_table('{{operational_schema}}.calendar_hourly');
select create_reference_table('{{operational_schema}}.series_catalog');
select create_reference_table('{{operational_schema}}.run_log');
select create_reference_table('{{operational_schema}}.gridcast_settings');
select create_reference_table('{{operational_schema}}.check_thresholds');
select create_reference_table('{{operational_schema}}.training_exclusions');
select create_reference_table('{{operational_schema}}.feature_sql');
select create_reference_table('{{operational_schema}}.forecast_accuracy_daily');
select create_reference_table('{{operational_schema}}.data_quality_findings');

select create_distributed_table('{{input_schema}}.sqmd', 'loadprofile');
select create_distributed_table('{{operational_schema}}.series_actuals_hourly', 'load_profile',
                                colocate_with => '{{input_schema}}.sqmd');
select create_distributed_table('{{operational_schema}}.dayahead_load_forecasts', 'load_profile',
                                colocate_with => '{{input_schema}}.sqmd');

do $$
declare
    saved record;
    privilege record;
begin
    for saved in select * from gridcast_saved_view_acl loop
        if saved.attname is null then
            if saved.description is not null then
                execute format('comment on %s %I.%I is %L',
                               case saved.relkind when 'm' then 'materialized view' else 'view' end,
                               saved.nspname, saved.relname, saved.description);
            end if;
            for privilege in select * from aclexplode(saved.relacl) loop
                execute format('grant %s on %I.%I to %s%s', privilege.privilege_type, saved.nspname, saved.relname,
                               case privilege.grantee when 0 then 'public' else quote_ident(pg_get_userbyid(privilege.grantee)) end,
                               case when privilege.is_grantable then ' with grant option' else '' end);
            end loop;
        else
            execute format('comment on column %I.%I.%I is %L', saved.nspname, saved.relname, saved.attname, saved.description);
        end if;
    end loop;
end
$$;
