-- citus/0004: vw_series_status in its grouped form (0002) with the day-ahead champion only.
--
-- Migration 0030 gave each series a champion per lead (day-ahead, D+2, ...) and restated the plain
-- PostgreSQL form of the view (a LATERAL subquery Citus cannot plan); this restores the grouped form with
-- the same lead filter. Same names and columns; grants and comments stay (CREATE OR REPLACE).

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
      and m.lead_days = 1
left join forecasts f on f.load_profile = c.load_profile and f.load_segment = c.load_segment
left join meter_data d on d.load_profile = c.load_profile and d.load_segment = c.load_segment
where c.active;
