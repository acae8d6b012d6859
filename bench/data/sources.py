"""What every dataset shares: the validated source a config names, the loaded ``Dataset`` it yields, and the
one seeded split every model family trains and tests on.

Building a source only validates its fields (cheap, so the CLI can check a whole sweep before training);
``load()`` produces the data.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from bench.params import Range, check, one_of

# the scalings a dataset config may name (Source.scaler); make_preprocessor builds the step
SCALERS = {"standard": StandardScaler, "minmax": MinMaxScaler, "none": None}

CACHED = 4  # datasets a process keeps loaded (load_once)

# what a run records about its data (Dataset.facts): measured on the data or reported by its source, never set, so
# reports name dataset variants by settings only
FACTS = ("rows", "features", "classes", "imbalance_ratio", "digest", "openml_id", "openml_version", "source", "same_as")


@dataclass(frozen=True)
class Dataset:
    """Loaded data and what produced them.

    ``X`` is a float64 array, or a DataFrame for tabular sources (files, OpenML) whose categorical and missing
    values the model's pipeline handles (``make_preprocessor``). ``y`` holds the labels as given (strings stay
    strings). ``digest`` is a content hash where the data come from a file (SHA-256 of its bytes, first 32 hex
    digits; OpenML: the MD5 of the ARFF file), else None. ``info`` holds facts of the source worth recording
    (OpenML id and version, ...).
    """

    name: str
    X: np.ndarray | pd.DataFrame
    y: np.ndarray
    scaler: str
    source: Source
    digest: str | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_classes(self) -> int:
        return len(np.unique(self.y))

    @property
    def class_counts(self) -> dict[str, int]:
        labels, counts = np.unique(self.y, return_counts=True)
        return {str(label): int(count) for label, count in zip(labels, counts, strict=True)}

    @property
    def imbalance_ratio(self) -> float:
        """Size of the largest class over the smallest: 1 is balanced."""
        counts = self.class_counts.values()
        return max(counts) / min(counts)

    def facts(self) -> dict[str, str]:
        """What a run records about its data as MLflow params, values runs are compared and sorted by: size, class
        balance, digest, source facts. The class counts, a table rather than a value, are in :meth:`card`."""
        facts = {  # FACTS: these, then the source's own (Dataset.info)
            "dataset.rows": len(self.y),
            "dataset.features": self.X.shape[1],
            "dataset.classes": self.n_classes,
            "dataset.imbalance_ratio": round(self.imbalance_ratio, 4),
            "dataset.digest": self.digest,
            **{f"dataset.{key}": value for key, value in self.info.items()},
        }
        return {key: str(value) for key, value in facts.items() if value is not None}

    def card(self) -> str:
        """The run's ``dataset.json`` artifact: its facts and the rows of each class, as JSON."""
        facts = {key.removeprefix("dataset."): value for key, value in self.facts().items()}
        return json.dumps({"name": self.name, **facts, "class_counts": self.class_counts}, indent=2)


@dataclass(frozen=True)
class Source:
    """Fields every dataset shares.

    Parameters
    ----------
    name : short name used in run names, tags and reports.
    noise_features : pure N(0, 1) columns appended to the features, drawn with ``random_state``.
    scaler : preprocessing of numeric columns fitted on the training split only: ``standard``, ``minmax`` or
        ``none``.
    max_samples : keep at most this many rows: a stratified subsample drawn with ``random_state`` (null: all).
    random_state : seed of generated data, noise columns and the subsample; fixed per dataset so that the sweep
        seed varies only the split, the initialisation and the batching.
    """

    name: str = "data"
    noise_features: int = 0
    scaler: str = "standard"
    max_samples: int | None = None
    random_state: int = 0

    constraints: ClassVar[dict] = {
        "name": [str],
        "noise_features": [Range(Integral, 0, None, closed="left")],
        "scaler": [one_of(SCALERS)],
        "max_samples": [Range(Integral, 2, None, closed="left"), None],
        "random_state": [Range(Integral, 0, None, closed="left")],
    }

    def __post_init__(self) -> None:
        constraints = {}
        for klass in reversed(type(self).__mro__):
            constraints.update(vars(klass).get("constraints", {}))
        check(constraints, asdict(self), f"dataset {self.name!r}")

    def identity(self) -> str:
        """What tells this source's data apart from any other's: its fields (a file's: and its bytes' digest)."""
        return repr(self)

    def memory_bytes(self) -> float:
        """About the memory the data takes once made, known before making it: a generated set's rows x columns of
        float64, times the copies drawing them takes; 0 for the sets bench ships, which are small."""
        rows = getattr(self, "n_samples", None)
        if rows is None:
            return 0.0
        columns = getattr(self, "n_features", 2) + self.noise_features
        return 3 * 8.0 * rows * columns

    def _generate(self) -> tuple:
        """``(X, y)``, or ``(X, y, digest, info)`` for sources that know more about their data."""
        raise NotImplementedError

    def load(self) -> Dataset:
        X, y, *extra = self._generate()
        digest, info = extra if extra else (None, {})
        X = X.reset_index(drop=True) if isinstance(X, pd.DataFrame) else np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if self.noise_features:
            noise = np.random.default_rng(self.random_state).standard_normal((len(X), self.noise_features))
            if isinstance(X, pd.DataFrame):
                names = [f"noise_{i}" for i in range(self.noise_features)]
                X = pd.concat([X, pd.DataFrame(noise, columns=names)], axis=1)
            else:
                X = np.hstack([X, noise])
        if self.max_samples is not None and len(y) > self.max_samples:
            keep = subsample(y, self.max_samples, self.random_state)
            X = X.iloc[keep].reset_index(drop=True) if isinstance(X, pd.DataFrame) else X[keep]
            y = y[keep]
        if len(np.unique(y)) < 2:
            raise ValueError(f"dataset {self.name!r} has a single class; a classifier needs at least two")
        return Dataset(self.name, X, y, self.scaler, self, digest, info)


def load_once(source: Source, cache: OrderedDict[str, Dataset]) -> Dataset:
    """``source.load()``, read once per ``cache``: the jobs of a sweep in one process share a dataset instead of
    reading or generating it again. The arrays come back read-only, so that no job can change another's data; the
    cache keeps the ``CACHED`` datasets used last."""
    key = source.identity()
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    data = source.load()
    for array in (data.X, data.y):
        if isinstance(array, np.ndarray):
            array.flags.writeable = False
    cache[key] = data
    while len(cache) > CACHED:
        cache.popitem(last=False)
    return data


def subsample(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Sorted indices of a seeded subsample of ``n`` rows, stratified on ``y`` where every class allows it."""
    index = np.arange(len(y))
    try:
        keep, _ = train_test_split(index, train_size=n, random_state=seed, stratify=y)
    except ValueError:  # a class too small to stratify on, or fewer rows than classes
        keep = np.random.default_rng(seed).choice(index, size=n, replace=False)
    return np.sort(keep)


def split(data: Dataset, test_size: float, seed: int) -> tuple:
    """Seeded stratified train/test split: ``X_train, X_test, y_train, y_test``."""
    return train_test_split(data.X, data.y, test_size=test_size, random_state=seed, stratify=data.y)
