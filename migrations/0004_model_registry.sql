-- 0004: the model registry and its status history.
-- Parameters: identifier placeholders only (see 0001).
--
-- At most one approved model (the champion) per series. Approving a model, by `gridcast models
-- approve` or by a plain UPDATE ... SET status = 'approved', retires the previous champion, and
-- every status change is recorded in model_status_history (which backfill uses to find the champion
-- of a past date).

create table if not exists {{operational_schema}}.model_registry (
    model_id          bigint      generated always as identity primary key,
    load_profile      text        not null,
    load_segment      text        not null,
    model_version     integer     not null,
    created_at        timestamptz not null default now(),
    train_start       date        not null,
    train_end         date        not null,
    validation_start  date,
    validation_end    date,
    test_start        date,
    test_end          date,
    hyperparameters   jsonb       not null default '{}',
    features          text[]      not null,
    metrics           jsonb       not null default '{}',
    status            text        not null default 'candidate'
                                  check (status in ('candidate', 'approved', 'rejected', 'retired')),
    status_reason     text,
    status_changed_at timestamptz not null default now(),
    status_changed_by text        not null default current_user,
    training_run_id   uuid        references {{operational_schema}}.run_log (run_id),
    xgboost_version   text,
    model_json        json        not null,
    unique (load_profile, load_segment, model_version),
    foreign key (load_profile, load_segment) references {{operational_schema}}.series_catalog (load_profile, load_segment)
);
create unique index if not exists model_registry_one_champion
    on {{operational_schema}}.model_registry (load_profile, load_segment) where status = 'approved';
comment on table {{operational_schema}}.model_registry is 'Trained models per series with metrics, status and the XGBoost model as JSON.';
comment on column {{operational_schema}}.model_registry.model_json is 'The XGBoost model in its JSON format, loadable by any XGBoost (Booster.load_model).';
comment on column {{operational_schema}}.model_registry.metrics is 'Holdout metrics of the model and of the seasonal-naive baseline.';

create table if not exists {{operational_schema}}.model_status_history (
    event_id      bigint      generated always as identity primary key,
    model_id      bigint      not null references {{operational_schema}}.model_registry (model_id),
    load_profile  text        not null,
    load_segment  text        not null,
    model_version integer     not null,
    old_status    text,
    new_status    text        not null,
    reason        text,
    changed_at    timestamptz not null default clock_timestamp(),
    changed_by    text        not null default current_user
);
create index if not exists model_status_history_series_idx
    on {{operational_schema}}.model_status_history (load_profile, load_segment, changed_at);

-- Before a model becomes the champion, retire the current one; stamp who changed the status and when.
create or replace function {{operational_schema}}.model_registry_before_status()
returns trigger
language plpgsql
as $$
begin
    if tg_op = 'UPDATE' and new.status is not distinct from old.status then
        return new;
    end if;
    new.status_changed_at := clock_timestamp();
    new.status_changed_by := current_user;
    if new.status = 'approved' then
        update {{operational_schema}}.model_registry
           set status = 'retired',
               status_reason = format('superseded by version %s', new.model_version)
         where load_profile = new.load_profile
           and load_segment = new.load_segment
           and status = 'approved'
           and model_id is distinct from new.model_id;
    end if;
    return new;
end
$$;

create or replace function {{operational_schema}}.model_registry_after_status()
returns trigger
language plpgsql
as $$
begin
    if tg_op = 'INSERT' or new.status is distinct from old.status then
        insert into {{operational_schema}}.model_status_history
            (model_id, load_profile, load_segment, model_version, old_status, new_status, reason)
        values (new.model_id, new.load_profile, new.load_segment, new.model_version,
                case when tg_op = 'UPDATE' then old.status end, new.status, new.status_reason);
    end if;
    return null;
end
$$;

drop trigger if exists model_registry_before_status on {{operational_schema}}.model_registry;
create trigger model_registry_before_status
    before insert or update of status on {{operational_schema}}.model_registry
    for each row execute function {{operational_schema}}.model_registry_before_status();

drop trigger if exists model_registry_after_status on {{operational_schema}}.model_registry;
create trigger model_registry_after_status
    after insert or update of status on {{operational_schema}}.model_registry
    for each row execute function {{operational_schema}}.model_registry_after_status();
