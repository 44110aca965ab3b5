-- 0005: views for BI tools and analysts. Later migrations may replace them (create or replace view).
-- Parameters: identifier placeholders only (see 0001).
--
-- metrics in model_registry is a JSON object:
--   {"model": {"rmse": .., "mae": .., "mape": .., "r2": .., "bias": .., "peak_hour_error": .., "duck_curve_rmse": ..},
--    "baseline": {same keys}, "skill": 1 - rmse/baseline rmse, "interval_coverage": .., "interval_nominal": ..}

-- Net load per series and hour from the effective SQMD rows, only for hours with enough meters.
create or replace view {{operational_schema}}.vw_series_actuals_hourly as
select c.load_profile,
       c.load_segment,
       e.hour_start_utc,
       e.tradedatelocal,
       e.tradehourstartlocal,
       e.dst_fold,
       sum(e.loadlal) - sum(e.genlal)  as net_load_kwh,
       sum(e.metercount)               as meter_count,
       bool_and(e.submission = 'Final') as all_final
from {{input_schema}}.vw_sqmd_effective e
join {{operational_schema}}.series_catalog c
  on c.load_profile = e.loadprofile
 and c.load_segment = {{operational_schema}}.load_segment_of(e.rategroup)
group by c.load_profile, c.load_segment, e.hour_start_utc, e.tradedatelocal, e.tradehourstartlocal, e.dst_fold
having sum(e.metercount) >= min(c.meter_threshold);
comment on view {{operational_schema}}.vw_series_actuals_hourly is 'Actual hourly net load per series (the training target).';

-- The latest forecast per series and hour, over all time.
create or replace view {{operational_schema}}.vw_latest_forecasts as
select distinct on (f.load_profile, f.load_segment, f.forecast_datetime)
       f.*,
       l.time_zone
from {{operational_schema}}.dayahead_load_forecasts f
join {{operational_schema}}.series_catalog c on c.load_profile = f.load_profile and c.load_segment = f.load_segment
join {{input_schema}}.weather_locations l on l.location = c.location
order by f.load_profile, f.load_segment, f.forecast_datetime, f.created_at desc, f.run_id desc;

create or replace view {{bi_schema}}.vw_dayahead_load_forecasts as
select f.load_profile || '-' || f.load_segment                 as series_id,
       f.load_profile,
       f.load_segment,
       f.forecast_datetime,
       (f.forecast_datetime at time zone f.time_zone)           as forecast_datetime_local,
       make_date(f.year, f.month, f.day)                        as forecast_date_local,
       f.local_hour,
       f.predicted_lossadjustedload,
       f.predicted_lower_bound,
       f.predicted_upper_bound,
       f.out_of_distribution,
       f.ood_reasons,
       f.model_version,
       f.run_id,
       f.as_of_date,
       f.created_at
from {{operational_schema}}.vw_latest_forecasts f
where f.forecast_datetime >= now() - interval '90 days';
comment on view {{bi_schema}}.vw_dayahead_load_forecasts is 'Latest day-ahead forecast per series and hour, last 90 days.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.series_id is 'Series key, PROFILE-SEGMENT (e.g. RES-SOLAR).';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.load_profile is 'Load profile (RES, SMLCOM, MEDCI, ...).';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.load_segment is 'SOLAR (NEM/SBP rate groups) or NONSOLAR.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.forecast_datetime is 'Start of the forecast hour (timestamptz).';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.forecast_datetime_local is 'Start of the forecast hour in the series'' local time.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.forecast_date_local is 'Local date of the forecast hour.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.local_hour is 'Local hour start, 0-23 (01 appears twice on the fall-back day).';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.predicted_lossadjustedload is 'Forecast net loss-adjusted load, kWh.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.predicted_lower_bound is 'Lower prediction bound, kWh (nominal coverage in the model metrics).';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.predicted_upper_bound is 'Upper prediction bound, kWh.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.out_of_distribution is 'True when an input was outside the model''s training range.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.ood_reasons is 'Which inputs were out of range.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.model_version is 'Model version that produced the forecast.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.run_id is 'The gridcast run that wrote the forecast (see vw_run_history).';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.as_of_date is 'Run date: data known as of this date.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.created_at is 'When the forecast row was written.';

create or replace view {{bi_schema}}.vw_forecast_vs_actual as
select f.load_profile || '-' || f.load_segment                       as series_id,
       f.load_profile,
       f.load_segment,
       f.forecast_datetime,
       make_date(f.year, f.month, f.day)                              as forecast_date_local,
       f.local_hour,
       f.predicted_lossadjustedload,
       f.predicted_lower_bound,
       f.predicted_upper_bound,
       a.net_load_kwh                                                 as actual_lossadjustedload,
       a.all_final                                                    as actual_is_final,
       f.predicted_lossadjustedload - a.net_load_kwh                  as error_kwh,
       a.net_load_kwh between f.predicted_lower_bound and f.predicted_upper_bound as within_bounds,
       f.model_version,
       f.run_id
from {{operational_schema}}.vw_latest_forecasts f
join {{operational_schema}}.vw_series_actuals_hourly a
  on a.load_profile = f.load_profile and a.load_segment = f.load_segment and a.hour_start_utc = f.forecast_datetime;
comment on view {{bi_schema}}.vw_forecast_vs_actual is 'Latest forecast next to the actual load, per series and hour, once actuals have arrived.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.load_profile is 'Load profile.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.load_segment is 'SOLAR or NONSOLAR.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.forecast_datetime is 'Start of the hour.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.forecast_date_local is 'Local date of the hour.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.local_hour is 'Local hour start, 0-23.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.predicted_lossadjustedload is 'Forecast net load, kWh.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.predicted_lower_bound is 'Lower prediction bound, kWh.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.predicted_upper_bound is 'Upper prediction bound, kWh.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.actual_lossadjustedload is 'Actual net load (load minus generation), kWh.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.actual_is_final is 'True when every SQMD row behind the actual is a Final submission.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.error_kwh is 'Forecast minus actual, kWh (positive = over-forecast).';
comment on column {{bi_schema}}.vw_forecast_vs_actual.within_bounds is 'True when the actual lies within the prediction bounds.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.model_version is 'Model version that produced the forecast.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.run_id is 'The run that wrote the forecast.';

create or replace view {{bi_schema}}.vw_forecast_accuracy as
select series_id,
       load_profile,
       load_segment,
       forecast_date_local,
       count(*)                                                                      as hours_compared,
       100 * avg(abs(error_kwh) / nullif(abs(actual_lossadjustedload), 0))           as mape_percent,
       sqrt(avg(error_kwh * error_kwh))                                              as rmse_kwh,
       avg(error_kwh)                                                                as bias_kwh,
       avg(case when within_bounds then 1.0 else 0.0 end)                            as interval_coverage,
       bool_and(actual_is_final)                                                     as actuals_final,
       max(model_version)                                                            as model_version
from {{bi_schema}}.vw_forecast_vs_actual
group by series_id, load_profile, load_segment, forecast_date_local;
comment on view {{bi_schema}}.vw_forecast_accuracy is 'Forecast accuracy per series and local day, once actuals exist.';
comment on column {{bi_schema}}.vw_forecast_accuracy.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_forecast_accuracy.load_profile is 'Load profile.';
comment on column {{bi_schema}}.vw_forecast_accuracy.load_segment is 'SOLAR or NONSOLAR.';
comment on column {{bi_schema}}.vw_forecast_accuracy.forecast_date_local is 'Local date.';
comment on column {{bi_schema}}.vw_forecast_accuracy.hours_compared is 'Hours with both a forecast and an actual.';
comment on column {{bi_schema}}.vw_forecast_accuracy.mape_percent is 'Mean absolute percentage error, percent (hours with zero actual left out).';
comment on column {{bi_schema}}.vw_forecast_accuracy.rmse_kwh is 'Root mean squared error, kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy.bias_kwh is 'Mean error (forecast minus actual), kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy.interval_coverage is 'Share of hours whose actual fell within the prediction bounds, 0-1.';
comment on column {{bi_schema}}.vw_forecast_accuracy.actuals_final is 'True when all actuals of the day are Final submissions.';
comment on column {{bi_schema}}.vw_forecast_accuracy.model_version is 'Highest model version used that day.';

create or replace view {{bi_schema}}.vw_model_registry as
select m.model_id,
       m.load_profile || '-' || m.load_segment           as series_id,
       m.load_profile,
       m.load_segment,
       m.model_version,
       m.status,
       m.status_reason,
       m.status_changed_at,
       m.status_changed_by,
       m.created_at,
       m.train_start,
       m.train_end,
       m.test_start,
       m.test_end,
       (m.metrics -> 'model' ->> 'rmse')::double precision    as rmse_kwh,
       (m.metrics -> 'model' ->> 'mape')::double precision    as mape_percent,
       (m.metrics -> 'baseline' ->> 'rmse')::double precision as baseline_rmse_kwh,
       (m.metrics ->> 'skill')::double precision              as skill,
       m.hyperparameters,
       m.features,
       m.metrics
from {{operational_schema}}.model_registry m;
comment on view {{bi_schema}}.vw_model_registry is 'Every registered model version with its metrics (the model itself is not exposed).';
comment on column {{bi_schema}}.vw_model_registry.model_id is 'Registry key.';
comment on column {{bi_schema}}.vw_model_registry.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_model_registry.load_profile is 'Load profile.';
comment on column {{bi_schema}}.vw_model_registry.load_segment is 'SOLAR or NONSOLAR.';
comment on column {{bi_schema}}.vw_model_registry.model_version is 'Version number within the series.';
comment on column {{bi_schema}}.vw_model_registry.status is 'candidate, approved (the champion), rejected or retired.';
comment on column {{bi_schema}}.vw_model_registry.status_reason is 'Why the model has its status (e.g. which threshold it missed).';
comment on column {{bi_schema}}.vw_model_registry.status_changed_at is 'When the status last changed.';
comment on column {{bi_schema}}.vw_model_registry.status_changed_by is 'Database user who changed the status.';
comment on column {{bi_schema}}.vw_model_registry.created_at is 'When the model was registered.';
comment on column {{bi_schema}}.vw_model_registry.train_start is 'First target date of the training window.';
comment on column {{bi_schema}}.vw_model_registry.train_end is 'Last target date of the training window.';
comment on column {{bi_schema}}.vw_model_registry.test_start is 'First date of the held-out test window.';
comment on column {{bi_schema}}.vw_model_registry.test_end is 'Last date of the held-out test window.';
comment on column {{bi_schema}}.vw_model_registry.rmse_kwh is 'Test-window RMSE of the model, kWh.';
comment on column {{bi_schema}}.vw_model_registry.mape_percent is 'Test-window MAPE of the model, percent.';
comment on column {{bi_schema}}.vw_model_registry.baseline_rmse_kwh is 'Test-window RMSE of the seasonal-naive baseline, kWh.';
comment on column {{bi_schema}}.vw_model_registry.skill is '1 - RMSE / baseline RMSE (positive = better than the baseline).';
comment on column {{bi_schema}}.vw_model_registry.hyperparameters is 'XGBoost parameters chosen by the search.';
comment on column {{bi_schema}}.vw_model_registry.features is 'Features the model uses, in matrix order.';
comment on column {{bi_schema}}.vw_model_registry.metrics is 'All metrics as JSON (model, baseline, skill, interval coverage).';

create or replace view {{bi_schema}}.vw_champion_models as
select series_id, load_profile, load_segment, model_id, model_version, status_changed_at as approved_at,
       rmse_kwh, mape_percent, baseline_rmse_kwh, skill, train_start, train_end
from {{bi_schema}}.vw_model_registry
where status = 'approved';
comment on view {{bi_schema}}.vw_champion_models is 'The approved (champion) model of each series.';
comment on column {{bi_schema}}.vw_champion_models.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_champion_models.load_profile is 'Load profile.';
comment on column {{bi_schema}}.vw_champion_models.load_segment is 'SOLAR or NONSOLAR.';
comment on column {{bi_schema}}.vw_champion_models.model_id is 'Registry key.';
comment on column {{bi_schema}}.vw_champion_models.model_version is 'Champion version.';
comment on column {{bi_schema}}.vw_champion_models.approved_at is 'When it became the champion.';
comment on column {{bi_schema}}.vw_champion_models.rmse_kwh is 'Test-window RMSE, kWh.';
comment on column {{bi_schema}}.vw_champion_models.mape_percent is 'Test-window MAPE, percent.';
comment on column {{bi_schema}}.vw_champion_models.baseline_rmse_kwh is 'Seasonal-naive baseline RMSE on the same window, kWh.';
comment on column {{bi_schema}}.vw_champion_models.skill is '1 - RMSE / baseline RMSE.';
comment on column {{bi_schema}}.vw_champion_models.train_start is 'First target date of the training window.';
comment on column {{bi_schema}}.vw_champion_models.train_end is 'Last target date of the training window.';

create or replace view {{bi_schema}}.vw_run_history as
select r.run_id,
       r.kind,
       case when r.status = 'running'
             and not exists (select 1 from pg_stat_activity a where a.pid = r.backend_pid)
            then 'abandoned' else r.status end           as status,
       r.started_at,
       r.finished_at,
       extract(epoch from (r.finished_at - r.started_at)) as duration_seconds,
       r.rows,
       r.error,
       r.run_user,
       r.arguments
from {{operational_schema}}.run_log r;
comment on view {{bi_schema}}.vw_run_history is 'Every gridcast run with outcome and duration.';
comment on column {{bi_schema}}.vw_run_history.run_id is 'Run key (also on forecast rows and model versions).';
comment on column {{bi_schema}}.vw_run_history.kind is 'train, forecast, backfill or load.';
comment on column {{bi_schema}}.vw_run_history.status is 'running, succeeded, failed, or abandoned (its process died).';
comment on column {{bi_schema}}.vw_run_history.started_at is 'When the run started.';
comment on column {{bi_schema}}.vw_run_history.finished_at is 'When the run finished (null while running).';
comment on column {{bi_schema}}.vw_run_history.duration_seconds is 'Run time, seconds.';
comment on column {{bi_schema}}.vw_run_history.rows is 'Rows written (forecasts, loaded rows) or series trained.';
comment on column {{bi_schema}}.vw_run_history.error is 'The error of a failed run.';
comment on column {{bi_schema}}.vw_run_history.run_user is 'Database user that ran it.';
comment on column {{bi_schema}}.vw_run_history.arguments is 'The run''s arguments as JSON (never secrets).';
