-- 0022: holiday calendars as data. Each weather location belongs to a holiday region; a region's
-- holidays are rows of <input schema>.holidays (loaded with `gridcast load holidays FILE.csv` or
-- inserted by hand), plus, for a region whose builtin_rules say so, gridcast's built-in US federal +
-- California rules (the only calendar before this migration, so 'US-CA' keeps today's calendar).
-- `gridcast calendar fill` (and the forecast's fill of missing days) reads both, so a holiday patched
-- here survives every later fill instead of being reverted by it.
-- Parameters: identifier placeholders only (see 0001).
--
-- Kinds: public (a public holiday: is_holiday, the feature most load models lean on), school (school
-- holidays: is_school_holiday), bridge (a working day most people take off: is_bridge_day, on top of
-- the bridge days gridcast derives between a holiday and a weekend), other (named only).

create table if not exists {{input_schema}}.holiday_regions (
    region        text primary key check (region ~ '^[A-Za-z0-9_-]{1,40}$'),
    builtin_rules text not null default 'none' check (builtin_rules in ('none', 'us_federal_california')),
    description   text
);
comment on table {{input_schema}}.holiday_regions is
    'Holiday calendars: a region per weather location; builtin_rules adds gridcast''s US federal + California rules.';
insert into {{input_schema}}.holiday_regions (region, builtin_rules, description)
values ('US-CA', 'us_federal_california', 'US federal and California state holidays (built-in rules)')
on conflict (region) do nothing;

alter table {{input_schema}}.weather_locations
    add column if not exists region text not null default 'US-CA' references {{input_schema}}.holiday_regions (region);
comment on column {{input_schema}}.weather_locations.region is
    'Holiday region (holiday_regions) whose holidays the calendar of this location uses.';

create table if not exists {{input_schema}}.holidays (
    region       text        not null references {{input_schema}}.holiday_regions (region),
    holiday_date date        not null,
    name         text        not null check (name <> '' and length(name) <= 100),
    kind         text        not null default 'public' check (kind in ('public', 'school', 'bridge', 'other')),
    source_file  text,
    loaded_at    timestamptz not null default now(),
    primary key (region, holiday_date, name)
);
comment on table {{input_schema}}.holidays is
    'Holidays per region and date (observed date: the day off), beside the built-in rules of holiday_regions.';
comment on column {{input_schema}}.holidays.kind is 'public, school, bridge or other (see migration 0022).';

alter table {{input_schema}}.load_rejects drop constraint if exists load_rejects_source_kind_check;
alter table {{input_schema}}.load_rejects add constraint load_rejects_source_kind_check
    check (source_kind in ('sqmd', 'weather', 'holidays'));

alter table {{operational_schema}}.calendar_hourly
    add column if not exists is_school_holiday boolean not null default false;
comment on column {{operational_schema}}.calendar_hourly.is_school_holiday is
    'A school holiday of the location''s region (holidays.kind = school).';

grant select on {{input_schema}}.holiday_regions, {{input_schema}}.holidays to {{loader_role}}, {{runner_role}};
grant insert, update on {{input_schema}}.holidays to {{loader_role}};
