-- 0024: vw_latest_forecasts correlates its "is there an issued forecast" check on the load profile too.
-- Parameters: identifier placeholders only (see 0001).
--
-- The same rows as before (a series id names one load profile), but the correlated subquery now
-- joins the forecasts to themselves on the column Citus distributes them by, so on a Citus cluster
-- (`gridcast migrate --distributed citus`) each shard answers it alone; without it Citus refuses the
-- view and every BI view built on it ("complex joins are only supported when all distributed tables
-- are co-located and joined on their distribution columns"). On plain PostgreSQL the plan is unchanged:
-- the series index still finds the issued row.

create or replace view {{operational_schema}}.vw_latest_forecasts as
select f.*
from {{operational_schema}}.vw_forecasts_by_kind f
where f.forecast_kind = 'issued'
   or not exists (select 1 from {{operational_schema}}.dayahead_load_forecasts i
                  where i.load_profile = f.load_profile
                    and i.series_id = f.series_id and i.forecast_date_local = f.forecast_date_local
                    and i.forecast_datetime = f.forecast_datetime
                    and i.forecast_kind = 'issued' and i.superseded_at is null);
comment on view {{operational_schema}}.vw_latest_forecasts is 'Per series and hour the issued forecast, else the newest backtest.';
