"""The Bayes accuracy of the generated sets whose distribution is known: the accuracy of the best possible rule,
which no model can beat but by the luck of a sample.

Moons and circles are points on curves plus Gaussian noise, so each class's density is a mixture of Gaussians
along its curve, integrated here on a fine grid of the curve's parameter; parity with ``flip_y`` keeps a share of
flipped labels no rule can recover; a linearly separable set is separable. A claim's threshold on such a set is
reachable only if it stays below this bound (``bench/report/claims/rules.py`` states the values its rules use).
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from bench.data.generated import Circles, Linear, Moons, Parity
from bench.data.sources import Source

GRID = 2000  # points of the curve parameter: the integral's error is far below the accuracies' last digit


def _curves(source: Moons | Circles) -> list[np.ndarray]:
    """Each class's noiseless curve, sampled on the grid, as scikit-learn's generators draw it."""
    if isinstance(source, Moons):
        t = np.linspace(0, np.pi, GRID)
        return [np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 1 - np.sin(t) - 0.5]]
    t = np.linspace(0, 2 * np.pi, GRID, endpoint=False)
    return [np.c_[np.cos(t), np.sin(t)], source.factor * np.c_[np.cos(t), np.sin(t)]]


def posterior(source: Moons | Circles, X: np.ndarray) -> np.ndarray:
    """P(class | x) for the two classes (equal priors, as the generators draw half of each)."""
    if source.noise <= 0:
        raise ValueError(f"dataset {source.name!r}: without noise the classes do not overlap; Bayes accuracy is 1")
    log_density = np.stack(
        [
            logsumexp(-((X[:, None, :] - curve[None]) ** 2).sum(-1) / (2 * source.noise**2), axis=1)
            for curve in _curves(source)
        ],
        axis=1,
    )
    return np.exp(log_density - logsumexp(log_density, axis=1, keepdims=True))


def bayes_accuracy(source: Source, draws: int = 20_000, seed: int = 12345) -> tuple[float, float]:
    """``(population, sample)``: the Bayes rule's expected accuracy on the distribution (``E[max_c P(c|x)]``
    over ``draws`` fresh points) and its accuracy on the source's own rows, the ones the models see."""
    if isinstance(source, Linear):
        X, y = source._generate()
        clean = Linear(**{**_fields(source), "flip_y": 0.0})._generate()[1]
        best = max(source.flip_y, 1 - source.flip_y)
        return best, float(np.mean(clean == y) if source.flip_y <= 0.5 else np.mean(clean != y))
    if isinstance(source, Parity):
        X, y = source._generate()
        clean = (X[:, : source.n_bits] < 0).sum(axis=1) % 2
        best = max(source.flip_y, 1 - source.flip_y)
        return best, float(np.mean(clean == y) if source.flip_y <= 0.5 else np.mean(clean != y))
    if not isinstance(source, Moons | Circles):
        raise ValueError(f"dataset {source.name!r}: its Bayes accuracy is not known here")
    fresh = type(source)(**{**_fields(source), "n_samples": draws, "random_state": seed})
    X_fresh, _ = fresh._generate()
    chunks = np.array_split(X_fresh, 100)  # the distances of a chunk to the whole grid fit in memory
    population = float(np.concatenate([posterior(source, chunk).max(1) for chunk in chunks]).mean())
    X, y = source._generate()
    sample = float(np.mean(posterior(source, X).argmax(1) == y))
    return population, sample


def _fields(source: Source) -> dict:
    from dataclasses import fields

    return {f.name: getattr(source, f.name) for f in fields(source) if f.init}
