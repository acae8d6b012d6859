"""Two models on one dataset, over its repeated splits: the corrected resampled t-test (Nadeau and Bengio, Machine
Learning 2003; for repeated cross-validation, Bouckaert and Frank, PAKDD 2004).

The differences of test accuracy are paired by split (seed and fold). Their variance over J splits is inflated
from 1/J to 1/J + n_test/n_train: the splits' training sets overlap, so the differences are correlated and a plain
t-test over them would find differences that are not there.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from bench import protocol
from bench.report.protocols import tagged
from bench.report.stats.across import holm
from bench.report.stats.noise import corrected_interval95, corrected_se
from bench.report.stats.scores import METRIC

NO_FOLD = -1  # a holdout run's split is its seed alone


def constant(differences: np.ndarray, test_rows: float = math.nan) -> bool:
    """Whether paired differences are the same on every split up to the resolution of one test row: a spread
    below half a row's share of accuracy (1 / n_test) is rounding, not variation, and a t statistic over it would
    be as large as the rounding is small. Without the row count, up to floating-point noise."""
    d = np.asarray(differences, dtype=float)
    if len(d) < 2:
        return False
    tolerance = 0.5 / test_rows if test_rows > 0 else 1e-9
    return bool(np.ptp(d) < tolerance)


def corrected_t(differences: np.ndarray, ratio: float, test_rows: float = math.nan) -> tuple[float, float]:
    """The corrected t statistic of paired differences and its two-sided p-value (J - 1 degrees of freedom);
    NaN for fewer than two splits or differences that are the same on every split (:func:`constant`)."""
    d = np.asarray(differences, dtype=float)
    if len(d) < 2 or constant(d, test_rows) or d.var(ddof=1) == 0:
        return math.nan, math.nan
    t = d.mean() / corrected_se(d, ratio)
    return float(t), float(2 * stats.t.sf(abs(t), len(d) - 1))


def interval95(runs: pd.DataFrame, metric: str = METRIC) -> float:
    """Half-width of the 95% interval of the mean of ``metric`` over one dataset's runs (one per split): the
    corrected resampled standard error (:mod:`.noise`) times the t quantile; NaN for fewer than two splits."""
    return corrected_interval95(runs[metric].dropna(), overlap(runs))


def overlap(runs: pd.DataFrame) -> float:
    """n_test/n_train of the runs' splits, the term the corrected variance adds for overlapping training sets; the
    largest over the protocols present (the most cautious). NaN for no runs."""
    if runs.empty:
        return math.nan
    return max(split_ratio(group, name) for name, group in tagged(runs).groupby("protocol"))


def _param(runs: pd.DataFrame, column: str) -> pd.Series:
    if column not in runs:
        return pd.Series(math.nan, index=runs.index, dtype=float)
    values = runs[column].astype(str).replace({"None": None, "null": None, "nan": None, "<NA>": None})
    return pd.to_numeric(values, errors="coerce")


def split_ratio(runs: pd.DataFrame, name: str) -> float:
    """n_test/n_train of one dataset's runs under one protocol, as the protocol says from the runs' params
    (``bench.protocol.Protocol.test_ratio``): 1/(k - 1) for k-fold cross-validation (k from
    ``params.protocol.folds``, else the folds seen), test_size/(1 - test_size) for a holdout split."""
    folds = _param(runs, "params.protocol.folds").median()
    if math.isnan(folds) and "fold" in runs and runs["fold"].notna().any():
        folds = runs["fold"].nunique()
    params = {"params.protocol.folds": folds, "params.test_size": _param(runs, "params.test_size").median()}
    return protocol.known(name).test_ratio(params)


def test_rows(runs: pd.DataFrame, name: str) -> float:
    """The rows of one test split of one dataset's runs under one protocol (rows x test_size for a holdout split,
    rows / k for k-fold cross-validation); NaN where the runs do not record the dataset's rows."""
    rows = _param(runs, "params.dataset.rows").max()
    ratio = split_ratio(runs, name)
    return rows * ratio / (1 + ratio)  # n_test / (n_test + n_train)


def splits(ok: pd.DataFrame) -> pd.DataFrame:
    """The runs with their split: ``protocol`` (the default where the table has none), ``fold`` (NO_FOLD where the
    table has no folds or a run is a holdout run)."""
    fold = pd.to_numeric(ok["fold"], errors="coerce").fillna(NO_FOLD) if "fold" in ok else NO_FOLD
    return tagged(ok).assign(_fold=fold)


def _pairs(runs: pd.DataFrame, order: list[str], metric: str, ratio: float, rows: float) -> list[dict]:
    """Each pair of models with at least one split in common: pairs that never met have nothing to compare."""
    by_split = runs.groupby(["seed", "_fold", "model"])[metric].mean().unstack("model")
    models = [m for m in order if m in by_split.columns]
    pairs = []
    for i, a in enumerate(models):
        for b in models[i + 1 :]:
            d = (by_split[a] - by_split[b]).dropna().to_numpy()
            if len(d) == 0:
                continue
            t, p = corrected_t(d, ratio, rows)
            pair = {"model_a": a, "model_b": b, "splits": len(d), "difference": d.mean(), "t": t, "p": p}
            pairs.append({**pair, "identical": constant(d, rows)})
    return pairs


def per_dataset(ok: pd.DataFrame, order: list[str], metric: str = METRIC) -> pd.DataFrame:
    """For every dataset (variants apart), protocol and pair of models: the number of paired splits J, the mean
    difference ``model_a - model_b``, the corrected t and its p, whether the difference is the same on every split
    (``identical``: then no t and no p), and ``p_holm``: p adjusted by Holm's method over the ``tests`` pairs tested
    on that dataset under that protocol (a dataset with many models tests many pairs, and some would pass at 0.05
    by chance alone). Pairs follow ``order`` (models not in it last)."""
    columns = ["dataset", "protocol", "model_a", "model_b", "splits", "difference", "t", "p", "identical"]
    columns += ["tests", "p_holm"]
    if ok.empty:
        return pd.DataFrame(columns=columns)
    runs = splits(ok)
    order = [*order, *sorted(set(runs["model"]) - set(order))]
    rows = []
    for (dataset, name), group in runs.groupby(["dataset", "protocol"], sort=True):
        ratio, n_test = split_ratio(group, name), test_rows(group, name)
        pairs = _pairs(group, order, metric, ratio, n_test)
        tested = [i for i, pair in enumerate(pairs) if pair["p"] == pair["p"]]
        adjusted = holm(np.array([pairs[i]["p"] for i in tested])) if tested else []
        for i, p in zip(tested, adjusted, strict=True):
            pairs[i]["p_holm"] = float(p)
        rows += [{"dataset": dataset, "protocol": name, "tests": len(tested), **pair} for pair in pairs]
    return pd.DataFrame(rows, columns=columns)
