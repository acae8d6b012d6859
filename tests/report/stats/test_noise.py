"""The one noise model: the corrected resampled variance against a hand calculation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from bench.report.stats.noise import corrected_interval95, corrected_se, replicates_to_settle


def test_corrected_standard_error_by_hand():
    # 3 seeds x 3 folds of 3-fold cv: J = 9, n_test/n_train = 1/2
    values = np.array([0.80, 0.82, 0.78, 0.81, 0.79, 0.83, 0.80, 0.82, 0.79])
    s2 = sum((v - values.mean()) ** 2 for v in values) / 8
    assert corrected_se(values, 0.5) == pytest.approx(math.sqrt((1 / 9 + 1 / 2) * s2))
    # 2.3 times the naive s / sqrt(J), as the overlap of 3-fold training sets implies
    assert corrected_se(values, 0.5) / math.sqrt(s2 / 9) == pytest.approx(math.sqrt(1 + 9 / 2))
    assert corrected_interval95(values, 0.5) == pytest.approx(stats.t.ppf(0.975, 8) * math.sqrt((1 / 9 + 0.5) * s2))
    assert math.isnan(corrected_se([0.8], 0.5)) and math.isnan(corrected_se(values, math.nan))


def test_replicates_to_settle():
    values = [0.0, 0.02, -0.02, 0.01, -0.01]  # s = 0.0158
    s2 = np.var(values, ddof=1)
    needed = replicates_to_settle(0.03, values, 0.1)
    assert (1 / needed + 0.1) * s2 < (0.03 / 2) ** 2 <= (1 / (needed - 1) + 0.1) * s2
    assert replicates_to_settle(0.01, values, 0.5) == math.inf  # the overlap term alone exceeds the room
