"""The report's first section: who wins where, at what cost, and what the statistics allow one to say, in a few
sentences and one table, from the same summaries and tests as the sections below it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from bench.report.display import Section, display_table
from bench.report.format import accuracy, counted, number, points, significant
from bench.report.stats.across import ALPHA, FEW_DATASETS
from bench.report.stats.analysis import MIN_DATASETS, Statistics
from bench.report.stats.reading import DECIDED, LEVEL, decided_pairs

TIE = 1e-9  # mean accuracies this close are the same result


def winners(leaderboard: pd.DataFrame) -> pd.DataFrame:
    """Per dataset: the best model (highest mean test accuracy; models tied for first place all named, joined by
    " = "), its family and accuracy, the runner-up and the gap to it (0 for a tie)."""
    rows = []
    for dataset, cells in leaderboard.groupby("dataset", sort=True):
        ranked = cells.sort_values("test_accuracy_mean", ascending=False, kind="stable")
        top = ranked["test_accuracy_mean"].iloc[0]
        first = ranked[ranked["test_accuracy_mean"] >= top - TIE]
        rest = ranked[ranked["test_accuracy_mean"] < top - TIE]
        rows.append(
            {
                "dataset": dataset,
                "model": " = ".join(first["model"]),
                "family": " = ".join(dict.fromkeys(first["family"].fillna("other"))) if "family" in first else None,
                "accuracy": top,
                "runner_up": rest["model"].iloc[0] if len(rest) else None,
                "gap": top - rest["test_accuracy_mean"].iloc[0] if len(rest) else None,
                "winners": list(first["model"]),
            }
        )
    return pd.DataFrame(rows, columns=["dataset", "model", "family", "accuracy", "runner_up", "gap", "winners"])


def who_wins(best: pd.DataFrame, families: Mapping[str, str]) -> str:
    """How many datasets each model wins alone, and on how many more it shares first place."""
    alone: dict[str, int] = {}
    shared: dict[str, int] = {}
    for models in best["winners"]:
        for model in models:
            (alone if len(models) == 1 else shared)[model] = (alone if len(models) == 1 else shared).get(model, 0) + 1
    order = sorted(set(alone) | set(shared), key=lambda m: (-alone.get(m, 0), -shared.get(m, 0), m))
    parts = []
    for model in order:
        family = f" ({families[model]})" if isinstance(families.get(model), str) else ""
        won = f" on {alone[model]} of {len(best)}" if alone.get(model) else ""
        tie = f"{',' if won else ''} tied first on {shared[model]}{' more' if won else ''}" if shared.get(model) else ""
        parts.append(f"{model}{family}{won}{tie}")
    return f"Best model per dataset: {'; '.join(parts)}."


def ranks_sentence(ranks: pd.DataFrame) -> str:
    most = ranks["datasets"].max()
    order = ", ".join(
        f"{m} {number(r)}" + ("" if d == most else f" (on {d} of {most} datasets)")
        for m, r, d in zip(ranks["model"], ranks["mean_rank"], ranks["datasets"], strict=True)
    )
    return f"Average rank across datasets (1 = best): {order}."


def statistics_sentence(s: Statistics) -> str:
    """The one thing the tests across datasets allow one to say."""
    c = s.models
    n = len(c.scores)
    if c.left_out == FEW_DATASETS or c.friedman is None and c.pairwise_p is None:
        return (
            f"What the statistics allow: with {counted(n, 'dataset')} in common (the tests across datasets need "
            f"{MIN_DATASETS}), no model can be called better than another beyond these datasets."
        )
    if c.friedman is not None and c.friedman.p >= ALPHA:
        return (
            f"What the statistics allow: the Friedman test finds no significant difference between the models over "
            f"{counted(n, 'dataset')} (p = {significant(c.friedman.p)}): none can be called better."
        )
    separated = []
    if c.pairwise_p is not None:
        models = list(c.ranks.index)
        for i, a in enumerate(models):
            for b in models[i + 1 :]:
                if c.pairwise_p.loc[a, b] < ALPHA:
                    better, worse = (a, b) if (c.scores[a] - c.scores[b]).median() >= 0 else (b, a)
                    separated.append(f"{better} above {worse}")
    found = "; ".join(separated) if separated else "no pair of models is separated"
    rejected = f"the Friedman test rejects equal performance (p = {significant(c.friedman.p)}); " if c.friedman else ""
    return (
        f"What the statistics allow over {counted(n, 'dataset')}: {rejected}by Wilcoxon signed-rank tests with "
        f"Holm's correction at alpha {LEVEL}, {found}."
    )


def families_sentence(s: Statistics) -> str | None:
    if s.families.empty:
        return None
    decided = [
        f"{a} beats {b}" if relation == "better" else f"{a} and {b} are practically equivalent"
        for a, relation, b, _ in decided_pairs(s)
    ]
    verdict = "; ".join(decided) if decided else "no pair of families is decided"
    return f"Bayesian signed-rank test per pair of families (P > {number(DECIDED)}): {verdict}."


def cost_sentence(cost: pd.DataFrame) -> str:
    parts = [
        f"{row.model} {number(row.fit_time_s)} s to fit, {number(row.predict_latency_us)} µs per row"
        for row in cost.itertuples()
    ]
    return f"At what cost (medians over runs): {'; '.join(parts)}."


def answer_section(summaries: Mapping[str, pd.DataFrame], stats: Statistics, when: Sequence[str] = ()) -> Section:
    """The first screen of a report: who wins where, at what cost, what the statistics allow, and ``when``: where
    the MLP wins and whether the datasets' properties tell (:func:`bench.report.when.answer_sentences`)."""
    section = Section("answer", "The answer")
    leaderboard = summaries["leaderboard"]
    if leaderboard.empty:
        section.lead.append("No run scored: nothing to compare yet.")
        return section
    families = _families(summaries)
    best = winners(leaderboard.merge(families, on="model", how="left"))
    section.lead += [
        who_wins(best, dict(zip(families["model"], families["family"], strict=True))),
        ranks_sentence(summaries["model_rank"]),
        statistics_sentence(stats),
    ]
    if families := families_sentence(stats):
        section.lead.append(families)
    section.lead += [*when, cost_sentence(summaries["cost"])]
    columns = {
        "dataset": ("Dataset", None),
        "model": ("Best model", None),
        "family": ("Family", None),
        "accuracy": ("Test accuracy", accuracy),
        "runner_up": ("Runner-up", None),
        "gap": ("Ahead by", lambda g: "—" if pd.isna(g) else points(g)),
    }
    section.tables.append(display_table(best, columns, "Who wins where (mean test accuracy)"))
    return section


def _families(summaries: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return summaries["families"] if "families" in summaries else pd.DataFrame(columns=["model", "family"])
