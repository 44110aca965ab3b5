-- 0003: operational tables: series catalog, run log, day-ahead forecasts, and the segment rule.
-- Parameters: identifier placeholders only (see 0001).

-- Which rate groups are solar customers. Change the rule with a new migration that replaces this function.
create or replace function {{operational_schema}}.load_segment_of(rategroup text)
returns text
language sql immutable parallel safe
as $$
    select case when rategroup like 'NEM%' or rategroup like 'SBP%' then 'SOLAR' else 'NONSOLAR' end
$$;
comment on function {{operational_schema}}.load_segment_of(text) is 'SOLAR for NEM% and SBP% rate groups, NONSOLAR otherwise.';

-- The forecast series: rows, not code. A DBA adds a series with INSERT.
create table if not exists {{operational_schema}}.series_catalog (
    load_profile    text        not null check (load_profile <> ''),
    load_segment    text        not null check (load_segment in ('SOLAR', 'NONSOLAR')),
    series_id       text        generated always as (load_profile || '-' || load_segment) stored unique,
    location        text        not null default 'san_diego'
                                references {{input_schema}}.weather_locations (location),
    meter_threshold integer     not null default 10 check (meter_threshold > 0),
    active          boolean     not null default true,
    description     text,
    created_at      timestamptz not null default now(),
    primary key (load_profile, load_segment)
);
comment on table {{operational_schema}}.series_catalog is 'Forecast series (load profile x segment); add one with INSERT.';
comment on column {{operational_schema}}.series_catalog.meter_threshold is 'Hours with fewer summed meters than this are not used as targets.';
insert into {{operational_schema}}.series_catalog (load_profile, load_segment, description) values
    ('RES', 'SOLAR', 'Residential, NEM/SBP solar rate groups'),
    ('RES', 'NONSOLAR', 'Residential, other rate groups'),
    ('MEDCI', 'SOLAR', 'Medium commercial and industrial, solar'),
    ('MEDCI', 'NONSOLAR', 'Medium commercial and industrial, other'),
    ('SMLCOM', 'SOLAR', 'Small commercial, solar'),
    ('SMLCOM', 'NONSOLAR', 'Small commercial, other')
on conflict do nothing;

-- One row per gridcast run. A run that dies leaves status 'running' with a backend that no longer
-- exists; vw_run_history reports those as 'abandoned'.
create table if not exists {{operational_schema}}.run_log (
    run_id        uuid        primary key default gen_random_uuid(),
    kind          text        not null check (kind in ('train', 'forecast', 'backfill', 'load')),
    arguments     jsonb       not null default '{}',
    started_at    timestamptz not null default now(),
    finished_at   timestamptz,
    status        text        not null default 'running' check (status in ('running', 'succeeded', 'failed')),
    rows          bigint,
    error         text,
    run_user      text        not null default current_user,
    client_host   text,
    backend_pid   integer     default pg_backend_pid()
);
create index if not exists run_log_started_idx on {{operational_schema}}.run_log (started_at desc);
comment on table {{operational_schema}}.run_log is 'Every gridcast train, forecast, backfill and load run.';

-- Day-ahead forecasts, one row per series, hour and run.
create table if not exists {{operational_schema}}.dayahead_load_forecasts (
    forecast_datetime          timestamptz      not null,
    predicted_lossadjustedload double precision not null,
    predicted_lower_bound      double precision,
    predicted_upper_bound      double precision,
    run_id                     uuid             not null references {{operational_schema}}.run_log (run_id),
    model_version              integer          not null,
    run_user                   text             not null default current_user,
    created_at                 timestamptz      not null default now(),
    load_profile               text             not null,
    load_segment               text             not null,
    year                       smallint         not null,
    month                      smallint         not null,
    day                        smallint         not null,
    local_hour                 smallint         not null check (local_hour between 0 and 23),
    as_of_date                 date             not null,
    out_of_distribution        boolean          not null default false,
    ood_reasons                text[],
    primary key (forecast_datetime, run_id, load_profile, load_segment),
    foreign key (load_profile, load_segment) references {{operational_schema}}.series_catalog (load_profile, load_segment)
);
create index if not exists dayahead_load_forecasts_series_idx
    on {{operational_schema}}.dayahead_load_forecasts (load_profile, load_segment, forecast_datetime);
comment on table {{operational_schema}}.dayahead_load_forecasts is 'Hourly day-ahead load forecasts per series and run.';
comment on column {{operational_schema}}.dayahead_load_forecasts.forecast_datetime is 'Start of the forecast hour.';
comment on column {{operational_schema}}.dayahead_load_forecasts.predicted_lossadjustedload is 'Forecast net loss-adjusted load, kWh.';
comment on column {{operational_schema}}.dayahead_load_forecasts.year is 'Local calendar year of the forecast hour.';
comment on column {{operational_schema}}.dayahead_load_forecasts.as_of_date is 'Run date: the forecast used data known as of this date.';
comment on column {{operational_schema}}.dayahead_load_forecasts.out_of_distribution is 'True when an input was outside the range the model was trained on.';
