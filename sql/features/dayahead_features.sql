-- dayahead_features.sql: the feature matrix of one series, one row per local hour of the target dates.
--
-- Computes, in the warehouse: the target (net load of the series' rate groups, hours with enough
-- meters only), same-hour lags and rolling means that respect the SQMD data delay, the hour's weather,
-- calendar and solar position. gridcast reads the result with COPY TO STDOUT.
--
-- Parameters are session settings, so values are never part of the SQL text. gridcast binds them
-- with set_config($1, $2, true); by hand, SET them first, e.g. in psql after `gridcast features print`:
--   set gridcast.load_profile = 'RES';          -- series load profile
--   set gridcast.load_segment = 'SOLAR';        -- SOLAR | NONSOLAR
--   set gridcast.start_date = '2024-06-01';     -- first target date (local)
--   set gridcast.end_date = '2024-06-30';       -- last target date (local)
--   set gridcast.delay_days = '14';             -- SQMD delay: a target day D may use trade dates <= D - 1 - delay
--   set gridcast.lag_days = '{21,28,35,42,364}';-- same-hour lags in days; each must be >= delay + 1 (gridcast checks)
--   set gridcast.require_target = 'true';       -- true: hours with an actual only (training); false: every hour
--   set gridcast.history_start = '2023-05-01';  -- oldest trade date to read: start - longest lag - 35 days
-- Identifier placeholders: {{input_schema}}, {{operational_schema}}.
--
-- Leakage guard: every use of actuals below is bounded by local_date <= target date - 1 - delay,
-- so even a mistaken lag cannot read data that was not available on the as-of date (target - 1).

with params as (
    select current_setting('gridcast.load_profile')          as load_profile,
           current_setting('gridcast.load_segment')          as load_segment,
           current_setting('gridcast.start_date')::date      as start_date,
           current_setting('gridcast.end_date')::date        as end_date,
           current_setting('gridcast.delay_days')::int       as delay_days,
           current_setting('gridcast.lag_days')::int[]       as lag_days,
           current_setting('gridcast.require_target')::bool  as require_target
),
series as (
    select c.load_profile, c.load_segment, c.location, l.time_zone
    from {{operational_schema}}.series_catalog c
    join {{input_schema}}.weather_locations l on l.location = c.location
    join params p on c.load_profile = p.load_profile and c.load_segment = p.load_segment
),
-- Every local hour of the target dates (23, 24 or 25 per day), from the calendar table.
targets as (
    select k.*
    from {{operational_schema}}.calendar_hourly k
    join series s on k.location = s.location
    cross join params p
    where k.local_date between p.start_date and p.end_date
),
-- Actual net load of the series, from far enough back for the longest lag. The filters use the
-- settings directly (not a join with params) so PostgreSQL pushes them into the SQMD scan.
actuals as (
    select a.tradedatelocal as local_date, a.tradehourstartlocal as local_hour, a.dst_fold, a.hour_start_utc, a.net_load_kwh
    from {{operational_schema}}.vw_series_actuals_hourly a
    where a.load_profile = current_setting('gridcast.load_profile')
      and a.load_segment = current_setting('gridcast.load_segment')
      and a.tradedatelocal between current_setting('gridcast.history_start')::date
                               and current_setting('gridcast.end_date')::date
),
-- The repeated 01:00 hour of a fall-back day is a second reading of the same clock hour; lags and
-- rolling means use the first (dst_fold = 0), so every day has one value per clock hour.
same_hour as (
    select local_date, local_hour, net_load_kwh,
           avg(net_load_kwh) over (partition by local_hour order by local_date
                                   range between interval '6 days' preceding and current row) as mean_7d,
           avg(net_load_kwh) over (partition by local_hour order by local_date
                                   range between interval '27 days' preceding and current row) as mean_28d
    from actuals
    where dst_fold = 0
),
daily as (
    select local_date, avg(net_load_kwh) as day_mean,
           avg(avg(net_load_kwh)) over (order by local_date range between interval '6 days' preceding and current row) as day_mean_7d
    from actuals
    group by local_date
),
lags as (
    select t.hour_start_utc,
           array_agg(h.net_load_kwh order by l.position) as same_hour_lags
    from targets t
    cross join params p
    cross join unnest(p.lag_days) with ordinality as l(days, position)
    left join same_hour h
           on h.local_hour = t.local_hour
          and h.local_date = t.local_date - l.days
          and h.local_date <= t.local_date - 1 - p.delay_days
    group by t.hour_start_utc
),
-- Weather for the hour: observed where it exists, else the newest forecast issued before the
-- target day began. Instantaneous values at the hour start; radiation (a mean over the preceding
-- hour in Open-Meteo) at the hour's end.
weather as (
    select distinct on (w.valid_at) w.*
    from {{input_schema}}.weather_hourly w
    join series s on w.location = s.location
    cross join params p
    where w.valid_at >= ((p.start_date - 1)::timestamp at time zone 'UTC')
      and w.valid_at < ((p.end_date + 2)::timestamp at time zone 'UTC')
      and (w.kind = 'observed'
           or w.issued_at <= date_trunc('day', w.valid_at at time zone s.time_zone) at time zone s.time_zone)
    order by w.valid_at, (w.kind = 'observed') desc, w.issued_at desc
)
select t.hour_start_utc,
       t.local_date,
       t.local_hour,
       t.dst_fold,
       a.net_load_kwh                                   as target,
       -- calendar
       t.local_hour                                     as hour_of_day,
       t.day_of_week,
       extract(month from t.local_date)::int            as month,
       extract(doy from t.local_date)::int              as day_of_year,
       t.is_weekend::int                                as is_weekend,
       t.is_holiday::int                                as is_holiday,
       t.is_bridge_day::int                             as is_bridge_day,
       least(t.days_to_holiday, 30)                     as days_to_holiday,
       least(t.days_since_holiday, 30)                  as days_since_holiday,
       t.is_dst::int                                    as is_dst,
       t.hours_in_day,
       t.is_morning_peak::int                           as is_morning_peak,
       t.is_solar_period::int                           as is_solar_period,
       t.is_evening_ramp::int                           as is_evening_ramp,
       t.is_evening_peak::int                           as is_evening_peak,
       -- sun
       t.solar_elevation_deg,
       t.solar_azimuth_deg,
       t.clear_sky_ghi,
       -- weather
       w.temperature_2m,
       w.apparent_temperature,
       greatest(w.temperature_2m - 18.3, 0)             as cooling_degrees,
       greatest(15.5 - w.temperature_2m, 0)             as heating_degrees,
       w.relative_humidity_2m,
       w.wind_speed_10m,
       w.cloud_cover,
       r.shortwave_radiation,
       r.direct_radiation,
       r.diffuse_radiation,
       max(w.temperature_2m) over (partition by t.local_date) as day_max_temperature,
       avg(w.temperature_2m) over (partition by t.local_date) as day_mean_temperature,
       -- history, as of target date - 1 - delay
       g.same_hour_lags,
       h.mean_7d                                        as same_hour_mean_7d,
       h.mean_28d                                       as same_hour_mean_28d,
       d.day_mean_7d                                    as all_hours_mean_7d
from targets t
cross join params p
join lags g on g.hour_start_utc = t.hour_start_utc
left join actuals a on a.hour_start_utc = t.hour_start_utc
left join weather w on w.valid_at = t.hour_start_utc
left join weather r on r.valid_at = t.hour_start_utc + interval '1 hour'
left join same_hour h on h.local_hour = t.local_hour and h.local_date = t.local_date - 1 - p.delay_days
left join daily d on d.local_date = t.local_date - 1 - p.delay_days
where a.net_load_kwh is not null or not p.require_target
order by t.hour_start_utc;
