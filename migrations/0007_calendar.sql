-- 0007: the hourly calendar and sun table that feature SQL joins: one row per location and hour.
-- Parameters: identifier placeholders only (see 0001).
--
-- The calendar lives in this table, filled by gridcast (`gridcast calendar fill --from D --to D
-- [--location NAME]`), not in SQL functions. Holiday rules (federal and California observed days,
-- bridge days) and the NOAA solar position and Ineichen-Perez clear-sky algorithms live in tested
-- Swift (the Features module); the table makes their results joinable, indexable and inspectable:
--   select * from gridcast_operational.calendar_hourly
--   where location = 'san_diego' and local_date = '2024-11-03' order by hour_start_utc;  -- 25 rows
-- Re-filling a range replaces its rows (same values, same rows), so filling is idempotent.
--
-- Hours: every real hour of each local day in the location's time zone (weather_locations.time_zone),
-- so a spring-forward day has 23 rows and a fall-back day 25; dst_fold = 1 marks the repeated hour.
-- Day periods are half-open local-hour ranges: hour-start 6 to 9 is the morning peak 06:00-10:00.

create table if not exists {{operational_schema}}.calendar_hourly (
    location            text             not null references {{input_schema}}.weather_locations (location),
    hour_start_utc      timestamptz      not null,
    local_date          date             not null,
    local_hour          smallint         not null check (local_hour between 0 and 23),
    dst_fold            smallint         not null default 0 check (dst_fold in (0, 1)),
    utc_offset_seconds  integer          not null,
    day_of_week         smallint         not null check (day_of_week between 1 and 7),
    is_weekend          boolean          not null,
    is_holiday          boolean          not null,
    holiday_name        text,
    is_bridge_day       boolean          not null,
    days_to_holiday     integer,
    days_since_holiday  integer,
    hours_in_day        smallint         not null check (hours_in_day between 23 and 25),
    is_dst              boolean          not null,
    is_dst_start_day    boolean          not null,
    is_dst_end_day      boolean          not null,
    is_morning_peak     boolean          not null,
    is_solar_period     boolean          not null,
    is_evening_ramp     boolean          not null,
    is_evening_peak     boolean          not null,
    solar_elevation_deg double precision not null,
    solar_azimuth_deg   double precision not null,
    clear_sky_ghi       double precision not null check (clear_sky_ghi >= 0),
    clear_sky_dni       double precision not null check (clear_sky_dni >= 0),
    clear_sky_dhi       double precision not null,
    filled_at           timestamptz      not null default now(),
    primary key (location, hour_start_utc),
    -- Also the index feature SQL uses to select a location's hours by local date range.
    unique (location, local_date, local_hour, dst_fold)
);
comment on table {{operational_schema}}.calendar_hourly is
    'Calendar, holiday, DST and sun features per location and hour; filled by gridcast calendar fill from the tested Swift rules.';
comment on column {{operational_schema}}.calendar_hourly.location is 'Weather location (input weather_locations) whose time zone and coordinates the row uses.';
comment on column {{operational_schema}}.calendar_hourly.hour_start_utc is 'The hour''s start as an instant; joins weather_hourly.valid_at and sqmd.hour_start_utc.';
comment on column {{operational_schema}}.calendar_hourly.local_date is 'Local calendar date of the hour in the location''s time zone.';
comment on column {{operational_schema}}.calendar_hourly.local_hour is 'Local wall-clock hour start, 0-23 (2 is absent on the spring-forward day).';
comment on column {{operational_schema}}.calendar_hourly.dst_fold is '1 for the repeated 01:00 hour of the fall-back day, else 0 (as sqmd.dst_fold).';
comment on column {{operational_schema}}.calendar_hourly.utc_offset_seconds is 'Offset of local time from UTC during the hour, seconds (-28800 PST, -25200 PDT).';
comment on column {{operational_schema}}.calendar_hourly.day_of_week is 'ISO day of week of local_date: Monday 1 ... Sunday 7 (as extract(isodow)).';
comment on column {{operational_schema}}.calendar_hourly.is_weekend is 'Saturday or Sunday.';
comment on column {{operational_schema}}.calendar_hourly.is_holiday is 'A US federal or California state holiday is observed on local_date (observed-day rules applied).';
comment on column {{operational_schema}}.calendar_hourly.holiday_name is 'Names of the holidays observed on local_date, joined with ''; '', null on other days.';
comment on column {{operational_schema}}.calendar_hourly.is_bridge_day is 'A working weekday with a weekend day or observed holiday on both sides.';
comment on column {{operational_schema}}.calendar_hourly.days_to_holiday is 'Days until the next observed holiday, 0 on a holiday; null if none within 400 days.';
comment on column {{operational_schema}}.calendar_hourly.days_since_holiday is 'Days since the previous observed holiday, 0 on a holiday; null if none within 400 days.';
comment on column {{operational_schema}}.calendar_hourly.hours_in_day is 'Hours in local_date: 23 on the spring-forward day, 25 on the fall-back day, else 24.';
comment on column {{operational_schema}}.calendar_hourly.is_dst is 'Daylight saving time is in effect during the hour.';
comment on column {{operational_schema}}.calendar_hourly.is_dst_start_day is 'Clocks spring forward during local_date.';
comment on column {{operational_schema}}.calendar_hourly.is_dst_end_day is 'Clocks fall back during local_date.';
comment on column {{operational_schema}}.calendar_hourly.is_morning_peak is 'Local hour in the morning peak, default 06:00-10:00 (hour starts 6-9).';
comment on column {{operational_schema}}.calendar_hourly.is_solar_period is 'Local hour in the solar production period, default 09:00-17:00 (hour starts 9-16).';
comment on column {{operational_schema}}.calendar_hourly.is_evening_ramp is 'Local hour in the evening ramp, default 16:00-20:00 (hour starts 16-19).';
comment on column {{operational_schema}}.calendar_hourly.is_evening_peak is 'Local hour in the evening peak, default 20:00-23:00 (hour starts 20-22).';
comment on column {{operational_schema}}.calendar_hourly.solar_elevation_deg is 'Apparent (refracted) solar elevation at the hour''s midpoint, degrees (NOAA algorithm); negative below the horizon.';
comment on column {{operational_schema}}.calendar_hourly.solar_azimuth_deg is 'Solar azimuth at the hour''s midpoint, degrees clockwise from true north.';
comment on column {{operational_schema}}.calendar_hourly.clear_sky_ghi is 'Clear-sky global horizontal irradiance at the hour''s midpoint, W/m2 (Ineichen-Perez).';
comment on column {{operational_schema}}.calendar_hourly.clear_sky_dni is 'Clear-sky direct normal irradiance at the hour''s midpoint, W/m2.';
comment on column {{operational_schema}}.calendar_hourly.clear_sky_dhi is 'Clear-sky diffuse horizontal irradiance at the hour''s midpoint, W/m2.';
comment on column {{operational_schema}}.calendar_hourly.filled_at is 'When gridcast last wrote a changed value into the row.';

-- gridcast fills the table as the runner; the loader needs nothing here; BI reads views only.
grant select, insert, update, delete on {{operational_schema}}.calendar_hourly to {{runner_role}};
