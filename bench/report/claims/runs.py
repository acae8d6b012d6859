"""A claim's runs out of the tidy table, their params as numbers or text, and the displays every judge shares."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bench.report.claims.evidence import Check, Evidence
from bench.report.claims.rules import MIN_SEEDS, NO_EVIDENCE, NOISE_FACTOR
from bench.report.format import DASH, counted, mean_std
from bench.report.stats.noise import corrected_se, replicates_to_settle
from bench.report.table import designed

NUMERIC = (
    "test_accuracy",
    "train_accuracy",
    "val_accuracy",
    "overfit_gap",
    "fit_time_s",
    "training/grad_ratio_first_last",
    "training/grad_ratio_init",
    "training/pregrad_ratio_first_last",
    "training/pregrad_ratio_init",
    "training/steps_to_target",
    "training/examples_to_target",
    "fold",
)


def claim_runs(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """The finished runs of one claim (diverged runs included: they are results), metrics numeric."""
    if table.empty or "params.claim" not in table:
        return pd.DataFrame()
    runs = table[table["params.claim"].eq(name) & table["status"].eq("FINISHED")]
    if "outcome" in runs:
        runs = runs[~runs["outcome"].eq("error")]
    runs = runs.copy()
    for column in NUMERIC:
        if column in runs:
            runs[column] = pd.to_numeric(runs[column], errors="coerce")
    return designed(runs)


def param_number(runs: pd.DataFrame, key: str, default: float = math.nan) -> pd.Series:
    """A param as numbers: ``None``/``null`` (and a missing column) become ``default``."""
    column = f"params.{key}"
    if column not in runs:
        return pd.Series(default, index=runs.index, dtype=float)
    values = runs[column].astype(str).replace({"None": None, "null": None, "nan": None})
    return pd.to_numeric(values, errors="coerce").fillna(default).astype(float)


def param_text(runs: pd.DataFrame, key: str) -> pd.Series:
    """A param as strings; a missing column is empty strings."""
    column = f"params.{key}"
    return runs[column].astype(str) if column in runs else pd.Series("", index=runs.index)


def too_few(runs: pd.DataFrame, claim: str) -> Evidence | None:
    """``no evidence`` when the claim's sweep was not run here or has fewer seeds than the rule needs."""
    if runs.empty:
        return Evidence(NO_EVIDENCE, f"No evidence in this experiment: run experiment=claims/{claim}.")
    seeds = runs["seed"].nunique()
    if seeds < MIN_SEEDS:
        return Evidence(
            NO_EVIDENCE,
            f"Too little evidence: {counted(seeds, 'seed')}, the rule needs {MIN_SEEDS}; "
            f"run experiment=claims/{claim}.",
            runs=len(runs),
            seeds=seeds,
        )
    return None


def mean_std_table(runs: pd.DataFrame, rows: str | list[str], columns: str, value: str) -> pd.DataFrame:
    """Mean ± std over seeds of ``value``, ``rows`` x ``columns``, as display strings."""
    cells = runs.groupby([*([rows] if isinstance(rows, str) else rows), columns])[value].agg(["mean", "std"])
    shown = pd.Series([mean_std(m, s, finite=True) for m, s in cells.to_numpy()], index=cells.index)
    return shown.unstack(columns).fillna(DASH).reset_index()


def found(
    runs: pd.DataFrame,
    verdict: str,
    sentence: str,
    table: pd.DataFrame,
    *,
    drawn: dict[str, pd.DataFrame],
    numeric: tuple[str, ...] | None = None,
    checks: tuple[Check, ...] = (),
) -> Evidence:
    """Evidence from the claim's runs; ``numeric`` defaults to ``table``'s columns after the first."""
    return Evidence(
        verdict,
        sentence,
        table,
        tuple(table.columns[1:]) if numeric is None else numeric,
        runs=len(runs),
        seeds=runs["seed"].nunique(),
        drawn=drawn,
        checks=checks,
    )


def check(
    label: str,
    per_replicate: pd.Series,
    threshold: float,
    ratio: float,
    value: float | None = None,
    *,
    below: bool = False,
) -> Check:
    """A rule's quantity against its threshold; its noise is the corrected standard error of its per-replicate
    values (``ratio``: n_test/n_train of the splits, ``stats.resampled.overlap``); ``value`` defaults to their
    mean."""
    values = pd.Series(per_replicate, dtype=float).replace([np.inf, -np.inf], np.nan).dropna()
    shown = float(values.mean()) if value is None else float(value)
    settle = replicates_to_settle(shown - threshold, values, ratio, NOISE_FACTOR)
    return Check(label, shown, threshold, corrected_se(values, ratio), len(values), below, settle)


def replicate_keys(runs: pd.DataFrame) -> list[str]:
    """The columns that name one replicate of a design: the seed, and the fold under cross-validation."""
    return ["seed", "fold"] if "fold" in runs and runs["fold"].notna().any() else ["seed"]
