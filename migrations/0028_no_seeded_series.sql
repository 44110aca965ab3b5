-- 0028: a new warehouse starts without forecast series; every series names its location.
-- Parameters: identifier placeholders only (see 0001).
--
-- 0003 seeded six San Diego sample series (RES, MEDCI, SMLCOM x SOLAR, NONSOLAR) in every environment,
-- so `gridcast train --all` on a real warehouse failed on series it had no data for until someone
-- deactivated them. This removes each seed nobody used: its seeded description unchanged and no stored
-- hourly actuals, model or forecast. A seed with any of those stays: the warehouse forecasts it.
--
-- Series are registered where their data is loaded, or by hand:
--   gridcast load sqmd --register-series --location san_diego FILE...   -- each profile x segment of the files
--   insert into <operational schema>.series_catalog (load_profile, load_segment, location)
--   values ('RES', 'SOLAR', 'san_diego');
--   select <operational schema>.refresh_series_actuals();                 -- when its SQMD was loaded before
-- The quickstart registers the sample's six series this way.
--
-- The location column loses its default (san_diego): a series is forecast in its location's time zone,
-- region (holidays) and weather, so an INSERT must say which.
--
-- Runs on plain PostgreSQL and on a distributed Citus warehouse: each check reads one series of one
-- table (routed to one shard on Citus), and the catalog is a reference table there.

do $$
declare
    seed record;
begin
    for seed in
        select c.load_profile, c.load_segment
        from {{operational_schema}}.series_catalog c
        join (values
            ('RES', 'SOLAR', 'Residential, NEM/SBP solar rate groups'),
            ('RES', 'NONSOLAR', 'Residential, other rate groups'),
            ('MEDCI', 'SOLAR', 'Medium commercial and industrial, solar'),
            ('MEDCI', 'NONSOLAR', 'Medium commercial and industrial, other'),
            ('SMLCOM', 'SOLAR', 'Small commercial, solar'),
            ('SMLCOM', 'NONSOLAR', 'Small commercial, other')
        ) s (load_profile, load_segment, description)
          on s.load_profile = c.load_profile and s.load_segment = c.load_segment and s.description = c.description
    loop
        continue when exists (select 1 from {{operational_schema}}.series_actuals_hourly a
                              where a.load_profile = seed.load_profile and a.load_segment = seed.load_segment);
        continue when exists (select 1 from {{operational_schema}}.model_registry m
                              where m.load_profile = seed.load_profile and m.load_segment = seed.load_segment);
        continue when exists (select 1 from {{operational_schema}}.dayahead_load_forecasts f
                              where f.load_profile = seed.load_profile and f.load_segment = seed.load_segment);
        delete from {{operational_schema}}.series_catalog
        where load_profile = seed.load_profile and load_segment = seed.load_segment;
        raise notice 'removed the unused sample series %-% (seeded by 0003)', seed.load_profile, seed.load_segment;
    end loop;
end
$$;

alter table {{operational_schema}}.series_catalog alter column location drop default;
comment on column {{operational_schema}}.series_catalog.location is
    'The weather_locations row the series is forecast at: its time zone, region (holidays), weather and sun.';
