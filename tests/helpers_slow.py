"""Test-only estimators for the capped fit (``protocol.fit_timeout_s``), imported as ``helpers_slow``: pytest puts
tests/ on the path, and a spawned child starts with its parent's path. (Not ``tests.helpers_slow``: an installed
package may already own the name ``tests``.)"""

from __future__ import annotations

import time

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class Sleepy(ClassifierMixin, BaseEstimator):
    """Sleeps ``seconds`` in ``fit`` (or raises, with ``fail``), then predicts the commonest class."""

    _parameter_constraints: dict = {}  # noqa: RUF012 - scikit-learn's own convention

    def __init__(self, seconds: float = 0.0, fail: bool = False) -> None:
        self.seconds = seconds
        self.fail = fail

    def fit(self, X, y):
        if self.fail:
            raise ValueError("Sleepy was told to fail")
        time.sleep(self.seconds)
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[counts.argmax()]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)
