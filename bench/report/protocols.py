"""What a table's numbers are: the protocol(s) its runs used, in words, and what a mean in the leaderboard is a mean
over (seeds for holdout splits, folds under cv and tuned)."""

from __future__ import annotations

import pandas as pd

from bench.report.format import integer, number

CV = ["params.protocol.folds", "params.protocol.repeats"]
SHARE = "params.protocol.validation_fraction"  # tuned: its trials' inner split; holdout and cv: a validation part
SETTINGS = {  # the params that say what each protocol did; the others do not change its results' meaning
    "holdout": ["params.test_size", SHARE],
    "cv": [*CV, SHARE],
    "tuned": [*CV, "params.protocol.n_trials", SHARE],
}


def _tagged(table: pd.DataFrame) -> pd.DataFrame:
    """Runs recorded before the protocol tag, and hand-made tables without it, were holdout runs."""
    return table if "protocol" in table else table.assign(protocol="holdout")


def _value(row: pd.Series, column: str) -> float | None:
    value = pd.to_numeric(row.get(column), errors="coerce")
    return None if pd.isna(value) else float(value)


def describe_one(protocol: str, row: pd.Series) -> str:
    """``tuned (3-fold stratified CV, default + 10 trials per model, ...)`` from one run's ``params.*``; the bare name
    where the runs predate the params."""
    folds, repeats = _value(row, "params.protocol.folds"), _value(row, "params.protocol.repeats")
    trials, share = _value(row, "params.protocol.n_trials"), _value(row, SHARE)
    parts = []
    if protocol == "holdout":
        test = _value(row, "params.test_size")
        parts.append("one stratified split per seed" + ("" if test is None else f", test size {number(test)}"))
    elif folds is not None:
        cv = f"{integer(folds)}-fold stratified CV"
        parts.append(cv if repeats in (None, 1) else f"{cv} repeated {integer(repeats)} times")
    if protocol == "tuned" and trials is not None:
        parts.append(f"default + {integer(trials)} trials per model")
    if protocol == "tuned" and share is not None:
        parts.append(f"{number(share)} of each training fold for validation")
    elif share is not None:  # the runs' val_accuracy: a value is chosen there, the test part stays untouched
        parts.append(f"{number(share)} of the training part held out for validation")
    return protocol + (f" ({', '.join(parts)})" if parts else "")


def describe(table: pd.DataFrame) -> str:
    """Every protocol and setting the table's runs used, the commonest first, each with its count of runs when
    there are several. Runs without the params (a job that failed before logging them) take no part."""
    described = []
    for protocol, rows in _tagged(table).groupby("protocol", sort=True):
        columns = [c for c in SETTINGS.get(str(protocol), []) if c in rows]
        known = rows.dropna(subset=columns, how="all") if columns else rows.iloc[:0]
        if known.empty:
            described.append((len(rows), describe_one(str(protocol), rows.iloc[0])))
            continue
        # dropna=False: a setting some runs lack (the validation share) is a group of its own, not a lost one
        for _, group in known.astype({c: str for c in columns}).groupby(columns, sort=True, dropna=False):
            described.append((len(group), describe_one(str(protocol), group.iloc[0])))
    if len(described) == 1:
        return described[0][1]
    described.sort(key=lambda found: -found[0])
    return "; ".join(f"{text}: {integer(n)} runs" for n, text in described)


def unit(table: pd.DataFrame) -> str:
    """What one protocol's repeated runs are: ``seeds``, ``folds``, or ``seeds and folds``."""
    if table["protocol"].eq("holdout").all():
        return "seeds"
    return "seeds and folds" if table["seed"].nunique() > 1 else "folds"


def spread(table: pd.DataFrame) -> str:
    """``over seeds``, ``over folds``, or, where protocols differ, ``over seeds (holdout) or folds (tuned)``."""
    if table.empty:
        return "over seeds"
    units: dict[str, list[str]] = {}
    for protocol, rows in _tagged(table).groupby("protocol", sort=True):
        units.setdefault(unit(rows), []).append(str(protocol))
    if len(units) == 1:
        return f"over {next(iter(units))}"
    return "over " + " or ".join(f"{u} ({', '.join(p)})" for u, p in units.items())


def count_header(table: pd.DataFrame) -> str:
    """The leaderboard's header for the number of runs per cell."""
    found = spread(table)
    return {"over seeds": "Seeds", "over folds": "Folds"}.get(found, "Runs")
