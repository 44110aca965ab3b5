-- Synthetic series for the scale benchmark (bench only; never run against a real warehouse).
-- Creates N series SYN0001-NONSOLAR, SYN0002-SOLAR, ... (one load profile and one rate group each)
-- with one Final SQMD row per hour from start_date to end_date, shaped by the observed weather of
-- the 'san_diego' location: a daily cycle, a weekend dip, a temperature response and, for the solar
-- series, generation that follows clear-sky hours and cloud cover, plus +-5% meter noise so that
-- early stopping behaves as on real data (noise-free curves would train every fit to max rounds).
-- Deterministic: the noise is a hash of series and hour, not random().
-- Each row is available 15 days after its trade date (local midnight), as settlement data arrives, so
-- training and forecasts read history as known at their run times like on a real warehouse (rows
-- stamped with the load time would leave every lag and rolling mean empty, and the bench too cheap).
--
-- Settings (psql: select set_config('gridcast.scale_series', '100', false), ...):
--   gridcast.scale_series  number of series to create
--   gridcast.start_date    first local trade date
--   gridcast.end_date      last local trade date
-- Identifier placeholders: {{input_schema}}, {{operational_schema}}.

insert into {{operational_schema}}.series_catalog (load_profile, load_segment, location, description)
select format('SYN%s', lpad(i::text, 4, '0')),
       case when i % 2 = 0 then 'SOLAR' else 'NONSOLAR' end,
       'san_diego',
       'bench: synthetic scale series'
from generate_series(1, current_setting('gridcast.scale_series')::int) as i
on conflict do nothing;

with zone as (
    select time_zone from {{input_schema}}.weather_locations where location = 'san_diego'
), hours as (
    select h as hour_start_utc,
           (h at time zone z.time_zone) as local_time,
           z.time_zone,
           -- the repeated 01:00 of the fall-back day: the hour before has the same local hour
           case when extract(hour from (h - interval '1 hour') at time zone z.time_zone)
                   = extract(hour from h at time zone z.time_zone) then 1 else 0 end as dst_fold
    from zone z,
         generate_series((current_setting('gridcast.start_date')::date::timestamp at time zone z.time_zone),
                         ((current_setting('gridcast.end_date')::date + 1)::timestamp at time zone z.time_zone) - interval '1 hour',
                         interval '1 hour') as h
), weather as (
    select h.*, coalesce(w.temperature_2m, 18) as temperature, coalesce(w.cloud_cover, 30) as cloud
    from hours h
    left join {{input_schema}}.weather_hourly w
           on w.location = 'san_diego' and w.kind = 'observed' and w.valid_at = h.hour_start_utc and w.issued_at = w.valid_at
)
insert into {{input_schema}}.sqmd (tradedatelocal, tradehourstartlocal, dst_fold, loadprofile, rategroup, submission,
                                   loadlal, genlal, metercount, hour_start_utc, available_at, source_file)
select w.local_time::date,
       extract(hour from w.local_time)::smallint,
       w.dst_fold,
       format('SYN%s', lpad(s.i::text, 4, '0')),
       case when s.i % 2 = 0 then 'NEM2' else 'STD' end,
       'Final',
       s.base * (1 + 0.35 * cos(2 * pi() * (extract(hour from w.local_time) - 18) / 24))
              * (case when extract(isodow from w.local_time) >= 6 then 0.9 else 1 end)
              * (1 + 0.03 * greatest(w.temperature - 21, 0) + 0.015 * greatest(14 - w.temperature, 0))
              * (1 + 0.02 * sin(s.i + extract(doy from w.local_time)))
              * (1 + 0.05 * ((abs(hashtext(s.i::text || ':' || w.hour_start_utc::text)) % 2001) - 1000) / 1000.0),
       case when s.i % 2 = 0
            then s.base * 0.6 * greatest(sin(pi() * (extract(hour from w.local_time) - 6) / 13), 0) * (1 - 0.007 * w.cloud)
            else 0 end,
       500,
       w.hour_start_utc,
       ((w.local_time::date + 15)::timestamp at time zone w.time_zone),
       'bench/sql/scale_series.sql'
from weather w
cross join (select i, 200 + (i * 37) % 900 as base
            from generate_series(1, current_setting('gridcast.scale_series')::int) as i) as s
on conflict do nothing;

analyze {{input_schema}}.sqmd;
