"""The report's statistics section: the tests of :mod:`bench.report.stats` as tables, sentences and the
critical-difference diagram."""

from __future__ import annotations

import pandas as pd

import bench.report.plots as plots
from bench.report.display import DisplayTable, Section, display_table
from bench.report.format import accuracy, integer, number, points, significant, text
from bench.report.stats.across import ALPHA
from bench.report.stats.analysis import Statistics, analyse
from bench.report.stats.bayes import ROPE
from bench.report.stats.reading import DECIDED, LEVEL, reading

NOT_ENOUGH = "not enough splits"
IDENTICAL = "identical on every split"


def _ranks(s: Statistics) -> DisplayTable:
    ranks = s.models.ranks.rename("mean_rank").rename_axis("model").reset_index()
    columns = {"model": ("Model", None), "mean_rank": ("Average rank", number)}
    return display_table(ranks, columns, "Average rank over source datasets (1 = best)")


def _wilcoxon(s: Statistics) -> DisplayTable:
    pairs = s.models.pairwise_p
    return display_table(
        pairs.rename_axis("model").reset_index(),
        {"model": ("Model", None), **{m: (m, significant) for m in pairs.columns}},
        f"Wilcoxon signed-rank p-values over datasets, Holm-corrected (below {LEVEL}: significantly different)",
        bold=pairs.lt(ALPHA).reset_index(drop=True).reindex(columns=pairs.columns),
    )


def _families(s: Statistics) -> DisplayTable:
    columns = {
        "family_a": ("Family A", None),
        "family_b": ("Family B", None),
        "p_a": ("P(A better)", accuracy),
        "p_rope": ("P(equivalent)", accuracy),
        "p_b": ("P(B better)", accuracy),
    }
    bold = s.families[["p_a", "p_rope", "p_b"]].gt(DECIDED)
    caption = f"Bayesian signed-rank test per pair of families (best model per dataset, ROPE ±{points(ROPE)})"
    return display_table(s.families, columns, caption, bold=bold)


def _splits(s: Statistics) -> DisplayTable:
    table = s.splits
    untested = [
        NOT_ENOUGH if few else IDENTICAL if same else None
        for few, same in zip(table["splits"].lt(2), table["identical"].eq(True), strict=True)
    ]
    cells = table.assign(
        difference=[points(d, signed=True) for d in table["difference"]],
        t=[why or number(t) for why, t in zip(untested, table["t"], strict=True)],
        p=[why or significant(p) for why, p in zip(untested, table["p"], strict=True)],
        p_holm=[why or significant(p) for why, p in zip(untested, table["p_holm"], strict=True)],
    )
    columns = {
        "dataset": ("Dataset", None),
        "protocol": ("Protocol", None),
        "model_a": ("Model A", None),
        "model_b": ("Model B", None),
        "splits": ("Splits J", integer),
        "difference": ("Mean difference A − B", text),
        "t": ("Corrected t", text),
        "p": ("p", text),
        "tests": ("Tests on the dataset", integer),
        "p_holm": ("p, Holm within the dataset", text),
    }
    bold = pd.DataFrame({"p_holm": table["p_holm"].lt(ALPHA)})
    caption = (
        f"Corrected resampled t-test per dataset and pair of models (bold: Holm-adjusted p below {LEVEL} over the "
        "dataset's tests)"
    )
    return display_table(cells, columns, caption, bold=bold)


def statistics_section(ok: pd.DataFrame, s: Statistics | None = None) -> Section:
    """Across datasets: average ranks, Friedman (Iman-Davenport), Nemenyi's critical difference, Wilcoxon-Holm and
    the Bayesian signed-rank test over families; per dataset, the corrected resampled t-test. ``s``: the tests
    already run on ``ok``."""
    s = analyse(ok) if s is None else s
    section = Section("statistics", "Statistical comparison across datasets", notes=reading(s))
    if not s.models.ranks.empty:
        section.tables.append(_ranks(s))
    if s.models.pairwise_p is not None:
        section.tables.append(_wilcoxon(s))
    if not s.families.empty:
        section.tables.append(_families(s))
    if not s.splits.empty:
        section.tables.append(_splits(s))
    if s.models.ok:
        caption = f"Critical-difference diagram (Nemenyi CD at alpha {LEVEL} = {number(s.models.cd)})"
        section.add_figure("critical_difference", caption, plots.critical_difference(s.models))
    return section
