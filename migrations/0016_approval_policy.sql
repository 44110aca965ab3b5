-- 0016: how new model versions become champions, per environment.
-- Parameters: identifier placeholders only (see 0001).
--
--   auto    (the default) gridcast train approves a version that passes the approval rule;
--   manual  a passing version stays a candidate until a person approves it
--           (gridcast models approve, or UPDATE model_registry SET status = 'approved');
-- gridcast models promote copies a version from another environment's registry into this one and
-- approves it there, with the source recorded in status_reason and metrics.promoted_from.
-- A DBA switches prod to people-gated models with:
--   update gridcast_operational.gridcast_settings set value = 'manual' where setting = 'approval_policy';

create table if not exists {{operational_schema}}.gridcast_settings (
    setting    text        primary key check (setting in ('approval_policy')),
    value      text        not null,
    changed_at timestamptz not null default now(),
    changed_by text        not null default current_user,
    constraint gridcast_settings_approval_policy check (setting <> 'approval_policy' or value in ('auto', 'manual'))
);
comment on table {{operational_schema}}.gridcast_settings is
    'Environment-wide settings: approval_policy auto (train approves passing versions) or manual (a person approves).';
insert into {{operational_schema}}.gridcast_settings (setting, value) values ('approval_policy', 'auto')
on conflict do nothing;
grant select on {{operational_schema}}.gridcast_settings to {{runner_role}};
