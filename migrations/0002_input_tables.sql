-- 0002: input tables: settlement meter data (SQMD), weather locations and hourly weather, loader rejects.
-- Parameters: identifier placeholders only (see 0001).

-- Settlement-quality meter data aggregated per trade date, local hour, load profile and rate group.
-- A Final row supersedes the Initial row of the same key; both are kept (see vw_sqmd_effective).
-- dst_fold tells the two 01:00 hours of the fall-back day apart (0 = first, 1 = repeated hour),
-- so a 25-hour day is stored without loss; hour_start_utc is the hour's real instant.
create table if not exists {{input_schema}}.sqmd (
    tradedatelocal      date             not null,
    tradehourstartlocal smallint         not null check (tradehourstartlocal between 0 and 23),
    dst_fold            smallint         not null default 0 check (dst_fold in (0, 1)),
    loadprofile         text             not null check (loadprofile <> ''),
    rategroup           text             not null check (rategroup <> ''),
    submission          text             not null check (submission in ('Initial', 'Final')),
    loadlal             double precision not null,
    genlal              double precision not null default 0,
    metercount          integer          not null check (metercount >= 0),
    hour_start_utc      timestamptz      not null,
    source_file         text,
    source_line         bigint,
    loaded_at           timestamptz      not null default now(),
    primary key (tradedatelocal, tradehourstartlocal, dst_fold, loadprofile, rategroup, submission)
);
create index if not exists sqmd_profile_hour_idx on {{input_schema}}.sqmd (loadprofile, hour_start_utc);
comment on table {{input_schema}}.sqmd is 'Settlement-quality meter data per trade date, local hour, load profile, rate group and submission.';
comment on column {{input_schema}}.sqmd.tradedatelocal is 'Trade date in the market''s local time zone.';
comment on column {{input_schema}}.sqmd.tradehourstartlocal is 'Local hour start, 0-23.';
comment on column {{input_schema}}.sqmd.dst_fold is '1 for the repeated 01:00 hour of the fall-back day, else 0.';
comment on column {{input_schema}}.sqmd.loadlal is 'Loss-adjusted load, kWh.';
comment on column {{input_schema}}.sqmd.genlal is 'Loss-adjusted generation exported by customer systems, kWh.';
comment on column {{input_schema}}.sqmd.metercount is 'Number of meters aggregated into the row.';
comment on column {{input_schema}}.sqmd.submission is 'Initial (about 14 days after the trade date) or Final (about 48 days after).';
comment on column {{input_schema}}.sqmd.hour_start_utc is 'The hour''s start as an instant.';

-- The row that counts for each key: Final where it exists, else Initial.
create or replace view {{input_schema}}.vw_sqmd_effective as
select distinct on (tradedatelocal, tradehourstartlocal, dst_fold, loadprofile, rategroup)
       tradedatelocal, tradehourstartlocal, dst_fold, loadprofile, rategroup, submission,
       loadlal, genlal, metercount, hour_start_utc, loaded_at
from {{input_schema}}.sqmd
order by tradedatelocal, tradehourstartlocal, dst_fold, loadprofile, rategroup,
         (submission = 'Final') desc;
comment on view {{input_schema}}.vw_sqmd_effective is 'SQMD with Final rows superseding Initial rows of the same key.';

-- Weather locations; series refer to one by name.
create table if not exists {{input_schema}}.weather_locations (
    location     text             primary key,
    latitude     double precision not null check (latitude between -90 and 90),
    longitude    double precision not null check (longitude between -180 and 180),
    time_zone    text             not null default 'America/Los_Angeles',
    elevation_m  double precision,
    description  text
);
insert into {{input_schema}}.weather_locations (location, latitude, longitude, time_zone, elevation_m, description)
values ('san_diego', 32.7157, -117.1611, 'America/Los_Angeles', 20, 'San Diego, CA (default location)')
on conflict (location) do nothing;

-- Hourly weather, observed history and issued forecasts (Open-Meteo variables and units).
-- For observed rows issued_at equals valid_at: an observation is known from the hour it describes.
create table if not exists {{input_schema}}.weather_hourly (
    location             text             not null references {{input_schema}}.weather_locations (location),
    kind                 text             not null check (kind in ('observed', 'forecast')),
    valid_at             timestamptz      not null,
    issued_at            timestamptz      not null,
    temperature_2m       double precision,
    apparent_temperature double precision,
    cloud_cover          double precision,
    direct_radiation     double precision,
    diffuse_radiation    double precision,
    shortwave_radiation  double precision,
    wind_speed_10m       double precision,
    relative_humidity_2m double precision,
    is_day               smallint,
    source               text,
    loaded_at            timestamptz      not null default now(),
    primary key (location, kind, valid_at, issued_at)
);
comment on table {{input_schema}}.weather_hourly is 'Hourly weather per location: observed history and issued forecasts.';
comment on column {{input_schema}}.weather_hourly.valid_at is 'The hour the values describe (Open-Meteo timestamp).';
comment on column {{input_schema}}.weather_hourly.issued_at is 'When a forecast was issued; equals valid_at for observed rows.';
comment on column {{input_schema}}.weather_hourly.temperature_2m is 'Air temperature at 2 m, degrees C.';
comment on column {{input_schema}}.weather_hourly.apparent_temperature is 'Apparent (feels-like) temperature, degrees C.';
comment on column {{input_schema}}.weather_hourly.cloud_cover is 'Total cloud cover, percent.';
comment on column {{input_schema}}.weather_hourly.direct_radiation is 'Direct solar radiation, W/m2 (mean of the preceding hour).';
comment on column {{input_schema}}.weather_hourly.diffuse_radiation is 'Diffuse solar radiation, W/m2 (mean of the preceding hour).';
comment on column {{input_schema}}.weather_hourly.shortwave_radiation is 'Global horizontal irradiance, W/m2 (mean of the preceding hour).';
comment on column {{input_schema}}.weather_hourly.wind_speed_10m is 'Wind speed at 10 m, km/h.';
comment on column {{input_schema}}.weather_hourly.relative_humidity_2m is 'Relative humidity at 2 m, percent.';
comment on column {{input_schema}}.weather_hourly.is_day is '1 when the sun is up, else 0.';

-- Every input row a loader refused, with the reason; nothing a loader reads is silently dropped.
create table if not exists {{input_schema}}.load_rejects (
    reject_id    bigint      generated always as identity primary key,
    run_id       uuid,
    source_kind  text        not null check (source_kind in ('sqmd', 'weather')),
    source_file  text        not null,
    line_number  bigint,
    raw_line     text,
    reason       text        not null,
    loaded_at    timestamptz not null default now()
);
create index if not exists load_rejects_file_idx on {{input_schema}}.load_rejects (source_file, line_number);
comment on table {{input_schema}}.load_rejects is 'Input rows refused by a loader, with file, line and reason.';
