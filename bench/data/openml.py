"""Datasets from OpenML, downloaded once into a local cache."""

from __future__ import annotations

import os
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path
from typing import ClassVar

import pandas as pd

from bench.data.files import tabular
from bench.data.sources import Source
from bench.params import Range, one_of

OPENML_HOME = "~/.cache/bench"  # scikit-learn keeps OpenML downloads in <data_home>/openml/
OPENML_RETRIES, OPENML_DELAY = 2, 1.0  # network retries (and seconds between) before an uncached set fails


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

    constraints: ClassVar[dict] = {
        "data_id": [Range(Integral, 1, None, closed="left"), None],
        "version": [Range(Integral, 1, None, closed="left"), one_of({"active"})],
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
