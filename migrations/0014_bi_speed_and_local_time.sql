-- 0014: BI views that stay fast at a thousand series and read right in a BI tool.
-- Parameters: identifier placeholders only (see 0001).
--
--   dayahead_load_forecasts  stored series_id and forecast_date_local (generated), indexed, so the
--                            filters a BI tool sends reach an index instead of a computed expression;
--   superseded_at            set on a forecast row once a newer row of its series, hour and kind exists
--                            (the writer does it in the transaction that adds the newer row), so the
--                            views read current rows with a plain filter instead of DISTINCT ON or an
--                            anti-join over all history; a trigger lets the runner set it on older rows
--                            only, never clear it, never touch another column;
--   series_actuals_hourly    hourly net load per series kept by the loader (refresh_series_actuals),
--                            so accuracy no longer sorts and groups every SQMD row on each query;
--   BI views                 local timestamp, date, hour, dst_fold, UTC offset and time zone; series
--                            description; interval level; WAPE, MAE, peak error and OOD counts; hours
--                            whose inputs were missing are withheld from chart_lossadjustedload;
--                            no time window (every view covers all history; filter by date);
--   vw_calendar              a date dimension; vw_data_freshness says how late each input is.

-- Stored keys for BI filters. make_date and || are immutable, so both can be generated columns.
alter table {{operational_schema}}.dayahead_load_forecasts
    add column if not exists series_id text generated always as (load_profile || '-' || load_segment) stored,
    add column if not exists forecast_date_local date generated always as (make_date(year, month, day)) stored;
comment on column {{operational_schema}}.dayahead_load_forecasts.series_id is 'Series key, PROFILE-SEGMENT (generated).';
comment on column {{operational_schema}}.dayahead_load_forecasts.forecast_date_local is
    'Local date of the forecast hour (generated from year, month, day).';

-- Which rows are current. The ordering of "newer" is the one of 0009: run_time (null, from before
-- 0009, is oldest), then when the row was written, then run id.
alter table {{operational_schema}}.dayahead_load_forecasts add column if not exists superseded_at timestamptz;
comment on column {{operational_schema}}.dayahead_load_forecasts.superseded_at is
    'When a newer forecast of the same series, hour and kind was written (null: this row is the current one).';

-- Marks superseded every current row of local dates from_date..to_date (null: no bound) and of the
-- given series (null: all) that has a newer row of its key. The writer calls it after each insert; a
-- DBA who inserted forecast rows by hand runs select supersede_forecasts(); returns rows marked.
create or replace function {{operational_schema}}.supersede_forecasts(
    from_date date default null, to_date date default null, series text[] default null)
returns bigint
language plpgsql
as $$
declare
    marked bigint;
begin
    update {{operational_schema}}.dayahead_load_forecasts f
    set superseded_at = now()
    where f.superseded_at is null
      and (from_date is null or f.forecast_date_local >= from_date)
      and (to_date is null or f.forecast_date_local <= to_date)
      and (series is null or f.series_id = any (series))
      and exists (
          select 1 from {{operational_schema}}.dayahead_load_forecasts n
          where n.load_profile = f.load_profile and n.load_segment = f.load_segment
            and n.forecast_kind = f.forecast_kind and n.forecast_datetime = f.forecast_datetime
            and (coalesce(n.run_time, '-infinity'), n.created_at, n.run_id)
              > (coalesce(f.run_time, '-infinity'), f.created_at, f.run_id));
    get diagnostics marked = row_count;
    return marked;
end
$$;
comment on function {{operational_schema}}.supersede_forecasts(date, date, text[]) is
    'Marks superseded the forecast rows (local dates from_date..to_date, series; null: all) that have a newer row of the same series, hour and kind.';

-- The runner may only mark an older row superseded: not clear the mark, not mark the current row.
create or replace function {{operational_schema}}.forecast_supersede_guard()
returns trigger
language plpgsql
as $$
begin
    if {{operational_schema}}.gridcast_is_table_owner(tg_relid) then
        return new;
    end if;
    if old.superseded_at is not null or new.superseded_at is null then
        raise exception 'forecast % % % (%): superseded_at is set once and never cleared',
            old.series_id, old.forecast_datetime, old.forecast_kind, old.run_id using errcode = '42501';
    end if;
    if not exists (
        select 1 from {{operational_schema}}.dayahead_load_forecasts n
        where n.load_profile = old.load_profile and n.load_segment = old.load_segment
          and n.forecast_kind = old.forecast_kind and n.forecast_datetime = old.forecast_datetime
          and (coalesce(n.run_time, '-infinity'), n.created_at, n.run_id)
            > (coalesce(old.run_time, '-infinity'), old.created_at, old.run_id)) then
        raise exception 'forecast % % % (%) is the newest of its hour and kind; it cannot be superseded',
            old.series_id, old.forecast_datetime, old.forecast_kind, old.run_id using errcode = '42501';
    end if;
    return new;
end
$$;
drop trigger if exists forecast_supersede_guard on {{operational_schema}}.dayahead_load_forecasts;
create trigger forecast_supersede_guard before update on {{operational_schema}}.dayahead_load_forecasts
    for each row execute function {{operational_schema}}.forecast_supersede_guard();
grant update (superseded_at) on {{operational_schema}}.dayahead_load_forecasts to {{runner_role}};
drop policy if exists runner_supersedes on {{operational_schema}}.dayahead_load_forecasts;
create policy runner_supersedes on {{operational_schema}}.dayahead_load_forecasts
    for update to {{runner_role}} using (true) with check (true);
grant execute on function {{operational_schema}}.supersede_forecasts(date, date, text[]) to {{runner_role}};

-- What BI filters on, current rows only (the superseded ones are history, read by run_id).
create index if not exists dayahead_load_forecasts_current_series_idx
    on {{operational_schema}}.dayahead_load_forecasts (series_id, forecast_date_local) where superseded_at is null;
create index if not exists dayahead_load_forecasts_current_date_idx
    on {{operational_schema}}.dayahead_load_forecasts (forecast_date_local) where superseded_at is null;
create index if not exists dayahead_load_forecasts_current_hour_idx
    on {{operational_schema}}.dayahead_load_forecasts (forecast_datetime) where superseded_at is null;

-- Hourly actuals per series, the same rows as vw_series_actuals_hourly, kept by the loader.
create table if not exists {{operational_schema}}.series_actuals_hourly (
    load_profile        text             not null,
    load_segment        text             not null,
    hour_start_utc      timestamptz      not null,
    tradedatelocal      date             not null,
    tradehourstartlocal smallint         not null,
    dst_fold            smallint         not null,
    net_load_kwh        double precision not null,
    meter_count         bigint           not null,
    all_final           boolean          not null,
    refreshed_at        timestamptz      not null default now(),
    primary key (load_profile, load_segment, hour_start_utc)
);
create index if not exists series_actuals_hourly_date_idx
    on {{operational_schema}}.series_actuals_hourly (tradedatelocal);
comment on table {{operational_schema}}.series_actuals_hourly is
    'Hourly net load per series (vw_series_actuals_hourly kept as a table); the SQMD loader refreshes the trade dates it loads. '
    'After changing sqmd or series_catalog by hand run select refresh_series_actuals(); (all dates) or with a date range.';

-- Rebuilds the actuals of trade dates [from_date, to_date] (null: open-ended) from SQMD. Runs as the
-- caller: the loader (which refreshes what it loaded) or a DBA.
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
    return written;
end
$$;
comment on function {{operational_schema}}.refresh_series_actuals(date, date) is
    'Rebuilds series_actuals_hourly (and forecast_accuracy_daily) for trade dates from_date..to_date (null: no bound) from SQMD; returns rows written.';

grant select on {{operational_schema}}.series_catalog to {{loader_role}};
grant select on {{input_schema}}.vw_sqmd_effective to {{loader_role}};
grant select on {{operational_schema}}.vw_series_actuals_hourly to {{loader_role}};
grant select, insert, delete on {{operational_schema}}.series_actuals_hourly to {{loader_role}};
grant select on {{operational_schema}}.series_actuals_hourly to {{runner_role}};
grant execute on function {{operational_schema}}.load_segment_of(text) to {{loader_role}};
grant execute on function {{operational_schema}}.refresh_series_actuals(date, date) to {{loader_role}};

-- The views are rebuilt in dependency order (their column lists change).
drop view if exists {{bi_schema}}.vw_forecast_drivers;
drop view if exists {{bi_schema}}.vw_forecast_accuracy;
drop view if exists {{bi_schema}}.vw_forecast_accuracy_all;
drop view if exists {{bi_schema}}.vw_forecast_vs_actual;
drop view if exists {{bi_schema}}.vw_dayahead_load_forecasts;
drop view if exists {{operational_schema}}.vw_latest_forecasts;
drop view if exists {{operational_schema}}.vw_forecasts_by_kind;
drop view if exists {{bi_schema}}.vw_run_history;

-- The newest forecast per series, hour and kind (the rows not superseded), with the local-time
-- columns every BI view shows, computed from the series' time zone.
create view {{operational_schema}}.vw_forecasts_by_kind as
select f.*,
       c.description                                                    as series_description,
       l.time_zone,
       f.forecast_datetime at time zone l.time_zone                     as forecast_datetime_local,
       -- The repeated hour of a fall-back day: the hour before it had the same local clock time.
       case when (f.forecast_datetime - interval '1 hour') at time zone l.time_zone
                 = f.forecast_datetime at time zone l.time_zone then 1 else 0 end::smallint as dst_fold,
       extract(epoch from (f.forecast_datetime at time zone l.time_zone)
                        - (f.forecast_datetime at time zone 'UTC'))::float8 / 3600 as utc_offset_hours,
       exists (select 1 from unnest(f.ood_reasons) r where r like '% missing')  as inputs_missing
from {{operational_schema}}.dayahead_load_forecasts f
join {{operational_schema}}.series_catalog c on c.load_profile = f.load_profile and c.load_segment = f.load_segment
join {{input_schema}}.weather_locations l on l.location = c.location
where f.superseded_at is null;
comment on view {{operational_schema}}.vw_forecasts_by_kind is
    'The newest forecast per series, hour and kind (issued, backtest), with local-time columns.';

-- One forecast per series and hour: the issued one where it exists, else the newest backtest.
create view {{operational_schema}}.vw_latest_forecasts as
select f.*
from {{operational_schema}}.vw_forecasts_by_kind f
where f.forecast_kind = 'issued'
   or not exists (select 1 from {{operational_schema}}.dayahead_load_forecasts i
                  where i.series_id = f.series_id and i.forecast_date_local = f.forecast_date_local
                    and i.forecast_datetime = f.forecast_datetime
                    and i.forecast_kind = 'issued' and i.superseded_at is null);
comment on view {{operational_schema}}.vw_latest_forecasts is 'Per series and hour the issued forecast, else the newest backtest.';

create view {{bi_schema}}.vw_dayahead_load_forecasts as
select f.series_id,
       f.series_description,
       f.load_profile,
       f.load_segment,
       f.forecast_datetime,
       f.forecast_datetime_local,
       f.forecast_date_local,
       f.local_hour,
       f.dst_fold,
       f.utc_offset_hours,
       f.time_zone,
       f.predicted_lossadjustedload,
       case when not f.inputs_missing then f.predicted_lossadjustedload end as chart_lossadjustedload,
       f.predicted_lower_bound,
       f.predicted_upper_bound,
       (m.metrics ->> 'interval_nominal')::float8                         as interval_level,
       f.inputs_missing,
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
left join {{operational_schema}}.model_registry m
       on m.load_profile = f.load_profile and m.load_segment = f.load_segment and m.model_version = f.model_version;
comment on view {{bi_schema}}.vw_dayahead_load_forecasts is
    'Day-ahead forecasts, all history: per series and hour the issued forecast, else the newest backtest. Filter on series_id and forecast_date_local (indexed).';

-- Forecast next to actual, per series, hour and kind, so issued and backtest accuracy are both there.
create view {{bi_schema}}.vw_forecast_vs_actual as
select f.series_id,
       f.series_description,
       f.load_profile,
       f.load_segment,
       f.forecast_datetime,
       f.forecast_datetime_local,
       f.forecast_date_local,
       f.local_hour,
       f.dst_fold,
       f.utc_offset_hours,
       f.time_zone,
       f.predicted_lossadjustedload,
       f.predicted_lower_bound,
       f.predicted_upper_bound,
       (m.metrics ->> 'interval_nominal')::float8                                 as interval_level,
       a.net_load_kwh                                                             as actual_lossadjustedload,
       a.all_final                                                                as actual_is_final,
       f.predicted_lossadjustedload - a.net_load_kwh                              as error_kwh,
       abs(f.predicted_lossadjustedload - a.net_load_kwh)                         as abs_error_kwh,
       a.net_load_kwh between f.predicted_lower_bound and f.predicted_upper_bound as within_bounds,
       f.inputs_missing,
       f.out_of_distribution,
       f.model_version,
       f.run_id,
       f.forecast_kind,
       f.run_time,
       f.in_sample,
       f.fallback
from {{operational_schema}}.vw_forecasts_by_kind f
-- The trade date of an hour is its local date (SQMD and the series share the market's time zone):
-- joining on it too lets a date filter reach the actuals' date index.
join {{operational_schema}}.series_actuals_hourly a
  on a.load_profile = f.load_profile and a.load_segment = f.load_segment and a.hour_start_utc = f.forecast_datetime
 and a.tradedatelocal = f.forecast_date_local
left join {{operational_schema}}.model_registry m
       on m.load_profile = f.load_profile and m.load_segment = f.load_segment and m.model_version = f.model_version;
comment on view {{bi_schema}}.vw_forecast_vs_actual is
    'Forecast next to the actual load, per series, hour and kind (issued, backtest), once actuals have arrived.';

-- Accuracy per series, day and kind, in-sample rows included and grouped apart, computed live.
-- BI reads it from forecast_accuracy_daily, which keeps these rows (a month of all series is then
-- 60k stored rows, not a join of a million forecasts with their actuals on every query).
create view {{operational_schema}}.vw_forecast_accuracy_live as
select series_id,
       min(series_description)                                                       as series_description,
       load_profile,
       load_segment,
       forecast_date_local,
       forecast_kind,
       in_sample,
       count(*)                                                                      as hours_compared,
       avg(abs_error_kwh)                                                            as mae_kwh,
       sum(abs_error_kwh)                                                            as abs_error_sum_kwh,
       sum(abs(actual_lossadjustedload))                                             as abs_actual_sum_kwh,
       100 * sum(abs_error_kwh) / nullif(sum(abs(actual_lossadjustedload)), 0)       as wape_percent,
       100 * avg(abs_error_kwh / nullif(abs(actual_lossadjustedload), 0))            as mape_percent,
       sqrt(avg(error_kwh * error_kwh))                                              as rmse_kwh,
       avg(error_kwh)                                                                as bias_kwh,
       max(actual_lossadjustedload)                                                  as actual_peak_kwh,
       max(predicted_lossadjustedload)                                               as forecast_peak_kwh,
       max(predicted_lossadjustedload) - max(actual_lossadjustedload)                as peak_error_kwh,
       (array_agg(local_hour order by actual_lossadjustedload desc))[1]              as actual_peak_hour,
       (array_agg(local_hour order by predicted_lossadjustedload desc))[1]           as forecast_peak_hour,
       avg(case when within_bounds then 1.0 else 0.0 end)::float8                    as interval_coverage,
       max(interval_level)                                                           as interval_level,
       bool_and(actual_is_final)                                                     as actuals_final,
       case when min(model_version) = max(model_version) then min(model_version) end as model_version,
       array_agg(distinct model_version)                                             as model_versions,
       count(*) filter (where fallback is not null)                                  as fallback_hours,
       count(*) filter (where out_of_distribution)                                   as ood_hours,
       count(*) filter (where inputs_missing)                                        as inputs_missing_hours
from {{bi_schema}}.vw_forecast_vs_actual
group by series_id, load_profile, load_segment, forecast_date_local, forecast_kind, in_sample;
comment on view {{operational_schema}}.vw_forecast_accuracy_live is
    'Daily accuracy computed from forecasts and actuals on each query (forecast_accuracy_daily keeps it).';

create table if not exists {{operational_schema}}.forecast_accuracy_daily as
select a.*, now() as refreshed_at from {{operational_schema}}.vw_forecast_accuracy_live a with no data;
alter table {{operational_schema}}.forecast_accuracy_daily
    add primary key (series_id, forecast_date_local, forecast_kind, in_sample);
create index if not exists forecast_accuracy_daily_date_idx
    on {{operational_schema}}.forecast_accuracy_daily (forecast_date_local);
comment on table {{operational_schema}}.forecast_accuracy_daily is
    'vw_forecast_accuracy_live kept as rows: refreshed by the SQMD loader (refresh_series_actuals) and the forecast writer.';

-- Rebuilds the daily accuracy of local dates from_date..to_date (null: no bound) and series (null:
-- all). SECURITY DEFINER so the loader, which may not read forecasts, can refresh what its load
-- changed; it reads only what the views read and writes only this table.
create or replace function {{operational_schema}}.refresh_forecast_accuracy(
    from_date date default null, to_date date default null, series text[] default null)
returns bigint
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    written bigint;
begin
    delete from {{operational_schema}}.forecast_accuracy_daily d
    where (from_date is null or d.forecast_date_local >= from_date)
      and (to_date is null or d.forecast_date_local <= to_date)
      and (series is null or d.series_id = any (series));
    insert into {{operational_schema}}.forecast_accuracy_daily
    select a.*, now()
    from {{operational_schema}}.vw_forecast_accuracy_live a
    where (from_date is null or a.forecast_date_local >= from_date)
      and (to_date is null or a.forecast_date_local <= to_date)
      and (series is null or a.series_id = any (series));
    get diagnostics written = row_count;
    return written;
end
$$;
comment on function {{operational_schema}}.refresh_forecast_accuracy(date, date, text[]) is
    'Rebuilds forecast_accuracy_daily for local dates from_date..to_date and series (null: all); returns rows written.';
revoke execute on function {{operational_schema}}.refresh_forecast_accuracy(date, date, text[]) from public;
grant execute on function {{operational_schema}}.refresh_forecast_accuracy(date, date, text[])
    to {{loader_role}}, {{runner_role}};
grant select on {{operational_schema}}.forecast_accuracy_daily to {{runner_role}};

create view {{bi_schema}}.vw_forecast_accuracy_all as
select series_id, series_description, load_profile, load_segment, forecast_date_local, forecast_kind, in_sample,
       hours_compared, mae_kwh, abs_error_sum_kwh, abs_actual_sum_kwh, wape_percent, mape_percent, rmse_kwh, bias_kwh, actual_peak_kwh, forecast_peak_kwh,
       peak_error_kwh, actual_peak_hour, forecast_peak_hour, interval_coverage, interval_level, actuals_final,
       model_version, model_versions, fallback_hours, ood_hours, inputs_missing_hours
from {{operational_schema}}.forecast_accuracy_daily;
comment on view {{bi_schema}}.vw_forecast_accuracy_all is
    'Forecast accuracy per series, local day, kind and in-sample flag (in-sample rows are not an honest test).';

-- What BI reads by default: honest accuracy only, per kind.
create view {{bi_schema}}.vw_forecast_accuracy as
select series_id, series_description, load_profile, load_segment, forecast_date_local, forecast_kind, hours_compared,
       mae_kwh, abs_error_sum_kwh, abs_actual_sum_kwh, wape_percent, mape_percent, rmse_kwh, bias_kwh, actual_peak_kwh, forecast_peak_kwh, peak_error_kwh,
       actual_peak_hour, forecast_peak_hour, interval_coverage, interval_level, actuals_final, model_version,
       model_versions, fallback_hours, ood_hours, inputs_missing_hours
from {{bi_schema}}.vw_forecast_accuracy_all
where not in_sample;
comment on view {{bi_schema}}.vw_forecast_accuracy is
    'Forecast accuracy per series, local day and kind once actuals exist; in-sample rows are excluded (see vw_forecast_accuracy_all). Sum errors over days for WAPE of a month, never average MAPE.';

create view {{bi_schema}}.vw_forecast_drivers as
select l.series_id,
       l.load_profile,
       l.load_segment,
       l.forecast_datetime,
       l.forecast_datetime_local,
       l.forecast_date_local,
       l.local_hour,
       l.dst_fold,
       l.forecast_kind,
       l.predicted_lossadjustedload,
       d.rank,
       d.feature,
       d.contribution_kwh,
       l.model_version,
       l.run_id
from {{operational_schema}}.vw_latest_forecasts l
cross join lateral (
    select x.ordinality::integer as rank, x.item ->> 'feature' as feature, (x.item ->> 'kwh')::float8 as contribution_kwh
    from jsonb_array_elements(l.drivers) with ordinality as x(item, ordinality)
) d;
comment on view {{bi_schema}}.vw_forecast_drivers is
    'Why each latest forecast hour is high or low: its top drivers (SHAP contributions), one row per driver.';

create view {{bi_schema}}.vw_run_history as
select r.run_id,
       r.kind,
       case when r.status = 'running'
             and not exists (select 1 from pg_stat_activity a where a.pid = r.backend_pid)
            then 'abandoned' else r.status end                     as status,
       r.started_at,
       r.finished_at,
       extract(epoch from (r.finished_at - r.started_at))::float8  as duration_seconds,
       r.rows,
       r.error,
       r.run_user,
       r.arguments
from {{operational_schema}}.run_log r;
comment on view {{bi_schema}}.vw_run_history is 'Every gridcast run with outcome and duration.';

-- A date dimension per location from the calendar gridcast fills (gridcast calendar fill).
create or replace view {{bi_schema}}.vw_calendar as
select h.location,
       h.local_date,
       extract(isoyear from h.local_date)::integer       as iso_year,
       extract(week from h.local_date)::integer          as iso_week,
       extract(year from h.local_date)::integer          as year,
       extract(quarter from h.local_date)::integer       as quarter,
       extract(month from h.local_date)::integer         as month,
       to_char(h.local_date, 'FMMonth')                  as month_name,
       min(h.day_of_week)::smallint                      as day_of_week,
       to_char(h.local_date, 'FMDay')                    as day_name,
       bool_or(h.is_weekend)                             as is_weekend,
       bool_or(h.is_holiday)                             as is_holiday,
       max(h.holiday_name)                               as holiday_name,
       bool_or(h.is_bridge_day)                          as is_bridge_day,
       not bool_or(h.is_weekend) and not bool_or(h.is_holiday) as is_working_day,
       min(h.hours_in_day)::smallint                     as hours_in_day,
       bool_or(h.is_dst_start_day)                       as is_dst_start_day,
       bool_or(h.is_dst_end_day)                         as is_dst_end_day,
       case when extract(month from h.local_date) in (6, 7, 8, 9) then 'summer' else 'winter' end as tariff_season
from {{operational_schema}}.calendar_hourly h
group by h.location, h.local_date;
comment on view {{bi_schema}}.vw_calendar is
    'Date dimension per location: weekends, holidays, DST days and periods (join on location and local date).';

-- How current each series' inputs and outputs are, and why "yesterday vs actual" is empty.
create or replace view {{bi_schema}}.vw_data_freshness as
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
-- Each newest row read backwards along an index, so the view costs the same at any history length.
left join lateral (select (select x.tradedatelocal from {{operational_schema}}.series_actuals_hourly x
                           where x.load_profile = c.load_profile and x.load_segment = c.load_segment
                           order by x.hour_start_utc desc limit 1) as latest_actual_date,
                          (select x.tradedatelocal from {{operational_schema}}.series_actuals_hourly x
                           where x.load_profile = c.load_profile and x.load_segment = c.load_segment and x.all_final
                           order by x.hour_start_utc desc limit 1) as latest_final_date) a on true
left join lateral (select x.forecast_date_local as latest_issued_date, x.created_at as latest_issued_at
                   from {{operational_schema}}.dayahead_load_forecasts x
                   where x.series_id = c.series_id and x.forecast_kind = 'issued' and x.superseded_at is null
                   order by x.forecast_date_local desc, x.created_at desc limit 1) f on true
left join lateral (select max(x.issued_at) as latest_weather_issued_at, max(x.valid_at) as latest_weather_valid_at
                   from {{input_schema}}.weather_hourly x
                   where x.location = c.location and x.kind = 'forecast') w on true
where c.active;
comment on view {{bi_schema}}.vw_data_freshness is
    'Per active series: newest actuals (and their lag), newest issued forecast and newest forecast weather.';

-- Column comments (with units) of the views rebuilt or added here.
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.series_description is 'What the series is (series_catalog.description).';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.load_profile is 'Load profile (RES, SMLCOM, MEDCI, ...).';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.load_segment is 'SOLAR (NEM/SBP rate groups) or NONSOLAR.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.forecast_datetime is 'Start of the forecast hour (timestamptz).';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.forecast_datetime_local is
    'Start of the forecast hour in the series'' local time (twice 01:00 on the fall-back day: see dst_fold).';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.forecast_date_local is 'Local date of the forecast hour.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.local_hour is 'Local hour start, 0-23 (01 appears twice on the fall-back day).';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.dst_fold is '1 for the repeated hour of the fall-back day, else 0.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.utc_offset_hours is 'Local time minus UTC at the hour, hours (-7 PDT, -8 PST).';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.time_zone is 'IANA time zone of the series'' location.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.predicted_lossadjustedload is 'Forecast net loss-adjusted load, kWh.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.chart_lossadjustedload is
    'The forecast to chart, kWh: null (withheld) when an input of the hour was missing (see inputs_missing, ood_reasons).';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.predicted_lower_bound is 'Lower prediction bound, kWh.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.predicted_upper_bound is 'Upper prediction bound, kWh.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.interval_level is 'Nominal coverage of the bounds, 0-1 (0.8 = 80% interval).';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.inputs_missing is 'True when a model input of the hour was missing: the value is not to be trusted.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.out_of_distribution is 'True when an input was missing or outside the model''s training range.';
comment on column {{bi_schema}}.vw_dayahead_load_forecasts.ood_reasons is 'Which inputs were missing or out of range.';
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

comment on column {{bi_schema}}.vw_forecast_vs_actual.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.series_description is 'What the series is.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.load_profile is 'Load profile.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.load_segment is 'SOLAR or NONSOLAR.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.forecast_datetime is 'Start of the hour (timestamptz).';
comment on column {{bi_schema}}.vw_forecast_vs_actual.forecast_datetime_local is 'Start of the hour in local time (see dst_fold).';
comment on column {{bi_schema}}.vw_forecast_vs_actual.forecast_date_local is 'Local date of the hour.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.local_hour is 'Local hour start, 0-23.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.dst_fold is '1 for the repeated hour of the fall-back day, else 0.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.utc_offset_hours is 'Local time minus UTC, hours.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.time_zone is 'IANA time zone of the series.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.predicted_lossadjustedload is 'Forecast net load, kWh.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.predicted_lower_bound is 'Lower prediction bound, kWh.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.predicted_upper_bound is 'Upper prediction bound, kWh.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.interval_level is 'Nominal coverage of the bounds, 0-1.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.actual_lossadjustedload is 'Actual net load (load minus generation), kWh.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.actual_is_final is 'True when every SQMD row behind the actual is a Final submission.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.error_kwh is 'Forecast minus actual, kWh (positive = over-forecast).';
comment on column {{bi_schema}}.vw_forecast_vs_actual.abs_error_kwh is 'Absolute error, kWh.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.within_bounds is 'True when the actual lies within the prediction bounds.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.inputs_missing is 'True when a model input of the hour was missing.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.out_of_distribution is 'True when an input was missing or out of the training range.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.model_version is 'Model version that produced the forecast.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.run_id is 'The run that wrote the forecast.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.forecast_kind is 'issued or backtest.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.run_time is 'The as-of instant of the forecast.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.in_sample is 'True when the model was fitted or tuned on this day.';
comment on column {{bi_schema}}.vw_forecast_vs_actual.fallback is 'seasonal_naive when the row is the baseline, not a model forecast.';

comment on column {{bi_schema}}.vw_forecast_accuracy_all.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.series_description is 'What the series is.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.load_profile is 'Load profile.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.load_segment is 'SOLAR or NONSOLAR.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.forecast_date_local is 'Local date.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.forecast_kind is 'issued or backtest.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.in_sample is 'True for hours the model was fitted or tuned on.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.hours_compared is 'Hours with both a forecast and an actual.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.mae_kwh is 'Mean absolute error, kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.abs_error_sum_kwh is 'Sum of absolute errors of the day, kWh (sum over days / abs_actual_sum_kwh = WAPE of the period).';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.abs_actual_sum_kwh is 'Sum of absolute actuals of the day, kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.wape_percent is 'Weighted absolute percentage error, percent: sum |error| / sum |actual| (robust near zero net load).';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.mape_percent is 'Mean absolute percentage error, percent (hours with zero actual left out; explodes near zero net load, prefer WAPE).';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.rmse_kwh is 'Root mean squared error, kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.bias_kwh is 'Mean error (forecast minus actual), kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.actual_peak_kwh is 'Highest actual hour of the day, kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.forecast_peak_kwh is 'Highest forecast hour of the day, kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.peak_error_kwh is 'Forecast peak minus actual peak, kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.actual_peak_hour is 'Local hour of the actual peak, 0-23.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.forecast_peak_hour is 'Local hour of the forecast peak, 0-23.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.interval_coverage is 'Share of hours whose actual fell within the prediction bounds, 0-1.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.interval_level is 'Nominal coverage of the bounds, 0-1 (compare with interval_coverage).';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.actuals_final is 'True when all actuals of the day are Final submissions.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.model_version is 'The model version of the day; null when the day mixed versions (see model_versions).';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.model_versions is 'Every model version used that day.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.fallback_hours is 'Hours written by the seasonal-naive fallback.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.ood_hours is 'Hours with an input missing or outside the training range.';
comment on column {{bi_schema}}.vw_forecast_accuracy_all.inputs_missing_hours is 'Hours with a model input missing.';
comment on column {{bi_schema}}.vw_forecast_accuracy.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_forecast_accuracy.series_description is 'What the series is.';
comment on column {{bi_schema}}.vw_forecast_accuracy.load_profile is 'Load profile.';
comment on column {{bi_schema}}.vw_forecast_accuracy.load_segment is 'SOLAR or NONSOLAR.';
comment on column {{bi_schema}}.vw_forecast_accuracy.forecast_date_local is 'Local date.';
comment on column {{bi_schema}}.vw_forecast_accuracy.forecast_kind is 'issued or backtest.';
comment on column {{bi_schema}}.vw_forecast_accuracy.hours_compared is 'Hours with both a forecast and an actual.';
comment on column {{bi_schema}}.vw_forecast_accuracy.mae_kwh is 'Mean absolute error, kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy.abs_error_sum_kwh is 'Sum of absolute errors of the day, kWh (sum over days / abs_actual_sum_kwh = WAPE of the period).';
comment on column {{bi_schema}}.vw_forecast_accuracy.abs_actual_sum_kwh is 'Sum of absolute actuals of the day, kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy.wape_percent is 'Weighted absolute percentage error, percent: sum |error| / sum |actual|.';
comment on column {{bi_schema}}.vw_forecast_accuracy.mape_percent is 'Mean absolute percentage error, percent (explodes near zero net load, prefer WAPE).';
comment on column {{bi_schema}}.vw_forecast_accuracy.rmse_kwh is 'Root mean squared error, kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy.bias_kwh is 'Mean error (forecast minus actual), kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy.actual_peak_kwh is 'Highest actual hour of the day, kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy.forecast_peak_kwh is 'Highest forecast hour of the day, kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy.peak_error_kwh is 'Forecast peak minus actual peak, kWh.';
comment on column {{bi_schema}}.vw_forecast_accuracy.actual_peak_hour is 'Local hour of the actual peak, 0-23.';
comment on column {{bi_schema}}.vw_forecast_accuracy.forecast_peak_hour is 'Local hour of the forecast peak, 0-23.';
comment on column {{bi_schema}}.vw_forecast_accuracy.interval_coverage is 'Share of hours whose actual fell within the prediction bounds, 0-1.';
comment on column {{bi_schema}}.vw_forecast_accuracy.interval_level is 'Nominal coverage of the bounds, 0-1.';
comment on column {{bi_schema}}.vw_forecast_accuracy.actuals_final is 'True when all actuals of the day are Final submissions.';
comment on column {{bi_schema}}.vw_forecast_accuracy.model_version is 'The model version of the day; null when the day mixed versions.';
comment on column {{bi_schema}}.vw_forecast_accuracy.model_versions is 'Every model version used that day.';
comment on column {{bi_schema}}.vw_forecast_accuracy.fallback_hours is 'Hours written by the seasonal-naive fallback.';
comment on column {{bi_schema}}.vw_forecast_accuracy.ood_hours is 'Hours with an input missing or outside the training range.';
comment on column {{bi_schema}}.vw_forecast_accuracy.inputs_missing_hours is 'Hours with a model input missing.';

comment on column {{bi_schema}}.vw_forecast_drivers.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_forecast_drivers.load_profile is 'Load profile.';
comment on column {{bi_schema}}.vw_forecast_drivers.load_segment is 'SOLAR or NONSOLAR.';
comment on column {{bi_schema}}.vw_forecast_drivers.forecast_datetime is 'Start of the hour (timestamptz).';
comment on column {{bi_schema}}.vw_forecast_drivers.forecast_datetime_local is 'Start of the hour in local time (see dst_fold).';
comment on column {{bi_schema}}.vw_forecast_drivers.forecast_date_local is 'Local date of the hour.';
comment on column {{bi_schema}}.vw_forecast_drivers.local_hour is 'Local hour start, 0-23.';
comment on column {{bi_schema}}.vw_forecast_drivers.dst_fold is '1 for the repeated hour of the fall-back day, else 0.';
comment on column {{bi_schema}}.vw_forecast_drivers.forecast_kind is 'issued or backtest.';
comment on column {{bi_schema}}.vw_forecast_drivers.predicted_lossadjustedload is 'Forecast net load, kWh.';
comment on column {{bi_schema}}.vw_forecast_drivers.rank is '1 = the largest driver of the hour (by absolute contribution).';
comment on column {{bi_schema}}.vw_forecast_drivers.feature is 'Feature name, as in model_registry.features.';
comment on column {{bi_schema}}.vw_forecast_drivers.contribution_kwh is 'How much this feature moved the forecast, kWh (negative: down).';
comment on column {{bi_schema}}.vw_forecast_drivers.model_version is 'Model version that produced the forecast.';
comment on column {{bi_schema}}.vw_forecast_drivers.run_id is 'The gridcast run that wrote it (see vw_run_history).';

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

comment on column {{bi_schema}}.vw_calendar.location is 'Weather location (series_catalog.location).';
comment on column {{bi_schema}}.vw_calendar.local_date is 'Local date.';
comment on column {{bi_schema}}.vw_calendar.iso_year is 'ISO 8601 week-numbering year.';
comment on column {{bi_schema}}.vw_calendar.iso_week is 'ISO 8601 week, 1-53.';
comment on column {{bi_schema}}.vw_calendar.year is 'Calendar year.';
comment on column {{bi_schema}}.vw_calendar.quarter is 'Quarter, 1-4.';
comment on column {{bi_schema}}.vw_calendar.month is 'Month, 1-12.';
comment on column {{bi_schema}}.vw_calendar.month_name is 'Month name (English).';
comment on column {{bi_schema}}.vw_calendar.day_of_week is 'ISO day of week, 1 = Monday .. 7 = Sunday.';
comment on column {{bi_schema}}.vw_calendar.day_name is 'Day name (English).';
comment on column {{bi_schema}}.vw_calendar.is_weekend is 'Saturday or Sunday.';
comment on column {{bi_schema}}.vw_calendar.is_holiday is 'A public holiday (observed date) of the location''s calendar.';
comment on column {{bi_schema}}.vw_calendar.holiday_name is 'Name of the holiday.';
comment on column {{bi_schema}}.vw_calendar.is_bridge_day is 'A working day between a holiday and a weekend.';
comment on column {{bi_schema}}.vw_calendar.is_working_day is 'Neither weekend nor holiday.';
comment on column {{bi_schema}}.vw_calendar.hours_in_day is 'Hours in the local day: 23 (spring forward), 24 or 25 (fall back).';
comment on column {{bi_schema}}.vw_calendar.is_dst_start_day is 'The day daylight saving time starts.';
comment on column {{bi_schema}}.vw_calendar.is_dst_end_day is 'The day daylight saving time ends.';
comment on column {{bi_schema}}.vw_calendar.tariff_season is 'summer (June-September) or winter, as most US utility tariffs split the year.';

comment on column {{bi_schema}}.vw_data_freshness.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_data_freshness.series_description is 'What the series is.';
comment on column {{bi_schema}}.vw_data_freshness.location is 'Weather location of the series.';
comment on column {{bi_schema}}.vw_data_freshness.time_zone is 'IANA time zone of the series.';
comment on column {{bi_schema}}.vw_data_freshness.today_local is 'Today in the series'' time zone.';
comment on column {{bi_schema}}.vw_data_freshness.latest_actual_date is 'Newest local date with actuals (Initial or Final).';
comment on column {{bi_schema}}.vw_data_freshness.latest_final_date is 'Newest local date whose actual hours are all Final.';
comment on column {{bi_schema}}.vw_data_freshness.actuals_lag_days is 'Days from the newest actuals to today (about 14 is normal).';
comment on column {{bi_schema}}.vw_data_freshness.latest_issued_date is 'Newest local date with an issued forecast.';
comment on column {{bi_schema}}.vw_data_freshness.latest_issued_at is 'When the newest issued forecast row was written.';
comment on column {{bi_schema}}.vw_data_freshness.latest_weather_issued_at is 'Issue time of the newest forecast weather of the location.';
comment on column {{bi_schema}}.vw_data_freshness.latest_weather_valid_at is 'Latest hour covered by forecast weather.';
comment on column {{bi_schema}}.vw_data_freshness.note is 'Why recent days have no actuals yet, in words.';

-- Grants for what was re-created or added (a dropped view loses its grants).
grant select on {{operational_schema}}.vw_forecasts_by_kind, {{operational_schema}}.vw_latest_forecasts to {{runner_role}};
grant select on {{bi_schema}}.vw_dayahead_load_forecasts, {{bi_schema}}.vw_forecast_vs_actual,
                {{bi_schema}}.vw_forecast_accuracy, {{bi_schema}}.vw_forecast_accuracy_all,
                {{bi_schema}}.vw_forecast_drivers, {{bi_schema}}.vw_calendar, {{bi_schema}}.vw_data_freshness
             to {{bi_reader_role}};
grant select on {{bi_schema}}.vw_run_history to {{runner_role}}, {{bi_reader_role}};

-- Current rows, then actuals and accuracy, for everything written before this migration.
select {{operational_schema}}.supersede_forecasts();
select {{operational_schema}}.refresh_series_actuals();
