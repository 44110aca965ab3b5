#!/usr/bin/env python3
"""The mlforecast + LightGBM peer on a public series, day-ahead (or D+N), with the same information as gridcast.

What a data scientist would run beside gridcast on `hourly.csv` (bench/public/elecdemand.py): mlforecast
builds lags and calendar features, LightGBM (the settings of bench/reference/peer_lightgbm.py) learns them,
for each data delay d:

- lags only of what is known when day D is forecast on D - 1 (D - N with --lead N): the same hour d + N ..
  d + N + 6 days back and whole weeks back, and the 24- and 168-hour means ending at the newest known hour
  ((d + N) x 24 hours before the target), so every feature of every test hour was known at its run time;
- the hour's temperature and the target day's mean temperature (the same perfect "forecast" gridcast gets),
  hour, day of week, month, day of year, work day and holiday flags (weekdays the data marks as not worked);
- rolling origins: for each train-end date in --origins, boosting rounds chosen by early stopping on the
  VALIDATION_DAYS up to it, then a refit on every day up to it with those rounds (as gridcast's recency
  refit), which forecasts each hour from the next day up to the next origin (the last: --test-to).

Prints one JSON document: per delay and window, RMSE, MAPE and WAPE, over all windows together, and the
seasonal naive's (the same hour the smallest whole number of weeks back that is known at run time).

    python3 bench/public/peer_mlforecast.py --input DIR/hourly.csv --delays 14,1
"""
import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse
import json
import sys

import lightgbm as lgb
import numpy as np
import pandas as pd
from mlforecast import MLForecast
from mlforecast.lag_transforms import RollingMean

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from peer_lightgbm import PARAMETERS  # noqa: E402  (the bench's peer settings, one place)

MARKET_OFFSET = pd.Timedelta(hours=10)


def read_hourly(path):
    frame = pd.read_csv(path)
    utc = pd.to_datetime(frame["hour_start_utc"], utc=True).dt.tz_localize(None)
    local = utc + MARKET_OFFSET
    series = pd.DataFrame({"unique_id": "VIC", "ds": local, "y": frame["demand_kwh"],
                           "temperature": frame["temperature_c"], "workday": frame["workday"]})
    series["holiday"] = ((series["workday"] == 0) & (series["ds"].dt.dayofweek < 5)).astype(int)
    series["day_temperature"] = series.groupby(series["ds"].dt.date)["temperature"].transform("mean")
    return series


def known_lags(delay, lead=1):
    """Same-hour lags in hours, each at least (delay + lead) days: the newest trade date known on D - lead."""
    first = delay + lead
    days = sorted(set(range(first, first + 7)) | {w * 7 for w in range(1, 6) if w * 7 >= first})
    lags = [24 * day for day in days]
    # The information rule, checked where it is made: a shorter lag would read a day not yet known.
    assert min(lags) >= 24 * (delay + lead), (delay, lead, lags)
    return lags


def metrics(predicted, actual):
    error = predicted - actual
    return {"rmse": float(np.sqrt(np.mean(error ** 2))), "mape": float(100 * np.mean(np.abs(error) / np.abs(actual))),
            "wape": float(100 * np.sum(np.abs(error)) / np.sum(np.abs(actual))), "hours": int(len(actual))}


def windows(args):
    """(train end, first test day, last test day) per origin: each origin's model forecasts up to the next."""
    ends = [pd.Timestamp(day) for day in args.origins.split(",")]
    last = pd.Timestamp(args.test_to)
    return [(end, end + pd.Timedelta(days=1), (ends[i + 1] if i + 1 < len(ends) else last)) for i, end in enumerate(ends)]


def run_delay(series, delay, args):
    lags = known_lags(delay, args.lead)
    forecast = MLForecast(models=[], freq="h", lags=lags,
                          lag_transforms={lags[0]: [RollingMean(window_size=24), RollingMean(window_size=168)]},
                          date_features=["hour", "dayofweek", "month", "dayofyear"])
    table = forecast.preprocess(series, static_features=[], dropna=False)
    features = [c for c in table.columns if c not in ("unique_id", "ds", "y")]
    day = table["ds"].dt.normalize()
    x, y = table[features].astype(float), table["y"].astype(float)
    naive_hours = 24 * 7 * -(-(delay + args.lead) // 7)
    naive_all = series.set_index("ds")["y"].shift(naive_hours).to_numpy()
    predicted, actual, naive, per_window = [], [], [], []
    for train_end, test_from, test_to in windows(args):
        validation_start = train_end - pd.Timedelta(days=args.validation_days - 1)
        fit_rows, valid_rows = day < validation_start, (day >= validation_start) & (day <= train_end)
        test_rows = ((day >= test_from) & (day <= test_to)).to_numpy()
        chooser = lgb.train(PARAMETERS, lgb.Dataset(x[fit_rows], y[fit_rows]), num_boost_round=args.max_rounds,
                            valid_sets=[lgb.Dataset(x[valid_rows], y[valid_rows])],
                            callbacks=[lgb.early_stopping(args.patience, verbose=False)])
        rounds = max(1, chooser.best_iteration)
        refit = lgb.train(PARAMETERS, lgb.Dataset(x[day <= train_end], y[day <= train_end]), num_boost_round=rounds)
        window = refit.predict(x[test_rows])
        predicted.append(window); actual.append(y[test_rows].to_numpy()); naive.append(naive_all[test_rows])
        per_window.append({"train_end": str(train_end.date()), "rounds": rounds,
                           "peer": metrics(window, actual[-1]), "seasonal_naive": metrics(naive[-1], actual[-1])})
    predicted, actual, naive = np.concatenate(predicted), np.concatenate(actual), np.concatenate(naive)
    return {"delay_days": delay, "lead_days": args.lead, "lags_hours": lags, "features": len(features), "windows": per_window,
            "peer": metrics(predicted, actual), "seasonal_naive": metrics(naive, actual),
            "seasonal_naive_lag_hours": naive_hours}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="hourly.csv written by bench/public/elecdemand.py")
    parser.add_argument("--delays", default="14,1")
    parser.add_argument("--lead", type=int, default=1, help="days before the target day its forecast is made")
    parser.add_argument("--origins", default="2014-06-30,2014-08-31,2014-10-31",
                        help="train-end dates: each model learns up to its date and forecasts the days to the next")
    parser.add_argument("--test-to", default="2014-12-31", help="last day the last origin's model forecasts")
    parser.add_argument("--validation-days", type=int, default=56)
    parser.add_argument("--max-rounds", type=int, default=5000)
    parser.add_argument("--patience", type=int, default=50)
    args = parser.parse_args()
    series = read_hourly(args.input)
    results = [run_delay(series, int(delay), args) for delay in args.delays.split(",")]
    print(json.dumps({"mlforecast": __import__("mlforecast").__version__, "lightgbm": lgb.__version__,
                      "results": results}, indent=1))


if __name__ == "__main__":
    main()
