"""Generated datasets, drawn with ``random_state``: scikit-learn's generators, and two sets whose difficulty is
known by construction (linearly separable, parity)."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn import datasets as skdata

from bench.data.sources import Source
from bench.params import Range


@dataclass(frozen=True)
class Moons(Source):
    """Two interleaving half circles (``sklearn.datasets.make_moons``): non-linear, low-dimensional."""

    n_samples: int = 1000
    noise: float = 0.3

    constraints: ClassVar[dict] = {
        "n_samples": [Range(Integral, 4, None, closed="left")],
        "noise": [Range(Real, 0, None, closed="left")],
    }

    def _generate(self) -> tuple[np.ndarray, np.ndarray]:
        return skdata.make_moons(self.n_samples, noise=self.noise, random_state=self.random_state)


@dataclass(frozen=True)
class Circles(Source):
    """A circle inside another (``sklearn.datasets.make_circles``): not linearly separable."""

    n_samples: int = 1000
    noise: float = 0.1
    factor: float = 0.5

    constraints: ClassVar[dict] = {
        "n_samples": [Range(Integral, 4, None, closed="left")],
        "noise": [Range(Real, 0, None, closed="left")],
        "factor": [Range(Real, 0, 1, closed="neither")],
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

    constraints: ClassVar[dict] = {
        "n_samples": [Range(Integral, 4, None, closed="left")],
        "n_features": [Range(Integral, 1, None, closed="left")],
        "n_informative": [Range(Integral, 1, None, closed="left")],
        "n_redundant": [Range(Integral, 0, None, closed="left")],
        "n_classes": [Range(Integral, 2, None, closed="left")],
        "n_clusters_per_class": [Range(Integral, 1, None, closed="left")],
        "class_sep": [Range(Real, 0, None, closed="neither")],
        "flip_y": [Range(Real, 0, 1, closed="both")],
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


@dataclass(frozen=True)
class Linear(Source):
    """Linearly separable classes: standard normal points labelled by the side of a random hyperplane through
    the origin, with no point closer to it than ``margin`` (points inside the margin are redrawn), so a linear
    model can score 100%. ``flip_y`` is the share of labels flipped: then the best rule, the hyperplane itself,
    scores about ``1 - flip_y``."""

    n_samples: int = 1000
    n_features: int = 10
    margin: float = 0.1
    flip_y: float = 0.0

    constraints: ClassVar[dict] = {
        "n_samples": [Range(Integral, 4, None, closed="left")],
        "n_features": [Range(Integral, 1, None, closed="left")],
        "margin": [Range(Real, 0, 1, closed="left")],  # wider margins would empty most draws
        "flip_y": [Range(Real, 0, 1, closed="both")],
    }

    def _generate(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(self.random_state)
        normal = rng.standard_normal(self.n_features)
        normal /= np.linalg.norm(normal)
        kept: list[np.ndarray] = []
        while sum(len(k) for k in kept) < self.n_samples:
            points = rng.standard_normal((2 * self.n_samples, self.n_features))
            kept.append(points[np.abs(points @ normal) >= self.margin])
        X = np.concatenate(kept)[: self.n_samples]
        y = (X @ normal > 0).astype(np.int64)
        if self.flip_y > 0:  # drawn after the points, so the same seed gives the same points at any flip_y
            y = np.where(rng.random(self.n_samples) < self.flip_y, 1 - y, y)
        return X, y


@dataclass(frozen=True)
class Parity(Source):
    """XOR and its higher-order kin: uniform points in [-1, 1]^n_features labelled by the parity of the signs of
    the first ``n_bits`` coordinates (``n_bits=2``: XOR). No hyperplane separates the classes, and with more
    than one bit no single feature says anything about the label. ``flip_y`` is the share of labels flipped."""

    n_samples: int = 1000
    n_bits: int = 2
    n_features: int = 2
    flip_y: float = 0.0

    constraints: ClassVar[dict] = {
        "n_samples": [Range(Integral, 4, None, closed="left")],
        "n_bits": [Range(Integral, 1, None, closed="left")],
        "n_features": [Range(Integral, 1, None, closed="left")],
        "flip_y": [Range(Real, 0, 1, closed="both")],
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.n_bits > self.n_features:
            raise ValueError(f"dataset {self.name!r}: n_bits = {self.n_bits} exceeds n_features = {self.n_features}")

    def _generate(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(self.random_state)
        X = rng.uniform(-1, 1, (self.n_samples, self.n_features))
        y = (X[:, : self.n_bits] < 0).sum(axis=1) % 2
        flip = rng.random(self.n_samples) < self.flip_y
        return X, np.where(flip, 1 - y, y).astype(np.int64)
