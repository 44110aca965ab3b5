-- 0018: days a person has taken out of training, with the reason (e.g. a data-quality finding).
-- Parameters: identifier placeholders only (see 0001).
--
-- gridcast train leaves the target hours of these series-days out of the training, validation and
-- test rows, and records them in the model's metrics (excluded_days). Their values still feed the
-- lag and rolling features of later days. For example, every flat line found last month:
--   insert into <operational schema>.training_exclusions (series_id, local_date, reason)
--   select series_id, local_date, 'flat line: ' || detail from <operational schema>.data_quality_findings
--   where check_name = 'flat_line' and local_date >= current_date - 30 on conflict do nothing;

create table if not exists {{operational_schema}}.training_exclusions (
    series_id   text        not null,
    local_date  date        not null,
    reason      text        not null check (reason <> ''),
    excluded_by text        not null default current_user,
    excluded_at timestamptz not null default now(),
    primary key (series_id, local_date)
);
comment on table {{operational_schema}}.training_exclusions is
    'Series-days gridcast train leaves out of its rows, with who excluded them and why (recorded in the model''s metrics).';
grant select on {{operational_schema}}.training_exclusions to {{runner_role}};
