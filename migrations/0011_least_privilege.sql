-- 0011: least privilege that holds against a hostile login of each role, not only a careless one.
-- Parameters: identifier placeholders only (see 0001).
--
--   run_locks             Gridcast's named locks as rows, so only the loader and runner can take them
--                         (any login can take any advisory lock and block loads, forecasts, training).
--   run_log               a role inserts only the columns that describe its run and finishes only its
--                         own running rows, once; finished rows never change.
--   load_rejects          append-only for the loader: a new load of a file supersedes the file's earlier
--                         rejects (superseded_at, superseded_by) instead of deleting them.
--   model_registry        the runner may change a model's status and reason, nothing else (not the series,
--                         not model_json, not the timestamps).
--   model_status_history  stamped by the server (changed_at, changed_by) and consistent with the registry,
--                         so a backdated or invented "approved" event cannot steer a backfill.
--   forecasts             the runner deletes backtest rows only (row-level security); issued rows stay.
--   vw_series_status      what `gridcast status` shows, readable by the runner and the BI reader.
--
-- The owner of the tables (the DBA who migrates) is not bound by the triggers' role checks or by the
-- row-level security policies, so a DBA can still repair rows by hand.

-- Named locks. A Gridcast run locks its row FOR UPDATE inside the transaction that needs it; the lock
-- ends with that transaction, also when the session dies. Rows are created on first use.
create table if not exists {{operational_schema}}.run_locks (
    lock_name  text        primary key,
    created_at timestamptz not null default now()
);
comment on table {{operational_schema}}.run_locks is
    'Gridcast''s named locks (load.sqmd..., series..., forecast..., calendar...); a run holds its row locked FOR UPDATE.';
grant select, insert, update on {{operational_schema}}.run_locks to {{loader_role}}, {{runner_role}};

-- True when the current role owns the table the trigger fires on (the DBA), who may repair rows.
create or replace function {{operational_schema}}.gridcast_is_table_owner(table_oid oid)
returns boolean
language sql stable
as $$
    select pg_has_role(current_user, c.relowner, 'MEMBER') from pg_class c where c.oid = table_oid
$$;
grant execute on function {{operational_schema}}.gridcast_is_table_owner(oid) to {{loader_role}}, {{runner_role}};

-- run_log: insert describes the run; update finishes it.
revoke insert, update on {{operational_schema}}.run_log from {{loader_role}}, {{runner_role}};
grant insert (kind, arguments, client_host) on {{operational_schema}}.run_log to {{loader_role}}, {{runner_role}};
grant update (status, rows, error, finished_at) on {{operational_schema}}.run_log to {{loader_role}}, {{runner_role}};

create or replace function {{operational_schema}}.run_log_guard()
returns trigger
language plpgsql
as $$
begin
    if {{operational_schema}}.gridcast_is_table_owner(tg_relid) then
        return new;
    end if;
    if old.status <> 'running' then
        raise exception 'run % is already %; a finished run-log row cannot change', old.run_id, old.status
            using errcode = '42501';
    end if;
    if old.run_user <> current_user then
        raise exception 'run % belongs to %, not %', old.run_id, old.run_user, current_user
            using errcode = '42501';
    end if;
    return new;
end
$$;
drop trigger if exists run_log_guard on {{operational_schema}}.run_log;
create trigger run_log_guard before update on {{operational_schema}}.run_log
    for each row execute function {{operational_schema}}.run_log_guard();

-- load_rejects: superseded, never deleted by the loader.
alter table {{input_schema}}.load_rejects
    add column if not exists superseded_by uuid,
    add column if not exists superseded_at timestamptz;
comment on column {{input_schema}}.load_rejects.superseded_by is
    'The run of the later load of the same file that superseded this reject.';
comment on column {{input_schema}}.load_rejects.superseded_at is
    'When a later load of the same file superseded it (null: from the file''s latest load).';
create index if not exists load_rejects_current_idx
    on {{input_schema}}.load_rejects (source_kind, source_file) where superseded_at is null;
revoke insert, delete on {{input_schema}}.load_rejects from {{loader_role}};
grant insert (run_id, source_kind, source_file, line_number, raw_line, reason)
    on {{input_schema}}.load_rejects to {{loader_role}};
grant update (superseded_by, superseded_at) on {{input_schema}}.load_rejects to {{loader_role}};

create or replace function {{input_schema}}.load_rejects_guard()
returns trigger
language plpgsql
as $$
begin
    if {{operational_schema}}.gridcast_is_table_owner(tg_relid) then
        return new;
    end if;
    if old.superseded_at is not null then
        raise exception 'reject % was already superseded at %', old.reject_id, old.superseded_at
            using errcode = '42501';
    end if;
    new.superseded_at := now();
    return new;
end
$$;
drop trigger if exists load_rejects_guard on {{input_schema}}.load_rejects;
create trigger load_rejects_guard before update on {{input_schema}}.load_rejects
    for each row execute function {{input_schema}}.load_rejects_guard();

create or replace view {{input_schema}}.vw_load_rejects_current as
select reject_id, run_id, source_kind, source_file, line_number, raw_line, reason, loaded_at
from {{input_schema}}.load_rejects
where superseded_at is null;
comment on view {{input_schema}}.vw_load_rejects_current is
    'The rejects of each file''s latest load (earlier loads'' rejects stay in load_rejects, superseded).';
grant select on {{input_schema}}.vw_load_rejects_current to {{loader_role}}, {{runner_role}};

-- model_registry: a new version is inserted whole; afterwards only its status moves.
revoke insert, update on {{operational_schema}}.model_registry from {{runner_role}};
grant insert (load_profile, load_segment, model_version, train_start, train_end, validation_start, validation_end,
              test_start, test_end, hyperparameters, features, metrics, status, status_reason, training_run_id,
              xgboost_version, model_json)
    on {{operational_schema}}.model_registry to {{runner_role}};
grant update (status, status_reason) on {{operational_schema}}.model_registry to {{runner_role}};

-- model_status_history: written by the registry's trigger (as the user who changed the status).
revoke insert on {{operational_schema}}.model_status_history from {{runner_role}};
grant insert (model_id, load_profile, load_segment, model_version, old_status, new_status, reason)
    on {{operational_schema}}.model_status_history to {{runner_role}};

create or replace function {{operational_schema}}.model_status_history_guard()
returns trigger
language plpgsql
as $$
begin
    if {{operational_schema}}.gridcast_is_table_owner(tg_relid) then
        return new;
    end if;
    new.changed_at := clock_timestamp();
    new.changed_by := current_user;
    if not exists (select 1 from {{operational_schema}}.model_registry m
                   where m.model_id = new.model_id and m.load_profile = new.load_profile
                     and m.load_segment = new.load_segment and m.model_version = new.model_version
                     and m.status = new.new_status) then
        raise exception 'status event for model % (% %, version %) does not match the registry',
            new.model_id, new.load_profile, new.load_segment, new.model_version
            using errcode = '42501',
                  hint = 'Change a model''s status with UPDATE of model_registry.status; its trigger records the event.';
    end if;
    return new;
end
$$;
drop trigger if exists model_status_history_guard on {{operational_schema}}.model_status_history;
create trigger model_status_history_guard before insert on {{operational_schema}}.model_status_history
    for each row execute function {{operational_schema}}.model_status_history_guard();

-- Forecasts: rows are written once; the runner replaces its own backtests but never deletes an issued row.
revoke update on {{operational_schema}}.dayahead_load_forecasts from {{runner_role}};
alter table {{operational_schema}}.dayahead_load_forecasts enable row level security;
drop policy if exists runner_reads on {{operational_schema}}.dayahead_load_forecasts;
create policy runner_reads on {{operational_schema}}.dayahead_load_forecasts
    for select to {{runner_role}} using (true);
drop policy if exists runner_writes on {{operational_schema}}.dayahead_load_forecasts;
create policy runner_writes on {{operational_schema}}.dayahead_load_forecasts
    for insert to {{runner_role}} with check (true);
drop policy if exists runner_replaces_backtests on {{operational_schema}}.dayahead_load_forecasts;
create policy runner_replaces_backtests on {{operational_schema}}.dayahead_load_forecasts
    for delete to {{runner_role}} using (forecast_kind = 'backtest');

-- Loads by a role that does not own the tables cannot ANALYZE them (only the owner can in
-- PostgreSQL 15), so autovacuum refreshes their statistics sooner than its default (10% changed).
alter table {{input_schema}}.sqmd set (autovacuum_analyze_scale_factor = 0.01, autovacuum_analyze_threshold = 1000);
alter table {{input_schema}}.weather_hourly
    set (autovacuum_analyze_scale_factor = 0.01, autovacuum_analyze_threshold = 1000);

-- What `gridcast status` prints per series: champion, last forecast, newest data.
create or replace view {{bi_schema}}.vw_series_status as
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
left join lateral (select max(x.forecast_datetime) as last_hour, max(x.created_at) as last_created
                   from {{operational_schema}}.dayahead_load_forecasts x
                   where x.load_profile = c.load_profile and x.load_segment = c.load_segment) f on true
left join lateral (select max(s.tradedatelocal) filter (where s.submission = 'Initial') as latest_initial,
                          max(s.tradedatelocal) filter (where s.submission = 'Final')   as latest_final
                   from {{input_schema}}.sqmd s
                   where s.loadprofile = c.load_profile
                     and {{operational_schema}}.load_segment_of(s.rategroup) = c.load_segment) d on true
where c.active;
comment on view {{bi_schema}}.vw_series_status is 'Per active series: champion model, last forecast and newest meter data.';
comment on column {{bi_schema}}.vw_series_status.series_id is 'Series key, PROFILE-SEGMENT.';
comment on column {{bi_schema}}.vw_series_status.load_profile is 'Load profile.';
comment on column {{bi_schema}}.vw_series_status.load_segment is 'SOLAR or NONSOLAR.';
comment on column {{bi_schema}}.vw_series_status.champion_version is 'Version of the approved model (null: none).';
comment on column {{bi_schema}}.vw_series_status.champion_rmse_kwh is 'Champion''s test-window RMSE, kWh.';
comment on column {{bi_schema}}.vw_series_status.champion_skill is 'Champion''s skill, 1 - RMSE / baseline RMSE.';
comment on column {{bi_schema}}.vw_series_status.last_forecast_hour is 'Latest hour forecast (issued or backtest).';
comment on column {{bi_schema}}.vw_series_status.last_forecast_written_at is 'When the newest forecast row was written.';
comment on column {{bi_schema}}.vw_series_status.latest_initial is 'Newest trade date with an Initial submission.';
comment on column {{bi_schema}}.vw_series_status.latest_final is 'Newest trade date with a Final submission.';

grant usage on schema {{bi_schema}} to {{runner_role}};
grant select on {{bi_schema}}.vw_series_status, {{bi_schema}}.vw_run_history to {{runner_role}}, {{bi_reader_role}};
