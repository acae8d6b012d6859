"""The recipe section (``experiment=mlp_recipe``): what each ingredient of ``model=mlp_modern`` buys. An arm adds
one ingredient to the plain MLP (``conf/ablation/add_*.yaml``) or removes one from the recipe (``drop_*``); its
runs are paired with its reference's (the plain ``mlp`` or the full ``mlp_modern``) on the same dataset, seed and
fold. Per dataset the mean paired difference has a corrected standard error (``bench.report.stats.noise``); the
mean over datasets has the root of their summed variances over the number of datasets. An ingredient moves test
accuracy beyond its split noise when that mean is more than two of its standard errors from zero.

Arms are told by what a run's settings change (its variant), matched to the ingredients' files: the section needs
no tag beyond what every run carries, and settings every run of a model shares (a smoke-size ``max_epochs``) are
set aside first.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from bench.config import CONFIG_DIR
from bench.report.display import Section, display_table
from bench.report.format import accuracy, integer, number, points, text
from bench.report.stats.noise import corrected_se
from bench.report.stats.resampled import overlap

REFERENCES = {"mlp": "add", "mlp_modern": "drop"}  # a reference model and the arms that change it
FACTOR = 2.0  # standard errors a mean difference must clear to count as beyond noise
COLUMNS = {
    "arm": ("Arm", None),
    "reference": ("Against", None),
    "datasets": ("Datasets", integer),
    "splits": ("Splits", integer),
    "difference": ("Test accuracy change (points)", lambda x: text(None if math.isnan(x) else f"{100 * x:+.2f}")),
    "se": ("Corrected SE (points)", lambda x: text(None if math.isnan(x) else f"{100 * x:.2f}")),
    "beyond": ("Beyond 2 SE", text),
    "fit_ratio": ("Fit time ratio", number),
}


@functools.cache
def ingredients() -> dict[str, frozenset[str]]:
    """``conf/ablation/``'s arms by file name, each the set of model settings it changes."""
    folder = CONFIG_DIR / "ablation"
    arms = {path.stem: OmegaConf.to_container(OmegaConf.load(path)) or {} for path in sorted(folder.glob("*.yaml"))}
    return {name: frozenset(settings) for name, settings in arms.items() if settings}


def arm_of(variant: str, shared: frozenset[str], direction: str) -> str | None:
    """The arm a run belongs to: ``""`` for its reference itself, an ingredient's file name (``add_embeddings``),
    or None for a variant no ingredient explains. ``shared``: variant tokens every run of its model carries."""
    changed = frozenset(t.split("=", 1)[0] for t in variant.split() if t not in shared)
    if not changed:
        return ""
    matches = [n for n, keys in ingredients().items() if changed <= keys and n.split("_", 1)[0] in (direction, "add")]
    # the arm of its own direction first (drop_x before add_x on the recipe), then the closest set of settings
    matches.sort(key=lambda n: (not n.startswith(direction), len(ingredients()[n] - changed)))
    return matches[0] if matches else None


def arms(ok: pd.DataFrame) -> pd.DataFrame:
    """The runs of the recipe's two references and their arms, with ``arm`` and ``reference`` columns."""
    runs = ok.assign(reference=ok["model_name"] if "model_name" in ok else ok["model"])
    runs = runs[runs["reference"].isin(list(REFERENCES))]
    if runs.empty or "variant" not in runs:
        return runs.iloc[0:0].assign(arm=pd.Series(dtype=object))
    found = []
    for reference, group in runs.groupby("reference"):
        tokens = [set(str(v or "").split()) for v in group["variant"]]
        shared = frozenset(set.intersection(*tokens)) if tokens else frozenset()
        labels = [arm_of(str(v or ""), shared, REFERENCES[reference]) for v in group["variant"]]
        found.append(group.assign(arm=labels))
    return pd.concat(found).dropna(subset=["arm"])


def _paired(runs: pd.DataFrame, arm: str, reference: str) -> dict | None:
    """One arm against its reference: the mean paired difference over datasets, its corrected SE, fit time ratio."""
    mine, base = runs[runs["arm"] == arm], runs[(runs["arm"] == "") & (runs["reference"] == reference)]
    keys = ["dataset", "seed", "fold"]
    pairs = mine.merge(base, on=keys, suffixes=("", "_ref"))
    if pairs.empty:
        return None
    means, variances, ratios = [], [], []
    for dataset, group in pairs.groupby("dataset"):
        d = (group["test_accuracy"] - group["test_accuracy_ref"]).to_numpy(dtype=float)
        means.append(d.mean())
        variances.append(corrected_se(d, overlap(base[base["dataset"] == dataset])) ** 2)
        ratios.append(group["fit_time_s"].mean() / group["fit_time_s_ref"].mean())
    se = math.sqrt(np.nansum(variances)) / len(means) if not all(map(math.isnan, variances)) else math.nan
    difference = float(np.mean(means))
    beyond = "—" if math.isnan(se) else ("yes" if abs(difference) > FACTOR * se else "no")
    return {"datasets": len(means), "splits": len(pairs), "difference": difference, "se": se, "beyond": beyond,
            "fit_ratio": float(np.median(ratios))}  # fmt: skip


def ablation(ok: pd.DataFrame) -> pd.DataFrame:
    """Per arm, its paired comparison with its reference (empty: no recipe runs in the table)."""
    return _compared(arms(ok))


def _compared(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (reference, arm), _ in runs[runs["arm"] != ""].groupby(["reference", "arm"]):
        if (found := _paired(runs[runs["reference"] == reference], arm, reference)) is not None:
            sign = "+" if arm.startswith("add") else "−"
            rows.append({"arm": f"{reference} {sign} {arm.split('_', 1)[1]}", "reference": reference, **found})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def recipe_section(ok: pd.DataFrame) -> Section | None:
    """The ablation table and what it says, or None when the table holds no arm of the recipe."""
    runs = arms(ok)
    table = _compared(runs)
    if table.empty:
        return None
    beyond = table[table["beyond"] == "yes"]
    said = [f"{r.arm} ({points(r.difference, signed=True)}, fit time x{r.fit_ratio:.2g})" for r in beyond.itertuples()]
    notes = [
        "Each arm adds one ingredient to the plain MLP (+) or removes one from the full recipe (−), on the same "
        "datasets, seeds and folds as its reference; the change is the mean over datasets of the mean paired "
        "difference in test accuracy, its standard error the corrected resampled one (Nadeau and Bengio) per "
        "dataset, combined over datasets. The fit time ratio is the median over datasets of the arm's mean fit "
        "time over its reference's.",
        "Beyond two standard errors: " + ("; ".join(said) if said else "none") + ".",
    ]
    plain, full = _reference_scores(runs)
    if not math.isnan(plain) and not math.isnan(full):
        notes.append(f"Mean test accuracy: the plain MLP {accuracy(plain)}, the full recipe {accuracy(full)}.")
    return Section("recipe", "What each ingredient of the recipe buys", [display_table(table, COLUMNS)], notes)


def _reference_scores(runs: pd.DataFrame) -> tuple[float, float]:
    base = runs[runs["arm"] == ""]
    scores = base.groupby("reference")["test_accuracy"].mean()
    return float(scores.get("mlp", math.nan)), float(scores.get("mlp_modern", math.nan))
