-- 0023: the temperatures from which heating and cooling degrees count, per weather location, instead
-- of constants in the feature SQL (15.5 and 18.3 degC suit San Diego, not every climate).
-- Parameters: identifier placeholders only (see 0001).
--
-- The feature SQL computes cooling_degrees = greatest(temperature_2m - cooling_base_c, 0) and
-- heating_degrees = greatest(heating_base_c - temperature_2m, 0) with the location of the series.
-- Changing a base changes the features of every later train and forecast of that location's series:
-- retrain them (gridcast train --all) so models and features agree.

alter table {{input_schema}}.weather_locations
    add column if not exists heating_base_c double precision not null default 15.5,
    add column if not exists cooling_base_c double precision not null default 18.3;
alter table {{input_schema}}.weather_locations drop constraint if exists weather_locations_degree_bases_check;
alter table {{input_schema}}.weather_locations add constraint weather_locations_degree_bases_check
    check (heating_base_c between -30 and 40 and cooling_base_c between -30 and 45 and heating_base_c <= cooling_base_c);
comment on column {{input_schema}}.weather_locations.heating_base_c is
    'Heating degrees count below this temperature, degC (feature heating_degrees).';
comment on column {{input_schema}}.weather_locations.cooling_base_c is
    'Cooling degrees count above this temperature, degC (feature cooling_degrees).';
