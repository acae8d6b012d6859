"""The claims that set "the MLP" against the other families (4 and 5) are about the plain MLP the article means.
Where a claim's runs also hold the modern tabular recipe (``model=mlp_modern``), the same rule judges it in the
plain MLP's place, against the same other models, and the evidence says which verdict is about which MLP: the
verdict stays the plain MLP's, the recipe's is reported beside it, and the table and figures show both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from bench.report.claims.evidence import Evidence

RECIPE = "mlp_modern"  # the recipe's model config: judged beside the plain MLP, never in its stead
CLAIMS = ("svm_linear_data", "mlp_scale")  # the claims whose rules set the MLP against the other families


def plain_mlps(runs: pd.DataFrame) -> list[str]:
    """The MLP configs in the runs other than the recipe's."""
    return sorted(m for m in runs["model_name"].dropna().unique() if str(m).startswith("mlp") and m != RECIPE)


def judge_beside(judge: Callable[[pd.DataFrame], Evidence], runs: pd.DataFrame) -> Evidence:
    """``judge`` on the runs without the recipe (the verdict), and again with the recipe in the plain MLP's place,
    merged into one evidence; runs without both MLPs are judged as they are."""
    plain = plain_mlps(runs) if "model_name" in runs else []
    if not plain or not runs["model_name"].eq(RECIPE).any():
        return judge(runs)
    ours = judge(runs[runs["model_name"].ne(RECIPE)])
    theirs = judge(runs[~runs["model_name"].isin(plain)])
    added = _added(ours, theirs)
    return replace(
        ours,
        sentence=(
            f"The verdict is about the plain MLP ({', '.join(plain)}). {ours.sentence} The same rule with {RECIPE} "
            f"in its place: {theirs.verdict}. {theirs.sentence}"
        ),
        table=_with_recipe(ours, theirs, added, after=plain[-1]),
        numeric=(*ours.numeric, *added.values()),
        runs=len(runs),
        seeds=runs["seed"].nunique(),
        drawn={key: _drawn_with_recipe(frame, theirs.drawn.get(key)) for key, frame in ours.drawn.items()},
    )


def _added(ours: Evidence, theirs: Evidence) -> dict[str, str]:
    """The recipe's columns of its table, each to its name beside the plain MLP's: its own model column, and its
    versions of the columns about the MLP."""
    if theirs.table.empty or ours.table.empty:
        return {}
    return {c: _name(c, ours) for c in theirs.numeric if c not in ours.table or "MLP" in c}


def _name(column: str, ours: Evidence) -> str:
    return column if column not in ours.table else f"{column} ({RECIPE})"


def _keys(theirs: Evidence) -> list[str]:
    return [c for c in theirs.table.columns if c not in theirs.numeric]


def _with_recipe(ours: Evidence, theirs: Evidence, added: dict[str, str], after: str) -> pd.DataFrame:
    """The plain MLP's table with the recipe's columns joined on the rows' keys, its model column next to the
    plain MLP's."""
    if not added:
        return ours.table
    keys = _keys(theirs)
    table = ours.table.merge(theirs.table[[*keys, *added]].rename(columns=added), on=keys, how="left")
    order = list(ours.table.columns)
    if RECIPE in added.values():
        order.insert(order.index(after) + 1 if after in order else len(order), RECIPE)
    return table[order + [c for c in added.values() if c not in order]]


def _drawn_with_recipe(frame: pd.DataFrame, recipe_frame: pd.DataFrame | None) -> pd.DataFrame:
    if recipe_frame is None or "model_name" not in recipe_frame:
        return frame
    return pd.concat([frame, recipe_frame[recipe_frame["model_name"].eq(RECIPE)]], ignore_index=True)
