-- 0013: the feature SQL the warehouse runs, stored in the warehouse, so the extension's
-- gridcast_forecast() computes features with exactly the SQL `gridcast forecast` runs.
-- Parameters: identifier placeholders only (see 0001).
--
-- gridcast train and gridcast forecast record the feature template they ran, rendered for this
-- environment (schema names filled in), keyed by its SHA-256: a new row when the SQL changed, else
-- last_used_at moves. The row with the newest last_used_at is what gridcast_forecast() runs.
-- Rows are never updated otherwise or deleted by gridcast: together they are the history of the SQL.
create table if not exists {{operational_schema}}.feature_sql (
    template_name text        not null,
    sha256        text        not null check (sha256 ~ '^[0-9a-f]{64}$'),
    rendered_sql  text        not null,
    -- The schemas the SQL was rendered for: gridcast_forecast() finds the series' time zone there.
    input_schema  name        not null,
    first_used_at timestamptz not null default now(),
    last_used_at  timestamptz not null default now(),
    primary key (template_name, sha256)
);
comment on table {{operational_schema}}.feature_sql is
    'Feature SQL templates as gridcast ran them (rendered for this environment), newest last_used_at = current.';
comment on column {{operational_schema}}.feature_sql.template_name is 'Template file, e.g. dayahead_features.';
comment on column {{operational_schema}}.feature_sql.sha256 is 'SHA-256 of rendered_sql (hex).';
comment on column {{operational_schema}}.feature_sql.rendered_sql is 'The SQL with schema names filled in, runnable by hand after setting its gridcast.* parameters.';
comment on column {{operational_schema}}.feature_sql.input_schema is 'Input schema the SQL reads (weather, SQMD, locations).';
comment on column {{operational_schema}}.feature_sql.last_used_at is 'Last time gridcast train or forecast ran this SQL.';

grant select, insert on {{operational_schema}}.feature_sql to {{runner_role}};
grant update (last_used_at) on {{operational_schema}}.feature_sql to {{runner_role}};
