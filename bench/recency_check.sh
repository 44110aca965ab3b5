#!/usr/bin/env bash
# Recency check (migration 0020): each series trained through 2024-10-31 without the refit (version 1)
# and with it (version 2), both versions backfilled over November 2024 (out of sample for both: the
# refit ends on 2024-10-31, the evaluated fit on its validation end) and graded against the actuals.
# Prints series, version, refit, hours, RMSE (kWh), WAPE (%). Starts its own PostgreSQL as the
# postgres user in $WORK (default /tmp/gridcast-recency); run as root after ./setup --no-run.
#   GRIDCAST=.build/debug/gridcast SERIES="RES-SOLAR" TRIALS=10 bench/recency_check.sh
set -euo pipefail
G=${GRIDCAST:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/gridcast}
D=${WORK:-/tmp/gridcast-recency}
rm -rf "$D" && mkdir -p "$D" && chown postgres "$D"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
su postgres -c "$PGBIN/initdb -D $D/pg -A trust -U postgres" >/dev/null
su postgres -c "$PGBIN/pg_ctl -D $D/pg -o '-k $D -p 5499 -c listen_addresses= -c fsync=off' -l $D/pg.log start" >/dev/null
export GRIDCAST_DATABASE_URL="host=$D port=5499 user=postgres dbname=postgres"
$G migrate >/dev/null 2>&1
$G sample --out $D/s --start 2023-01-01 --end 2024-12-31 >/dev/null 2>&1
$G load sqmd $D/s/sqmd_initial.csv $D/s/sqmd_final.csv >/dev/null 2>&1
$G load weather $D/s/weather_open_meteo.json >/dev/null 2>&1
$G load weather --kind forecast $D/s/weather_forecast_previous_runs.json >/dev/null 2>&1
$G calendar fill --from 2022-12-01 --to 2025-01-05 >/dev/null 2>&1
for S in ${SERIES:-RES-SOLAR RES-NONSOLAR SMLCOM-NONSOLAR}; do
  A="--series $S --end-date 2024-10-31 --trials ${TRIALS:-10} --history-days 600"
  $G train $A --no-refit >/dev/null 2>&1
  $G train $A >/dev/null 2>&1
  $G backfill --series $S --from 2024-11-01 --to 2024-11-30 --model-version 1 >/dev/null 2>&1
  $G backfill --series $S --from 2024-11-01 --to 2024-11-30 --model-version 2 >/dev/null 2>&1
done
psql "$GRIDCAST_DATABASE_URL" -At -F ' ' -c "
select f.series_id, f.model_version, m.refit_end is not null as refit, count(*) as hours,
       round(sqrt(avg((f.predicted_lossadjustedload - a.net_load_kwh)^2))::numeric, 1) as rmse,
       round((100 * sum(abs(f.predicted_lossadjustedload - a.net_load_kwh)) / sum(abs(a.net_load_kwh)))::numeric, 3) as wape
from gridcast_operational_dev.dayahead_load_forecasts f
join gridcast_operational_dev.series_actuals_hourly a
  on a.load_profile = f.load_profile and a.load_segment = f.load_segment and a.hour_start_utc = f.forecast_datetime
join gridcast_operational_dev.model_registry m
  on m.load_profile = f.load_profile and m.load_segment = f.load_segment and m.model_version = f.model_version
where not f.in_sample
group by 1, 2, 3 order by 1, 2"
su postgres -c "$PGBIN/pg_ctl -D $D/pg stop" >/dev/null
