"""The report's summary tables, computed once as numbers from the tidy per-run table (formatted later, once, for
both outputs)."""

from __future__ import annotations

import pandas as pd

from bench.metrics import FINAL, MLP_SUMMARIES
from bench.report.format import DASH
from bench.report.stats import interval95

KEYS = ["dataset", "model"]
TEXT_COLUMNS = ["run_id", "status", "outcome", "error", "dataset", "model", "family"]
METRIC_COLUMNS = ["seed", *FINAL, *MLP_SUMMARIES]
MLP_PARAMS = {"params.model.activation": "Activation", "params.model.hidden_layer_sizes": "Hidden layers"}


def prepare(table: pd.DataFrame) -> pd.DataFrame:
    """Copy with every expected column present, metrics numeric, and `failed` / `diverged` / `timed_out` flags."""
    t = table.copy()
    for col in TEXT_COLUMNS:
        if col not in t:
            t[col] = pd.Series(pd.NA, index=t.index, dtype=object)
    for col in METRIC_COLUMNS:
        t[col] = pd.to_numeric(t[col], errors="coerce") if col in t else float("nan")
    t["overfit_gap"] = t["overfit_gap"].fillna(t["train_accuracy"] - t["test_accuracy"])
    t["failed"] = ~t["status"].eq("FINISHED") | t["outcome"].eq("error")
    t["diverged"] = ~t["failed"] & t["outcome"].eq("diverged")
    # a fit killed at protocol.fit_timeout_s: a result (its cost is the cap) without any accuracy to rank
    t["timed_out"] = ~t["failed"] & t["outcome"].eq("timeout")
    return t


def scored(t: pd.DataFrame) -> pd.DataFrame:
    """The prepared table's runs with scores: neither failed nor timed out."""
    return t[~t["failed"] & ~t["timed_out"]]


def _order_by(frame: pd.DataFrame, order: list[str], first: list[str] | None = None) -> pd.DataFrame:
    """Sort rows by `first` columns, then by model in the given order (unknown models last)."""
    rank = frame["model"].map({m: i for i, m in enumerate(order)}).fillna(len(order))
    keys = [*(first or []), "_order", "model"]
    ordered = frame.assign(_order=rank).sort_values(keys, kind="stable")
    return ordered.drop(columns="_order").reset_index(drop=True)


def _leaderboard(ok: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per dataset x model accuracy stats with a `best` flag, and models by mean rank over datasets."""
    lb = (
        ok.groupby(KEYS)
        .agg(
            n=("test_accuracy", "count"),
            test_accuracy_mean=("test_accuracy", "mean"),
            test_accuracy_std=("test_accuracy", "std"),
            test_balanced_accuracy_mean=("test_balanced_accuracy", "mean"),
            test_f1_macro_mean=("test_f1_macro", "mean"),
            test_log_loss_mean=("test_log_loss", "mean"),
            diverged=("diverged", "sum"),
        )
        .reset_index()
    )
    # the interval of each mean over its splits, corrected for their overlapping training sets
    ci = pd.DataFrame(
        [(*key, interval95(group)) for key, group in ok.groupby(KEYS)], columns=[*KEYS, "test_accuracy_ci95"]
    )
    lb = lb.merge(ci, on=KEYS, how="left")
    per_dataset = lb.groupby("dataset")["test_accuracy_mean"]
    lb["best"] = lb["test_accuracy_mean"].eq(per_dataset.transform("max"))
    lb["rank"] = per_dataset.rank(ascending=False, method="average")
    ranks = lb.groupby("model").agg(mean_rank=("rank", "mean"), datasets=("dataset", "nunique")).reset_index()
    # a model run on a few datasets (a one-off job) ranks among the models of those alone: it follows the models
    # with results on more datasets, whatever its mean rank
    ranks = ranks.assign(_coverage=-ranks["datasets"]).sort_values(["_coverage", "mean_rank", "model"])
    ranks = ranks.drop(columns="_coverage").reset_index(drop=True)
    return _order_by(lb.drop(columns="rank"), list(ranks["model"]), ["dataset"]), ranks


def _gradients(ok: pd.DataFrame) -> pd.DataFrame:
    """Per MLP configuration and dataset: mean first/last gradient-norm ratio and epochs."""
    rows = ok[ok["training/grad_ratio_first_last"].notna()]
    config = ["model", *(p for p in MLP_PARAMS if p in rows)]
    rows = rows.assign(**{p: rows[p].fillna(DASH).astype(str) for p in config[1:]})
    return (
        rows.groupby([*config, "dataset"])
        .agg(
            runs=("training/grad_ratio_first_last", "count"),
            grad_ratio_first_last=("training/grad_ratio_first_last", "mean"),
            epochs_run=("training/epochs_run", "mean"),
            best_epoch=("training/best_epoch", "mean"),
        )
        .reset_index()
    )


def _cost(ok: pd.DataFrame) -> pd.DataFrame:
    """Per model, medians of the costs over datasets and seeds."""
    return (
        ok.assign(model_size_kb=ok["model_size_bytes"] / 1024)
        .groupby("model")
        .agg(
            runs=("run_id", "count"),
            fit_time_s=("fit_time_s", "median"),
            predict_time_s=("predict_time_s", "median"),
            predict_latency_us=("predict_latency_us", "median"),
            peak_memory_mb=("peak_memory_mb", "median"),
            model_size_kb=("model_size_kb", "median"),
        )
        .reset_index()
    )


def _counts(t: pd.DataFrame) -> pd.DataFrame:
    counts = pd.DataFrame(
        {
            "item": ["Runs", "Datasets", "Models", "Seeds", "Finished", "Failed", "Diverged"],
            "value": [
                len(t),
                t["dataset"].nunique(),
                t["model"].nunique(),
                t["seed"].nunique(),
                int(t["status"].eq("FINISHED").sum()),
                int(t["failed"].sum()),
                int(t["diverged"].sum()),
            ],
        }
    )
    if n := int(t["timed_out"].sum()):  # only where there are some: sweeps without a cap read as before
        counts = pd.concat([counts, pd.DataFrame({"item": ["Timed out"], "value": [n]})], ignore_index=True)
    return counts


def build_sections(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Compute the report's summary tables (numeric, unformatted) from the tidy per-run table.

    Parameters
    ----------
    table
        One row per MLflow run (see the module's callers for the column contract). Missing metric
        columns are treated as all-NaN. Runs with ``status != "FINISHED"`` or ``outcome == "error"``
        are failures and only appear in ``"failures"``; diverged runs are kept as results; timed-out runs
        (``outcome == "timeout"``) are counted in ``"summary"`` and ``"timed_out"`` and left out of the rest.

    Returns
    -------
    dict[str, pandas.DataFrame]
        ``summary`` (item, value counts); ``leaderboard`` (dataset x model: n, test accuracy mean/std,
        balanced accuracy / macro F1 / log-loss means, diverged count, ``best`` flag per dataset);
        ``model_rank`` (model, mean_rank, datasets; best first); ``cost`` (per model medians);
        ``cost_by_dataset`` (dataset x model mean fit time); ``overfit`` (dataset x model mean
        train/test accuracy and gap); ``overfit_by_model`` (mean gap, largest first); ``gradients``
        (per MLP configuration x dataset); ``failures`` (one row per failed run); ``timed_out`` (one row per
        timed-out run).
        Tables with models are ordered by ``model_rank``.
    """
    t = prepare(table)
    ok = scored(t)
    leaderboard, ranks = _leaderboard(ok)
    order = list(ranks["model"])
    by_cell = ok.groupby(KEYS)
    cost_by_dataset = by_cell.agg(fit_time_s=("fit_time_s", "mean")).reset_index()
    overfit = by_cell[["train_accuracy", "test_accuracy", "overfit_gap"]].mean().reset_index()
    overfit_by_model = ok.groupby("model").agg(overfit_gap=("overfit_gap", "mean")).reset_index()
    failures = t.loc[t["failed"], ["run_id", "dataset", "model", "seed", "status", "outcome", "error"]]
    failures = failures.sort_values(["dataset", "model", "seed"], na_position="last")
    timed_out = t.loc[t["timed_out"], ["run_id", "dataset", "model", "seed", "fit_time_s"]]
    return {
        "summary": _counts(t),
        "leaderboard": leaderboard,
        "model_rank": ranks,
        "cost": _order_by(_cost(ok), order),
        "cost_by_dataset": _order_by(cost_by_dataset, order, ["dataset"]),
        "overfit": _order_by(overfit, order, ["dataset"]),
        "overfit_by_model": overfit_by_model.sort_values(
            "overfit_gap", ascending=False, na_position="last"
        ).reset_index(drop=True),
        "gradients": _gradients(ok),
        "families": ok[["model", "family"]].drop_duplicates("model").reset_index(drop=True),
        "failures": failures.reset_index(drop=True),
        "timed_out": timed_out.sort_values(["dataset", "model", "seed"]).reset_index(drop=True),
    }
