-- citus/0003_view_readers.sql: the BI reader and the runner can read their views on Citus.
--
-- PostgreSQL runs a view with its owner's rights, so migrations 0006 and 0011 grant the BI reader its
-- views and nothing underneath. Citus cannot: a query on a distributed or reference table reaches the
-- shards as the user who runs it, so a view over them checks that user's rights on its tables
-- (citusdata/citus#6161). In the distributed layout each view reader is therefore granted USAGE on the
-- schemas and SELECT on exactly the tables its views read, found from the views' dependencies. The rows
-- are the ones its views show; what it gains is reading them without the views' filters (all forecast
-- kinds, superseded rows, raw SQMD) and, since Citus refuses column-level grants ("grant/revoke on
-- column list is currently unsupported"), the model registry's model_json: on Citus the BI reader can
-- read and score the models, which plain PostgreSQL keeps from it (migration 0011).
-- Row-level security of the forecasts (0011: the runner's policies) applies to the BI reader too once
-- it reads as itself, and would show it no rows: it gets a policy that reads every row, as its views did.

set local citus.multi_shard_modify_mode = 'sequential';  -- grants reach reference tables after distributed ones
grant usage on schema {{input_schema}}, {{operational_schema}} to {{bi_reader_role}};

do $$
declare
    reader record;
    base record;
begin
    for reader in
        select r.role, r.schema_name
        from (values ('{{bi_reader_role}}'::regrole, '{{bi_schema}}'::regnamespace)) as r(role, schema_name)
    loop
        for base in
            with recursive reads as (
                -- the relations each view of the reader's schema reads, then theirs, down to tables
                select distinct d.refobjid as relid
                from pg_class v
                join pg_rewrite w on w.ev_class = v.oid
                join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = w.oid
                                and d.refclassid = 'pg_class'::regclass and d.refobjid <> v.oid
                where v.relnamespace = reader.schema_name and v.relkind in ('v', 'm')
                  and has_table_privilege(reader.role, v.oid, 'SELECT')
                union
                select d.refobjid
                from reads r
                join pg_rewrite w on w.ev_class = r.relid
                join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = w.oid
                                and d.refclassid = 'pg_class'::regclass and d.refobjid <> r.relid
            )
            select c.oid, c.relname
            from reads r
            join pg_class c on c.oid = r.relid
            where c.relkind in ('r', 'p')
              and c.relnamespace in ('{{input_schema}}'::regnamespace, '{{operational_schema}}'::regnamespace)
        loop
            execute format('grant select on %s to %s', base.oid::regclass, reader.role);
        end loop;
    end loop;
end
$$;

drop policy if exists bi_reader_reads on {{operational_schema}}.dayahead_load_forecasts;
create policy bi_reader_reads on {{operational_schema}}.dayahead_load_forecasts
    for select to {{bi_reader_role}} using (true);
