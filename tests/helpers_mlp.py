"""A small MLP and the scaled iris problem, shared by the MLP's test modules (imported as ``helpers_mlp``, as
``helpers_slow`` is)."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from bench.mlp import MLPClassifier


def iris_scaled() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def small(**kwargs) -> MLPClassifier:
    """One hidden layer of 16 units, 40 epochs, seed 0; ``kwargs`` override any of them."""
    return MLPClassifier(**{"hidden_layer_sizes": (16,), "max_epochs": 40, "random_state": 0, **kwargs})
