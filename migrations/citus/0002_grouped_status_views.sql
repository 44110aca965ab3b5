-- citus/0002_grouped_status_views.sql: vw_series_status and vw_data_freshness without LATERAL.
--
-- On plain PostgreSQL those views read each series' newest rows with a LATERAL subquery along an index
-- (migrations 0011 and 0014: the same cost at any history length). Citus cannot plan a LATERAL
-- subquery over a distributed table correlated to a reference table ("complex joins are only
-- supported when all distributed tables are co-located"), so the distributed layout replaces them
-- with the same columns from aggregates grouped by series: grouped by the distribution column, each
-- worker computes its shards' part in parallel. Same names, columns and results; grants and comments
-- stay (CREATE OR REPLACE).

create or replace view {{bi_schema}}.vw_series_status as
with forecasts as (
    select x.load_profile, x.load_segment, max(x.forecast_datetime) as last_hour, max(x.created_at) as last_created
    from {{operational_schema}}.dayahead_load_forecasts x
    group by x.load_profile, x.load_segment
),
meter_data as (
    select s.loadprofile                                                  as load_profile,
           {{operational_schema}}.load_segment_of(s.rategroup)            as load_segment,
           max(s.tradedatelocal) filter (where s.submission = 'Initial')  as latest_initial,
           max(s.tradedatelocal) filter (where s.submission = 'Final')    as latest_final
    from {{input_schema}}.sqmd s
    group by s.loadprofile, {{operational_schema}}.load_segment_of(s.rategroup)
)
select c.series_id,
       c.load_profile,
       c.load_segment,
       m.model_version                              as champion_version,
       (m.metrics -> 'model' ->> 'rmse')::float8     as champion_rmse_kwh,
       (m.metrics ->> 'skill')::float8               as champion_skill,
       f.last_hour                                  as last_forecast_hour,
       f.last_created                               as last_forecast_written_at,
       d.latest_initial,
       d.latest_final
from {{operational_schema}}.series_catalog c
left join {{operational_schema}}.model_registry m
       on m.load_profile = c.load_profile and m.load_segment = c.load_segment and m.status = 'approved'
left join forecasts f on f.load_profile = c.load_profile and f.load_segment = c.load_segment
left join meter_data d on d.load_profile = c.load_profile and d.load_segment = c.load_segment
where c.active;

create or replace view {{bi_schema}}.vw_data_freshness as
with actuals as (
    -- A local date never decreases with the hour, so the newest date is the date of the newest hour.
    select x.load_profile, x.load_segment,
           max(x.tradedatelocal)                          as latest_actual_date,
           max(x.tradedatelocal) filter (where x.all_final) as latest_final_date
    from {{operational_schema}}.series_actuals_hourly x
    group by x.load_profile, x.load_segment
),
issued as (
    select distinct on (x.load_profile, x.load_segment)
           x.load_profile, x.load_segment, x.forecast_date_local as latest_issued_date, x.created_at as latest_issued_at
    from {{operational_schema}}.dayahead_load_forecasts x
    where x.forecast_kind = 'issued' and x.superseded_at is null
    order by x.load_profile, x.load_segment, x.forecast_date_local desc, x.created_at desc
),
weather as (
    select x.location, max(x.issued_at) as latest_weather_issued_at, max(x.valid_at) as latest_weather_valid_at
    from {{input_schema}}.weather_hourly x
    where x.kind = 'forecast'
    group by x.location
)
select c.series_id,
       c.description                                          as series_description,
       c.location,
       l.time_zone,
       (now() at time zone l.time_zone)::date                 as today_local,
       a.latest_actual_date,
       a.latest_final_date,
       (now() at time zone l.time_zone)::date - a.latest_actual_date as actuals_lag_days,
       f.latest_issued_date,
       f.latest_issued_at,
       w.latest_weather_issued_at,
       w.latest_weather_valid_at,
       case when a.latest_actual_date is null then 'no actuals loaded yet'
            else format('actuals through %s (%s days ago: SQMD arrives about 14 days late, Final about 48)',
                        a.latest_actual_date, (now() at time zone l.time_zone)::date - a.latest_actual_date)
       end                                                    as note
from {{operational_schema}}.series_catalog c
join {{input_schema}}.weather_locations l on l.location = c.location
left join actuals a on a.load_profile = c.load_profile and a.load_segment = c.load_segment
left join issued f on f.load_profile = c.load_profile and f.load_segment = c.load_segment
left join weather w on w.location = c.location
where c.active;
