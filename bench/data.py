"""Datasets: a config names a source, the source yields ``(X, y)``, and every model family shares one split.

Each dataset config names one of the source classes below with ``_target_``. Building a source only validates
its fields (cheap, so the CLI can check a whole sweep before training); ``load()`` produces the data. A new kind
of data (a file, OpenML) is one more subclass with its own ``_generate``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn import datasets as skdata
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints

BUILTINS = {
    "iris": skdata.load_iris,
    "wine": skdata.load_wine,
    "breast_cancer": skdata.load_breast_cancer,
    "digits": skdata.load_digits,
}
SCALERS = {"standard": StandardScaler, "minmax": MinMaxScaler, "none": None}


@dataclass(frozen=True)
class Dataset:
    """Loaded data: features as float64, labels as given, and what produced them."""

    name: str
    X: np.ndarray
    y: np.ndarray
    scaler: str
    source: Source

    @property
    def n_classes(self) -> int:
        return len(np.unique(self.y))


@dataclass(frozen=True)
class Source:
    """Fields every dataset shares.

    Parameters
    ----------
    name : short name used in run names, tags and reports.
    noise_features : pure N(0, 1) columns appended to the features, drawn with ``random_state``.
    scaler : preprocessing fitted on the training split only: ``standard``, ``minmax`` or ``none``.
    random_state : seed of generated data and noise columns; fixed per dataset so that the sweep seed varies
        only the split, the initialisation and the batching.
    """

    name: str = "data"
    noise_features: int = 0
    scaler: str = "standard"
    random_state: int = 0

    _parameter_constraints: ClassVar[dict] = {
        "name": [str],
        "noise_features": [Interval(Integral, 0, None, closed="left")],
        "scaler": [StrOptions(set(SCALERS))],
        "random_state": [Interval(Integral, 0, None, closed="left")],
    }

    def __post_init__(self) -> None:
        constraints = {}
        for klass in reversed(type(self).__mro__):
            constraints.update(vars(klass).get("_parameter_constraints", {}))
        validate_parameter_constraints(constraints, asdict(self), caller_name=f"dataset {self.name!r}")

    def _generate(self) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def load(self) -> Dataset:
        X, y = self._generate()
        X = np.asarray(X, dtype=np.float64)
        if self.noise_features:
            noise = np.random.default_rng(self.random_state).standard_normal((len(X), self.noise_features))
            X = np.hstack([X, noise])
        if len(np.unique(y)) < 2:
            raise ValueError(f"dataset {self.name!r} has a single class; a classifier needs at least two")
        return Dataset(self.name, X, np.asarray(y), self.scaler, self)


@dataclass(frozen=True)
class Builtin(Source):
    """A dataset that ships with scikit-learn: ``iris``, ``wine``, ``breast_cancer`` or ``digits``."""

    _parameter_constraints: ClassVar[dict] = {"name": [StrOptions(set(BUILTINS))]}

    def _generate(self) -> tuple[np.ndarray, np.ndarray]:
        return BUILTINS[self.name](return_X_y=True)


@dataclass(frozen=True)
class Moons(Source):
    """Two interleaving half circles (``sklearn.datasets.make_moons``): non-linear, low-dimensional."""

    n_samples: int = 1000
    noise: float = 0.3

    _parameter_constraints: ClassVar[dict] = {
        "n_samples": [Interval(Integral, 4, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
    }

    def _generate(self) -> tuple[np.ndarray, np.ndarray]:
        return skdata.make_moons(self.n_samples, noise=self.noise, random_state=self.random_state)


@dataclass(frozen=True)
class Circles(Source):
    """A circle inside another (``sklearn.datasets.make_circles``): not linearly separable."""

    n_samples: int = 1000
    noise: float = 0.1
    factor: float = 0.5

    _parameter_constraints: ClassVar[dict] = {
        "n_samples": [Interval(Integral, 4, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "factor": [Interval(Real, 0, 1, closed="neither")],
    }

    def _generate(self) -> tuple[np.ndarray, np.ndarray]:
        return skdata.make_circles(self.n_samples, noise=self.noise, factor=self.factor, random_state=self.random_state)


@dataclass(frozen=True)
class Classification(Source):
    """Gaussian clusters on hypercube vertices (``sklearn.datasets.make_classification``)."""

    n_samples: int = 1000
    n_features: int = 20
    n_informative: int = 10
    n_redundant: int = 2
    n_classes: int = 2
    n_clusters_per_class: int = 2
    class_sep: float = 1.0
    flip_y: float = 0.01

    _parameter_constraints: ClassVar[dict] = {
        "n_samples": [Interval(Integral, 4, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "n_informative": [Interval(Integral, 1, None, closed="left")],
        "n_redundant": [Interval(Integral, 0, None, closed="left")],
        "n_classes": [Interval(Integral, 2, None, closed="left")],
        "n_clusters_per_class": [Interval(Integral, 1, None, closed="left")],
        "class_sep": [Interval(Real, 0, None, closed="neither")],
        "flip_y": [Interval(Real, 0, 1, closed="both")],
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.n_informative + self.n_redundant > self.n_features:
            raise ValueError(
                f"dataset {self.name!r}: n_informative + n_redundant = "
                f"{self.n_informative + self.n_redundant} exceeds n_features = {self.n_features}"
            )

    def _generate(self) -> tuple[np.ndarray, np.ndarray]:
        return skdata.make_classification(
            n_samples=self.n_samples,
            n_features=self.n_features,
            n_informative=self.n_informative,
            n_redundant=self.n_redundant,
            n_classes=self.n_classes,
            n_clusters_per_class=self.n_clusters_per_class,
            class_sep=self.class_sep,
            flip_y=self.flip_y,
            random_state=self.random_state,
        )


def split(data: Dataset, test_size: float, seed: int) -> tuple[np.ndarray, ...]:
    """Seeded stratified train/test split: ``X_train, X_test, y_train, y_test``."""
    return train_test_split(data.X, data.y, test_size=test_size, random_state=seed, stratify=data.y)


def make_scaler(name: str):
    """The preprocessing step a dataset asks for, or ``"passthrough"``."""
    scaler = SCALERS[name]
    return "passthrough" if scaler is None else scaler()
