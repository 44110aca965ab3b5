-- 0027: which rate groups are solar customers, as rows a DBA edits instead of a function body.
-- Parameters: identifier placeholders only (see 0001).
--
-- load_segment_of(rategroup) stays an IMMUTABLE SQL function, so PostgreSQL inlines it into the feature
-- SQL and Citus pushes it down to the shards; a trigger rebuilds it from segment_rules whenever the rows
-- change, then rebuilds what was stored with the old rule (the hourly actuals and the daily accuracy).
-- Seeded with the rule of 0003: rate groups starting NEM or SBP (California's net energy metering and
-- solar billing plan tariffs) are SOLAR, every other rate group is NONSOLAR.
--
-- Another utility's rule, e.g. where NEM is the market's name (Australia's National Electricity Market):
--   begin;
--   delete from <operational schema>.segment_rules;
--   insert into <operational schema>.segment_rules (rategroup_pattern, load_segment, note)
--   values ('%SOLAR%', 'SOLAR', 'our solar feed-in tariffs');
--   commit;
-- Patterns are LIKE patterns (case-sensitive); the lowest priority that matches wins; no match is
-- NONSOLAR. The change rebuilds the stored actuals in the same transaction (minutes on a large
-- warehouse); retrain the series afterwards, since their history changed.

create table if not exists {{operational_schema}}.segment_rules (
    rategroup_pattern text primary key check (rategroup_pattern <> ''),
    load_segment      text not null check (load_segment in ('SOLAR', 'NONSOLAR')),
    priority          int  not null default 100,
    note              text
);
comment on table {{operational_schema}}.segment_rules is
    'Which rate groups form the SOLAR segment (LIKE patterns, lowest priority first; no match = NONSOLAR). '
    'Editing the rows rebuilds load_segment_of() and the stored hourly actuals.';

insert into {{operational_schema}}.segment_rules (rategroup_pattern, load_segment, priority, note) values
    ('NEM%', 'SOLAR', 10, 'net energy metering tariffs (California)'),
    ('SBP%', 'SOLAR', 20, 'solar billing plan tariffs (California)')
on conflict do nothing;

-- Rebuilds load_segment_of() from the rows as one CASE expression (patterns and segments quoted as
-- literals), then the stored data that depends on it. The seed rows above give the 0003 function, so
-- creating the trigger after them changes nothing on an existing warehouse.
create or replace function {{operational_schema}}.rebuild_load_segment_of() returns trigger
language plpgsql
as $rebuild$
declare
    cases text;
begin
    select string_agg(format('when rategroup like %L then %L', rategroup_pattern, load_segment), ' '
                      order by priority, rategroup_pattern)
    into cases
    from {{operational_schema}}.segment_rules;
    execute format($ddl$
        create or replace function %s.load_segment_of(rategroup text)
        returns text
        language sql immutable parallel safe
        as $body$ select case %s else 'NONSOLAR' end $body$
        $ddl$, '{{operational_schema}}', coalesce(cases, 'when false then null'));
    -- On Citus the refresh writes shards and reads them again in this transaction (a placeholder on
    -- plain PostgreSQL).
    perform set_config('citus.multi_shard_modify_mode', 'sequential', true);
    -- Every trade date: the actuals, and with them the daily accuracy and the data-quality findings.
    perform {{operational_schema}}.refresh_series_actuals();
    return null;
end
$rebuild$;

drop trigger if exists segment_rules_changed on {{operational_schema}}.segment_rules;
create trigger segment_rules_changed
    after insert or update or delete or truncate on {{operational_schema}}.segment_rules
    for each statement execute function {{operational_schema}}.rebuild_load_segment_of();

comment on function {{operational_schema}}.load_segment_of(text) is
    'SOLAR or NONSOLAR for a rate group, by the rows of segment_rules (rebuilt by its trigger; edit the rows, not this).';
