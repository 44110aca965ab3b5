-- The BI views as migration 0009 defined them, in a scratch schema, as the bench's reference: DISTINCT ON
-- for the newest forecast, concatenated series ids and make_date() in the SELECT list, and actuals
-- grouped from every SQMD row on each query. Same columns the timed queries read; no time window, so
-- both sides answer the same question. Bench only.
-- Identifier placeholders: {{input_schema}}, {{operational_schema}}.

drop schema if exists bench_bi_reference cascade;
create schema bench_bi_reference;

create view bench_bi_reference.vw_forecasts_by_kind as
select distinct on (f.load_profile, f.load_segment, f.forecast_datetime, f.forecast_kind)
       f.*, l.time_zone
from {{operational_schema}}.dayahead_load_forecasts f
join {{operational_schema}}.series_catalog c on c.load_profile = f.load_profile and c.load_segment = f.load_segment
join {{input_schema}}.weather_locations l on l.location = c.location
order by f.load_profile, f.load_segment, f.forecast_datetime, f.forecast_kind,
         f.run_time desc nulls last, f.created_at desc, f.run_id desc;

create view bench_bi_reference.vw_dayahead_load_forecasts as
select f.load_profile || '-' || f.load_segment as series_id, f.forecast_datetime,
       (f.forecast_datetime at time zone f.time_zone) as forecast_datetime_local,
       make_date(f.year, f.month, f.day) as forecast_date_local, f.local_hour,
       f.predicted_lossadjustedload, f.predicted_lower_bound, f.predicted_upper_bound, f.model_version, f.forecast_kind
from (select distinct on (load_profile, load_segment, forecast_datetime) *
      from bench_bi_reference.vw_forecasts_by_kind
      order by load_profile, load_segment, forecast_datetime, (forecast_kind = 'issued') desc) f;

create view bench_bi_reference.vw_forecast_vs_actual as
select f.load_profile || '-' || f.load_segment as series_id, f.forecast_datetime,
       make_date(f.year, f.month, f.day) as forecast_date_local, f.local_hour,
       f.predicted_lossadjustedload, a.net_load_kwh as actual_lossadjustedload, a.all_final as actual_is_final,
       f.predicted_lossadjustedload - a.net_load_kwh as error_kwh,
       a.net_load_kwh between f.predicted_lower_bound and f.predicted_upper_bound as within_bounds,
       f.model_version, f.forecast_kind, f.in_sample, f.fallback
from bench_bi_reference.vw_forecasts_by_kind f
join {{operational_schema}}.vw_series_actuals_hourly a
  on a.load_profile = f.load_profile and a.load_segment = f.load_segment and a.hour_start_utc = f.forecast_datetime;

create view bench_bi_reference.vw_forecast_accuracy as
select series_id, forecast_date_local, forecast_kind, count(*) as hours_compared,
       100 * avg(abs(error_kwh) / nullif(abs(actual_lossadjustedload), 0)) as mape_percent,
       sqrt(avg(error_kwh * error_kwh)) as rmse_kwh, avg(error_kwh) as bias_kwh,
       avg(case when within_bounds then 1.0 else 0.0 end) as interval_coverage,
       bool_and(actual_is_final) as actuals_final, max(model_version) as model_version
from bench_bi_reference.vw_forecast_vs_actual
where not in_sample
group by series_id, forecast_date_local, forecast_kind;
