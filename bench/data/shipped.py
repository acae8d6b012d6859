"""Real datasets that need no download: scikit-learn's toy sets and the sets shipped in ``bench/datasets/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn import datasets as skdata

from bench.data.files import file_digest
from bench.data.sources import Source
from bench.params import check, one_of

BUILTINS = {
    "iris": skdata.load_iris,
    "wine": skdata.load_wine,
    "breast_cancer": skdata.load_breast_cancer,
    "digits": skdata.load_digits,
}
SHIPPED_DIR = Path(__file__).parents[1] / "datasets"  # bench/datasets/, packed into the wheel with the code
SHIPPED = {  # name -> file in bench/datasets/ (see its README.md for sources and licences)
    "spambase": "spambase.csv.gz",  # 4597 x 57, 2 classes
    "satimage": "satimage.csv.gz",  # 6435 x 36, 6 classes
    "magic": "magic.csv.gz",  # 19020 x 10, 2 classes
    "letter": "letter.csv.gz",  # 20000 x 16, 26 classes
    "penguins": "penguins.csv.gz",  # 342 x 4, 3 classes
    "mnist5k": "mnist5k.npz",  # 5000 x 784, 10 classes; pixels scaled to [0, 1]
}


@dataclass(frozen=True)
class Shipped(Source):
    """A dataset shipped in ``bench/datasets/``: ``spambase``, ``satimage``, ``magic``, ``letter``, ``penguins``,
    ``mnist5k``. ``shipped`` names the file when ``name`` is a variant's own name (``satimage_2k``)."""

    shipped: str | None = None

    constraints: ClassVar[dict] = {"shipped": [one_of(SHIPPED), None]}

    def __post_init__(self) -> None:
        if self.shipped is None:  # the name is the set: it must be one of the shipped ones
            check({"name": [one_of(SHIPPED)]}, {"name": self.name}, f"dataset {self.name!r}")
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

    constraints: ClassVar[dict] = {"name": [one_of(BUILTINS)]}

    def _generate(self) -> tuple[np.ndarray, np.ndarray]:
        return BUILTINS[self.name](return_X_y=True)
