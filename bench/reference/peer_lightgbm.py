#!/usr/bin/env python3
"""The LightGBM peer for `gridcast-bench --stages peer`: a strong, standard model on the same inputs.

What a data scientist would run next to gridcast: LightGBM from PyPI (pinned in bench/requirements.txt)
on the feature matrices gridcast-bench exported from the warehouse, so it sees exactly what gridcast
saw: every feature as known at each day's run time (lags no shorter than the delay allows, weather as
issued before the run time), and nothing else. Same split as gridcast's training (the last TEST_DAYS
dates are the test window, the VALIDATION_DAYS before them stop the boosting), all features (LightGBM
has no selection step of its own), LightGBM's usual settings for tabular load data with early stopping
on the validation window, then the test RMSE. One process per core, one thread each. Prints one JSON
document on stdout.

    python3 bench/reference/peer_lightgbm.py --input DIR --workers 2
"""
import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse
import glob
import json
import multiprocessing
import time

import lightgbm as lgb
import numpy as np

from exported_matrices import load, rmse, split


# LightGBM's defaults with the usual changes for a few years of hourly load: a smaller learning rate
# with many rounds and early stopping, row and column subsampling, and a floor on leaf size.
PARAMETERS = {"objective": "regression", "metric": "rmse", "learning_rate": 0.05, "num_leaves": 63,
              "min_data_in_leaf": 20, "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1,
              "lambda_l2": 1.0, "num_threads": 1, "verbosity": -1, "seed": 42, "deterministic": True}


def train_series(job):
    prefix, args = job
    started = time.time()
    meta, labels, features = load(prefix)
    labels, features = labels.astype(np.float64), features.astype(np.float64)
    train, valid, test = split(meta["dates"], args.test_days, args.validation_days)
    names = [name.replace(" ", "_") for name in meta["features"]]
    dtrain = lgb.Dataset(features[train], label=labels[train], feature_name=names, free_raw_data=False)
    dvalid = lgb.Dataset(features[valid], label=labels[valid], reference=dtrain, free_raw_data=False)
    booster = lgb.train(PARAMETERS, dtrain, num_boost_round=args.max_rounds, valid_sets=[dvalid],
                        callbacks=[lgb.early_stopping(args.patience, verbose=False)])
    predicted = booster.predict(features[test], num_iteration=booster.best_iteration)
    return {"series": meta["series"], "rmse": rmse(predicted, labels[test]), "rounds": booster.best_iteration,
            "features": len(names), "train_rows": valid.start, "test_rows": len(labels) - test.start,
            "seconds": time.time() - started}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="folder of SERIES.json + SERIES.f32 written by gridcast-bench")
    parser.add_argument("--test-days", type=int, default=56)
    parser.add_argument("--validation-days", type=int, default=56)
    parser.add_argument("--max-rounds", type=int, default=5000)
    parser.add_argument("--patience", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    prefixes = sorted(p[:-5] for p in glob.glob(os.path.join(args.input, "*.json")))
    if not prefixes:
        raise SystemExit(f"no SERIES.json files in {args.input}; run gridcast-bench to export them")
    started = time.time()
    with multiprocessing.get_context("spawn").Pool(min(args.workers, len(prefixes))) as pool:
        results = pool.map(train_series, [(p, args) for p in prefixes], chunksize=1)
    print(json.dumps({"lightgbm": lgb.__version__, "seconds": time.time() - started, "series": results}))


if __name__ == "__main__":
    main()
