"""A user's CSV or Parquet file, and the conversion of any table (a file, OpenML's frames) into features and
labels that the model's pipeline can preprocess."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from bench.data.sources import Source

FILE_FORMATS = {".csv": "csv", ".csv.gz": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet"}


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

    constraints: ClassVar[dict] = {
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
        path = self.location()
        if file_format(path) is None:
            choices = ", ".join(FILE_FORMATS)
            raise ValueError(f"dataset file {str(self.path)!r} has an unknown format; name it with one of: {choices}")
        if not path.is_file():
            raise FileNotFoundError(f"dataset file {str(path.absolute())!r} does not exist")

    def location(self) -> Path:
        """The file: a relative path is relative to the folder the sweep was started in, also in a job that Hydra
        runs in a folder of its own (``hydra.job.chdir=true``), so that the check and the jobs read one file."""
        from hydra.utils import to_absolute_path

        return Path(to_absolute_path(str(Path(str(self.path)).expanduser())))

    def identity(self) -> str:
        return f"{self!r} sha256={file_digest(self.location())}"  # the same path may hold new data

    def memory_bytes(self) -> float:
        """Memory the table takes once read: its bytes uncompressed (counted up to ``MEMORY_COUNT_CAP``), times
        ``MEMORY_FACTOR`` for pandas' copies."""
        path = self.location()
        if not path.is_file():
            return 0.0
        if file_format(path) == "parquet":
            import pyarrow.parquet as pq

            try:
                meta = pq.ParquetFile(path).metadata
            except Exception:  # not Parquet after all: reading it says why
                return 0.0
            size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        else:
            size = uncompressed_size(path)
        return MEMORY_FACTOR * size

    def _generate(self) -> tuple:
        path = self.location()
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


MEMORY_FACTOR = 4  # a CSV's bytes become about this many bytes of DataFrame, with the copies reading makes
MEMORY_COUNT_CAP = 64 << 30  # a compressed file is decompressed and counted up to this many bytes


def uncompressed_size(path: Path) -> int:
    """A file's size; a ``.gz`` file's decompressed size, counted (the gzip trailer holds it only modulo 4 GiB)."""
    if not path.name.lower().endswith(".gz"):
        return path.stat().st_size
    import gzip

    total = 0
    try:
        with gzip.open(path, "rb") as f:
            while (chunk := f.read(1 << 22)) and total < MEMORY_COUNT_CAP:
                total += len(chunk)
    except (OSError, EOFError):  # not gzip after all: reading it says why
        return path.stat().st_size
    return total


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
            features[column] = finite(values.astype(np.float64), column, where)
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


def finite(values: pd.Series, column: str, where: str) -> pd.Series:
    """A numeric column without infinities (a missing value is NaN, imputed in the pipeline; an infinity is not)."""
    infinite = np.isinf(values.to_numpy())
    if infinite.any():
        row = int(np.flatnonzero(infinite)[0])
        raise ValueError(
            f"{where}: numeric column {column!r} holds an infinite value ({values.iloc[row]!r}, data row {row + 1}); "
            f"fix it or list it in dataset.na_values"
        )
    return values
