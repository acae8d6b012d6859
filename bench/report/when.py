"""When does backprop win? Each MLP configuration's gap to the best other family per dataset, set against the
datasets' meta-features (``params.dataset.meta.*``, :mod:`bench.data.meta`), as TabZilla asked it (McElfresh et
al., 2023).

The gap on a source dataset (:func:`bench.report.stats.scores.base_dataset`: counted once) is the configuration's
mean test accuracy minus that of the best non-neural family, over the splits (dataset, seed, fold) both ran. Each
family is represented by the model the report's family choice picks (:func:`family_choices`: by validation
accuracy, else by the other datasets, never by this dataset's test scores); the best family is then the one whose
representative scores highest, as "the best of the rest" reads. The configuration wins a dataset when its gap is at
least ``-MARGIN`` (within one point of that family, or ahead).

Across datasets: Spearman's rank correlation of the gap with each meta-feature, its p-values adjusted by
Benjamini-Hochberg over the meta-features tested; and a leave-one-dataset-out depth-2 decision tree on the
meta-features that predicts a win, its accuracy set against the base rate (always guessing the commoner outcome).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

import bench.report.plots as plots
from bench.data.meta import NAMES
from bench.report.display import DisplayTable, Section, display_table
from bench.report.format import accuracy, counted, integer, points, significant, text
from bench.report.stats.scores import METRIC, base_dataset, family_choices
from bench.report.table import META

NEURAL = "neural"  # the family whose models are trained by backprop
MIN_DATASETS = 8  # source datasets with a gap and meta-features a configuration needs to be read here
MARGIN = 0.01  # an MLP "wins" a dataset within this much accuracy of the best other family
ALPHA = 0.05  # of the BH-adjusted p-values, and of the classifier against its base rate
DEPTH = 2  # of the leave-one-dataset-out tree: a rule one can read, on a few dozen datasets at most
SHOWN = 3  # scatter panels: the meta-features with the largest |rho|
WITHIN = f"{100 * MARGIN:g} point" + ("" if MARGIN == 0.01 else "s")
TOLERANCE = 1e-9  # a gap of exactly -MARGIN, up to rounding, is a win
SPLIT = ["dataset", "seed", "fold"]  # a split: the same rows for every model


@dataclass(frozen=True)
class When:
    """The section's numbers: ``gaps`` (config, dataset, family, model, splits, gap, win, and the meta-features),
    ``correlations`` (config, feature, rho, p, p_bh, n) and ``predictions`` (one row per config)."""

    gaps: pd.DataFrame
    correlations: pd.DataFrame
    predictions: pd.DataFrame


def meta_columns(ok: pd.DataFrame) -> list[str]:
    """The meta-feature columns the runs hold a value in, in :data:`NAMES` order (numbers: see :func:`gaps`)."""
    return [f"{META}{n}" for n in NAMES if f"{META}{n}" in ok and ok[f"{META}{n}"].notna().any()]


def feature(column: str) -> str:
    return column.removeprefix(META)


def _families(ok: pd.DataFrame) -> pd.Series:
    return ok["family"].astype(object).where(ok["family"].notna(), "other") if "family" in ok else pd.Series()


def _split_means(runs: pd.DataFrame, keys: list[str]) -> pd.Series:
    return runs.groupby(["_base", *keys], dropna=False)[METRIC].mean()


def config_gaps(ok: pd.DataFrame, config: str, columns: list[str]) -> pd.DataFrame:
    """One MLP configuration's gap per source dataset (see the module), with the dataset's meta-features (the mean
    over its variants') and the family and model it is measured against."""
    keys = [c for c in SPLIT if c in ok]
    runs = ok.assign(_base=base_dataset(ok), _family=_families(ok))
    mine = runs[runs["model"] == config]
    others = runs[runs["_family"] != NEURAL].merge(mine[keys].drop_duplicates(), on=keys)
    choices = family_choices(others.drop(columns=["_base", "_family"]))
    if choices.empty:
        return pd.DataFrame()
    best = choices.sort_values(["score", "family"], ascending=[False, True], kind="stable").drop_duplicates("dataset")
    chosen = others.merge(best[["dataset", "model"]].rename(columns={"dataset": "_base"}), on=["_base", "model"])
    pairs = pd.concat([_split_means(mine, keys), _split_means(chosen, keys)], axis=1, keys=["mlp", "other"]).dropna()
    if pairs.empty:
        return pd.DataFrame()
    difference = (pairs["mlp"] - pairs["other"]).groupby(level="_base")
    found = pd.DataFrame({"gap": difference.mean(), "splits": difference.size()})
    found = found.join(best.set_index("dataset")[["family", "model"]]).join(mine.groupby("_base")[columns].mean())
    found = found.rename_axis("dataset").reset_index().assign(config=config)
    return found.assign(win=found["gap"] >= -MARGIN - TOLERANCE)


def gaps(ok: pd.DataFrame) -> pd.DataFrame:
    """Every MLP configuration's gaps with at least :data:`MIN_DATASETS` source datasets that carry meta-features
    (empty: no meta-features, no MLP, no other family, or too few datasets)."""
    present = [f"{META}{n}" for n in NAMES if f"{META}{n}" in ok]  # numbers (a table read back may hold text)
    ok = ok.assign(**{c: pd.to_numeric(ok[c], errors="coerce").astype(float) for c in present})
    columns = meta_columns(ok)
    if not columns or "family" not in ok or ok.empty:
        return pd.DataFrame()
    configs = sorted(ok.loc[_families(ok) == NEURAL, "model"].dropna().unique())
    found = [config_gaps(ok, str(config), columns) for config in configs]
    found = [f[f[columns].notna().any(axis=1)] for f in found if not f.empty]  # a dataset measured before meta
    found = [f for f in found if len(f) >= MIN_DATASETS]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame()


def _spearman(x: pd.Series, y: pd.Series) -> tuple[float, float, int]:
    valid = pd.concat([x, y], axis=1).dropna()
    if len(valid) < 3 or valid.nunique().min() < 2:  # a constant has no rank order
        return math.nan, math.nan, len(valid)
    rho, p = stats.spearmanr(valid.iloc[:, 0], valid.iloc[:, 1])
    return float(rho), float(p), len(valid)


def correlations(found: pd.DataFrame) -> pd.DataFrame:
    """Per configuration and meta-feature: Spearman's rho of the gap with it over the datasets, its p-value, and the
    p-value adjusted by Benjamini-Hochberg over the configuration's meta-features that could be tested."""
    columns = [c for c in found if c.startswith(META)]
    rows = []
    for config, group in found.groupby("config", sort=True):
        tested = [(feature(c), *_spearman(group[c], group["gap"])) for c in columns]
        frame = pd.DataFrame(tested, columns=["feature", "rho", "p", "n"]).assign(config=config)
        finite = frame["p"].notna()
        frame["p_bh"] = math.nan
        if finite.any():
            frame.loc[finite, "p_bh"] = stats.false_discovery_control(frame.loc[finite, "p"], method="bh")
        rows.append(frame.sort_values("rho", key=abs, ascending=False, kind="stable", na_position="last"))
    return pd.concat(rows, ignore_index=True)[["config", "feature", "rho", "p", "p_bh", "n"]]


def lodo(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Leave-one-dataset-out predictions of ``y`` from ``X`` (rows: datasets) by a depth-:data:`DEPTH` decision
    tree fit on the others (missing values: the others' medians; one class among them: that class), and each fit's
    root split feature (-1: none)."""
    from sklearn.tree import DecisionTreeClassifier

    predicted, roots = np.zeros_like(y), []
    for i in range(len(y)):
        train = np.arange(len(y)) != i
        fill = np.nan_to_num(np.nanmedian(X[train], axis=0))
        filled = np.where(np.isnan(X), fill, X)
        if len(np.unique(y[train])) < 2:
            predicted[i], root = y[train][0], -1
        else:
            tree = DecisionTreeClassifier(max_depth=DEPTH, random_state=0).fit(filled[train], y[train])
            predicted[i], root = tree.predict(filled[i : i + 1])[0], int(tree.tree_.feature[0])
        roots.append(max(root, -1))
    return predicted, roots


def predictions(found: pd.DataFrame) -> pd.DataFrame:
    """Per configuration: its datasets, wins and leads, the median gap, and the leave-one-dataset-out tree's
    accuracy against the base rate (the commoner outcome's share), with the one-sided binomial p of doing that well
    by guessing at the base rate, and the meta-feature its fits split on first most often."""
    rows = []
    for config, group in found.groupby("config", sort=True):
        columns = [c for c in group if c.startswith(META) and group[c].notna().any()]
        y = group["win"].to_numpy(dtype=bool)
        with warnings.catch_warnings():  # a feature that only one dataset lacks leaves an all-NaN training column
            warnings.simplefilter("ignore", RuntimeWarning)
            guessed, roots = lodo(group[columns].to_numpy(dtype=float), y)
        correct, share = int((guessed == y).sum()), float(y.mean())
        base = max(share, 1 - share)
        used = pd.Series([feature(columns[r]) for r in roots if r >= 0], dtype=object)
        rows.append({
            "config": config, "datasets": len(y), "wins": int(y.sum()), "ahead": int((group["gap"] > 0).sum()),
            "median_gap": float(group["gap"].median()), "accuracy": correct / len(y), "base_rate": base,
            "p_binomial": float(stats.binomtest(correct, len(y), base, alternative="greater").pvalue),
            "root": used.mode().iloc[0] if not used.empty else None,
        })  # fmt: skip
    return pd.DataFrame(rows)


def when(ok: pd.DataFrame) -> When | None:
    """The section's numbers, or None where the runs cannot answer (see :func:`gaps`)."""
    found = gaps(ok)
    if found.empty:
        return None
    return When(found, correlations(found), predictions(found))


def _signed(x: float) -> str:
    return text(None if math.isnan(x) else f"{x:+.2f}")


CORRELATION_COLUMNS = {
    "config": ("MLP configuration", None),
    "feature": ("Meta-feature", None),
    "rho": ("Spearman rho", _signed),
    "p": ("p", significant),
    "p_bh": ("BH-adjusted p", significant),
    "n": ("Datasets", integer),
}
PREDICTION_COLUMNS = {
    "config": ("MLP configuration", None),
    "datasets": ("Datasets", integer),
    "wins": ("MLP wins", integer),
    "ahead": ("MLP ahead", integer),
    "median_gap": ("Median gap (points)", lambda x: text(None if math.isnan(x) else f"{100 * x:+.1f}")),
    "accuracy": ("Tree LODO accuracy", accuracy),
    "base_rate": ("Base rate", accuracy),
    "p_binomial": ("Binomial p", significant),
    "root": ("First split, most often", None),
}


def _tables(found: When) -> list[DisplayTable]:
    bold = pd.DataFrame({"p_bh": found.correlations["p_bh"].lt(ALPHA)})
    return [
        display_table(
            found.predictions,
            PREDICTION_COLUMNS,
            f"Per MLP configuration: datasets where it wins (within {WITHIN} of the best other family, or "
            "ahead), and a depth-2 tree on the meta-features predicting a win, leave one dataset out",
        ),
        display_table(
            found.correlations,
            CORRELATION_COLUMNS,
            f"Spearman correlation of the gap with each meta-feature over datasets; Benjamini-Hochberg-adjusted p "
            f"below {ALPHA} in bold",
            bold=bold,
        ),
    ]


def _correlation_sentence(config: str, rows: pd.DataFrame) -> str:
    tested = rows[rows["p_bh"].notna()]
    found = tested[tested["p_bh"] < ALPHA]
    if tested.empty:
        return f"{config}: nothing to correlate, the gap or every meta-feature is the same on all its datasets."
    tests = counted(len(tested), "test")
    if found.empty:
        least = tested.sort_values("p_bh", kind="stable").iloc[0]
        return (
            f"{config}: no property predicts the gap after correcting for {tests} (the smallest adjusted p is "
            f"{significant(least['p_bh'])}, for {least['feature']}); with these datasets, that is an absence of "
            "evidence, not evidence that no property matters."
        )
    listed = "; ".join(f"{r.feature} (rho {r.rho:+.2f}, adjusted p {significant(r.p_bh)})" for r in found.itertuples())
    return (
        f"{config}: after the Benjamini-Hochberg correction for {tests}, the gap correlates with {listed}. A "
        "correlation across datasets is an association: the meta-features correlate with each other, and it says "
        "neither which one matters nor why."
    )


def prediction_sentence(row: pd.Series) -> str:
    said = (
        f"{row['config']} wins {row['wins']} of {row['datasets']} datasets (within {WITHIN} of the best other "
        f"family, or ahead) and is ahead on {row['ahead']} (median "
        f"gap {points(row['median_gap'], signed=True)}). The leave-one-dataset-out tree predicts a win with accuracy "
        f"{accuracy(row['accuracy'])} against a base rate of {accuracy(row['base_rate'])}"
    )
    if row["base_rate"] == 1:
        return said + ": one outcome on every dataset, nothing for the meta-features to predict."
    if row["accuracy"] <= row["base_rate"]:
        return said + ": the meta-features do no better than always guessing the commoner outcome."
    if row["p_binomial"] >= ALPHA:
        return (
            said
            + f", higher but within chance on {row['datasets']} datasets (binomial p {significant(row['p_binomial'])})."
        )
    return said + f", beyond chance (binomial p {significant(row['p_binomial'])})."


def answer_sentences(found: When | None) -> list[str]:
    """Per MLP configuration, where it wins and whether the meta-features tell when: the report's answer."""
    if found is None:
        return []
    return [
        f"When backprop wins: {prediction_sentence(pd.Series(row))}" for row in found.predictions.to_dict("records")
    ]


def when_section(found: When | None) -> Section | None:
    """The tables and what they allow one to say, or None where :func:`when` found nothing to read."""
    if found is None:
        return None
    notes = [
        "The gap on a source dataset is the MLP configuration's mean test accuracy minus the best non-neural "
        "family's on the same splits; each family is represented by the model the report's family choice picks "
        "(by validation accuracy, else by the other datasets, never by that dataset's test scores), and the best "
        "family is the one whose representative scores highest, which favours the other families slightly.",
    ]
    for row in found.predictions.to_dict("records"):
        notes.append(prediction_sentence(pd.Series(row)))
        notes.append(
            _correlation_sentence(row["config"], found.correlations[found.correlations["config"] == row["config"]])
        )
    if len(found.predictions) > 1:
        notes.append(
            f"The correction is over each configuration's meta-features, not across the {len(found.predictions)} "
            "configurations, whose gaps share their datasets and competitors."
        )
    return Section("when", "When does backprop win?", _tables(found), notes)


def scatter(found: When | None, palette: dict[str, str]) -> str | None:
    """The gap against the meta-features with the largest |rho|, one point per dataset and configuration, with the
    zero line and the win line (``-MARGIN``); a log axis for a feature that spans two orders of magnitude."""
    if found is None or found.correlations["rho"].notna().sum() == 0:
        return None
    strength = found.correlations.assign(size=found.correlations["rho"].abs()).groupby("feature")["size"].max()
    shown = list(strength.dropna().sort_values(ascending=False, kind="stable").index[:SHOWN])
    fig, [axes] = plots.figure(4.2 * len(shown), 3.6, ncols=len(shown))
    for ax, name in zip(axes, shown, strict=True):
        for config, group in found.gaps.groupby("config", sort=True):
            rho = found.correlations.set_index(["config", "feature"])["rho"].get((config, name), math.nan)
            ax.scatter(group[f"{META}{name}"], 100 * group["gap"], s=22, color=palette.get(config),
                       label=f"{config} (rho {_signed(rho)})")  # fmt: skip
        values = found.gaps[f"{META}{name}"].dropna()
        if len(values) and values.min() > 0 and values.max() / values.min() >= 100:
            ax.set_xscale("log")
        ax.axhline(0, color="black", lw=0.8)
        ax.axhline(-100 * MARGIN, color="black", lw=0.8, ls=":")
        ax.set(xlabel=name, ylabel="gap to the best other family (points)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("MLP gap against meta-features (one point per dataset; dotted: the win line)", fontsize=10)
    fig.tight_layout()
    return plots.to_svg(fig, "when")


def when_figures(found: When | None, ok: pd.DataFrame) -> list[tuple[str, str, str | None]]:
    """The section's one figure (``found``: :func:`when` of ``ok``), as ``bench.report.parts`` registers figures."""
    caption = "Each MLP configuration's gap to the best other family against the meta-features that track it most"
    return [("when_mlp_wins", caption, scatter(found, plots.colors(ok)))]
