-- Synthetic series for the BI view benchmark (bench only; never run against a real warehouse).
-- Adds series BI0001-NONSOLAR, BI0002-SOLAR, ... numbered gridcast.bi_first to gridcast.bi_last, each
-- with one Final SQMD row per hour up to 14 days before gridcast.end_date (actuals arrive late), an
-- issued forecast per local day for gridcast.bi_days days up to gridcast.end_date (one run per day,
-- as the daily job writes them) and a backtest of the last gridcast.bi_backtest_days days beside
-- them, so the views must prefer the issued row. Deterministic: noise is a hash of series and hour.
--
-- Settings (select set_config('gridcast.bi_first', '1', true), ...): gridcast.bi_first,
-- gridcast.bi_last, gridcast.bi_days, gridcast.bi_backtest_days, gridcast.end_date.
-- Identifier placeholders: {{input_schema}}, {{operational_schema}}.

insert into {{operational_schema}}.series_catalog (load_profile, load_segment, location, description)
select format('BI%s', lpad(i::text, 4, '0')),
       case when i % 2 = 0 then 'SOLAR' else 'NONSOLAR' end,
       'san_diego',
       'bench: synthetic BI series'
from generate_series(current_setting('gridcast.bi_first')::int, current_setting('gridcast.bi_last')::int) as i
on conflict do nothing;

-- One issued run per day and one backfill run, as the daily job and a backfill leave them.
insert into {{operational_schema}}.run_log (run_id, kind, status, started_at, finished_at)
select md5('bi-issued-' || d::date)::uuid, 'forecast', 'succeeded',
       (d::date - 1 + time '09:00') at time zone 'America/Los_Angeles',
       (d::date - 1 + time '09:05') at time zone 'America/Los_Angeles'
from generate_series(current_setting('gridcast.end_date')::date - current_setting('gridcast.bi_days')::int + 1,
                     current_setting('gridcast.end_date')::date, interval '1 day') as d
union all
select md5('bi-backtest')::uuid, 'backfill', 'succeeded', now(), now()
on conflict do nothing;

create temporary table bi_hours on commit drop as
select h as hour_start_utc,
       (h at time zone 'America/Los_Angeles')::date as local_date,
       extract(hour from h at time zone 'America/Los_Angeles')::smallint as local_hour,
       case when extract(hour from (h - interval '1 hour') at time zone 'America/Los_Angeles')
               = extract(hour from h at time zone 'America/Los_Angeles') then 1 else 0 end::smallint as dst_fold,
       extract(isodow from h at time zone 'America/Los_Angeles') >= 6 as weekend
from generate_series(((current_setting('gridcast.end_date')::date - current_setting('gridcast.bi_days')::int + 1)::timestamp
                      at time zone 'America/Los_Angeles'),
                     ((current_setting('gridcast.end_date')::date + 1)::timestamp at time zone 'America/Los_Angeles')
                      - interval '1 hour',
                     interval '1 hour') as h;

create temporary table bi_load on commit drop as
select s.i, format('BI%s', lpad(s.i::text, 4, '0')) as profile,
       case when s.i % 2 = 0 then 'SOLAR' else 'NONSOLAR' end as segment,
       h.*,
       (200 + (s.i * 37) % 900) * (1 + 0.35 * cos(2 * pi() * (h.local_hour - 18) / 24))
           * (case when h.weekend then 0.9 else 1 end)
           * (1 + 0.05 * ((abs(hashtext(s.i::text || ':' || h.hour_start_utc::text)) % 2001) - 1000) / 1000.0) as load_kwh
from bi_hours h
cross join generate_series(current_setting('gridcast.bi_first')::int, current_setting('gridcast.bi_last')::int) as s(i);

insert into {{input_schema}}.sqmd (tradedatelocal, tradehourstartlocal, dst_fold, loadprofile, rategroup, submission,
                                   loadlal, genlal, metercount, hour_start_utc, source_file)
select local_date, local_hour, dst_fold, profile, case when segment = 'SOLAR' then 'NEM2' else 'STD' end, 'Final',
       load_kwh, 0, 500, hour_start_utc, 'bench/sql/bi_series.sql'
from bi_load
where local_date <= current_setting('gridcast.end_date')::date - 14
on conflict do nothing;

-- Issued: the day's run, 3% high with its own noise; backtest: 2% low.
insert into {{operational_schema}}.dayahead_load_forecasts
    (forecast_datetime, predicted_lossadjustedload, predicted_lower_bound, predicted_upper_bound, run_id, model_version,
     load_profile, load_segment, year, month, day, local_hour, as_of_date, forecast_kind, run_time, created_at)
select l.hour_start_utc, l.load_kwh * k.scale, l.load_kwh * k.scale * 0.9, l.load_kwh * k.scale * 1.1,
       case when k.kind = 'issued' then md5('bi-issued-' || l.local_date)::uuid else md5('bi-backtest')::uuid end, 1,
       l.profile, l.segment, extract(year from l.local_date), extract(month from l.local_date), extract(day from l.local_date),
       l.local_hour, l.local_date - 1, k.kind,
       (l.local_date - 1 + time '09:00') at time zone 'America/Los_Angeles',
       (l.local_date - 1 + time '09:05') at time zone 'America/Los_Angeles'
from bi_load l
cross join (values ('issued', 1.03), ('backtest', 0.98)) as k(kind, scale)
where k.kind = 'issued'
   or l.local_date > current_setting('gridcast.end_date')::date - current_setting('gridcast.bi_backtest_days')::int
on conflict do nothing;

-- As the writer does after each insert: older rows of the same hours are marked superseded.
select {{operational_schema}}.supersede_forecasts(
    current_setting('gridcast.end_date')::date - current_setting('gridcast.bi_days')::int + 1,
    current_setting('gridcast.end_date')::date);

select {{operational_schema}}.refresh_series_actuals(
    current_setting('gridcast.end_date')::date - current_setting('gridcast.bi_days')::int + 1,
    current_setting('gridcast.end_date')::date);
