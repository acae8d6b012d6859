"""What a table's numbers are: the protocol(s) its runs used, in words, and what a mean in the leaderboard is a mean
over (seeds for holdout splits, folds under cv and tuned)."""

from __future__ import annotations

import pandas as pd

from bench import protocol
from bench.report.format import integer

SHARE = "params.protocol.validation_fraction"  # tuned: its trials' inner split; holdout and cv: a validation part


def tagged(table: pd.DataFrame) -> pd.DataFrame:
    """Runs recorded before the protocol tag, and hand-made tables without it, used the default protocol."""
    if "protocol" not in table:
        return table.assign(protocol=protocol.DEFAULT)
    return table.assign(protocol=table["protocol"].fillna(protocol.DEFAULT).astype(str))


def tuned(table: pd.DataFrame) -> pd.Series:
    """Whether each run's protocol chose its model's config inside the training part."""
    return tagged(table)["protocol"].map(lambda name: protocol.known(name).tunes).astype(bool)


def params_of(row: pd.Series) -> dict[str, float]:
    """A run's numeric ``params.*`` (the ones a protocol reads), NaN where missing or not a number."""
    return {k: float(v) for k, v in pd.to_numeric(row.filter(like="params."), errors="coerce").items()}


def describe(table: pd.DataFrame) -> str:
    """Every protocol and setting the table's runs used, the commonest first, each with its count of runs when
    there are several. Runs without the params (a job that failed before logging them) take no part."""
    described = []
    for name, rows in tagged(table).groupby("protocol", sort=True):
        found = protocol.known(name)
        columns = [c for c in (*found.settings, SHARE) if c in rows]
        known = rows.dropna(subset=columns, how="all") if columns else rows.iloc[:0]
        if known.empty:
            described.append((len(rows), found.describe(params_of(rows.iloc[0]))))
            continue
        # dropna=False: a setting some runs lack (the validation share) is a group of its own, not a lost one
        for _, group in known.astype({c: str for c in columns}).groupby(columns, sort=True, dropna=False):
            described.append((len(group), found.describe(params_of(known.loc[group.index[0]]))))
    if len(described) == 1:
        return described[0][1]
    described.sort(key=lambda found: -found[0])
    return "; ".join(f"{text}: {integer(n)} runs" for n, text in described)


def unit(table: pd.DataFrame) -> str:
    """What one protocol's repeated runs are: ``seeds``, ``folds``, or ``seeds and folds``."""
    units = {protocol.known(name).unit for name in tagged(table)["protocol"].unique()}
    if units == {"seeds"}:
        return "seeds"
    return "seeds and folds" if table["seed"].nunique() > 1 else "folds"


def spread(table: pd.DataFrame) -> str:
    """``over seeds``, ``over folds``, or, where protocols differ, ``over seeds (holdout) or folds (tuned)``."""
    if table.empty:
        return "over seeds"
    units: dict[str, list[str]] = {}
    for name, rows in tagged(table).groupby("protocol", sort=True):
        units.setdefault(unit(rows), []).append(str(name))
    if len(units) == 1:
        return f"over {next(iter(units))}"
    return "over " + " or ".join(f"{u} ({', '.join(p)})" for u, p in units.items())


def count_header(table: pd.DataFrame) -> str:
    """The leaderboard's header for the number of runs per cell."""
    found = spread(table)
    return {"over seeds": "Seeds", "over folds": "Folds"}.get(found, "Runs")
