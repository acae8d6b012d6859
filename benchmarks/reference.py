"""Group r (not in the default run: ``python -m benchmarks --only r``): bench's MLPs beside reference MLPs on the
same folds of real datasets.

bench's ``mlp_modern`` and plain ``mlp`` (built from their configs by ``bench.job.build_model``), scikit-learn's
``MLPClassifier`` with early stopping on and off and, where pytabkit is installed (``pip install -e '.[compare]'``),
RealMLP-TD and RealMLP-TD-S: each at its defaults, on one thread, behind the data's own preprocessing step (bench's:
imputation, the dataset's scaler, one-hot encoding), fitted and tested on the same folds (3-fold stratified CV,
seed 0: bench's ``protocol=cv protocol.folds=3``). One fit per fold and model, datasets in turn, the models
interleaved within each fold. Writes ``<out>/mlp_reference.md`` (``reference_report``) and
``<out>/mlp_reference.csv`` (one row per fold and model); the summary table and the targets also go into perf.md
when groups of the default run run with it.
"""

from __future__ import annotations

import importlib
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.harness import Group, Target, progress
from benchmarks.sizes import Sizes

MODERN, PLAIN = "bench mlp_modern", "bench mlp"
SKLEARN_ES, SKLEARN = "sklearn MLP, early stopping", "sklearn MLP, no early stopping"
REALMLP = "RealMLP-TD (pytabkit)"  # the targets' reference (Sizes.reference_optional's first label)
BENCH_CONFIGS = {MODERN: "mlp_modern", PLAIN: "mlp"}
SEED = 0
SKLEARN_MAX_ITER = 1_000  # scikit-learn's default of 200 ends some fits before their own stopping rule does
WITHIN = 0.01  # "within 1 point of the best"
INSTALL = "pip install -e '.[compare]'"
COLUMNS = ("dataset", "rows", "features", "classes", "fold", "model", "test_accuracy", "fit_s", "epochs")

Maker = Callable[[Any], Any]  # loaded data -> a fresh, unfitted pipeline


def paths(out: Path) -> tuple[Path, Path]:
    """The group's two files: the Markdown report and the raw rows."""
    return out / "mlp_reference.md", out / "mlp_reference.csv"


def behind(data: Any, estimator: Any) -> Any:
    """``estimator`` behind the data's preprocessing step, as bench's pipeline puts its own models."""
    from sklearn.pipeline import Pipeline

    from bench.data import make_preprocessor

    return Pipeline([("scale", make_preprocessor(data)), ("model", estimator)])


def makers(sizes: Sizes) -> tuple[dict[str, Maker], list[str]]:
    """Each model's maker, and one line per optional package that is not importable (its models skipped)."""
    from hydra import compose, initialize_config_dir
    from sklearn.neural_network import MLPClassifier

    from bench import job
    from bench.config import CONFIG_DIR

    epochs = sizes.reference_epochs
    overrides = [f"seed={SEED}", *([f"model.max_epochs={epochs}"] if epochs else [])]
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        configs = {
            name: compose("config", [f"model={model}", *overrides]).model for name, model in BENCH_CONFIGS.items()
        }
    found: dict[str, Maker] = {name: (lambda data, c=cfg: job.build_model(c, data)) for name, cfg in configs.items()}
    for name, early in ((SKLEARN_ES, True), (SKLEARN, False)):
        found[name] = lambda data, e=early: behind(
            data, MLPClassifier(early_stopping=e, max_iter=epochs or SKLEARN_MAX_ITER, random_state=SEED)
        )
    missing: dict[str, list[str]] = {}
    for name, module, attribute in sizes.reference_optional:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pytabkit's import: torch.jit.script's deprecation
                estimator = getattr(importlib.import_module(module), attribute)
        except ImportError:
            missing.setdefault(module, []).append(name)
            continue
        extra = {"n_epochs": epochs} if epochs else {}
        found[name] = lambda data, e=estimator, x=extra: behind(
            data, e(device="cpu", n_threads=1, random_state=SEED, verbosity=0, **x)
        )
    skipped = [
        f"{m} is not importable: {', '.join(names)} skipped ({INSTALL} installs it)" for m, names in missing.items()
    ]
    return found, skipped


def load(names: tuple[str, ...]) -> list[Any]:
    """The datasets by config name, each once: a set that is another's copy (KEEL's wine, ``same_as``) counts once."""
    from hydra import compose, initialize_config_dir

    from bench import job
    from bench.config import CONFIG_DIR

    loaded, seen = [], set()
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        for name in names:
            data = job.build_source(compose("config", [f"dataset={name}"]).dataset).load()
            key = data.info.get("same_as") or data.name
            if key not in seen:
                seen.add(key)
                loaded.append(data)
    return loaded


def fit_fold(maker: Maker, data: Any, fold: int, folds: int) -> dict[str, Any]:
    """One model on one fold: fit (timed, preprocessing included) on the training part, accuracy on the test part."""
    from bench import protocol

    settings = {"name": "cv", "folds": folds, "repeats": 1}
    X_train, X_test, y_train, y_test = protocol.split(data, settings, fold, 1 / folds, SEED)
    model = maker(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's ConvergenceWarning, lightning's deprecations
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        accuracy = float(model.score(X_test, y_test))
    estimator = model[-1]
    epochs = getattr(estimator, "n_epochs_", getattr(estimator, "n_iter_", None))
    return {"test_accuracy": accuracy, "fit_s": seconds, "epochs": epochs}


def measure(sizes: Sizes, found: dict[str, Maker]) -> list[dict[str, Any]]:
    """Every model on every fold of every dataset, on one torch thread and one BLAS thread: one row each."""
    from benchmarks.trainers import threads

    records = []
    with threads(torch_threads=1, blas_threads=1):
        for data in load(sizes.reference_datasets):
            shape = {"rows": len(data.y), "features": data.X.shape[1], "classes": data.n_classes}
            for fold in range(sizes.reference_folds):
                progress(f"reference: {data.name} fold {fold + 1}/{sizes.reference_folds}")
                for name, maker in found.items():
                    row = fit_fold(maker, data, fold, sizes.reference_folds)
                    records.append({"dataset": data.name, **shape, "fold": fold, "model": name, **row})
    return records


def summarize(records: list[dict[str, Any]]) -> tuple[Any, Any, list[dict[str, Any]]]:
    """Per dataset and model, the mean accuracy over folds and the median fit time (two tables, datasets in run
    order), and one summary row per model: mean accuracy, average rank (1: best; ties share their mean rank),
    datasets within 1 point of that dataset's best, median and total fit time."""
    import pandas as pd

    frame = pd.DataFrame(records)
    order, models = list(dict.fromkeys(frame["dataset"])), list(dict.fromkeys(frame["model"]))
    accuracy = frame.pivot_table("test_accuracy", "dataset", "model", "mean").loc[order, models]
    fit = frame.pivot_table("fit_s", "dataset", "model", "median").loc[order, models]
    ranks = accuracy.rank(axis=1, ascending=False, method="average")
    within = accuracy.ge(accuracy.max(axis=1) - WITHIN - 1e-9, axis=0)
    summary = [
        {
            "case": model,
            "mean_accuracy": float(accuracy[model].mean()),
            "avg_rank": float(ranks[model].mean()),
            "within_1_point": int(within[model].sum()),
            "datasets": len(order),
            "median_fit_s": float(frame.loc[frame["model"] == model, "fit_s"].median()),
            "total_fit_s": float(frame.loc[frame["model"] == model, "fit_s"].sum()),
        }
        for model in models
    ]
    return accuracy, fit, summary


def reference_targets(summary: list[dict[str, Any]]) -> list[Target]:
    """The issue's targets for ``mlp_modern`` at its defaults: against RealMLP-TD where it ran, and plain ``mlp``."""
    row = {r["case"]: r for r in summary}
    modern, plain = row[MODERN], row[PLAIN]
    targets = []
    if real := row.get(REALMLP):
        n, ratio = modern["datasets"], modern["median_fit_s"] / real["median_fit_s"]
        targets += [
            Target(
                "mlp_modern within 1 point of the best on at least as many datasets as RealMLP-TD",
                f"{modern['within_1_point']} vs {real['within_1_point']} of {n} datasets",
                modern["within_1_point"] >= real["within_1_point"],
            ),
            Target(
                "mlp_modern mean accuracy not below RealMLP-TD's",
                f"{modern['mean_accuracy']:.4f} vs {real['mean_accuracy']:.4f}",
                modern["mean_accuracy"] >= real["mean_accuracy"],
            ),
            Target(
                "mlp_modern fit time at most half of RealMLP-TD's (median per fit, one thread)",
                f"{modern['median_fit_s']:.2f} s vs {real['median_fit_s']:.2f} s ({ratio:.2f}x)",
                ratio <= 0.5,
            ),
        ]
    targets.append(
        Target(
            "mlp_modern ahead of plain mlp in average rank",
            f"{modern['avg_rank']:.2f} vs {plain['avg_rank']:.2f}",
            modern["avg_rank"] < plain["avg_rank"],
        )
    )
    return targets


def summary_group(summary: list[dict[str, Any]], skipped: list[str], epochs: int | None) -> Group:
    """The summary as a perf.md group: one row per model, fit time against ``mlp_modern``'s."""
    base = next(r["median_fit_s"] for r in summary if r["case"] == MODERN)
    rows = [
        {**{k: v for k, v in r.items() if k not in ("median_fit_s", "total_fit_s")}, "median_s": r["median_fit_s"]}
        | {"ratio_vs_baseline": r["median_fit_s"] / base, "total_fit_s": r["total_fit_s"]}
        for r in summary
    ]
    n = summary[0]["datasets"]
    at = "their defaults" if epochs is None else f"at most {epochs} epochs"
    return Group(
        f"r. MLP reference ({n} datasets, 3-fold stratified CV, seed 0, {at}, one thread)",
        "Baseline: bench mlp_modern's median fit time; accuracy, rank and the within-1-point count are across "
        "datasets (mlp_reference.md has them per dataset).",
        rows,
        " ".join(skipped),
    )


def mlp_reference(sizes: Sizes, out: Path) -> tuple[Group, list[Target]]:
    """Group r: measure, write ``mlp_reference.md`` and ``.csv`` into ``out``, return the summary and targets."""
    from benchmarks import reference_report

    found, skipped = makers(sizes)
    for line in skipped:
        print(f"mlp reference: {line}", flush=True)
    started, load = time.perf_counter(), " ".join(f"{x:.2f}" for x in os.getloadavg())
    records = measure(sizes, found)
    accuracy, fit, summary = summarize(records)
    targets = reference_targets(summary)
    reference_report.write(
        paths(out), sizes, records, (accuracy, fit, summary), targets, skipped, (time.perf_counter() - started, load)
    )
    return summary_group(summary, skipped, sizes.reference_epochs), targets
