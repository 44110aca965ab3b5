-- 0021: each series' data delay and lags live in the catalog, so `gridcast train --all` trains a
-- telemetry-fed series (delay 1) and an SQMD-fed one (delay 14) each with its own, and the forecast
-- uses what its model was trained with (recorded in the model's metrics).
-- Parameters: identifier placeholders only (see 0001).
--
-- delay_days: for target day D (run on D - 1) the newest trade date expected to be known is
--             D - 1 - delay_days. Whatever it says, the feature SQL reads only what had arrived by the
--             run time (as-known vintages), so a delay set too short gives missing lags, never a leak.
-- lag_days:   same-hour lags in days, each at least delay_days + 1; null: the default for the delay
--             (gridcast's FeatureSettings.defaultLags: every day from delay + 1 to 7 when the delay
--             is under a week, then four weekly lags from the first multiple of 7 past the delay, and
--             364; delay 14 gives 21, 28, 35, 42, 364, delay 1 gives 2..7, 14, 21, 28, 35, 364).
-- `gridcast train --delay-days/--lags` still override both for one run.

alter table {{operational_schema}}.series_catalog
    add column if not exists delay_days integer not null default 14,
    add column if not exists lag_days integer[];
alter table {{operational_schema}}.series_catalog drop constraint if exists series_catalog_delay_days_check;
alter table {{operational_schema}}.series_catalog add constraint series_catalog_delay_days_check
    check (delay_days between 0 and 60);
alter table {{operational_schema}}.series_catalog drop constraint if exists series_catalog_lag_days_check;
alter table {{operational_schema}}.series_catalog add constraint series_catalog_lag_days_check
    check (lag_days is null
           or (cardinality(lag_days) between 1 and 32 and delay_days + 1 <= all (lag_days) and 400 >= all (lag_days)));
comment on column {{operational_schema}}.series_catalog.delay_days is
    'Days between a trade date and its SQMD arrival: day D (run on D - 1) expects trade dates up to D - 1 - delay_days. '
    'Telemetry: 1; SQMD Initial: 14.';
comment on column {{operational_schema}}.series_catalog.lag_days is
    'Same-hour lags in days, each >= delay_days + 1; null: the default for the delay (see migration 0021).';
