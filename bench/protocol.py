"""What a result means: how a job's data is split into the part a model learns from and the part it is tested on.

``holdout``: one stratified split per seed. ``cv``: repeated stratified k-fold, one run per fold, the same folds for
every model (the seed fixes them). ``tuned``: the folds of ``cv``, each model's hyperparameters chosen inside each
training fold (``bench.tuning``).
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np

from bench import data as datasets
from bench.data import Dataset

PROTOCOLS = ("holdout", "cv", "tuned")


def check(protocol: Mapping[str, Any]) -> None:
    """One line naming the bad value: ``protocol.folds=1`` cannot make a fold."""
    name = protocol.get("name")
    if name not in PROTOCOLS:
        raise ValueError(f"unknown protocol {name!r}; choose from: {', '.join(PROTOCOLS)}")
    if name == "holdout":
        return
    _count(protocol, "folds", 2)
    _count(protocol, "repeats", 1)
    if name == "tuned":
        _count(protocol, "n_trials", 0)
        timeout = protocol.get("trial_timeout_s")
        if timeout is not None and (not isinstance(timeout, Real) or isinstance(timeout, bool) or timeout <= 0):
            raise ValueError(f"protocol.trial_timeout_s must be a positive number of seconds or null; got {timeout!r}")
        share = protocol.get("validation_fraction")
        if not isinstance(share, Real) or isinstance(share, bool) or not 0 < share < 1:
            raise ValueError(f"protocol.validation_fraction must be a number in (0, 1); got {share!r}")


def _count(protocol: Mapping[str, Any], key: str, least: int) -> None:
    value = protocol.get(key)
    if not isinstance(value, Integral) or isinstance(value, bool) or value < least:
        raise ValueError(f"protocol.{key} must be an int >= {least}; got {value!r}")


def folds(protocol: Mapping[str, Any]) -> list[int | None]:
    """The job's folds, known before any data is read: ``[None]`` for a holdout split."""
    if protocol["name"] == "holdout":
        return [None]
    return list(range(protocol["folds"] * protocol["repeats"]))


def split(data: Dataset, protocol: Mapping[str, Any], fold: int | None, test_size: float, seed: int) -> tuple:
    """``X_train, X_test, y_train, y_test`` of one fold (``fold=None``: the holdout split of ``test_size``)."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    if fold is None:
        return datasets.split(data, test_size, seed)
    k, y = protocol["folds"], data.y
    if (smallest := data.class_counts and min(data.class_counts.values())) < k:
        raise ValueError(f"protocol.folds={k} needs {k} rows of every class; the smallest class has {smallest}")
    splitter = RepeatedStratifiedKFold(n_splits=k, n_repeats=protocol["repeats"], random_state=seed)
    train, test = next(s for i, s in enumerate(splitter.split(np.zeros(len(y)), y)) if i == fold)
    X = data.X.iloc if hasattr(data.X, "iloc") else data.X
    return X[train], X[test], y[train], y[test]
