"""The one noise model of every mean over repeated splits (seeds, folds) in the reports: the corrected resampled
variance of Nadeau and Bengio (Machine Learning 2003; for repeated cross-validation, Bouckaert and Frank, PAKDD
2004).

J splits of one dataset train on overlapping rows, so their scores are correlated and the plain standard error
s / sqrt(J) is too small. The corrected variance of the mean is (1/J + n_test/n_train) s²: its second term does not
shrink with J, so more repeats of the same split sizes narrow it only down to s sqrt(n_test/n_train).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from scipy import stats


def _finite(values: Iterable[float]) -> np.ndarray:
    v = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    return v[np.isfinite(v)]


def corrected_se(values: Iterable[float], ratio: float) -> float:
    """The standard error of the mean of ``values`` (one per split), corrected for overlapping training sets;
    ``ratio`` is n_test/n_train of the splits. NaN for fewer than two values or an unknown ratio."""
    v = _finite(values)
    if len(v) < 2 or not ratio >= 0:
        return math.nan
    return math.sqrt((1 / len(v) + ratio) * v.var(ddof=1))


def corrected_interval95(values: Iterable[float], ratio: float) -> float:
    """Half-width of the 95% interval of the mean of ``values``: the corrected standard error times the t quantile
    with J - 1 degrees of freedom."""
    v = _finite(values)
    se = corrected_se(v, ratio)
    return float(stats.t.ppf(0.975, len(v) - 1) * se) if se == se else math.nan


def replicates_to_settle(distance: float, values: Iterable[float], ratio: float, factor: float = 2.0) -> float:
    """How many splits of the same sizes would put ``distance`` (a mean's distance from a threshold) beyond
    ``factor`` corrected standard errors, at the spread seen so far: J with (1/J + ratio) s² < (distance/factor)².
    ``math.inf`` when no number of splits would (the overlap term alone is too large: more data per split would),
    NaN when the spread is unknown."""
    v = _finite(values)
    if len(v) < 2 or not ratio >= 0:
        return math.nan
    variance = v.var(ddof=1)
    if variance == 0:
        return float(len(v))
    room = (distance / factor) ** 2 / variance - ratio
    return float(math.floor(1 / room) + 1) if room > 0 else math.inf
