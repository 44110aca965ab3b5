"""The feature matrices gridcast-bench exports (SERIES.json + SERIES.f32), read the same way by every
Python side of the bench (the training reference, the LightGBM peer), with gridcast's split."""
import json

import numpy as np


def load(prefix):
    """(meta, labels, features): meta holds series, features (names), rows and dates (local, per row)."""
    with open(prefix + ".json") as handle:
        meta = json.load(handle)
    columns = 1 + len(meta["features"])
    data = np.fromfile(prefix + ".f32", dtype="<f4").reshape(meta["rows"], columns)
    return meta, data[:, 0], data[:, 1:]


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) ** 2)))


def split(dates, test_days, validation_days):
    """Row slices (train, validation, test): the last test_days dates are the test window, the
    validation_days dates before them the validation window, as gridcast's DateSplit."""
    unique = list(dict.fromkeys(dates))
    test_start = unique[len(unique) - test_days]
    validation_start = unique[len(unique) - test_days - validation_days]
    first_validation = next(i for i, d in enumerate(dates) if d >= validation_start)
    first_test = next(i for i, d in enumerate(dates) if d >= test_start)
    return slice(0, first_validation), slice(first_validation, first_test), slice(first_test, len(dates))
