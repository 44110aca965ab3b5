-- 0001: the three Gridcast schemas of an environment and its three group roles.
--
-- Placeholders in double braces are identifiers that `gridcast migrate` fills in per environment
-- (dev, qa and preprod names get a suffix such as _dev; prod names have none). To read or apply
-- this file by hand, print it filled in:  gridcast migrate print --env prod
--
-- Roles are NOLOGIN groups: grant them to your login roles, e.g.
--   grant gridcast_runner to svc_forecast;

create schema if not exists {{input_schema}};
comment on schema {{input_schema}} is 'Gridcast input: settlement meter data (SQMD), weather, loader rejects.';

create schema if not exists {{operational_schema}};
comment on schema {{operational_schema}} is 'Gridcast operational: series catalog, forecasts, model registry, run log.';

create schema if not exists {{bi_schema}};
comment on schema {{bi_schema}} is 'Gridcast BI: read-only views for dashboards and analysts.';

-- CREATE ROLE has no IF NOT EXISTS; roles are cluster-wide, so another database or a concurrent
-- migration may have created them already.
do $$
begin
    create role {{loader_role}} nologin;
exception when duplicate_object or unique_violation then null;
end $$;

do $$
begin
    create role {{runner_role}} nologin;
exception when duplicate_object or unique_violation then null;
end $$;

do $$
begin
    create role {{bi_reader_role}} nologin;
exception when duplicate_object or unique_violation then null;
end $$;
