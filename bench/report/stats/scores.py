"""The numbers the tests compare, out of the successful runs: one score per dataset and model (or family)."""

from __future__ import annotations

import pandas as pd

METRIC = "test_accuracy"


def base_dataset(ok: pd.DataFrame) -> pd.Series:
    """The source dataset of each run: variants of one source (``digits`` and ``digits noise_features=20``, named
    by :func:`bench.report.table.label_variants`) share one name, so that they count once across datasets."""
    if "dataset_name" not in ok:
        return ok["dataset"]
    return ok["dataset_name"].where(ok["dataset_name"].notna(), ok["dataset"])


def model_scores(ok: pd.DataFrame, metric: str = METRIC) -> pd.DataFrame:
    """Source datasets x models: the mean of ``metric`` over seeds, splits and variants, on the datasets where every
    kept model has a result (a model with results on fewer than half of the datasets is dropped first)."""
    if ok.empty:
        return pd.DataFrame()
    scores = ok.assign(_base=base_dataset(ok)).groupby(["_base", "model"])[metric].mean().unstack("model")
    scores = scores.dropna(axis=1, thresh=max(1, len(scores) // 2)).dropna(axis=0)
    return scores.rename_axis(index="dataset")


def family_scores(ok: pd.DataFrame, metric: str = METRIC) -> pd.DataFrame:
    """Source datasets x families: each family's best model on each dataset (the highest mean ``metric`` there),
    on the datasets where every family has a result."""
    if ok.empty:
        return pd.DataFrame()
    runs = ok.assign(_base=base_dataset(ok), _family=ok["family"].fillna("other"))
    means = runs.groupby(["_base", "_family", "model"])[metric].mean()
    best = means.groupby(level=["_base", "_family"]).max().unstack("_family").dropna(axis=0)
    return best.rename_axis(index="dataset", columns="family")


def average_ranks(scores: pd.DataFrame) -> pd.Series:
    """Each column's mean rank over the rows (1 = highest score, ties share their mean rank), best first."""
    if scores.empty:
        return pd.Series(dtype=float)
    ranks = scores.rank(axis=1, ascending=False).mean()
    return ranks.rename_axis(None).sort_values(kind="stable")
