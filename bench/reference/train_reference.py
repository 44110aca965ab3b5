#!/usr/bin/env python3
"""The Python reference for `gridcast-bench`'s training comparison.

The same pipeline as gridcast's SeriesTrainer, written the way a data scientist would in Python:
xgboost from PyPI with tree_method=hist, on the feature matrices gridcast-bench exported from the
warehouse (so both sides learn from identical numbers), with the same split (last TEST_DAYS dates
test, VALIDATION_DAYS before them validation), the same consensus feature selection (gain,
permutation with features correlated at |r| >= 0.9 shuffled as one group, correlation; 2 of 3 votes, at least 5 features; gridcast's shuffles from --permutations; kept only when a default
fit on it validates no worse than on every feature), the same ensemble rule (the best three candidates' predictions
averaged, deployed when that scores better on the folds than the best alone), the same linear blend (a ridge
regression on the standardized features, blended at the weight that beats the trees on every fold and on their
mean by 0.5%), the same search candidates (gridcast's
own, from --candidates), number of trials and expanding-window folds, the same early stopping, and the same parallelism (one process
per core, one xgboost thread each). Prints one JSON document on stdout.

    python3 bench/reference/train_reference.py --input DIR --trials 50 --folds 3 --workers 2
"""
import os

# One thread per worker process, set before numpy and xgboost load their thread pools.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse
import bisect
import glob
import json
import math
import multiprocessing
import random
import time

import numpy as np
import xgboost as xgb

from exported_matrices import load, rmse, split


def params(p, seed):
    return {"objective": "reg:squarederror", "eval_metric": "rmse", "tree_method": "hist",
            "eta": p["eta"], "max_depth": p["max_depth"], "min_child_weight": p["min_child_weight"],
            "subsample": p["subsample"], "colsample_bytree": p["colsample_bytree"],
            "lambda": p["lambda"], "alpha": p["alpha"], "gamma": p["gamma"], "max_bin": p.get("max_bin", MAX_BIN),
            "nthread": 1, "seed": seed % (2**31 - 1), "verbosity": 0}


# gridcast's histogram bins per feature (BoostParameters.defaultMaxBins); XGBoost's own default is 256.
MAX_BIN = 64
DEFAULTS = {"eta": 0.1, "max_depth": 6, "min_child_weight": 1.0, "subsample": 0.8,
            "colsample_bytree": 0.8, "lambda": 1.0, "alpha": 0.0, "gamma": 0.0}


def sample(rng):
    return {"eta": math.exp(rng.uniform(math.log(0.02), math.log(0.3))),
            "max_depth": rng.randint(3, 10),
            "min_child_weight": math.exp(rng.uniform(math.log(1), math.log(50))),
            "subsample": rng.uniform(0.5, 1.0),
            "colsample_bytree": rng.uniform(0.4, 1.0),
            "lambda": math.exp(rng.uniform(math.log(0.1), math.log(20))),
            "alpha": 0.0 if rng.random() < 0.5 else math.exp(rng.uniform(math.log(0.01), math.log(5))),
            "gamma": 0.0 if rng.random() < 0.5 else rng.uniform(0, 5)}


def fit(p, dtrain, dvalid, args, seed):
    booster = xgb.train(params(p, seed), dtrain, num_boost_round=args.max_rounds, evals=[(dvalid, "validation")],
                        early_stopping_rounds=args.patience, verbose_eval=False)
    return booster, booster.best_iteration + 1, booster.best_score


def pearson(x, y):
    """gridcast's FeatureSelection.pearson: pairwise over rows where both are present, 0 when constant."""
    ok = ~np.isnan(x) & ~np.isnan(y)
    if ok.sum() <= 2:
        return 0.0
    a, b = x[ok].astype(np.float64), y[ok].astype(np.float64)
    a, b = a - a.mean(), b - b.mean()
    sxx, syy = float((a * a).sum()), float((b * b).sum())
    return float((a * b).sum()) / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else 0.0


def select_features(booster, names, x_train, y_train, x_valid, y_valid, rounds, permutations=None):
    # gain of the trees kept after early stopping, as gridcast's trimmed model reports it
    gain = booster[:rounds].get_score(importance_type="gain")
    base = rmse(booster.predict(xgb.DMatrix(x_valid, feature_names=names), iteration_range=(0, rounds)), y_valid)
    # gridcast's own shuffle when given (--permutations), so both sides score the same permutation
    if permutations and str(len(y_valid)) in permutations:
        permutation = np.asarray(permutations[str(len(y_valid))])
    else:
        permutation = np.random.default_rng(7).permutation(len(y_valid))
    # features correlated at |r| >= 0.9 with a group's first feature are shuffled together (gridcast's
    # FeatureSelection.correlatedGroups); each member gets the group's score, the group is nominated as one
    groups, leaders = [], []
    for j in range(len(names)):
        match = next((g for g, leader in enumerate(leaders) if abs(pearson(x_train[:, leader], x_train[:, j])) >= 0.9), None)
        if match is None:
            groups.append([j])
            leaders.append(j)
        else:
            groups[match].append(j)
    group_scores = []
    for group in groups:
        shuffled = x_valid.copy()
        shuffled[:, group] = x_valid[permutation][:, group]
        group_scores.append(rmse(booster.predict(xgb.DMatrix(shuffled, feature_names=names), iteration_range=(0, rounds)),
                                 y_valid) - base)
    perm = {names[j]: score for group, score in zip(groups, group_scores) for j in group}
    corr = {name: abs(pearson(x_train[:, j], y_train)) for j, name in enumerate(names)}

    def by_share(scores):
        positive = {k: v for k, v in scores.items() if v > 0 and math.isfinite(v)}
        total = sum(positive.values())
        return {k for k, v in positive.items() if v >= 0.01 * total}

    votes = {name: 0 for name in names}
    for name in by_share(gain):
        votes[name] += 1
    nominated = by_share({g: score for g, score in enumerate(group_scores)})
    for g in nominated:
        for j in groups[g]:
            votes[names[j]] += 1
    threshold = 2 / math.sqrt(max(len(y_train), 4))
    for name, value in corr.items():
        if value >= threshold:
            votes[name] += 1
    selected = [n for n in names if votes[n] >= 2]
    if len(selected) < 5:
        def normalised(scores, name):
            top = max(scores.values(), default=0)
            return scores.get(name, 0) / top if top > 0 else 0
        ranked = sorted(names, key=lambda n: -(normalised(gain, n) + normalised(perm, n) + normalised(corr, n)))
        for name in ranked:
            if len(selected) >= 5:
                break
            if name not in selected:
                selected.append(name)
        selected = [n for n in names if n in selected]
    return selected


PENALTIES = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
BLEND_WEIGHTS = [round(k / 10, 1) for k in range(11)]


def ridge(x_train, y_train, x_valid=None, y_valid=None):
    """gridcast's linear member (LinearTrainer): ridge on columns standardized over their known training values,
    a missing value at the mean, the penalty (per row) chosen on the validation rows. Returns a predict function."""
    x_train = x_train.astype(np.float64)
    center = np.nanmean(x_train, axis=0)
    center = np.where(np.isnan(center), 0.0, center)
    known = ~np.isnan(x_train)
    counts = known.sum(axis=0)
    deviation = np.sqrt(np.maximum(0.0, np.nansum(x_train ** 2, axis=0) / np.maximum(counts, 1) - center ** 2))
    deviation = np.where(counts > 1, deviation, 0.0)
    scale = np.where(deviation > 1e-9 * np.maximum(1.0, np.abs(center)), deviation, 1.0)

    def standardized(x):
        z = (x.astype(np.float64) - center) / scale
        return np.where(np.isnan(z), 0.0, z)
    z = standardized(x_train)
    mean = float(np.mean(y_train))
    gram, moment = z.T @ z, z.T @ (y_train.astype(np.float64) - mean)
    best = None
    for penalty in PENALTIES if x_valid is not None else PENALTIES[:1]:
        weights = np.linalg.solve(gram + penalty * len(y_train) * np.eye(len(center)), moment)
        predict = (lambda w: lambda x: mean + standardized(x) @ w)(weights)
        if x_valid is None:
            return predict
        score = rmse(predict(x_valid), y_valid)
        if best is None or score < best[0]:
            best = (score, predict)
    return best[1]


def blend_weight(x, labels, fold_rows, tree_predictions):
    """The weight gridcast's rule deploys (0: the trees alone): best mean fold RMSE over BLEND_WEIGHTS, kept when it
    beats the trees on every fold and on their mean by 0.5%."""
    scores = [[] for _ in BLEND_WEIGHTS]
    for (low, high), trees in zip(fold_rows, tree_predictions):
        linear = ridge(x[:low], labels[:low], x[low:high], labels[low:high])(x[low:high])
        for index, weight in enumerate(BLEND_WEIGHTS):
            scores[index].append(rmse((1 - weight) * trees.astype(np.float64) + weight * linear, labels[low:high]))
    means = [sum(s) / len(s) for s in scores]
    best = min(range(len(means)), key=lambda i: (means[i], i))
    every_fold = all(b < t for b, t in zip(scores[best], scores[0]))
    return BLEND_WEIGHTS[best] if best > 0 and every_fold and means[best] < means[0] * (1 - 0.005) else 0.0


def train_series(job):
    prefix, args = job
    started = time.time()
    meta, labels, features = load(prefix)
    names = meta["features"]
    dates = meta["dates"]
    train, valid, test = split(dates, args.test_days, args.validation_days)
    first_validation, first_test = valid.start, test.start

    # 1. consensus feature selection with default parameters
    dtrain = xgb.DMatrix(features[train], label=labels[train], feature_names=names)
    dvalid = xgb.DMatrix(features[valid], label=labels[valid], feature_names=names)
    probe, probe_rounds, probe_score = fit(DEFAULTS, dtrain, dvalid, args, args.seed)
    selected = select_features(probe, names, features[train], labels[train], features[valid], labels[valid], probe_rounds,
                               args.permutations)
    # keep the selection only when a default fit on it validates no worse than the probe on every feature
    if len(selected) < len(names):
        chosen = [names.index(n) for n in selected]
        _, _, selected_score = fit(DEFAULTS, xgb.DMatrix(features[train][:, chosen], label=labels[train], feature_names=selected),
                                   xgb.DMatrix(features[valid][:, chosen], label=labels[valid], feature_names=selected),
                                   args, args.seed)
        if not selected_score <= probe_score:
            selected = list(names)
    columns = [names.index(n) for n in selected]
    x = features[:, columns]

    # 2. random search over expanding-window folds of everything before the test window, cut by days with
    # actuals as gridcast cuts them (DateSplit.folds): fold k validates on the k-th newest block of fold-days
    # days and trains on every row before it; a fold with fewer training than validation rows is left out
    before = first_test
    days_before = list(dict.fromkeys(dates[:before]))
    def first_row(day):
        return before if day >= len(days_before) else bisect.bisect_left(dates, days_before[day], 0, before)
    folds, fold_rows = [], []
    for newer in reversed(range(args.folds)):
        end = len(days_before) - newer * args.fold_days
        start = end - args.fold_days
        if start <= 0:
            continue
        low, high = first_row(start), first_row(end)
        if low > high - low:
            fold_rows.append((low, high))
            folds.append((xgb.DMatrix(x[:low], label=labels[:low], feature_names=selected),
                          xgb.DMatrix(x[low:high], label=labels[low:high], feature_names=selected)))
    rng = random.Random(args.seed)
    tried = []  # (mean fold RMSE, trial, parameters, validation predictions per fold)
    for trial in range(max(args.trials, 1)):
        if args.candidates:
            p = args.candidates[trial]
        else:
            p = DEFAULTS if trial == 0 else sample(rng)
        fits = [fit(p, a, b, args, args.seed + trial) for a, b in folds]
        scores = [score for _, _, score in fits]
        predictions = [booster.predict(b, iteration_range=(0, rounds)) for (booster, rounds, _), (_, b) in zip(fits, folds)]
        tried.append((sum(scores) / len(scores) if scores else float("inf"), trial, p, predictions))
    tried.sort(key=lambda t: (t[0], t[1]))
    # the best three averaged, deployed when their averaged predictions score better on the same folds
    members = tried[:3]
    chosen = [(tried[0][2], tried[0][1])]
    chosen_predictions = tried[0][3]
    if len(members) >= 2 and folds:
        ensemble_predictions = [np.mean([m[3][k] for m in members], axis=0) for k in range(len(folds))]
        ensemble_scores = [rmse(p, b.get_label()) for p, (_, b) in zip(ensemble_predictions, folds)]
        if sum(ensemble_scores) / len(ensemble_scores) < tried[0][0]:
            chosen = [(m[2], m[1]) for m in members]
            chosen_predictions = ensemble_predictions
    # the linear blend: a ridge regression weighed against the chosen trees on the same folds
    weight = blend_weight(x, labels, fold_rows, chosen_predictions) if folds else 0.0

    # 3. final fit on the training window, rounds chosen on the validation window (each member); 4. test RMSE
    dfinal = xgb.DMatrix(x[train], label=labels[train], feature_names=selected)
    dvalid_final = xgb.DMatrix(x[valid], label=labels[valid], feature_names=selected)
    dtest = xgb.DMatrix(x[test], feature_names=selected)
    # each member with the seed of its search fits, as gridcast does (so a fold that is these windows is that fit)
    finals = [fit(p, dfinal, dvalid_final, args, args.seed + trial) for p, trial in chosen]
    predicted = np.mean([final.predict(dtest, iteration_range=(0, rounds)) for final, rounds, _ in finals], axis=0)
    if weight > 0:
        linear = ridge(x[train], labels[train], x[valid], labels[valid])(x[test])
        predicted = ((1 - weight) * predicted.astype(np.float64) + weight * linear).astype(np.float32)
    rounds = sum(r for _, r, _ in finals)
    return {"series": meta["series"], "rmse": rmse(predicted, labels[test]), "features": len(selected),
            "rounds": rounds, "members": len(chosen), "linear_weight": weight, "train_rows": first_validation, "test_rows": len(dates) - first_test,
            "seconds": time.time() - started}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="folder of SERIES.json + SERIES.f32 written by gridcast-bench")
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--fold-days", type=int, default=28)
    parser.add_argument("--test-days", type=int, default=56)
    parser.add_argument("--validation-days", type=int, default=56)
    parser.add_argument("--max-rounds", type=int, default=1000)
    parser.add_argument("--patience", type=int, default=30)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--permutations", help="JSON object from validation row count to the row order gridcast's "
                        "permutation importance uses (gridcast-bench writes it); without it numpy draws its own")
    parser.add_argument("--candidates", help="JSON list of the search's parameter sets (gridcast-bench writes gridcast's own); "
                                             "without it, trials are drawn here from the same ranges")
    args = parser.parse_args()
    if args.permutations:
        with open(args.permutations) as handle:
            args.permutations = json.load(handle)
    if args.candidates:
        with open(args.candidates) as handle:
            args.candidates = json.load(handle)
        if len(args.candidates) < args.trials:
            raise SystemExit(f"{len(args.candidates)} candidates in the file, {args.trials} trials asked for")
    prefixes = sorted(p[:-5] for p in glob.glob(os.path.join(args.input, "*.json")))
    if not prefixes:
        raise SystemExit(f"no SERIES.json files in {args.input}; run gridcast-bench to export them")
    started = time.time()
    # spawn, not fork: a forked worker can inherit a lock held by one of the parent's library threads and hang.
    with multiprocessing.get_context("spawn").Pool(min(args.workers, len(prefixes))) as pool:
        results = pool.map(train_series, [(p, args) for p in prefixes], chunksize=1)
    print(json.dumps({"xgboost": xgb.__version__, "seconds": time.time() - started, "series": results}))


if __name__ == "__main__":
    main()
