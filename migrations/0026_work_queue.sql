-- 0026: a work queue, so any number of `gridcast train` / `gridcast forecast` workers on any number of
-- machines share one run without a fixed `--shard i/N`.
-- Parameters: identifier placeholders only (see 0001).
--
-- Workers started with the same `--queue NAME` each add their selection (idempotent) and then take
-- series one at a time (train) or a batch at a time (forecast) with FOR UPDATE SKIP LOCKED, so no two
-- workers take the same series. A worker holds a session advisory lock on each task it runs
-- (keys: work_queue_lock_class(), the table's oid, and the task_id), so a task that says 'running' but whose
-- lock nobody holds belongs to a worker that died (killed, machine lost, connection dropped): the next
-- worker takes it again, up to the queue's attempt limit. Session locks need session pooling: run the
-- workers on direct connections or a pool in session mode, not transaction mode.
--
-- Progress by hand:  select * from <operational schema>.vw_work_queue_progress;
-- A queue is done when it has no pending or running tasks; delete its rows to reuse the name.

create table if not exists {{operational_schema}}.work_queue (
    task_id       bigint generated always as identity,
    queue_name    text        not null,
    task          text        not null check (task in ('train', 'forecast')),
    load_profile  text        not null,
    load_segment  text        not null,
    status        text        not null default 'pending' check (status in ('pending', 'running', 'done', 'failed')),
    attempts      int         not null default 0,
    worker        text,
    enqueued_at   timestamptz not null default now(),
    claimed_at    timestamptz,
    finished_at   timestamptz,
    error         text,
    primary key (queue_name, load_profile, load_segment),
    unique (task_id)
);
create index if not exists work_queue_open_idx
    on {{operational_schema}}.work_queue (queue_name, task_id) where status in ('pending', 'running');

comment on table {{operational_schema}}.work_queue is
    'Series shared by the workers of a run started with --queue NAME: one row per series, taken with '
    'FOR UPDATE SKIP LOCKED; a running task''s worker holds a session advisory lock on it.';
comment on column {{operational_schema}}.work_queue.worker is 'host:pid/thread of the worker that took the task last.';
comment on column {{operational_schema}}.work_queue.attempts is
    'Times the task was taken; a task whose worker died is taken again while attempts < the queue''s limit.';

-- The first advisory-lock key of this environment's tasks: the queue table's oid (as int4), so the queues
-- of two environments in one database never share a lock.
create or replace function {{operational_schema}}.work_queue_lock_class() returns int
language sql stable as $$
    select (oid::bigint - case when oid::bigint > 2147483647 then 4294967296 else 0 end)::int
    from pg_class where oid = '{{operational_schema}}.work_queue'::regclass
$$;
grant execute on function {{operational_schema}}.work_queue_lock_class() to {{runner_role}};

-- Which running tasks still have a live worker: its advisory lock is held (pg_locks shows advisory locks
-- of every session to every user).
create or replace view {{operational_schema}}.vw_work_queue_tasks as
select q.task_id, q.queue_name, q.task, q.load_profile, q.load_segment, q.status,
       q.status = 'running' and l.pid is null as worker_lost,
       l.pid                                  as worker_pid,
       q.attempts, q.worker, q.enqueued_at, q.claimed_at, q.finished_at,
       q.finished_at - q.claimed_at           as duration,
       q.error
from {{operational_schema}}.work_queue q
left join pg_locks l
       on l.locktype = 'advisory' and l.granted and l.objsubid = 2
      and l.database = (select oid from pg_database where datname = current_database())
      and l.classid = '{{operational_schema}}.work_queue'::regclass::oid
      and l.objid = (q.task_id & 2147483647)::oid
      and q.status = 'running';
comment on view {{operational_schema}}.vw_work_queue_tasks is
    'Each queued series with its status; worker_lost = running, but no worker holds it any more (it will be taken again).';

create or replace view {{operational_schema}}.vw_work_queue_progress as
select queue_name,
       min(task)                                                     as task,
       count(*)                                                      as tasks,
       count(*) filter (where status = 'pending')                    as pending,
       count(*) filter (where status = 'running' and not worker_lost) as running,
       count(*) filter (where worker_lost)                           as worker_lost,
       count(*) filter (where status = 'done')                       as done,
       count(*) filter (where status = 'failed')                     as failed,
       count(distinct worker_pid)                                    as live_workers,
       round(100.0 * count(*) filter (where status in ('done', 'failed')) / count(*), 1) as percent_finished,
       min(enqueued_at)                                              as enqueued_at,
       max(finished_at)                                              as last_finished_at,
       avg(duration) filter (where status = 'done')                  as mean_task_duration
from {{operational_schema}}.vw_work_queue_tasks
group by queue_name;
comment on view {{operational_schema}}.vw_work_queue_progress is
    'Progress of each work queue (gridcast train/forecast --queue NAME): tasks pending, running, lost, done, failed.';

grant select, insert, update on {{operational_schema}}.work_queue to {{runner_role}};
grant select on {{operational_schema}}.vw_work_queue_tasks, {{operational_schema}}.vw_work_queue_progress to {{runner_role}};
