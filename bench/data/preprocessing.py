"""The model pipeline's first step: what turns a dataset's features into scaled numbers, fitted on the
training split only."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from bench.data.sources import SCALERS, Dataset


def make_scaler(name: str):
    """The scaling step a dataset asks for, or ``"passthrough"``."""
    scaler = SCALERS[name]
    return "passthrough" if scaler is None else scaler()


def make_preprocessor(data: Dataset | str):
    """The pipeline's preprocessing step for loaded data (or a scaler's name): the scaler for numeric arrays; for
    tables, median imputation and the scaler on numeric columns, most-frequent imputation and one-hot encoding
    on the others."""
    if isinstance(data, str):
        return make_scaler(data)
    if not isinstance(data.X, pd.DataFrame):
        return make_scaler(data.scaler)
    numeric = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), make_scaler(data.scaler))
    categorical = make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    )
    return ColumnTransformer(
        [
            ("numeric", numeric, make_column_selector(dtype_include=np.number)),
            ("categorical", categorical, make_column_selector(dtype_exclude=np.number)),
        ],
        sparse_threshold=0.0,
    )
