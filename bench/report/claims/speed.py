"""The judge of claim 8: optimizers compared by the work they need to reach a target, on seeds apart from those
that chose their settings."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bench.report.claims.evidence import Check, Evidence, all_of, decide
from bench.report.claims.rules import FASTER, NO_EVIDENCE, SELECTION_SEEDS, combine
from bench.report.claims.runs import check, found, param_number, param_text, too_few
from bench.report.format import significant
from bench.report.stats.resampled import overlap


def _optimizer_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs with their optimizer, batch ("full" or the size), learning rate and the steps and examples to the
    target (infinite: never reached)."""
    batch = param_number(runs, "model.batch_size", math.inf)
    never = pd.Series(math.nan, index=runs.index)
    return runs.assign(
        optimizer=param_text(runs, "model.optimizer"),
        batch=np.where(np.isinf(batch), "full", batch.map(lambda b: f"{b:.0f}" if np.isfinite(b) else "")),
        lr=param_number(runs, "model.lr"),
        examples=pd.to_numeric(runs.get("training/examples_to_target", never), errors="coerce").fillna(math.inf),
        steps=pd.to_numeric(runs.get("training/steps_to_target", never), errors="coerce").fillna(math.inf),
        selection=runs["seed"].isin(SELECTION_SEEDS),
    )


def _settings(runs: pd.DataFrame) -> pd.DataFrame:
    """Per optimizer, batch and learning rate: seeds reaching the target and the median steps and examples."""
    return (
        runs.groupby(["optimizer", "batch", "lr"])
        .agg(
            reached=("examples", lambda s: int(np.isfinite(s).sum())),
            runs=("examples", "size"),
            examples=("examples", "median"),
            steps=("steps", "median"),
        )
        .reset_index()
    )


def _choose(selection: pd.DataFrame, optimizer: str, full: bool | None) -> pd.Series | None:
    """The method's setting on the selection seeds: most seeds reaching the target, then fewest examples
    (``full``: only the full batch, only mini-batches, or either for ``None``)."""
    rows = selection[selection["optimizer"].eq(optimizer)]
    if full is not None:
        rows = rows[rows["batch"].eq("full") == full]
    if rows.empty:
        return None
    best = rows.sort_values(["reached", "examples"], ascending=[False, True]).iloc[0].copy()
    grid = sorted(rows["lr"].unique())
    best["edge"] = best["lr"] in (grid[0], grid[-1]) and len(grid) > 2
    return best


def _at_setting(runs: pd.DataFrame, method: pd.Series) -> pd.DataFrame:
    """The method's runs on the comparison seeds at its chosen setting."""
    rows = runs[~runs["selection"] & runs["optimizer"].eq(method["optimizer"])]
    return rows[rows["batch"].eq(method["batch"]) & rows["lr"].eq(method["lr"])]


def _compared(runs: pd.DataFrame, method: pd.Series) -> pd.Series:
    """The method's examples to the target on each comparison seed, at its chosen setting."""
    return _at_setting(runs, method).set_index("seed")["examples"]


def _faster(x: pd.Series, y: pd.Series, label: str, ratio: float) -> Check:
    """``x`` needs at most ``FASTER`` times ``y``'s median examples: a check on log10 of the ratio of medians, its
    noise the corrected standard error of the paired per-seed differences of log10 examples (seeds where both
    reached the target). Never reaching it is infinitely slow, which decides the comparison whatever the noise."""
    mx, my = float(x.median()), float(y.median())
    value = math.log10(mx / my) if np.isfinite(mx) and np.isfinite(my) else -math.inf if np.isfinite(mx) else math.inf
    both = pd.concat([x.rename("x"), y.rename("y")], axis=1).replace(math.inf, np.nan).dropna()
    per_seed = np.log10(both["x"]) - np.log10(both["y"])
    return check(f"log10 examples, {label}", per_seed, math.log10(FASTER), ratio, value=value, below=True)


def judge_optimizers(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "optimizers")) is not None:
        return few
    if "training/examples_to_target" not in runs:
        return Evidence(
            NO_EVIDENCE, "No training/examples_to_target in these runs: rerun experiment=claims/optimizers."
        )
    runs = _optimizer_runs(runs)
    if runs["selection"].all() or not runs["selection"].any():
        return Evidence(NO_EVIDENCE, "Needs selection seeds 0-2 and comparison seeds beyond: run claims/optimizers.")
    selection = _settings(runs[runs["selection"]])
    methods = {
        "full-batch GD": _choose(selection, "sgd", True),
        "mini-batch SGD": _choose(selection, "sgd", False),
        "Adagrad": _choose(selection, "adagrad", None),
        "Adam": _choose(selection, "adam", None),
    }
    if any(m is None for m in methods.values()):
        return Evidence(NO_EVIDENCE, "Needs full-batch and mini-batch SGD, Adagrad and Adam: run claims/optimizers.")
    compared = {label: _compared(runs, m) for label, m in methods.items()}
    ratio = overlap(runs)
    check_a = _faster(compared["mini-batch SGD"], compared["full-batch GD"], "mini-batch SGD / full-batch GD", ratio)
    check_b1 = _faster(compared["Adagrad"], compared["mini-batch SGD"], "Adagrad / mini-batch SGD", ratio)
    check_b2 = _faster(compared["Adam"], compared["mini-batch SGD"], "Adam / mini-batch SGD", ratio)
    at_best = pd.concat([_at_setting(runs, m).assign(method=label) for label, m in methods.items()])
    steps = at_best.groupby("method")["steps"].median().reindex(list(methods))
    table = pd.DataFrame(
        {
            "method": list(methods),
            "batch": [m["batch"] for m in methods.values()],
            "lr (chosen)": [f"{m['lr']:g}{' (grid edge)' if m['edge'] else ''}" for m in methods.values()],
            "reached (selection)": [f"{m['reached']}/{m['runs']}" for m in methods.values()],
            "reached (comparison)": [f"{int(np.isfinite(c).sum())}/{len(c)}" for c in compared.values()],
            "median examples": [significant(c.median(), 3, finite=True) for c in compared.values()],
            "median steps": [significant(steps[k], 3, finite=True) for k in methods],
        }
    )

    def said(label: str) -> str:
        m, c = methods[label], compared[label]
        work = f"{c.median():,.0f} examples, {steps[label]:,.0f} steps" if np.isfinite(c.median()) else "never"
        return f"{label} (batch {m['batch']}, lr {m['lr']:g}) {work}"

    sentence = "Median work to the target on the comparison seeds, each at the setting chosen on the others: " + (
        "; ".join(said(label) for label in methods) + "."
    )
    numeric = ("reached (selection)", "reached (comparison)", "median examples", "median steps")
    checks = (check_a, check_b1, check_b2)
    verdict = decide(combine, check_a.holds, all_of([check_b1.holds, check_b2.holds]))
    return found(runs, verdict, sentence, table, numeric=numeric, drawn={"at_best": at_best}, checks=checks)
