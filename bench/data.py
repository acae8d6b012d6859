"""Datasets: a config names a source, the source yields ``(X, y)``, and every model family shares one split.

Each dataset config names one of the source classes below with ``_target_``. Building a source only validates
its fields (cheap, so the CLI can check a whole sweep before training: a missing file fails there); ``load()``
produces the data. Sources: scikit-learn's toy sets (``Builtin``), sets shipped in ``bench/datasets/``
(``Shipped``), generated sets (``Moons``, ``Circles``, ``Classification``, ``Linear``, ``Parity``), a user's CSV
or Parquet file (``File``) and OpenML (``OpenML``). Tabular sources keep their columns in a DataFrame;
``make_preprocessor`` turns them into numbers inside the model's pipeline (imputing, one-hot encoding, scaling),
fitted on the training split only.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from numbers import Integral, Real
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn import datasets as skdata
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints

BUILTINS = {
    "iris": skdata.load_iris,
    "wine": skdata.load_wine,
    "breast_cancer": skdata.load_breast_cancer,
    "digits": skdata.load_digits,
}
SCALERS = {"standard": StandardScaler, "minmax": MinMaxScaler, "none": None}
SHIPPED_DIR = Path(__file__).parent / "datasets"
SHIPPED = {  # name -> file in bench/datasets/ (see its README.md for sources and licences)
    "spambase": "spambase.csv.gz",  # 4597 x 57, 2 classes
    "satimage": "satimage.csv.gz",  # 6435 x 36, 6 classes
    "magic": "magic.csv.gz",  # 19020 x 10, 2 classes
    "letter": "letter.csv.gz",  # 20000 x 16, 26 classes
    "penguins": "penguins.csv.gz",  # 342 x 4, 3 classes
    "mnist5k": "mnist5k.npz",  # 5000 x 784, 10 classes; pixels scaled to [0, 1]
}
FILE_FORMATS = {".csv": "csv", ".csv.gz": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet"}
OPENML_HOME = "~/.cache/bench"  # scikit-learn keeps OpenML downloads in <data_home>/openml/
OPENML_RETRIES, OPENML_DELAY = 2, 1.0  # network retries (and seconds between) before an uncached set fails


# what a run records about its data (Dataset.facts): measured on the data or reported by its source, never set, so
# reports name dataset variants by settings only
FACTS = ("rows", "features", "classes", "class_counts", "imbalance_ratio", "digest", "openml_id", "openml_version")


@dataclass(frozen=True)
class Dataset:
    """Loaded data and what produced them.

    ``X`` is a float64 array, or a DataFrame for tabular sources (files, OpenML) whose categorical and missing
    values the model's pipeline handles (``make_preprocessor``). ``y`` holds the labels as given (strings stay
    strings). ``digest`` is a content hash where the data come from a file (SHA-256 of its bytes, first 32 hex
    digits; OpenML: the MD5 of the ARFF file), else None. ``info`` holds facts of the source worth recording
    (OpenML id and version, ...).
    """

    name: str
    X: np.ndarray | pd.DataFrame
    y: np.ndarray
    scaler: str
    source: Source
    digest: str | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_classes(self) -> int:
        return len(np.unique(self.y))

    @property
    def class_counts(self) -> dict[str, int]:
        labels, counts = np.unique(self.y, return_counts=True)
        return {str(label): int(count) for label, count in zip(labels, counts, strict=True)}

    @property
    def imbalance_ratio(self) -> float:
        """Size of the largest class over the smallest: 1 is balanced."""
        counts = self.class_counts.values()
        return max(counts) / min(counts)

    def facts(self) -> dict[str, str]:
        """What a run records about its data, as MLflow params: size, class balance, digest, source facts."""
        facts = {  # FACTS: these, then the source's own (Dataset.info)
            "dataset.rows": len(self.y),
            "dataset.features": self.X.shape[1],
            "dataset.classes": self.n_classes,
            "dataset.class_counts": json.dumps(self.class_counts),
            "dataset.imbalance_ratio": round(self.imbalance_ratio, 4),
            "dataset.digest": self.digest,
            **{f"dataset.{key}": value for key, value in self.info.items()},
        }
        return {key: str(value) for key, value in facts.items() if value is not None}


@dataclass(frozen=True)
class Source:
    """Fields every dataset shares.

    Parameters
    ----------
    name : short name used in run names, tags and reports.
    noise_features : pure N(0, 1) columns appended to the features, drawn with ``random_state``.
    scaler : preprocessing of numeric columns fitted on the training split only: ``standard``, ``minmax`` or
        ``none``.
    max_samples : keep at most this many rows: a stratified subsample drawn with ``random_state`` (null: all).
    random_state : seed of generated data, noise columns and the subsample; fixed per dataset so that the sweep
        seed varies only the split, the initialisation and the batching.
    """

    name: str = "data"
    noise_features: int = 0
    scaler: str = "standard"
    max_samples: int | None = None
    random_state: int = 0

    _parameter_constraints: ClassVar[dict] = {
        "name": [str],
        "noise_features": [Interval(Integral, 0, None, closed="left")],
        "scaler": [StrOptions(set(SCALERS))],
        "max_samples": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": [Interval(Integral, 0, None, closed="left")],
    }

    def __post_init__(self) -> None:
        constraints = {}
        for klass in reversed(type(self).__mro__):
            constraints.update(vars(klass).get("_parameter_constraints", {}))
        validate_parameter_constraints(constraints, asdict(self), caller_name=f"dataset {self.name!r}")

    def _generate(self) -> tuple:
        """``(X, y)``, or ``(X, y, digest, info)`` for sources that know more about their data."""
        raise NotImplementedError

    def load(self) -> Dataset:
        X, y, *extra = self._generate()
        digest, info = extra if extra else (None, {})
        X = X.reset_index(drop=True) if isinstance(X, pd.DataFrame) else np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if self.noise_features:
            noise = np.random.default_rng(self.random_state).standard_normal((len(X), self.noise_features))
            if isinstance(X, pd.DataFrame):
                names = [f"noise_{i}" for i in range(self.noise_features)]
                X = pd.concat([X, pd.DataFrame(noise, columns=names)], axis=1)
            else:
                X = np.hstack([X, noise])
        if self.max_samples is not None and len(y) > self.max_samples:
            keep = subsample(y, self.max_samples, self.random_state)
            X = X.iloc[keep].reset_index(drop=True) if isinstance(X, pd.DataFrame) else X[keep]
            y = y[keep]
        if len(np.unique(y)) < 2:
            raise ValueError(f"dataset {self.name!r} has a single class; a classifier needs at least two")
        return Dataset(self.name, X, y, self.scaler, self, digest, info)


def subsample(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Sorted indices of a seeded subsample of ``n`` rows, stratified on ``y`` where every class allows it."""
    index = np.arange(len(y))
    try:
        keep, _ = train_test_split(index, train_size=n, random_state=seed, stratify=y)
    except ValueError:  # a class too small to stratify on, or fewer rows than classes
        keep = np.random.default_rng(seed).choice(index, size=n, replace=False)
    return np.sort(keep)


@dataclass(frozen=True)
class Shipped(Source):
    """A dataset shipped in ``bench/datasets/``: ``spambase``, ``satimage``, ``magic``, ``letter``, ``penguins``,
    ``mnist5k``. ``shipped`` names the file when ``name`` is a variant's own name (``satimage_2k``)."""

    shipped: str | None = None

    _parameter_constraints: ClassVar[dict] = {"shipped": [StrOptions(set(SHIPPED)), None]}

    def __post_init__(self) -> None:
        if self.shipped is None:  # the name is the set: it must be one of the shipped ones
            validate_parameter_constraints(
                {"name": [StrOptions(set(SHIPPED))]}, {"name": self.name}, caller_name=f"dataset {self.name!r}"
            )
        super().__post_init__()

    def _generate(self) -> tuple:
        path = SHIPPED_DIR / SHIPPED[self.shipped or self.name]
        if path.suffix == ".npz":  # mnist5k: uint8 pixels, scaled to [0, 1] rather than standardized
            with np.load(path) as arrays:
                X, y = arrays["X"] / 255.0, arrays["y"].astype(np.int64)
        else:
            frame = pd.read_csv(path)
            X, y = frame.iloc[:, :-1].to_numpy(np.float64), frame.iloc[:, -1].to_numpy()
            if y.dtype == object:
                y = y.astype(str)
        return X, y, file_digest(path), {}


@dataclass(frozen=True)
class Builtin(Source):
    """A dataset that ships with scikit-learn: ``iris``, ``wine``, ``breast_cancer`` or ``digits``."""

    _parameter_constraints: ClassVar[dict] = {"name": [StrOptions(set(BUILTINS))]}

    def _generate(self) -> tuple[np.ndarray, np.ndarray]:
        return BUILTINS[self.name](return_X_y=True)


@dataclass(frozen=True)
class Moons(Source):
    """Two interleaving half circles (``sklearn.datasets.make_moons``): non-linear, low-dimensional."""

    n_samples: int = 1000
    noise: float = 0.3

    _parameter_constraints: ClassVar[dict] = {
        "n_samples": [Interval(Integral, 4, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
    }

    def _generate(self) -> tuple[np.ndarray, np.ndarray]:
        return skdata.make_moons(self.n_samples, noise=self.noise, random_state=self.random_state)


@dataclass(frozen=True)
class Circles(Source):
    """A circle inside another (``sklearn.datasets.make_circles``): not linearly separable."""

    n_samples: int = 1000
    noise: float = 0.1
    factor: float = 0.5

    _parameter_constraints: ClassVar[dict] = {
        "n_samples": [Interval(Integral, 4, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "factor": [Interval(Real, 0, 1, closed="neither")],
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

    _parameter_constraints: ClassVar[dict] = {
        "n_samples": [Interval(Integral, 4, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "n_informative": [Interval(Integral, 1, None, closed="left")],
        "n_redundant": [Interval(Integral, 0, None, closed="left")],
        "n_classes": [Interval(Integral, 2, None, closed="left")],
        "n_clusters_per_class": [Interval(Integral, 1, None, closed="left")],
        "class_sep": [Interval(Real, 0, None, closed="neither")],
        "flip_y": [Interval(Real, 0, 1, closed="both")],
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
    model can score 100%."""

    n_samples: int = 1000
    n_features: int = 10
    margin: float = 0.1

    _parameter_constraints: ClassVar[dict] = {
        "n_samples": [Interval(Integral, 4, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "margin": [Interval(Real, 0, 1, closed="left")],  # wider margins would empty most draws
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
        return X, (X @ normal > 0).astype(np.int64)


@dataclass(frozen=True)
class Parity(Source):
    """XOR and its higher-order kin: uniform points in [-1, 1]^n_features labelled by the parity of the signs of
    the first ``n_bits`` coordinates (``n_bits=2``: XOR). No hyperplane separates the classes, and with more
    than one bit no single feature says anything about the label. ``flip_y`` is the share of labels flipped."""

    n_samples: int = 1000
    n_bits: int = 2
    n_features: int = 2
    flip_y: float = 0.0

    _parameter_constraints: ClassVar[dict] = {
        "n_samples": [Interval(Integral, 4, None, closed="left")],
        "n_bits": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "flip_y": [Interval(Real, 0, 1, closed="both")],
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


@dataclass(frozen=True)
class File(Source):
    """A CSV (``.csv``, ``.csv.gz``, ``.tsv``) or Parquet (``.parquet``, ``.pq``) file with a header row.

    ``target`` names the label column (strings stay labels). Numeric columns are imputed with the median and
    scaled; other columns, and those listed in ``categorical``, are imputed with the most frequent value and
    one-hot encoded; all fitted on the training split. ``drop`` lists columns to ignore (ids); ``na_values`` lists
    extra strings that mark a missing value in a CSV (``["?"]``). Rows without a label are dropped. A relative
    ``path`` is relative to the directory ``python -m bench`` runs in.
    """

    name: str = "file"
    path: str | None = None
    target: str | None = None
    categorical: list[str] | None = None
    drop: list[str] | None = None
    na_values: list[str] | None = None

    _parameter_constraints: ClassVar[dict] = {
        "path": [str, os.PathLike],
        "target": [str],
        "categorical": [list, None],
        "drop": [list, None],
        "na_values": [list, None],
    }

    def __post_init__(self) -> None:
        if self.path is None or self.target is None:
            raise ValueError(f"dataset {self.name!r} needs dataset.path=FILE and dataset.target=COLUMN")
        super().__post_init__()
        path = Path(self.path).expanduser()
        if file_format(path) is None:
            choices = ", ".join(FILE_FORMATS)
            raise ValueError(f"dataset file {str(self.path)!r} has an unknown format; name it with one of: {choices}")
        if not path.is_file():
            raise FileNotFoundError(f"dataset file {str(path.absolute())!r} does not exist")

    def _generate(self) -> tuple:
        path = Path(self.path).expanduser()
        where = f"file {str(self.path)!r}"
        kind = file_format(path)
        try:
            if kind == "parquet":
                frame = pd.read_parquet(path)
            else:
                sep = "\t" if kind == "tsv" else ","
                frame = pd.read_csv(path, sep=sep, skipinitialspace=True, na_values=self.na_values)
        except FileNotFoundError:
            raise FileNotFoundError(f"dataset file {str(path.absolute())!r} does not exist") from None
        except pd.errors.EmptyDataError:
            raise ValueError(f"{where} is empty") from None
        except Exception as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ValueError(f"{where} cannot be read as {kind}: {first}") from None
        X, y = tabular(frame, self.target, where, self.categorical, self.drop)
        return X, y, file_digest(path), {}


@dataclass(frozen=True)
class OpenML(Source):
    """A dataset from OpenML (https://www.openml.org), by ``data_id`` or by ``name`` (and ``version``); with a
    ``data_id``, ``name`` only labels the runs.

    Downloads are cached in ``<data_home>/openml/`` (default ``~/.cache/bench/openml/``): a second run needs no
    network.
    ``target`` overrides OpenML's default target column. Numeric and nominal columns are handled as for ``File``;
    free-text (ARFF ``string``) columns and OpenML's row-id and ignored attributes are left out.
    """

    name: str = "openml"
    data_id: int | None = None
    version: int | str = "active"
    target: str | None = None
    data_home: str | None = None

    _parameter_constraints: ClassVar[dict] = {
        "data_id": [Interval(Integral, 1, None, closed="left"), None],
        "version": [Interval(Integral, 1, None, closed="left"), StrOptions({"active"})],
        "target": [str, None],
        "data_home": [str, os.PathLike, None],
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.data_id is None and self.name == "openml":
            raise ValueError("dataset 'openml' needs dataset.data_id=ID or dataset.name=NAME (an OpenML dataset)")

    @property
    def home(self) -> Path:
        return Path(self.data_home or OPENML_HOME).expanduser()

    def _generate(self) -> tuple:
        from urllib.error import URLError

        from sklearn.datasets import fetch_openml

        if self.data_id is not None:
            query, where = {"data_id": self.data_id}, f"OpenML dataset id {self.data_id}"
        else:
            query, where = {"name": self.name, "version": self.version}, f"OpenML dataset {self.name!r}"
        try:
            bunch = fetch_openml(
                **query,
                data_home=str(self.home),
                target_column=None,
                as_frame=True,
                parser="liac-arff",  # the pandas parser fails on some nominal columns with pandas 3
                n_retries=OPENML_RETRIES,
                delay=OPENML_DELAY,
            )
        except (URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise ValueError(
                f"{where} is not cached in {str(self.home)!r} and OpenML is unreachable: {reason}"
            ) from None
        except ValueError as exc:  # sklearn's OpenMLError: no such id or name
            first = (str(exc).strip().splitlines() or ["not found"])[0]
            raise ValueError(f"{where} cannot be fetched: {first}") from None
        details = bunch.details
        target = self.target or details.get("default_target_attribute")
        if not target or "," in target:
            raise ValueError(f"{where} has no single default target ({target!r}); set dataset.target=COLUMN")
        frame = bunch.frame
        drop = [c for key in ("row_id_attribute", "ignore_attribute") for c in _as_list(details.get(key))]
        # ARFF string attributes are free text (names, tickets), not categories: left out
        text = [c for c, kind in frame.dtypes.items() if c != target and not _numeric_or_nominal(kind)]
        X, y = tabular(frame, target, where, None, [c for c in dict.fromkeys(drop + text) if c in frame.columns])
        info = {"openml_id": int(details["id"]), "openml_version": int(details["version"])}
        return X, y, details.get("md5_checksum"), info


def _numeric_or_nominal(kind) -> bool:
    return isinstance(kind, pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(kind)


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def file_format(path: Path) -> str | None:
    name = path.name.lower()
    return next((kind for suffix, kind in FILE_FORMATS.items() if name.endswith(suffix)), None)


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, first 32 hex digits (what fits MLflow's dataset digest)."""
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()[:32]


def tabular(
    frame: pd.DataFrame, target: str, where: str, categorical: list[str] | None = None, drop: list[str] | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Features and labels of a table: numeric columns as float64, the others as strings (missing: NaN).

    Raises a one-line ``ValueError`` naming ``where`` and the column for an unknown column, a table without rows
    or features, a label with one class, or a numeric column holding text.
    """
    columns = [str(c) for c in frame.columns]
    frame = frame.set_axis(columns, axis=1)
    for key, wanted in (("target", [target]), ("categorical", categorical or []), ("drop", drop or [])):
        for column in wanted:
            if column not in columns:
                raise ValueError(f"{where} has no column {column!r} (dataset.{key}); choose from: {', '.join(columns)}")
    if frame.empty:
        raise ValueError(f"{where} has no data rows")
    labels = frame[target]
    if labels.dtype == object or isinstance(labels.dtype, pd.StringDtype | pd.CategoricalDtype):
        labels = labels.astype(object).where(labels.notna(), None)
        labels = labels.map(lambda v: v if v is None else str(v).strip()).replace("", None)
    frame = frame[labels.notna().to_numpy()]
    labels = labels[labels.notna()]
    if labels.empty:
        raise ValueError(f"{where}: target column {target!r} has no values")
    y = labels.to_numpy(dtype=object) if labels.dtype == object else labels.to_numpy()
    classes = pd.unique(y)
    if len(classes) < 2:
        raise ValueError(
            f"{where}: target column {target!r} has a single class ({classes[0]!r}); a classifier needs at least two"
        )
    X = frame.drop(columns=[target, *(drop or [])])
    if X.shape[1] == 0:
        raise ValueError(f"{where} has no feature columns besides the target {target!r}")
    features = {}
    for column in X.columns:
        values = X[column]
        if column not in (categorical or []) and pd.api.types.is_bool_dtype(values):
            values = values.astype(np.float64)
        if column not in (categorical or []) and pd.api.types.is_numeric_dtype(values):
            features[column] = values.astype(np.float64)
            continue
        text = values.astype(object).where(values.notna(), None)
        if column not in (categorical or []) and not isinstance(values.dtype, pd.CategoricalDtype):
            numbers = pd.to_numeric(text, errors="coerce")
            bad = text.notna() & numbers.isna()
            if numbers.notna().sum() > bad.sum():  # mostly numbers: the rest is garbage, not categories
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise ValueError(
                    f"{where}: numeric column {column!r} holds {text.iloc[row]!r} (data row {row + 1}); "
                    f"fix it, list it in dataset.na_values if it marks a missing value, or list the column in "
                    f"dataset.categorical"
                )
        features[column] = text.map(lambda v: np.nan if v is None else str(v)).astype(object)
    return pd.DataFrame(features, index=X.index), y


def split(data: Dataset, test_size: float, seed: int) -> tuple:
    """Seeded stratified train/test split: ``X_train, X_test, y_train, y_test``."""
    return train_test_split(data.X, data.y, test_size=test_size, random_state=seed, stratify=data.y)


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
