"""The numbers the tests compare, out of the successful runs: one score per dataset and model (or family)."""

from __future__ import annotations

import pandas as pd

METRIC = "test_accuracy"


def base_dataset(ok: pd.DataFrame) -> pd.Series:
    """The source dataset of each run: variants of one source (``digits`` and ``digits noise_features=20``, named
    by :func:`bench.report.table.label_variants`) share one name, and so do copies of one dataset from two sources
    (a run of KEEL's ``wdbc`` records ``dataset.same_as=breast_cancer``), so that they count once across datasets."""
    base = ok["dataset"]
    if "dataset_name" in ok:
        base = ok["dataset_name"].where(ok["dataset_name"].notna(), base)
    same = ok.get("params.dataset.same_as")
    return base if same is None else same.where(same.notna() & same.ne(""), base)


def model_scores(ok: pd.DataFrame, metric: str = METRIC) -> pd.DataFrame:
    """Source datasets x models: the mean of ``metric`` over seeds, splits and variants, on the datasets where every
    kept model has a result (a model with results on fewer than half of the datasets is dropped first)."""
    if ok.empty:
        return pd.DataFrame()
    scores = ok.assign(_base=base_dataset(ok)).groupby(["_base", "model"])[metric].mean().unstack("model")
    scores = scores.dropna(axis=1, thresh=max(1, len(scores) // 2)).dropna(axis=0)
    return scores.rename_axis(index="dataset")


VALIDATION = ("val_accuracy", "tuning_best_val_accuracy")  # accuracy on validation rows inside the training part


def validation(ok: pd.DataFrame) -> pd.Series:
    """Each run's validation accuracy: measured on held-out rows of its training part (``val_accuracy``), or the
    chosen config's under tuning (``tuning_best_val_accuracy``); NaN where the run has none."""
    found = pd.Series(float("nan"), index=ok.index)
    for column in VALIDATION:
        if column in ok:
            found = found.fillna(pd.to_numeric(ok[column], errors="coerce"))
    return found


def family_choices(ok: pd.DataFrame, metric: str = METRIC) -> pd.DataFrame:
    """Per source dataset and family, the model that represents the family, chosen without the dataset's test
    scores: the highest mean validation accuracy there where every model of the family has one, else the best mean
    ``metric`` over the other datasets (chosen on other data). Columns: dataset, family, model, ``by`` (validation
    or other datasets), score (the chosen model's mean ``metric`` on the dataset)."""
    columns = ["dataset", "family", "model", "by", "score"]
    if ok.empty:
        return pd.DataFrame(columns=columns)
    runs = ok.assign(_base=base_dataset(ok), _family=ok["family"].fillna("other"), _val=validation(ok))
    means = runs.groupby(["_base", "_family", "model"]).agg(score=(metric, "mean"), val=("_val", "mean"))
    rows = []
    for (dataset, family), group in means.groupby(level=["_base", "_family"]):
        group = group.droplevel(["_base", "_family"])
        if group["val"].notna().all():
            model, by = group["val"].idxmax(), "validation"
        else:
            elsewhere = means.drop(index=dataset, level="_base")
            elsewhere = elsewhere[elsewhere.index.get_level_values("_family") == family]["score"]
            others = elsewhere.groupby(level="model").mean().reindex(group.index)
            model = others.idxmax() if others.notna().any() else group.index[0]
            by = "other datasets"
        score = group.loc[model, "score"]
        rows.append({"dataset": dataset, "family": family, "model": model, "by": by, "score": score})
    return pd.DataFrame(rows, columns=columns)


def family_scores(ok: pd.DataFrame, metric: str = METRIC) -> pd.DataFrame:
    """Source datasets x families: each family's representative model's mean ``metric`` (:func:`family_choices`:
    chosen on validation, never on the test scores it is then compared by), on the datasets where every family has
    a result."""
    choices = family_choices(ok, metric)
    if choices.empty:
        return pd.DataFrame()
    best = choices.pivot(index="dataset", columns="family", values="score").dropna(axis=0)
    return best.rename_axis(index="dataset", columns="family")


def average_ranks(scores: pd.DataFrame) -> pd.Series:
    """Each column's mean rank over the rows (1 = highest score, ties share their mean rank), best first."""
    if scores.empty:
        return pd.Series(dtype=float)
    ranks = scores.rank(axis=1, ascending=False).mean()
    return ranks.rename_axis(None).sort_values(kind="stable")
