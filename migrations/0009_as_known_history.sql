-- 0009: as-known history. Every forecast row records what it was allowed to know, and issued
-- forecasts are kept beside backtests instead of being replaced by them.
-- Parameters: identifier placeholders only (see 0001).
--
--   sqmd.available_at        when a submission became known (a file column, else the load time);
--   vw_sqmd_known            each SQMD row with the span during which it was the newest known one;
--   dayahead_load_forecasts  forecast_kind (issued | backtest), run_time and its lineage;
--   BI views                 rebuilt: issued and backtest rows told apart, in-sample rows flagged,
--                            accuracy per kind without in-sample rows (vw_forecast_accuracy_all has them).

-- When each SQMD row became available. Rows loaded before this migration get their load time,
-- the only honest answer the warehouse has; a DBA who knows the real arrival dates may update them.
alter table {{input_schema}}.sqmd add column if not exists available_at timestamptz;
update {{input_schema}}.sqmd set available_at = loaded_at where available_at is null;
alter table {{input_schema}}.sqmd alter column available_at set default now();
alter table {{input_schema}}.sqmd alter column available_at set not null;
comment on column {{input_schema}}.sqmd.available_at is
    'When the submission became available (the file''s available_at column, else when it was loaded).';

-- Each SQMD row and the span [known_from, known_until) in which it was the newest known submission of
-- its key: an Initial row until the Final of the same key arrives, a Final row from then on. A Final
-- that arrived before its Initial leaves that Initial with an empty span (known_from >= known_until).
create or replace view {{input_schema}}.vw_sqmd_known as
select s.tradedatelocal, s.tradehourstartlocal, s.dst_fold, s.loadprofile, s.rategroup, s.submission,
       s.loadlal, s.genlal, s.metercount, s.hour_start_utc,
       s.available_at                                            as known_from,
       coalesce(f.available_at, 'infinity'::timestamptz)         as known_until
from {{input_schema}}.sqmd s
left join {{input_schema}}.sqmd f
       on s.submission = 'Initial' and f.submission = 'Final'
      and f.tradedatelocal = s.tradedatelocal and f.tradehourstartlocal = s.tradehourstartlocal
      and f.dst_fold = s.dst_fold and f.loadprofile = s.loadprofile and f.rategroup = s.rategroup;
comment on view {{input_schema}}.vw_sqmd_known is
    'SQMD rows with the span [known_from, known_until) in which each was the newest known submission of its key.';

-- Lineage of every forecast row.
alter table {{operational_schema}}.dayahead_load_forecasts
    add column if not exists forecast_kind text not null default 'issued',
    add column if not exists run_time timestamptz,
    add column if not exists weather_issued_at timestamptz,
    add column if not exists sqmd_known_at timestamptz,
    add column if not exists model_registered_at timestamptz,
    add column if not exists in_sample boolean not null default false,
    add column if not exists fallback text;
alter table {{operational_schema}}.dayahead_load_forecasts
    drop constraint if exists dayahead_load_forecasts_kind_check;
alter table {{operational_schema}}.dayahead_load_forecasts
    add constraint dayahead_load_forecasts_kind_check check (forecast_kind in ('issued', 'backtest'));
-- Rows written before lineage existed: a backfill run's rows are backtests.
update {{operational_schema}}.dayahead_load_forecasts f
set forecast_kind = 'backtest'
from {{operational_schema}}.run_log r
where r.run_id = f.run_id and r.kind = 'backfill' and f.forecast_kind <> 'backtest';
comment on column {{operational_schema}}.dayahead_load_forecasts.forecast_kind is
    'issued: a day-ahead run before the target day (never replaced); backtest: a backfill as of a past run time.';
comment on column {{operational_schema}}.dayahead_load_forecasts.run_time is
    'The as-of instant: the forecast used only weather, SQMD and models known at this instant (null: before 0009).';
comment on column {{operational_schema}}.dayahead_load_forecasts.weather_issued_at is
    'Newest issued_at of the weather rows used for the hour (a forecast vintage; after run_time would be a leak).';
comment on column {{operational_schema}}.dayahead_load_forecasts.sqmd_known_at is
    'Newest available_at of the SQMD used for the day''s lags and rolling means.';
comment on column {{operational_schema}}.dayahead_load_forecasts.model_registered_at is
    'When the model used was registered; later than run_time means the model was not known at the run time.';
comment on column {{operational_schema}}.dayahead_load_forecasts.in_sample is
    'True when the model was fitted or tuned on the target day (its train or validation window).';
comment on column {{operational_schema}}.dayahead_load_forecasts.fallback is
    'seasonal_naive when the row is the baseline written in place of a model forecast (e.g. weather missing).';
create index if not exists dayahead_load_forecasts_kind_idx
    on {{operational_schema}}.dayahead_load_forecasts (load_profile, load_segment, forecast_kind, forecast_datetime);

-- The views are rebuilt in dependency order (their column lists change).
drop view if exists {{bi_schema}}.vw_forecast_accuracy;
drop view if exists {{bi_schema}}.vw_forecast_vs_actual;
drop view if exists {{bi_schema}}.vw_dayahead_load_forecasts;
drop view if exists {{operational_schema}}.vw_latest_forecasts;

-- The newest forecast per series, hour and kind: for issued rows the last day-ahead run before the
-- day (what was live), for backtests the newest backfill.
create or replace view {{operational_schema}}.vw_forecasts_by_kind as
select distinct on (f.load_profile, f.load_segment, f.forecast_datetime, f.forecast_kind)
       f.*,
       l.time_zone
from {{operational_schema}}.dayahead_load_forecasts f
join {{operational_schema}}.series_catalog c on c.load_profile = f.load_profile and c.load_segment = f.load_segment
join {{input_schema}}.weather_locations l on l.location = c.location
order by f.load_profile, f.load_segment, f.forecast_datetime, f.forecast_kind,
         f.run_time desc nulls last, f.created_at desc, f.run_id desc;
comment on view {{operational_schema}}.vw_forecasts_by_kind is 'The newest forecast per series, hour and kind (issued, backtest).';

-- One forecast per series and hour: the issued one where it exists, else the newest backtest.
create or replace view {{operational_schema}}.vw_latest_forecasts as
select distinct on (load_profile, load_segment, forecast_datetime) *
from {{operational_schema}}.vw_forecasts_by_kind
order by load_profile, load_segment, forecast_datetime, (forecast_kind = 'issued') desc;
comment on view {{operational_schema}}.vw_latest_forecasts is 'Per series and hour the issued forecast, else the newest backtest.';

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
       f.created_at,
       f.forecast_kind,
       f.run_time,
       f.in_sample,
       f.fallback,
       f.weather_issued_at,
       f.sqmd_known_at
from {{operational_schema}}.vw_latest_forecasts f
where f.forecast_datetime >= now() - interval '90 days';
comment on view {{bi_schema}}.vw_dayahead_load_forecasts is
    'Day-ahead forecasts of the last 90 days: per series and hour the issued forecast, else the newest backtest.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.series_id is 'Series key, PROFILE-SEGMENT.';
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
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.as_of_date is 'Local date of the run time.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.created_at is 'When the forecast row was written.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.forecast_kind is 'issued (a live day-ahead run) or backtest (a backfill as of a past run time).';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.run_time is 'The as-of instant: only data known then was used.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.in_sample is 'True when the model was fitted or tuned on this day: not an honest test.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.fallback is 'seasonal_naive when the row is the baseline written in place of a model forecast.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.weather_issued_at is 'Issue time of the weather forecast used for the hour.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.sqmd_known_at is 'Newest SQMD arrival the day''s history features used.';

-- Forecast next to actual, per series, hour and kind, so issued and backtest accuracy are both there.
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
       f.run_id,
       f.forecast_kind,
       f.run_time,
       f.in_sample,
       f.fallback
from {{operational_schema}}.vw_forecasts_by_kind f
join {{operational_schema}}.vw_series_actuals_hourly a
  on a.load_profile = f.load_profile and a.load_segment = f.load_segment and a.hour_start_utc = f.forecast_datetime;
comment on view {{bi_schema}}.vw_forecast_vs_actual is
    'Forecast next to the actual load, per series, hour and kind (issued, backtest), once actuals have arrived.';
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
comment on column {{bi_schema}}.vw_forecast_vs_actual.forecast_kind is 'issued or backtest.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.run_time is 'The as-of instant of the forecast.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.in_sample is 'True when the model was fitted or tuned on this day.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.fallback is 'seasonal_naive when the row is the baseline, not a model forecast.';

-- Accuracy per series, day and kind, in-sample rows included and grouped apart.
create or replace view {{bi_schema}}.vw_forecast_accuracy_all as
select series_id,
       load_profile,
       load_segment,
       forecast_date_local,
       forecast_kind,
       in_sample,
       count(*)                                                                      as hours_compared,
       100 * avg(abs(error_kwh) / nullif(abs(actual_lossadjustedload), 0))           as mape_percent,
       sqrt(avg(error_kwh * error_kwh))                                              as rmse_kwh,
       avg(error_kwh)                                                                as bias_kwh,
       avg(case when within_bounds then 1.0 else 0.0 end)                            as interval_coverage,
       bool_and(actual_is_final)                                                     as actuals_final,
       max(model_version)                                                            as model_version,
       count(*) filter (where fallback is not null)                                  as fallback_hours
from {{bi_schema}}.vw_forecast_vs_actual
group by series_id, load_profile, load_segment, forecast_date_local, forecast_kind, in_sample;
comment on view {{bi_schema}}.vw_forecast_accuracy_all is
    'Forecast accuracy per series, local day, kind and in-sample flag (in-sample rows are not an honest test).';

-- What BI reads by default: honest accuracy only, per kind.
create or replace view {{bi_schema}}.vw_forecast_accuracy as
select series_id, load_profile, load_segment, forecast_date_local, forecast_kind, hours_compared, mape_percent,
       rmse_kwh, bias_kwh, interval_coverage, actuals_final, model_version, fallback_hours
from {{bi_schema}}.vw_forecast_accuracy_all
where not in_sample;
comment on view {{bi_schema}}.vw_forecast_accuracy is
    'Forecast accuracy per series, local day and kind once actuals exist; in-sample rows are excluded (see vw_forecast_accuracy_all).';

-- Column comments of both accuracy views.
comment on column {{bi_schema}}.vw_forecast_accuracy_all.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.load_profile is 'Load profile.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.load_segment is 'SOLAR or NONSOLAR.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.forecast_date_local is 'Local date.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.forecast_kind is 'issued or backtest.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.in_sample is 'True for hours the model was fitted or tuned on.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.hours_compared is 'Hours with both a forecast and an actual.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.mape_percent is 'Mean absolute percentage error, percent (hours with zero actual left out).';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.rmse_kwh is 'Root mean squared error, kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.bias_kwh is 'Mean error (forecast minus actual), kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.interval_coverage is 'Share of hours whose actual fell within the prediction bounds, 0-1.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.actuals_final is 'True when all actuals of the day are Final submissions.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.model_version is 'Highest model version used that day.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.fallback_hours is 'Hours written by the seasonal-naive fallback.';
comment on column {{bi_schema}}.vw_forecast_accuracy.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_forecast_accuracy.load_profile is 'Load profile.';
comment on column {{bi_schema}}.vw_forecast_accuracy.load_segment is 'SOLAR or NONSOLAR.';
comment on column {{bi_schema}}.vw_forecast_accuracy.forecast_date_local is 'Local date.';
comment on column {{bi_schema}}.vw_forecast_accuracy.forecast_kind is 'issued or backtest.';
comment on column {{bi_schema}}.vw_forecast_accuracy.hours_compared is 'Hours with both a forecast and an actual.';
comment on column {{bi_schema}}.vw_forecast_accuracy.mape_percent is 'Mean absolute percentage error, percent (hours with zero actual left out).';
comment on column {{bi_schema}}.vw_forecast_accuracy.rmse_kwh is 'Root mean squared error, kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy.bias_kwh is 'Mean error (forecast minus actual), kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy.interval_coverage is 'Share of hours whose actual fell within the prediction bounds, 0-1.';
comment on column {{bi_schema}}.vw_forecast_accuracy.actuals_final is 'True when all actuals of the day are Final submissions.';
comment on column {{bi_schema}}.vw_forecast_accuracy.model_version is 'Highest model version used that day.';
comment on column {{bi_schema}}.vw_forecast_accuracy.fallback_hours is 'Hours written by the seasonal-naive fallback.';

-- Grants for what was re-created or added (a dropped view loses its grants).
grant select on {{input_schema}}.vw_sqmd_known to {{runner_role}};
grant select on {{operational_schema}}.vw_forecasts_by_kind, {{operational_schema}}.vw_latest_forecasts to {{runner_role}};
grant select on {{bi_schema}}.vw_dayahead_load_forecasts, {{bi_schema}}.vw_forecast_vs_actual,
                {{bi_schema}}.vw_forecast_accuracy, {{bi_schema}}.vw_forecast_accuracy_all to {{bi_reader_role}};
