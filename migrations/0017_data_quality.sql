-- 0017: data-quality findings of the hourly actuals, refreshed with them after every SQMD load.
-- Parameters: identifier placeholders only (see 0001).
--
-- Per series and local day (series_actuals_hourly, so the rules see what training and BI see):
--   missing_hours  fewer hours than the day has (23, 24 or 25), e.g. hours under the meter threshold;
--   meter_drop     mean meter count below 80% of the mean of the 28 days before;
--   flat_line      6 or more consecutive hours with the same net load (a stuck meter or a filled gap);
--   outlier        an hour more than 6 standard deviations from the mean of the same local hour over
--                  the 28 days before (at least 14 of them).
-- Run by hand after editing sqmd: select refresh_series_actuals(from, to); (it refreshes these too).

create table if not exists {{operational_schema}}.data_quality_findings (
    series_id   text             not null,
    local_date  date             not null,
    check_name  text             not null check (check_name in ('missing_hours', 'meter_drop', 'flat_line', 'outlier')),
    detail      text             not null,
    observed    double precision,
    expected    double precision,
    found_at    timestamptz      not null default now(),
    primary key (series_id, local_date, check_name)
);
create index if not exists data_quality_findings_date_idx on {{operational_schema}}.data_quality_findings (local_date);
comment on table {{operational_schema}}.data_quality_findings is
    'Data-quality findings per series, local day and check, rebuilt with the hourly actuals after each SQMD load.';

create or replace function {{operational_schema}}.refresh_data_quality(from_date date default null, to_date date default null)
returns bigint
language plpgsql
as $$
declare
    written bigint;
begin
    delete from {{operational_schema}}.data_quality_findings d
    where (from_date is null or d.local_date >= from_date) and (to_date is null or d.local_date <= to_date);
    insert into {{operational_schema}}.data_quality_findings (series_id, local_date, check_name, detail, observed, expected)
    with days as (
        select a.load_profile || '-' || a.load_segment as series_id, a.load_profile, a.load_segment, a.tradedatelocal,
               count(*) as hours, avg(a.meter_count) as meters,
               -- hours in the local day: 23 on spring-forward, 25 on fall-back days
               (extract(epoch from ((a.tradedatelocal + 1)::timestamp at time zone min(l.time_zone))
                               - (a.tradedatelocal::timestamp at time zone min(l.time_zone))) / 3600)::int as day_hours
        from {{operational_schema}}.series_actuals_hourly a
        join {{operational_schema}}.series_catalog c on c.load_profile = a.load_profile and c.load_segment = a.load_segment
        join {{input_schema}}.weather_locations l on l.location = c.location
        where (from_date is null or a.tradedatelocal >= from_date - 28) and (to_date is null or a.tradedatelocal <= to_date)
        group by a.load_profile, a.load_segment, a.tradedatelocal
    ),
    in_range as (
        select * from days d
        where (from_date is null or d.tradedatelocal >= from_date) and (to_date is null or d.tradedatelocal <= to_date)
    ),
    missing as (
        select d.series_id, d.tradedatelocal, 'missing_hours',
               format('%s of %s hours have actuals (hours under the meter threshold or not delivered)', d.hours, d.day_hours),
               d.hours::float8, d.day_hours::float8
        from in_range d where d.hours < d.day_hours
    ),
    meters as (
        select d.series_id, d.tradedatelocal, 'meter_drop',
               format('mean meter count %s against %s, the mean of the 28 days before', round(d.meters, 1),
                      round(d.usual::numeric, 1)),
               d.meters::float8, d.usual
        from (select x.*, avg(x.meters) over (partition by x.series_id order by x.tradedatelocal
                                              range between '28 days' preceding and '1 day' preceding) as usual
              from days x) d
        where (from_date is null or d.tradedatelocal >= from_date) and (to_date is null or d.tradedatelocal <= to_date)
          and d.usual is not null and d.meters < 0.8 * d.usual
    ),
    runs as (
        select h.load_profile || '-' || h.load_segment as series_id, h.tradedatelocal, h.net_load_kwh,
               row_number() over (partition by h.load_profile, h.load_segment, h.tradedatelocal order by h.hour_start_utc)
             - row_number() over (partition by h.load_profile, h.load_segment, h.tradedatelocal, h.net_load_kwh
                                  order by h.hour_start_utc) as island
        from {{operational_schema}}.series_actuals_hourly h
        where (from_date is null or h.tradedatelocal >= from_date) and (to_date is null or h.tradedatelocal <= to_date)
    ),
    flat as (
        select r.series_id, r.tradedatelocal, 'flat_line',
               format('%s consecutive hours at exactly %s kWh', max(r.length), min(r.net_load_kwh)), max(r.length)::float8, 6::float8
        from (select series_id, tradedatelocal, net_load_kwh, count(*) as length
              from runs group by series_id, tradedatelocal, net_load_kwh, island) r
        where r.length >= 6
        group by r.series_id, r.tradedatelocal
    ),
    -- Each hour against the same local hour of the 28 days before (mean and standard deviation of
    -- those days only, so the hour itself cannot hide its own deviation).
    hourly as (
        select h.load_profile || '-' || h.load_segment as series_id, h.tradedatelocal, h.tradehourstartlocal, h.net_load_kwh,
               avg(h.net_load_kwh) over w as usual, stddev_samp(h.net_load_kwh) over w as spread, count(*) over w as days
        from {{operational_schema}}.series_actuals_hourly h
        where (from_date is null or h.tradedatelocal >= from_date - 28) and (to_date is null or h.tradedatelocal <= to_date)
        window w as (partition by h.load_profile, h.load_segment, h.tradehourstartlocal, h.dst_fold order by h.tradedatelocal
                     range between '28 days' preceding and '1 day' preceding)
    ),
    outliers as (
        select distinct on (o.series_id, o.tradedatelocal) o.series_id, o.tradedatelocal, 'outlier',
               format('%s kWh at %s:00 where the same hour of the 28 days before averaged %s (%s standard deviations)',
                      round(o.net_load_kwh::numeric, 1), o.tradehourstartlocal, round(o.usual::numeric, 1),
                      round((abs(o.net_load_kwh - o.usual) / o.spread)::numeric, 1)),
               o.net_load_kwh, o.usual
        from hourly o
        where (from_date is null or o.tradedatelocal >= from_date) and (to_date is null or o.tradedatelocal <= to_date)
          and o.days >= 14 and o.spread > 0 and abs(o.net_load_kwh - o.usual) > 6 * o.spread
        order by o.series_id, o.tradedatelocal, abs(o.net_load_kwh - o.usual) / o.spread desc
    )
    select * from missing
    union all select * from meters
    union all select * from flat
    union all select * from outliers;
    get diagnostics written = row_count;
    return written;
end
$$;
comment on function {{operational_schema}}.refresh_data_quality(date, date) is
    'Rebuilds data_quality_findings for local dates from_date..to_date (null: no bound) from series_actuals_hourly.';
grant select, insert, delete on {{operational_schema}}.data_quality_findings to {{loader_role}};
grant select on {{operational_schema}}.data_quality_findings to {{runner_role}};
grant execute on function {{operational_schema}}.refresh_data_quality(date, date) to {{loader_role}};

-- The actuals refresh now refreshes the findings of the same dates.
create or replace function {{operational_schema}}.refresh_series_actuals(from_date date default null, to_date date default null)
returns bigint
language plpgsql
as $$
declare
    written bigint;
begin
    delete from {{operational_schema}}.series_actuals_hourly a
    where (from_date is null or a.tradedatelocal >= from_date)
      and (to_date is null or a.tradedatelocal <= to_date);
    insert into {{operational_schema}}.series_actuals_hourly
        (load_profile, load_segment, hour_start_utc, tradedatelocal, tradehourstartlocal, dst_fold,
         net_load_kwh, meter_count, all_final)
    select v.load_profile, v.load_segment, v.hour_start_utc, v.tradedatelocal, v.tradehourstartlocal, v.dst_fold,
           v.net_load_kwh, v.meter_count, v.all_final
    from {{operational_schema}}.vw_series_actuals_hourly v
    where (from_date is null or v.tradedatelocal >= from_date)
      and (to_date is null or v.tradedatelocal <= to_date);
    get diagnostics written = row_count;
    perform {{operational_schema}}.refresh_forecast_accuracy(from_date, to_date, null);
    perform {{operational_schema}}.refresh_data_quality(from_date, to_date);
    return written;
end
$$;

create or replace view {{bi_schema}}.vw_data_quality as
select f.series_id, c.description as series_description, f.local_date, f.check_name, f.detail, f.observed, f.expected,
       f.found_at
from {{operational_schema}}.data_quality_findings f
left join {{operational_schema}}.series_catalog c on c.series_id = f.series_id;
comment on view {{bi_schema}}.vw_data_quality is
    'Data-quality findings of the meter data per series and local day (missing hours, meter drops, flat lines, outliers).';
comment on column {{bi_schema}}.vw_data_quality.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_data_quality.series_description is 'What the series is.';
comment on column {{bi_schema}}.vw_data_quality.local_date is 'Local trade date of the finding.';
comment on column {{bi_schema}}.vw_data_quality.check_name is 'missing_hours, meter_drop, flat_line or outlier.';
comment on column {{bi_schema}}.vw_data_quality.detail is 'What was found, in words.';
comment on column {{bi_schema}}.vw_data_quality.observed is 'The value found: hours, mean meters, run length (hours) or kWh.';
comment on column {{bi_schema}}.vw_data_quality.expected is 'What was expected: hours of the day, mean meters, 6 hours, mean kWh.';
comment on column {{bi_schema}}.vw_data_quality.found_at is 'When the finding was computed (the load that refreshed the day).';
grant select on {{bi_schema}}.vw_data_quality to {{bi_reader_role}};

select {{operational_schema}}.refresh_data_quality();
