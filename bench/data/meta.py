"""Dataset meta-features: the properties of a dataset that the literature links to whether neural networks or trees
win on it (Grinsztajn et al. 2022; McElfresh et al. 2023, TabZilla), measured once per dataset and recorded on every
run as params ``dataset.meta.<name>`` (docs/datasets.md defines each).

Measured once per process (``MEASURED``, by the source's identity, as ``load_once`` reads data) and kept on disk in
``dataset_meta/`` beside a SQLite store (else in the launch folder), one small JSON file per dataset named by the
dataset's name and a hash of its content: a sweep of many models on one dataset measures it once, in whichever
process comes first, and later sweeps not at all.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from bench.data.preprocessing import make_preprocessor
from bench.data.sources import CACHED, Dataset, subsample
from bench.timing import timed

VERSION = 1  # of the definitions: a cached file of another version is measured again
NAMES = (
    "rows",
    "features",
    "features_per_row",
    "categorical_share",
    "classes",
    "imbalance",
    "skewness_mean_abs",
    "kurtosis_mean",
    "heavy_tailed_share",
    "landmark_linear",
    "landmark_1nn",
)
PREFIX = "dataset.meta."  # of the params a run records
HEAVY_TAIL = 3.0  # excess kurtosis above this: tails heavier than the Laplace distribution's (3; the normal's: 0)
SAMPLE_ROWS, FOLDS, SEED = 2000, 3, 0  # the landmarkers: a stratified sample, stratified folds, one seed
DIGITS = 4  # significant digits a recorded value keeps
FOLDER = "dataset_meta"  # beside the store
MEASURED: OrderedDict[str, dict[str, float]] = OrderedDict()  # this process's meta-features, by source identity


def compute(data: Dataset) -> dict[str, float]:
    """The meta-features of loaded data (``NAMES``), unrounded; NaN where one is undefined (no numeric column
    that varies, a class too small for two folds)."""
    counts = np.array(list(data.class_counts.values()))
    rows, features = len(data.y), data.X.shape[1]
    numeric = numeric_part(data.X)
    return {
        "rows": rows,
        "features": features,
        "features_per_row": features / rows,
        "categorical_share": (features - numeric.shape[1]) / features if features else math.nan,
        "classes": len(counts),
        "imbalance": float(counts.max() / counts.min()),
        **moments(numeric),
        **landmarkers(data),
    }


def numeric_part(X: np.ndarray | pd.DataFrame) -> np.ndarray:
    """The numeric columns as float64 (missing: NaN): those ``make_preprocessor`` scales rather than encodes."""
    if not isinstance(X, pd.DataFrame):
        return np.asarray(X, dtype=np.float64)
    return X.select_dtypes(include=np.number).to_numpy(dtype=np.float64, na_value=np.nan)


def moments(values: np.ndarray) -> dict[str, float]:
    """Mean absolute skewness, mean excess kurtosis and the share of heavy-tailed columns over the numeric columns
    that vary (population moments of the values present, as ``scipy.stats.skew`` and ``kurtosis`` give them);
    constant and empty columns have no shape and are left out."""
    present = ~np.isnan(values)
    low = np.where(present, values, np.inf).min(axis=0, initial=np.inf)
    high = np.where(present, values, -np.inf).max(axis=0, initial=-np.inf)
    varies = high > low  # at least two distinct values
    if not varies.any():
        return {"skewness_mean_abs": math.nan, "kurtosis_mean": math.nan, "heavy_tailed_share": math.nan}
    present, low, span = present[:, varies], low[varies], (high - low)[varies]
    scaled = np.where(present, (values[:, varies] - low) / span, 0.0)  # in [0, 1]: no overflow, same shape
    count = present.sum(axis=0)
    centred = np.where(present, scaled - scaled.sum(axis=0) / count, 0.0)
    m2, m3, m4 = ((centred**power).sum(axis=0) / count for power in (2, 3, 4))
    skewness, kurtosis = m3 / m2**1.5, m4 / m2**2 - 3.0
    return {
        "skewness_mean_abs": float(np.abs(skewness).mean()),
        "kurtosis_mean": float(kurtosis.mean()),
        "heavy_tailed_share": float((kurtosis > HEAVY_TAIL).mean()),
    }


def landmarkers(data: Dataset) -> dict[str, float]:
    """Cross-validated accuracy of logistic regression and of 1-nearest-neighbour behind the dataset's own
    preprocessing (imputation, one-hot encoding) with standard scaling, whatever scaler the dataset names: on a
    stratified sample of at most ``SAMPLE_ROWS`` rows, ``FOLDS`` stratified folds (fewer where a class has fewer
    rows), seed ``SEED``; on one thread: models this small gain nothing from more, and lose much where the cores
    are busy."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from threadpoolctl import threadpool_limits

    X, y = data.X, data.y
    if len(y) > SAMPLE_ROWS:
        keep = subsample(y, SAMPLE_ROWS, SEED)
        X, y = (X.iloc[keep] if isinstance(X, pd.DataFrame) else X[keep]), y[keep]
    folds = min(FOLDS, int(np.unique(y, return_counts=True)[1].min()))
    if folds < 2:
        return {"landmark_linear": math.nan, "landmark_1nn": math.nan}
    cv, standard = StratifiedKFold(folds, shuffle=True, random_state=SEED), replace(data, scaler="standard")
    models = {"landmark_linear": LogisticRegression(max_iter=1000), "landmark_1nn": KNeighborsClassifier(1)}
    found = {}
    for name, model in models.items():
        with warnings.catch_warnings(), threadpool_limits(limits=1):  # unconverged in 1,000 steps: scored as is
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores = cross_val_score(make_pipeline(make_preprocessor(standard), model), X, y, cv=cv, n_jobs=1)
        found[name] = float(scores.mean())
    return found


def rounded(value: float) -> float | int:
    """``DIGITS`` significant digits; counts stay integers, NaN stays NaN."""
    if isinstance(value, int | np.integer):
        return int(value)
    return float(f"{value:.{DIGITS}g}")


def params(meta: dict[str, float]) -> dict[str, str]:
    """The run's params: ``dataset.meta.<name>``, rounded; ``nan`` where undefined."""
    return {f"{PREFIX}{name}": str(rounded(meta[name])) for name in NAMES}


def content_key(data: Dataset) -> str:
    """A hash of the data themselves (features, their names and types, labels) and of ``VERSION``: a source's file
    digest does not tell its subsamples, targets or noise columns apart, the loaded data do."""
    sha = hashlib.sha256(f"bench-meta-{VERSION}".encode())
    X = data.X
    if isinstance(X, pd.DataFrame):
        sha.update(repr([(str(c), str(t)) for c, t in X.dtypes.items()]).encode())
        sha.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    else:
        sha.update(repr(X.shape).encode() + np.ascontiguousarray(X, dtype=np.float64).tobytes())
    sha.update(pd.util.hash_pandas_object(pd.Series(data.y), index=False).to_numpy().tobytes())
    return sha.hexdigest()[:16]


def folder(tracking_uri: str, cwd: str | Path | None) -> Path:
    """Where measured meta-features are kept: ``dataset_meta/`` beside a SQLite store, else in the launch folder (as
    tuning journals are kept, ``bench.studies.storage_dir``)."""
    from bench.tracking import resolve_uri, sqlite_path

    db = sqlite_path(resolve_uri(str(tracking_uri), cwd))
    return (db.parent if db else Path(cwd or ".")) / FOLDER


def cache_path(data: Dataset, where: Path) -> Path:
    """The dataset's file in ``where``: its name by the one file-name rule, then its content key."""
    from bench.tracking import file_name

    return where / f"{file_name(data.name, 'data')}-{content_key(data)}.json"


@timed("meta")
def measure(data: Dataset, where: Path | None = None) -> dict[str, float]:
    """The data's meta-features: from this process's ``MEASURED``, else from their file in ``where``, else computed
    and written there (when ``where`` is given)."""
    key = data.source.identity()
    if key in MEASURED:
        MEASURED.move_to_end(key)
        return MEASURED[key]
    path = cache_path(data, where) if where is not None else None
    meta = read(path) if path is not None else None
    if meta is None:
        meta = compute(data)
        if path is not None:
            write(path, data.name, meta)
    MEASURED[key] = meta
    while len(MEASURED) > CACHED:
        MEASURED.popitem(last=False)
    return meta


def read(path: Path) -> dict[str, float] | None:
    """A cached file's meta-features; None where it is missing, unreadable, of another version or incomplete."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        values = stored["meta"]
        if stored.get("version") != VERSION or set(values) != set(NAMES):
            return None
        return {name: math.nan if values[name] is None else values[name] for name in NAMES}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def write(path: Path, name: str, meta: dict[str, float]) -> None:
    """The file, whole or not at all (a temporary file of this process renamed onto it: parallel jobs may write
    the same file at once). A folder that cannot be written costs the cache, not the run."""
    values = {key: None if isinstance(v, float) and math.isnan(v) else v for key, v in meta.items()}
    text = json.dumps({"name": name, "version": VERSION, "meta": values}, indent=2, default=float)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            partial.write_text(text + "\n", encoding="utf-8")
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    except OSError:
        pass
