"""Classifiers of a package other than bench's or scikit-learn's, for the tests that allow one (``allowed_modules``):
``Greedy`` asks for far more memory than a job may take once it fits, ``Modest`` is a plain majority vote."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class Modest(ClassifierMixin, BaseEstimator):
    def __init__(self, n_neighbors=5, weights="uniform"):  # conf/model/knn.yaml's arguments, which it is given
        self.n_neighbors, self.weights = n_neighbors, weights

    def fit(self, X, y):
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[counts.argmax()]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


class Greedy(Modest):
    def fit(self, X, y):
        self.ballast_ = np.ones((3, 2**27))  # 3 GiB of float64: over any small max_memory_gb
        return super().fit(X, y)
