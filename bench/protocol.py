"""What a result means: how a job's data is split into the part a model learns from and the part it is tested on.

``holdout``: one stratified split per seed. ``cv``: repeated stratified k-fold, one run per fold, the same folds for
every model (the seed fixes them). ``tuned``: the folds of ``cv``, each model's hyperparameters chosen inside each
training fold (``bench.tuning``).

Options beside a protocol's own keys, read with a default so that configs without them keep their run keys:
``validation_fraction`` under holdout and cv (a validation part inside the training part, on which any value a
study picks is picked), ``fit_timeout_s`` (a cap on the job's fit, ``bench.capped``), and under tuned
``search_space`` (a file of ``conf/search_space/`` other than the model's own), ``pruner`` and ``n_jobs``.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np

from bench import data as datasets
from bench.data import Dataset

PROTOCOLS = ("holdout", "cv", "tuned")
PRUNERS = ("none", "median", "hyperband")  # bench.tuning.make_pruner's


def check(protocol: Mapping[str, Any]) -> None:
    """One line naming the bad value: ``protocol.folds=1`` cannot make a fold."""
    name = protocol.get("name")
    if name not in PROTOCOLS:
        raise ValueError(f"unknown protocol {name!r}; choose from: {', '.join(PROTOCOLS)}")
    timeout = protocol.get("fit_timeout_s")
    if timeout is not None and not _positive(timeout):
        raise ValueError(f"protocol.fit_timeout_s must be a positive number of seconds or null; got {timeout!r}")
    space = protocol.get("search_space")
    if space is not None and (name != "tuned" or not isinstance(space, str) or not space):
        raise ValueError(
            f"protocol.search_space must name a file of conf/search_space/ under protocol=tuned; got {space!r}"
        )
    if name != "tuned" and (share := protocol.get("validation_fraction")) is not None:
        _share(share)
    if name == "holdout":
        return
    _count(protocol, "folds", 2)
    _count(protocol, "repeats", 1)
    if name == "tuned":
        _count(protocol, "n_trials", 0)
        timeout = protocol.get("trial_timeout_s")
        if timeout is not None and not _positive(timeout):
            raise ValueError(f"protocol.trial_timeout_s must be a positive number of seconds or null; got {timeout!r}")
        _share(protocol.get("validation_fraction"))
        _count(protocol, "n_jobs", 1, default=1)
        if (pruner := protocol.get("pruner", "none")) not in PRUNERS:
            raise ValueError(f"unknown protocol.pruner={pruner!r}; choose from: {', '.join(PRUNERS)}")


def _positive(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and value > 0


def _share(share: Any) -> None:
    if not isinstance(share, Real) or isinstance(share, bool) or not 0 < share < 1:
        raise ValueError(f"protocol.validation_fraction must be a number in (0, 1); got {share!r}")


def _count(protocol: Mapping[str, Any], key: str, least: int, default: Any = None) -> None:
    value = protocol.get(key, default)
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


def validation_share(protocol: Mapping[str, Any]) -> float | None:
    """The share of the training part held out for validation under holdout and cv (None: none); ``tuned`` keeps
    its own inner split for its trials."""
    return None if protocol.get("name") == "tuned" else protocol.get("validation_fraction")


def validation_split(X_train: Any, y_train: np.ndarray, share: float, seed: int, fold: int | None) -> tuple:
    """``X_fit, X_val, y_fit, y_val``: a stratified share of the training part held out for validation, the same
    for every model of a seed and fold, so that a value chosen on it is chosen on the same rows for all."""
    from sklearn.model_selection import train_test_split

    return train_test_split(X_train, y_train, test_size=share, random_state=1000 * seed + (fold or 0), stratify=y_train)
