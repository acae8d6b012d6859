"""The numeric side of the modern tabular recipe, fitted on the training data inside ``MLPClassifier.fit``: the
input transform (robust scaling with smooth clipping, or a quantile transform) and which columns are numeric
(the ones periodic embeddings expand; binary columns, such as one-hot categories, are not)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.preprocessing import QuantileTransformer
from sklearn.utils.validation import check_is_fitted, validate_data

PREPROCESSING = ("none", "robust_clip", "quantile")
CLIP = 3.0  # smooth clipping's scale: values beyond about 3 robust units are squashed towards +-3


class RobustClip(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """RealMLP's input transform (Holzmüller et al., 2024): centre each column on its median, divide by its
    interquartile range (half its range where the quartiles coincide, as on a mostly constant or binary column),
    then clip smoothly, ``x / sqrt(1 + (x / 3)^2)``. Outliers and heavy tails, which standard scaling lets dominate
    a first layer, end up within +-3, and the order of values is kept."""

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        low, median, high = np.quantile(X, [0.25, 0.5, 0.75], axis=0)
        spread = high - low
        span = (X.max(axis=0) - X.min(axis=0)) / 2
        spread = np.where(spread > 0, spread, span)
        self.center_, self.scale_ = median, np.where(spread > 0, 1 / np.where(spread > 0, spread, 1), 0.0)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        Z = (X - self.center_) * self.scale_
        return Z / np.sqrt(1 + (Z / CLIP) ** 2)


def make_preprocessor(name: str, seed: int, n_rows: int) -> TransformerMixin | None:
    """The transform the ``preprocessing`` parameter names, for ``n_rows`` training rows; None for ``none``."""
    if name == "robust_clip":
        return RobustClip()
    if name == "quantile":
        quantiles = max(2, min(1000, n_rows))
        return QuantileTransformer(n_quantiles=quantiles, output_distribution="normal", random_state=seed)
    return None


def numeric_columns(X: np.ndarray) -> list[int]:
    """Columns with more than two distinct values."""
    return [j for j in range(X.shape[1]) if len(np.unique(X[:, j])) > 2]
