-- gridcast extension 0.2 -> 0.3: the calendar's sun, clear-sky and holiday rules in SQL, computed by
-- the same code as `gridcast calendar fill` (Sources/CalendarCore), so they agree with calendar_hourly.
\echo Use "ALTER EXTENSION gridcast UPDATE TO '0.3'" to load this file. \quit

create function gridcast_sun(at timestamptz, latitude float8, longitude float8, elevation_m float8 default 0,
                             out zenith float8, out elevation float8, out azimuth float8,
                             out clear_sky_ghi float8, out clear_sky_dni float8, out clear_sky_dhi float8)
    as 'MODULE_PATHNAME', 'gridcast_sun' language c immutable strict parallel safe;
comment on function gridcast_sun(timestamptz, float8, float8, float8) is
    'Sun at an instant seen from latitude/longitude (degrees, west negative): apparent zenith and elevation, azimuth clockwise from north (degrees), and Ineichen-Perez clear-sky GHI, DNI, DHI (W/m2) with calendar fill''s monthly turbidity. calendar_hourly evaluates each hour at its midpoint.';

create function gridcast_holiday(day date) returns text
    as 'MODULE_PATHNAME', 'gridcast_holiday' language c immutable strict parallel safe;
comment on function gridcast_holiday(date) is
    'The US federal or California holiday observed on a date, named as calendar_hourly.holiday_name ("... (observed)" when moved off a weekend); NULL on an ordinary day.';
