-- 0012: the drivers of each forecast hour, and a BI view of them for the latest forecasts.
-- Parameters: identifier placeholders only (see 0001).
--
-- gridcast forecast and backfill store with each hour the three features with the largest SHAP
-- contributions (XGBoost pred_contribs, kWh: how far that feature moved this hour's forecast from the
-- model's average). Rows written before this migration, and seasonal-naive fallback rows, have none.
alter table {{operational_schema}}.dayahead_load_forecasts add column if not exists drivers jsonb;
comment on column {{operational_schema}}.dayahead_load_forecasts.drivers is
    'Top drivers of the hour, largest first: [{"feature": ..., "kwh": ...}] (SHAP contributions of the model).';

create or replace view {{bi_schema}}.vw_forecast_drivers as
select l.load_profile || '-' || l.load_segment     as series_id,
       l.load_profile,
       l.load_segment,
       l.forecast_datetime,
       make_date(l.year, l.month, l.day)            as forecast_date_local,
       l.local_hour,
       l.forecast_kind,
       l.predicted_lossadjustedload,
       d.rank,
       d.feature,
       d.contribution_kwh,
       l.model_version,
       l.run_id
from {{operational_schema}}.vw_latest_forecasts l
join {{operational_schema}}.dayahead_load_forecasts f
  on f.forecast_datetime = l.forecast_datetime and f.run_id = l.run_id
 and f.load_profile = l.load_profile and f.load_segment = l.load_segment
cross join lateral (
    select x.ordinality::integer as rank, x.item ->> 'feature' as feature, (x.item ->> 'kwh')::float8 as contribution_kwh
    from jsonb_array_elements(f.drivers) with ordinality as x(item, ordinality)
) d;
comment on view {{bi_schema}}.vw_forecast_drivers is
    'Why each latest forecast hour is high or low: its top drivers (SHAP contributions), one row per driver.';
comment on column {{bi_schema}}.vw_forecast_drivers.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_forecast_drivers.load_profile is 'Load profile.';
comment on column {{bi_schema}}.vw_forecast_drivers.load_segment is 'SOLAR or NONSOLAR.';
comment on column {{bi_schema}}.vw_forecast_drivers.forecast_datetime is 'Start of the hour.';
comment on column {{bi_schema}}.vw_forecast_drivers.forecast_date_local is 'Local date of the hour.';
comment on column {{bi_schema}}.vw_forecast_drivers.local_hour is 'Local hour start, 0-23.';
comment on column {{bi_schema}}.vw_forecast_drivers.forecast_kind is 'issued or backtest.';
comment on column {{bi_schema}}.vw_forecast_drivers.predicted_lossadjustedload is 'Forecast net load, kWh.';
comment on column {{bi_schema}}.vw_forecast_drivers.rank is '1 = the largest driver of the hour (by absolute contribution).';
comment on column {{bi_schema}}.vw_forecast_drivers.feature is 'Feature name, as in model_registry.features.';
comment on column {{bi_schema}}.vw_forecast_drivers.contribution_kwh is 'How much this feature moved the forecast, kWh (negative: down).';
comment on column {{bi_schema}}.vw_forecast_drivers.model_version is 'Model version that produced the forecast.';
comment on column {{bi_schema}}.vw_forecast_drivers.run_id is 'The gridcast run that wrote it (see vw_run_history).';

grant select on {{bi_schema}}.vw_forecast_drivers to {{bi_reader_role}};
