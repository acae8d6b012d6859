"""Performance benchmarks: ``python -m bench perf [--quick] [--out DIR] [--repeats N]``.

Every figure is the median of interleaved repeats (repeat r runs every case of a group once, in a fixed order,
before repeat r+1, so slow drift and noisy neighbours hit all cases alike) and is shown beside its baseline,
measured side by side in the same run. Writes ``<out>/perf.md`` (targets, machine, one table per group) and
``<out>/perf.json`` (the same, with every repeat's seconds).

Groups: float32 matmul peak, MLP training (ours vs a minimal PyTorch loop vs scikit-learn), diagnostics cost,
tracking overhead (per family, per MLflow call, and its share of a real sweep's wall time), sweep throughput
(basic vs joblib launcher), report build time on synthetic stores, and CLI latency.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import math
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bench.metrics import FINAL, MLP_SUMMARIES

if TYPE_CHECKING:
    from omegaconf import DictConfig

MIN_REPEATS = 5
GROUPS = "abcdef"  # a: MLP training, b: diagnostics, c: tracking, d: sweep throughput, e: report, f: CLI
CURVES = ("loss/train", "loss/val", "accuracy/train", "accuracy/val", *(f"grad_norm/layer_{i}" for i in range(3)))

Case = Callable[[], "dict[str, Any] | None"]
Template = tuple[str, str, str, dict[str, str]]  # dataset, model, family, params of a real job


# ---------------------------------------------------------------------------------------------------------
# Sizes: what a full and a quick run measure


@dataclass(frozen=True)
class Sizes:
    """Problem sizes of one benchmark run; ``QUICK`` shrinks sizes, never the repeats of the main figures."""

    mode: str
    repeats: int = MIN_REPEATS
    small_set_repeats: int = 15  # digits fits take a tenth of the big set's: more repeats for the same time
    sweep_repeats: int = 3  # CLI sweeps (group d) are expensive
    classification_samples: int = 20_000
    epochs: int = 30
    sklearn_default_blas: bool = True  # also time sklearn's MLP on its default BLAS threads (erratic under load)
    matmul: int = 1024
    tracking_datasets: tuple[str, ...] = ("iris", "wine")
    tracking_seeds: tuple[int, ...] = (0, 1, 2)
    tracking_mlp: tuple[str, ...] = ("model.hidden_layer_sizes=[32,32]", "model.max_epochs=30")
    tracking_part_runs: int = 10  # runs logged per repeat in the per-call breakdown
    tracking_sweep: tuple[str, ...] = ()  # overrides of the sweep whose tracking share is measured; (): the default
    cli_sweep: tuple[str, ...] = (
        "dataset=iris,wine,breast_cancer,digits",
        "model=decision_tree,svm,knn,mlp",
        "seed=0,1",
    )
    report_sizes: tuple[int, ...] = (100, 1_000, 5_000)

    @property
    def digits_repeats(self) -> int:
        return max(self.repeats, self.small_set_repeats)


FULL = Sizes(mode="full")
QUICK = replace(
    FULL,
    mode="quick",
    classification_samples=5_000,
    sklearn_default_blas=False,
    tracking_datasets=("iris",),
    tracking_seeds=(0,),
    tracking_part_runs=5,
    tracking_sweep=("dataset=iris,wine", "model=decision_tree,mlp", "seed=0"),
    cli_sweep=("dataset=iris,wine", "model=decision_tree", "seed=0"),
    report_sizes=(100, 1_000),
)


# ---------------------------------------------------------------------------------------------------------
# The harness


@dataclass
class Timings:
    """Seconds of each repeat of one case, and the extra figures its last repeat returned."""

    seconds: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def interleave(cases: Mapping[str, Case], repeats: int, warmup: bool = False, label: str = "") -> dict[str, Timings]:
    """Run every case once per repeat, in the mapping's order, ``repeats`` times; time each call.

    A case returns ``None`` or a dict of extra figures (accuracy, query count, ...). A case that times only
    part of its work (a fit, not the scoring after it) returns that time as ``seconds``, which replaces the
    wall time of the call. ``warmup`` runs one untimed round first (imports, first-call allocations).
    """
    results = {name: Timings() for name in cases}
    for r in range(-1 if warmup else 0, repeats):
        progress(f"{label}: {'warm-up' if r < 0 else f'repeat {r + 1}/{repeats}'}")
        for name, case in cases.items():
            start = time.perf_counter()
            extra = dict(case() or {})
            elapsed = time.perf_counter() - start
            if r >= 0:
                results[name].seconds.append(float(extra.pop("seconds", elapsed)))
                results[name].extra = extra
    return results


def rows(results: Mapping[str, Timings], baseline: str | Mapping[str, str], **columns: Any) -> list[dict[str, Any]]:
    """One row per case: median seconds, every repeat, the ratio of medians against the case's baseline
    (below 1: faster than the baseline), the case's extra figures, and ``columns`` in front."""
    out = []
    for name, timings in results.items():
        base = results[baseline if isinstance(baseline, str) else baseline[name]]
        out.append(
            {
                **columns,
                "case": name,
                "median_s": timings.median,
                "ratio_vs_baseline": timings.median / base.median,
                **timings.extra,
                "repeats": timings.seconds,
            }
        )
    return out


def progress(message: str) -> None:
    if sys.stderr.isatty():
        print(f"[perf {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Group:
    """One table of the report: its rows, what the baseline is (one sentence) and a note."""

    title: str
    baseline: str
    rows: list[dict[str, Any]]
    note: str = ""


@dataclass
class Target:
    target: str
    figure: str
    met: bool


# ---------------------------------------------------------------------------------------------------------
# a. matmul peak and MLP training (b. diagnostics share its measurements)


@contextlib.contextmanager
def threads(torch_threads: int | None = None, blas_threads: int | None = None) -> Iterator[None]:
    """Set torch's thread count and limit the BLAS pools (threadpoolctl) inside the block; None: leave as is."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    if torch_threads:
        torch.set_num_threads(torch_threads)
    try:
        with threadpool_limits(blas_threads, user_api="blas") if blas_threads else contextlib.nullcontext():
            yield
    finally:
        torch.set_num_threads(before)


def matmul_peak(sizes: Sizes) -> Group:
    """float32 ``n x n`` matmul GFLOP/s with 1 thread and with torch's default thread count."""
    import torch

    n, calls, default = sizes.matmul, 10, torch.get_num_threads()
    a, b = torch.rand(n, n), torch.rand(n, n)

    def matmul(num_threads: int) -> Case:
        def case() -> dict[str, Any]:
            with threads(num_threads):
                start = time.perf_counter()
                for _ in range(calls):
                    torch.mm(a, b)
                return {"seconds": time.perf_counter() - start, "threads": num_threads}

        return case

    results = interleave({"1 thread": matmul(1), f"{default} threads": matmul(default)}, sizes.repeats, True, "peak")
    table = rows(results, "1 thread")
    for row in table:
        row["gflops"] = 2 * n**3 * calls / row["median_s"] / 1e9
    return Group(
        f"a0. float32 matmul peak (torch, {n}x{n}, {calls} products per repeat)",
        "Baseline: the same products on 1 thread.",
        table,
    )


@dataclass(frozen=True)
class Split:
    name: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray

    @property
    def n_classes(self) -> int:
        return len(np.unique(self.y_train))


def mlp_splits(sizes: Sizes) -> list[Split]:
    """digits and a make_classification set: stratified 75/25, StandardScaler fitted on train, float32."""
    from sklearn.datasets import load_digits, make_classification
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    n = sizes.classification_samples
    sets = {
        "digits": load_digits(return_X_y=True),
        f"classification {n:,}": make_classification(n_samples=n, n_features=50, n_informative=20, random_state=0),
    }
    splits = []
    for name, (X, y) in sets.items():
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = (scaler.transform(a).astype(np.float32) for a in (X_train, X_test))
        splits.append(Split(name, X_train, X_test, y_train.astype(np.int64), y_test.astype(np.int64)))
    return splits


def minimal_loop(data: Split, epochs: int, torch_threads: int | None) -> dict[str, Any]:
    """The baseline trainer: in-memory tensors, randperm batches, Sequential, Adam, cross-entropy, nothing else."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.manual_seed(0)
    X, y = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train)
    with threads(torch_threads):
        start = time.perf_counter()
        net = nn.Sequential(
            nn.Linear(X.shape[1], 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, data.n_classes)
        )
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        for _ in range(epochs):
            order = torch.randperm(len(X))
            for i in range(0, len(X), 128):
                index = order[i : i + 128]
                loss = F.cross_entropy(net(X[index]), y[index])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        seconds = time.perf_counter() - start
    with torch.no_grad():
        predicted = net(torch.from_numpy(data.X_test)).argmax(1).numpy()
    return {"seconds": seconds, "test_accuracy": float((predicted == data.y_test).mean())}


def matmul_floor(data: Split, epochs: int, torch_threads: int | None) -> dict[str, Any]:
    """What no trainer of this network can beat on these threads: the matrix products of every mini-batch step
    (3 forward; 5 backward: a weight gradient per layer, an input gradient per layer but the first), with full
    batches of 128 and nothing else: no activation, loss, update, data movement or framework overhead."""
    import torch

    n_train, n_features = data.X_train.shape
    generator = torch.Generator().manual_seed(0)
    x, h1, h2 = (torch.randn(128, width, generator=generator) for width in (n_features, 128, 128))
    g1, g2, g3 = (torch.randn(128, width, generator=generator) for width in (128, 128, data.n_classes))
    w1, w2, w3 = (
        torch.randn(rows, cols, generator=generator)
        for rows, cols in ((128, n_features), (128, 128), (data.n_classes, 128))
    )
    with threads(torch_threads), torch.no_grad():
        start = time.perf_counter()
        for _ in range(epochs * math.ceil(n_train / 128)):
            x @ w1.T, h1 @ w2.T, h2 @ w3.T
            g3.T @ h2, g3 @ w3, g2.T @ h1, g2 @ w2, g1.T @ x
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "test_accuracy": math.nan}


def fitted(make: Callable[[], Any], data: Split, blas_threads: int | None = None) -> Case:
    """A case that fits a fresh estimator (timed, BLAS threads limited if asked) and scores it (untimed)."""

    def case() -> dict[str, Any]:
        model = make()
        with threads(blas_threads=blas_threads), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sklearn's ConvergenceWarning: all epochs run on purpose
            start = time.perf_counter()
            model.fit(data.X_train, data.y_train)
            seconds = time.perf_counter() - start
        return {"seconds": seconds, "test_accuracy": float(model.score(data.X_test, data.y_test))}

    return case


def mlp_training(sizes: Sizes, peak_1thread: float) -> tuple[Group, Group]:
    """Groups a and b: one interleaved measurement per dataset, shown as two tables."""
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    from bench.mlp import MLPClassifier

    def ours(diagnostics: bool) -> Callable[[], Any]:
        return lambda: MLPClassifier(
            hidden_layer_sizes=(128, 128),
            lr=1e-3,
            batch_size=128,
            max_epochs=sizes.epochs,
            early_stopping=False,
            validation_fraction=0.0,
            diagnostics=diagnostics,
            random_state=0,
        )

    def sklearn() -> SklearnMLP:
        return SklearnMLP(
            hidden_layer_sizes=(128, 128),
            learning_rate_init=1e-3,
            batch_size=128,
            max_iter=sizes.epochs,
            alpha=0.0,
            tol=0.0,
            n_iter_no_change=10**9,
            early_stopping=False,
            random_state=0,
        )

    import torch
    from threadpoolctl import threadpool_info

    # The minimal loop trains on as many torch threads as ours does (its n_threads), so that the two differ
    # by their loop only.
    torch_threads = ours(False)().get_params().get("n_threads") or torch.get_num_threads()
    blas = max((p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"), default=1)
    thread_counts = {
        "minimal torch loop": f"torch {torch_threads}",
        "arithmetic floor: the steps' matrix products alone": f"torch {torch_threads}",
        "bench MLP": f"torch {torch_threads}",
        "bench MLP, diagnostics=True": f"torch {torch_threads}",
        "sklearn MLPClassifier": f"BLAS {blas}",
        "sklearn MLPClassifier, 1 BLAS thread": "BLAS 1",
    }
    training, diagnostics = [], []
    splits = mlp_splits(sizes)
    for data in splits:
        cases = {
            "minimal torch loop": lambda data=data: minimal_loop(data, sizes.epochs, torch_threads),
            "arithmetic floor: the steps' matrix products alone": lambda data=data: matmul_floor(
                data, sizes.epochs, torch_threads
            ),
            "bench MLP": fitted(ours(False), data),
            "bench MLP, diagnostics=True": fitted(ours(True), data),
            "sklearn MLPClassifier": fitted(sklearn, data),
            "sklearn MLPClassifier, 1 BLAS thread": fitted(sklearn, data, blas_threads=1),
        }
        if not sizes.sklearn_default_blas:
            del cases["sklearn MLPClassifier"]
        # one warm-up round (torch's first fit in a process costs about a second more) before the first set only
        repeats = sizes.digits_repeats if data.name == "digits" else sizes.repeats
        results = interleave(cases, repeats, warmup=data is splits[0], label=f"mlp {data.name}")
        for name, timings in results.items():
            timings.extra["threads"] = thread_counts[name]
        n_train, n_features = data.X_train.shape
        params = (n_features + 1) * 128 + 129 * 128 + 129 * data.n_classes
        sklearn_s = min(t.median for name, t in results.items() if name.startswith("sklearn"))
        trainers = {k: v for k, v in results.items() if "diagnostics" not in k}
        table = rows(trainers, "minimal torch loop", dataset=data.name)
        for row in table:
            row["steps"] = sizes.epochs * math.ceil(n_train / 128)
            row["ratio_vs_sklearn"] = row["median_s"] / sklearn_s
            row["gflops"] = 6 * params * n_train * sizes.epochs / row["median_s"] / 1e9
            row["pct_of_1thread_peak"] = 100 * row["gflops"] / peak_1thread
        training += table
        pair = {k: results[k] for k in ("bench MLP", "bench MLP, diagnostics=True")}
        diagnostics += rows(pair, "bench MLP", dataset=data.name)
        off, on = (t.seconds for t in pair.values())
        for row, times in zip(diagnostics[-2:], (off, on), strict=True):
            # each repeat fits both back to back: the median of their ratios cancels the drift between repeats
            row["paired_ratio"] = statistics.median(t / base for t, base in zip(times, off, strict=True))
    return (
        Group(
            f"a. MLP training (2x128 ReLU, Adam lr 1e-3, batch 128, {sizes.epochs} epochs, no early stopping)",
            "Baseline: a minimal hand-written PyTorch loop (in-memory tensors, randperm batches, Adam, "
            "cross-entropy, nothing else); ratio_vs_sklearn is against the faster scikit-learn MLPClassifier "
            "configuration measured (default BLAS threads, or 1 BLAS thread as our MLP's 1 torch thread).",
            training,
            "Fit time only (scoring excluded). GFLOP/s = 6 x parameters x training samples x epochs / seconds. "
            "The arithmetic floor times the products of every step and nothing else: the time a trainer on the "
            "same threads would take with zero overhead per step.",
        ),
        Group(
            "b. Diagnostics cost (diagnostics=True: everything the MLP records beyond loss and accuracy)",
            "Baseline: bench MLP with diagnostics=False, same settings as group a, measured in the same repeats.",
            diagnostics,
            "paired_ratio: the median over repeats of the two fits' ratio within a repeat, which drift between "
            "repeats does not move; the targets use it. digits runs more repeats than the big set (its fits are "
            "ten times shorter).",
        ),
    )


# ---------------------------------------------------------------------------------------------------------
# c. tracking overhead


@contextlib.contextmanager
def composer() -> Iterator[Callable[..., Any]]:
    """Hydra's compose API on the project's configs; yields ``compose(*overrides)``."""
    from hydra import compose, initialize_config_dir

    from bench.__main__ import CONFIG_DIR

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3", job_name="perf"):
        yield lambda *overrides, hydra=False: compose("config", list(overrides), return_hydra_config=hydra)


def sweep_configs(
    datasets: tuple[str, ...], models: tuple[str, ...], seeds: tuple[int, ...], uri: str, mlp: tuple[str, ...] = ()
) -> list[DictConfig]:
    """Composed job configs of a sweep, tracking into ``uri``; ``mlp`` overrides apply to MLP jobs only."""
    common = [f"tracking.uri={uri}", "tracking.experiment=perf", "rerun=true", "report.enabled=false"]
    mlp = ("model.verbose=false", *mlp)
    with composer() as compose:
        return [
            compose(f"dataset={d}", f"model={m}", f"seed={s}", *common, *(mlp if m == "mlp" else ()))
            for d, m, s in itertools.product(datasets, models, seeds)
        ]


def default_sweep() -> dict[str, list[str]]:
    """The default sweep's axes, read from ``conf/config.yaml``: ``{"dataset": [...], "model": [...], ...}``."""
    with composer() as compose:
        params = compose(hydra=True).hydra.sweeper.params
    return {key: str(value).split(",") for key, value in params.items()}


def bare_job(cfg: DictConfig) -> None:
    """Everything ``bench.experiment.run`` does for a job except tracking: load, split, fit, score."""
    from bench import data, experiment, metrics

    experiment.check(cfg)
    loaded = experiment.build_source(cfg.dataset).load()
    X_train, X_test, y_train, y_test = data.split(loaded, cfg.test_size, cfg.seed)
    model = experiment.build_model(cfg.model, loaded.scaler)
    metrics.timed_fit(lambda: model.fit(X_train, y_train))
    metrics.scores(model, X_train, y_train, X_test, y_test)
    metrics.predict_latency_us(model, X_test)
    metrics.model_size_bytes(model)
    if cfg.get("learning_curve"):
        metrics.learning_curve(model, X_train, y_train, X_test, y_test, cfg.learning_curve, cfg.seed)


def tracked_job(cfg: DictConfig) -> None:
    from bench.experiment import run

    if not run(cfg):
        raise RuntimeError(f"job failed: {cfg.dataset.name}/{cfg.model.name}")


def quietly(job: Callable[[DictConfig], None], configs: list[DictConfig]) -> Case:
    """A case running ``job`` over ``configs`` with job lines and library warnings silenced."""

    def case() -> dict[str, Any]:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for cfg in configs:
                job(cfg)
        return {"runs": len(configs)}

    return case


def tracking_overhead(sizes: Sizes, tmp: Path) -> tuple[Group, Group]:
    """Group c: ``experiment.run`` (MLflow on SQLite) vs a bare loop per family; then per-call costs."""
    from bench.tracking import Store

    os.environ.pop("BENCH_PARENT_RUN_ID", None)
    uri = f"sqlite:///{tmp}/mlruns.db"
    Store(uri, "perf")  # create and migrate the store before timing
    models = ("decision_tree", "knn", "svm", "mlp")
    configs = sweep_configs(sizes.tracking_datasets, models, sizes.tracking_seeds, uri, sizes.tracking_mlp)
    by_family: dict[str, list[DictConfig]] = {}
    for cfg in configs:
        by_family.setdefault(cfg.model.family, []).append(cfg)
    cases, baseline = {}, {}
    for family, family_configs in by_family.items():
        cases[f"{family}: bare loop"] = quietly(bare_job, family_configs)
        cases[f"{family}: experiment.run"] = quietly(tracked_job, family_configs)
        baseline |= dict.fromkeys((f"{family}: bare loop", f"{family}: experiment.run"), f"{family}: bare loop")
    results = interleave(cases, sizes.repeats, label="tracking")
    table = rows(results, baseline)
    for row in table:
        if row["case"].endswith("experiment.run"):
            bare = results[baseline[row["case"]]].median
            row["tracking_ms_per_run"] = 1000 * (row["median_s"] - bare) / row["runs"]
    tracked = sum(t.median for name, t in results.items() if name.endswith("experiment.run"))
    bare_total = sum(t.median for name, t in results.items() if name.endswith("bare loop"))
    sweep_share = (tracked - bare_total) / tracked

    per_run_s = (tracked - bare_total) / len(configs)
    parts = tracking_parts(sizes, uri)
    note = (
        f"Tracking share of this sweep's time: {100 * sweep_share:.1f}% ({tracked:.2f} s with MLflow, "
        f"{bare_total:.2f} s bare, medians summed over families): {1000 * per_run_s:.0f} ms per run."
    )
    group = Group(
        f"c. Tracking overhead: {len(configs)} jobs ({', '.join(sizes.tracking_datasets)} x {', '.join(models)} "
        f"x seeds {', '.join(map(str, sizes.tracking_seeds))}; MLP {' '.join(sizes.tracking_mlp)})",
        "Baseline: a bare loop doing the same loading, split, pipeline, fit and scoring per family, without MLflow.",
        table,
        note,
    )
    return group, parts


def tracking_parts(sizes: Sizes, uri: str) -> Group:
    """Seconds per run of each ``bench.tracking.Store`` call a job makes, on the SQLite store, with the payload
    of a real MLP job (iris, 30 epochs with validation and diagnostics)."""
    from omegaconf import OmegaConf
    from sklearn.metrics import confusion_matrix

    from bench import data, experiment, metrics
    from bench.tracking import Store

    overrides = ("model=mlp", "model.max_epochs=30", "model.early_stopping=false", "model.verbose=false")
    with composer() as compose:
        cfg = compose(*overrides, f"tracking.uri={uri}")
    loaded = experiment.build_source(cfg.dataset).load()
    X_train, X_test, y_train, y_test = data.split(loaded, cfg.test_size, cfg.seed)
    model = experiment.build_model(cfg.model, loaded.scaler).fit(X_train, y_train)
    history = model[-1].history_
    final, predicted = metrics.scores(model, X_train, y_train, X_test, y_test)
    job = experiment.job_config(cfg)
    files = {
        "config.yaml": OmegaConf.to_yaml(job),
        "confusion_matrix.csv": pd.DataFrame(confusion_matrix(y_test, predicted)).to_csv(),
        "history.csv": pd.DataFrame(history).to_csv(index=False),
    }
    curves = experiment._curves(history)  # what a job logs: the rest of the history stays in history.csv
    n_values = sum(len(record) - 2 for record in curves)  # without epoch and time_s
    store = Store(uri, "perf-parts")
    tags = {"bench.run_key": "0" * 16, "bench.dataset": "iris", "bench.model": "mlp", "bench.family": "neural"}
    run_ids: list[str] = []

    def per_run(call: Callable[[str], Any]) -> Case:
        def case() -> dict[str, Any]:
            start = time.perf_counter()
            for run_id in run_ids:
                call(run_id)
            return {"seconds": (time.perf_counter() - start) / len(run_ids)}

        return case

    def create() -> dict[str, Any]:
        start = time.perf_counter()
        run_ids[:] = [store.start_run("iris/mlp/seed=0", tags) for _ in range(sizes.tracking_part_runs)]
        return {"seconds": (time.perf_counter() - start) / len(run_ids)}

    cases = {
        "create run (tags)": create,
        "params": per_run(lambda r: store.log(r, params=experiment._params(job))),
        "final metrics": per_run(lambda r: store.log(r, final, tags={"bench.outcome": "ok"})),
        f"curves ({len(history)} epochs, {n_values} values)": per_run(lambda r: store.log(r, curves=curves)),
        "dataset input": per_run(lambda r: store.log_dataset(r, "iris", loaded.X, loaded.y, repr(loaded.source))),
        f"artifacts ({len(files)} text files)": per_run(lambda r: store.log_texts(r, files)),
        "end run": per_run(store.end_run),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = interleave(cases, sizes.repeats, warmup=True, label="tracking calls")
    table = rows(results, "create run (tags)")
    total = sum(row["median_s"] for row in table)
    for row in table:
        row["share_of_run_tracking"] = row["median_s"] / total
    return Group(
        "c2. Tracking cost per run, by Store call (SQLite)",
        "Baseline: creating a run with its tags (one MLflow write).",
        table,
        f"Total per run: {1000 * total:.0f} ms ({sizes.tracking_part_runs} runs per repeat, seconds per run).",
    )


TIMED_OUT_ENV = "BENCH_PERF_TIMED_OUT"


def timed_cli() -> None:
    """``python -m bench`` with the time spent in ``bench.tracking.Store`` (MLflow's import and every call to the
    store) summed per method and written as JSON to the file ``$BENCH_PERF_TIMED_OUT`` names. Group c3 runs it
    in a subprocess: ``python -c "from bench.perf import timed_cli; timed_cli()" OVERRIDE ...``."""
    import functools

    from bench import tracking
    from bench.__main__ import main

    spent: dict[str, float] = {}
    depth = [0]  # a method calling another (reap_interrupted -> end_run) counts once

    def timed(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            depth[0] += 1
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

        return wrapper

    for name, method in list(vars(tracking.Store).items()):
        if callable(method) and (name == "__init__" or not name.startswith("_")):
            setattr(tracking.Store, name, timed(name, method))
    try:
        code = main(sys.argv[1:])
    finally:
        Path(os.environ[TIMED_OUT_ENV]).write_text(json.dumps(spent))
    sys.exit(code)


def tracking_share(sizes: Sizes, tmp: Path) -> tuple[Group, Target]:
    """Group c3: the share of a real sweep's wall time spent tracking, measured inside ``python -m bench``
    (default sweep, ``rerun=true`` into an existing store, reports written at the end as usual)."""
    from bench.tracking import Store

    uri = f"sqlite:///{tmp}/share.db"
    Store(uri, "bench")  # an existing store, as on every sweep but the first (creating one migrates it: 1-2 s)
    spent_file = tmp / "spent.json"
    argv = [sys.executable, "-c", "from bench.perf import timed_cli; timed_cli()", *sizes.tracking_sweep]
    argv += [
        "rerun=true",
        f"tracking.uri={uri}",
        f"report.out_dir={tmp / 'reports'}",
        f"hydra.sweep.dir={tmp}/multirun",
    ]
    run_sweep = command(argv, tmp, env=cli_env(**{TIMED_OUT_ENV: str(spent_file)}))
    spent: list[dict[str, float]] = []

    def case() -> None:
        run_sweep()
        spent.append(json.loads(spent_file.read_text()))

    wall = interleave({"sweep": case}, sizes.sweep_repeats, label="tracking share")["sweep"].seconds
    shares = [sum(calls.values()) / seconds for calls, seconds in zip(spent, wall, strict=True)]
    middle = sorted(range(len(shares)), key=shares.__getitem__)[len(shares) // 2]  # the repeat of median share
    table = [{"case": "whole sweep (wall)", "median_s": wall[middle], "ratio_vs_baseline": 1.0, "repeats": wall}]
    for name, seconds in sorted(spent[middle].items(), key=lambda item: -item[1]):
        table.append(
            {
                "case": f"Store.{name}" if name != "__init__" else "Store() (MLflow import, store opened)",
                "median_s": seconds,
                "ratio_vs_baseline": seconds / wall[middle],
                "repeats": [calls.get(name, 0.0) for calls in spent],
            }
        )
    share = shares[middle]
    sweep = " ".join(sizes.tracking_sweep) or "(the default sweep)"
    group = Group(
        f"c3. Tracking share of a real sweep: python -m bench rerun=true {sweep}",
        "Baseline: the sweep's wall time (process start to exit); ratio_vs_baseline is each part's share of it.",
        table,
        f"{sizes.sweep_repeats} repeats; the table shows the repeat with the median share ({100 * share:.1f}%; "
        f"all: {', '.join(f'{100 * x:.1f}%' for x in shares)}). Seconds summed over the sweep's calls to each "
        "bench.tracking.Store method, timed inside the process.",
    )
    target = Target(
        f"tracking <= 5% of {'the default' if not sizes.tracking_sweep else 'a small'} sweep's wall time",
        f"{100 * share:.1f}% ({sum(spent[middle].values()):.1f} s of {wall[middle]:.1f} s)",
        share <= 0.05,
    )
    return group, target


# ---------------------------------------------------------------------------------------------------------
# d. sweep throughput, f. CLI latency: the real command line in subprocesses


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "BENCH_"))}
    return env | extra


def command(args: list[str], cwd: Path, expect: int = 0, env: dict[str, str] | None = None) -> Case:
    """A case running ``args`` in ``cwd``; fails the benchmark unless it exits with ``expect``."""

    def case() -> None:
        done = subprocess.run(args, cwd=cwd, env=env or cli_env(), capture_output=True, text=True)
        if done.returncode != expect:
            raise RuntimeError(f"{' '.join(args)} exited {done.returncode}, expected {expect}:\n{done.stderr[-2000:]}")

    return case


def sweep_throughput(sizes: Sizes, tmp: Path) -> tuple[Group, Target]:
    """Group d: the same sweep through ``python -m bench`` with the basic and the joblib launcher."""
    with composer() as compose:
        mlp = compose("model=mlp").model
    cli, settings = [sys.executable, "-m", "bench"], ["report.enabled=false", "rerun=true"]
    argv = [*cli, *sizes.cli_sweep, *settings]
    one_thread = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    launchers = {  # case: (folder, overrides, environment)
        "basic launcher": ("basic", [], {}),
        "joblib, 2 workers, 1 thread each": (
            "joblib",
            ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
            one_thread,
        ),
        # Hydra's own sweeper: every job composed once more to validate it, though bench's check already did
        "basic launcher, hydra/sweeper=basic": ("basic_sweeper", ["hydra/sweeper=basic"], {}),
    }
    cases, steady = {}, {}
    for name, (folder, extra_args, env) in launchers.items():
        cwd = tmp / folder
        cwd.mkdir()  # the first repeat also creates the store (about 2 s): the median leaves it out
        steady[name] = []
        cases[name] = with_steady_rate(command(argv + extra_args, cwd, env=cli_env(**env)), [cwd], steady[name])
    # What this machine gives two processes at all: two independent sequential sweeps over half the jobs each,
    # at once, each with its own store. No launcher can do better than this bound.
    halves = split_sweep(sizes.cli_sweep)
    side_dirs = [tmp / f"side_by_side_{i}" for i in range(len(halves))]
    bound = "bound: 2 basic-launcher processes at once, half the jobs each"
    steady[bound] = []
    halves_run = [
        command([*cli, *half, *settings], cwd, env=cli_env(**one_thread))
        for half, cwd in zip(halves, side_dirs, strict=True)
    ]
    cases[bound] = with_steady_rate(side_by_side(halves_run), side_dirs, steady[bound])
    for cwd in side_dirs:
        cwd.mkdir()
    jobs = 1
    for value in sizes.cli_sweep:
        jobs *= len(value.split("=", 1)[1].split(","))
    results = interleave(cases, sizes.sweep_repeats, label="sweep")
    table = rows(results, "basic launcher")
    for row in table:
        row["jobs"] = jobs
        row["jobs_per_s"] = jobs / row["median_s"]
        row["speed_up"] = 1 / row["ratio_vs_baseline"]
        row["steady_jobs_per_s"] = statistics.median(steady[row["case"]])
        row["steady_speed_up"] = row["steady_jobs_per_s"] / statistics.median(steady["basic launcher"])
    row_of = {row["case"]: row for row in table}
    basic, joblib, bound_row = row_of["basic launcher"], row_of["joblib, 2 workers, 1 thread each"], row_of[bound]
    speed_up, steady_up = joblib["speed_up"], joblib["steady_speed_up"]
    threads_note = (
        f"The MLP config sets n_threads: {mlp.n_threads}; model.n_threads=1 is not passed, as an override applies "
        "to every model of the sweep and only the MLP has that key. "
        if "n_threads" in mlp
        else "The MLP config has no n_threads key. "
    ) + (
        "OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 limit torch and BLAS in each joblib worker and in each of the two "
        "processes of the bound."
    )
    group = Group(
        f"d. Sweep throughput: python -m bench {' '.join(sizes.cli_sweep)} ({jobs} jobs, rerun=true)",
        "Baseline: the same sweep with Hydra's basic (sequential) launcher.",
        table,
        f"{sizes.sweep_repeats} repeats (not {sizes.repeats}): each is a whole sweep, process start included. "
        "steady_jobs_per_s leaves out the fixed start-up (imports, store set-up, worker processes): jobs per second "
        "between the first and the last job's end, from the runs' end times in MLflow. hydra/sweeper=basic is "
        "Hydra's own sweeper, which composes every job a second time to validate it although bench has checked "
        "them all before the sweep; bench's sweeper (the default) skips that pass. " + threads_note,
    )
    figure = (
        f"steady state {steady_up:.2f}x ({joblib['steady_jobs_per_s']:.2f} vs {basic['steady_jobs_per_s']:.2f} "
        f"jobs/s); whole command, start-up included, {speed_up:.2f}x ({joblib['jobs_per_s']:.2f} vs "
        f"{basic['jobs_per_s']:.2f} jobs/s); two independent processes, the machine's bound, reach "
        f"{bound_row['steady_speed_up']:.2f}x steady and {bound_row['speed_up']:.2f}x whole"
    )
    target = "joblib with 2 workers >= 1.8x the sequential sweep's throughput (steady state)"
    return group, Target(target, figure, steady_up >= 1.8)


def split_sweep(overrides: tuple[str, ...]) -> list[list[str]]:
    """The sweep's overrides as two sweeps of about half the jobs each: the first override with several values
    is cut in two."""
    for i, override in enumerate(overrides):
        key, values = override.split("=", 1)
        choices = values.split(",")
        if len(choices) > 1:
            cut = len(choices) // 2
            return [
                [*overrides[:i], f"{key}={','.join(part)}", *overrides[i + 1 :]]
                for part in (choices[:cut], choices[cut:])
            ]
    raise ValueError(f"sweep {' '.join(overrides)!r} has a single job; nothing to split")


def side_by_side(cases: list[Case]) -> Case:
    """Run the cases at once, each on its own thread (they start subprocesses); wait for all of them."""
    from concurrent.futures import ThreadPoolExecutor

    def case() -> None:
        with ThreadPoolExecutor(len(cases)) as pool:
            for future in [pool.submit(c) for c in cases]:
                future.result()

    return case


def with_steady_rate(case: Case, cwds: list[Path], rates: list[float]) -> Case:
    """``case`` (a sweep run in ``cwds``, each with its store), appending to ``rates`` its steady-state jobs per
    second."""

    def wrapped() -> None:
        case()
        rates.append(steady_rate([f"sqlite:///{cwd}/mlruns.db" for cwd in cwds]))

    return wrapped


def steady_rate(uris: list[str], experiment: str = "bench") -> float:
    """Jobs per second between the first and the last end of a job in the stores' newest sweeps."""
    from mlflow.tracking import MlflowClient

    ends = []
    for uri in uris:
        client = MlflowClient(uri)
        exp_id = client.get_experiment_by_name(experiment).experiment_id
        newest = client.search_runs(
            [exp_id], "tags.`bench.sweep` = 'true'", max_results=1, order_by=["attributes.start_time DESC"]
        )[0]
        children = client.search_runs(
            [exp_id], f"tags.`mlflow.parentRunId` = '{newest.info.run_id}'", max_results=50_000
        )
        ends += [run.info.end_time for run in children]
    ends.sort()
    return (len(ends) - 1) / max((ends[-1] - ends[0]) / 1000, 1e-3) if len(ends) > 1 else math.nan


def cli_latency(sizes: Sizes, tmp: Path) -> tuple[Group, list[Target]]:
    """Group f: whole-process wall time of ``--help`` and of a bad override, against ``python -c pass``."""
    cases = {
        "python -c pass": command([sys.executable, "-c", "pass"], tmp),
        "python -m bench --help": command([sys.executable, "-m", "bench", "--help"], tmp),
        "python -m bench model.lr=abc (exit 2)": command([sys.executable, "-m", "bench", "model.lr=abc"], tmp, 2),
    }
    table = rows(interleave(cases, sizes.repeats, label="cli"), "python -c pass")
    help_s, bad_s = table[1]["median_s"], table[2]["median_s"]
    group = Group(
        "f. CLI latency (whole process)",
        "Baseline: python -c pass, the interpreter's own start-up; the targets are about absolute seconds.",
        table,
    )
    return group, [
        Target("`python -m bench --help` <= 1.5 s", f"{help_s:.2f} s", help_s <= 1.5),
        Target("a bad override fails in <= 2 s", f"{bad_s:.2f} s", bad_s <= 2.0),
    ]


# ---------------------------------------------------------------------------------------------------------
# e. report build time on synthetic stores


@contextlib.contextmanager
def count_queries() -> Iterator[list[int]]:
    """Count SQL statements sent by any SQLAlchemy engine (MLflow's store) inside the block."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    count = [0]

    def on_execute(*_: Any) -> None:
        count[0] += 1

    event.listen(Engine, "before_cursor_execute", on_execute)
    try:
        yield count
    finally:
        event.remove(Engine, "before_cursor_execute", on_execute)


@contextlib.contextmanager
def fast_sqlite_writes() -> Iterator[None]:
    """``PRAGMA synchronous=OFF`` on new SQLite connections: generating synthetic runs need not be durable."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def on_connect(connection: Any, _: Any) -> None:
        if type(connection).__module__.startswith("sqlite3"):
            connection.execute("PRAGMA synchronous=OFF")

    event.listen(Engine, "connect", on_connect)
    try:
        yield
    finally:
        event.remove(Engine, "connect", on_connect)


def run_templates() -> tuple[list[Template], int]:
    """``(dataset, model, family, params)`` of every default-sweep cell, composed from the real configs, and the
    number of runs in the default sweep."""
    from bench.experiment import _params, job_config

    axes = default_sweep()
    with composer() as compose:
        templates = []
        for dataset, model in itertools.product(axes["dataset"], axes["model"]):
            cfg = compose(f"dataset={dataset}", f"model={model}")
            templates.append((dataset, model, cfg.model.family, _params(job_config(cfg))))
    return templates, len(templates) * len(axes["seed"])


def add_synthetic_runs(uri: str, start: int, stop: int, templates: list[Template], per_sweep: int) -> None:
    """Append job runs ``start..stop-1`` to experiment ``bench``: 30% MLP runs with 30-epoch curves, the rest
    with final metrics; the tags of real runs; one parent run per ``per_sweep`` runs. One ``log_batch`` per run."""
    from mlflow.entities import Metric, Param, RunTag

    from bench.tracking import Store, versions

    mlp = [t for t in templates if t[1] == "mlp"]
    others = [t for t in templates if t[1] != "mlp"]
    rng = np.random.default_rng(start)
    store = Store(uri, "bench")
    client, parent = store.client, None
    for i in range(start, stop):
        if parent is None or i % per_sweep == 0:
            if parent is not None:
                store.end_run(parent)
            parent = store.start_run(f"sweep-{i // per_sweep}", {"bench.sweep": "true", **versions()})
        is_mlp = i % 10 < 3
        dataset, model, family, params = (mlp if is_mlp else others)[i % (len(mlp) if is_mlp else len(others))]
        tags = {
            "bench.run_key": f"{i:016x}",
            "bench.dataset": dataset,
            "bench.model": model,
            "bench.family": family,
            "bench.seed": str(i // len(templates)),
            "mlflow.parentRunId": parent,
            **versions(),
        }
        run_id = store.start_run(f"{dataset}/{model}/seed={tags['bench.seed']}", tags)
        now = int(time.time() * 1000)
        names = FINAL + (MLP_SUMMARIES if is_mlp else ())
        metrics = [Metric(k, float(v), now, 0) for k, v in zip(names, rng.random(len(names)), strict=True)]
        if is_mlp:
            values = rng.random((30, len(CURVES)))
            metrics += [
                Metric(k, float(values[e - 1, j]), now + e, e) for e in range(1, 31) for j, k in enumerate(CURVES)
            ]
        client.log_batch(
            run_id,
            metrics=metrics,
            params=[Param(k, v) for k, v in params.items()],
            tags=[RunTag("bench.outcome", "ok")],
        )
        store.end_run(run_id)
    if parent is not None:
        store.end_run(parent)


def report_build(sizes: Sizes, tmp: Path) -> tuple[Group, list[Target]]:
    """Group e: ``build_report`` on stores of each size; each store is the previous one copied, plus runs."""
    from bench.report import build_report

    templates, per_sweep = run_templates()
    stores: dict[int, str] = {}
    previous: tuple[int, Path] | None = None
    with fast_sqlite_writes(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in sorted(sizes.report_sizes):
            progress(f"report: generating a store of {n:,} runs")
            db = tmp / f"runs-{n}" / "mlruns.db"
            db.parent.mkdir()
            if previous is not None:  # SQLite's backup, not a file copy: recent commits may sit in the WAL file
                source, target = sqlite3.connect(previous[1]), sqlite3.connect(db)
                with contextlib.closing(source), contextlib.closing(target):
                    source.backup(target)
            add_synthetic_runs(f"sqlite:///{db}", previous[0] if previous else 0, n, templates, per_sweep)
            stores[n], previous = f"sqlite:///{db}", (n, db)

    def report(n: int) -> Case:
        def case() -> dict[str, Any]:
            with count_queries() as queries, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                build_report(stores[n], "bench", tmp / f"report-{n}")
            return {"runs": n, "queries": queries[0]}

        return case

    results = interleave({f"{n:,} runs": report(n) for n in stores}, sizes.repeats, label="report")
    reference = "1,000 runs" if "1,000 runs" in results else next(iter(results))
    table = rows(results, reference)
    for row in table:
        row["ms_per_run"] = 1000 * row["median_s"] / row["runs"]
        row["linear_ratio"] = row["runs"] / results[reference].extra["runs"]
    by_runs = {row["runs"]: row for row in table}
    targets = []
    if 1000 in by_runs:
        s = by_runs[1000]["median_s"]
        targets.append(Target("report of 1,000 runs <= 5 s", f"{s:.2f} s ({by_runs[1000]['queries']} queries)", s <= 5))
    small, large = sorted(by_runs)[-2:]
    growth, linear = by_runs[large]["median_s"] / by_runs[small]["median_s"], large / small
    targets.append(
        Target(
            f"report grows about linearly ({small:,} -> {large:,} runs)",
            f"time ratio {growth:.2f} vs {linear:g} for linear",
            growth <= 1.2 * linear,
        )
    )
    group = Group(
        "e. Report build time (bench.report.build_report on synthetic stores)",
        f"Baseline: the report of {reference}; linear_ratio is what the ratio would be if time grew with runs.",
        table,
        "Synthetic runs: 30% MLP with 30-epoch curves of 7 series, the rest with final metrics; the params and tags "
        "of real runs. queries: SQL statements sent to the store per report (SQLAlchemy event hook).",
    )
    return group, targets


# ---------------------------------------------------------------------------------------------------------
# The run: machine, targets, output files


def machine() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    import torch
    from threadpoolctl import threadpool_info

    from bench.tracking import versions

    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "unknown")
    except OSError:
        cpu = platform.processor() or "unknown"

    def pkg(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    pools = ", ".join(f"{p['prefix']} ({p['internal_api']}) {p['num_threads']} threads" for p in threadpool_info())
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        **{name: pkg(name) for name in ("torch", "scikit-learn", "numpy", "mlflow", "hydra-core")},
        "torch_threads": torch.get_num_threads(),
        "native_thread_pools": pools,
        "platform": platform.platform(),
        "git_commit": versions()["bench.git_commit"],
        "load_average_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    return info


def mlp_targets(training: Group, diagnostics: Group, quick: bool) -> list[Target]:
    big = next(r["dataset"] for r in training.rows if r["dataset"] != "digits")
    row = {(r["dataset"], r["case"]): r for r in diagnostics.rows + training.rows}  # training's "bench MLP" row
    ours = row[big, "bench MLP"]
    floor = next(r for r in training.rows if r["dataset"] == big and r["case"].startswith("arithmetic floor"))
    sklearn = [r for r in training.rows if r["dataset"] == big and r["case"].startswith("sklearn")]
    strongest = min(sklearn, key=lambda r: r["median_s"])
    headroom = strongest["median_s"] / 2 - floor["median_s"]  # seconds a 2x trainer may spend beyond the products
    speed_up = strongest["median_s"] / ours["median_s"]
    accuracy_gap = abs(ours["test_accuracy"] - strongest["test_accuracy"])
    vs_loop = 1 / ours["ratio_vs_baseline"]
    on = f" on {big}" + (" (quick run: smaller set)" if quick else "")
    each = ", ".join(f"{r['threads']}: {r['median_s'] / ours['median_s']:.2f}x" for r in sklearn)
    targets = [
        Target(
            f"MLP trainer >= 2.0x faster than sklearn's MLPClassifier{on}, test accuracy within 1 point",
            f"{speed_up:.2f}x vs the faster sklearn configuration ({each}); "
            f"accuracy {ours['test_accuracy']:.4f} vs {strongest['test_accuracy']:.4f}; the steps' matrix products "
            f"alone take {floor['median_s']:.2f} s, {100 * floor['median_s'] / strongest['median_s']:.0f}% of "
            f"sklearn's time, so 2x leaves {1e6 * headroom / floor['steps']:.0f} µs a step for everything else",
            speed_up >= 2.0 and accuracy_gap <= 0.01,
        ),
        Target(f"trainer >= 1.0x the minimal loop, diagnostics off{on}", f"{vs_loop:.2f}x", vs_loop >= 1.0),
    ]
    for dataset, limit in ((big, 5), ("digits", 10)):
        extra = 100 * (row[dataset, "bench MLP, diagnostics=True"]["paired_ratio"] - 1)
        targets.append(Target(f"diagnostics add <= {limit}% on {dataset}", f"{extra:+.1f}%", extra <= limit))
    pct = ours["pct_of_1thread_peak"]
    targets.append(
        Target(
            f">= 25% of the 1-thread matmul peak{on}",
            f"{pct:.0f}% ({ours['gflops']:.1f} GFLOP/s)",
            pct >= 25,
        )
    )
    return targets


PROJECT_MODULES = ("bench.data", "bench.experiment", "bench.metrics", "bench.mlp", "bench.tracking", "bench.report")


def run(sizes: Sizes, out: Path, only: str = GROUPS) -> tuple[Path, Path]:
    """Run the groups named in ``only`` (default: every group) at ``sizes``; write ``<out>/perf.md`` and
    ``<out>/perf.json``."""
    import importlib
    import pkgutil

    started = time.perf_counter()
    # Import the whole project now, so that one run measures one version of it even if files change meanwhile.
    for name in PROJECT_MODULES:
        module = importlib.import_module(name)
        for sub in pkgutil.walk_packages(getattr(module, "__path__", []), f"{name}."):
            importlib.import_module(sub.name)
    info = machine()
    groups: list[Group] = []
    targets: list[Target] = []
    steps: dict[str, float] = {}

    def step(name: str, function: Callable[..., Any], *args: Any) -> Any:
        begin = time.perf_counter()
        try:
            return function(*args)
        finally:
            steps[name] = time.perf_counter() - begin

    with tempfile.TemporaryDirectory(prefix="bench-perf-") as scratch:
        tmp = Path(scratch)
        for name in ("tracking", "share", "sweep", "report", "cli"):
            (tmp / name).mkdir()
        if "a" in only or "b" in only:
            peak = step("a0 matmul peak", matmul_peak, sizes)
            training, diagnostics = step("a, b MLP training", mlp_training, sizes, peak.rows[0]["gflops"])
            groups += [peak, training, diagnostics]
            targets += mlp_targets(training, diagnostics, sizes.mode == "quick")
        if "c" in only:
            groups += step("c tracking", tracking_overhead, sizes, tmp / "tracking")
            share, share_target = step("c3 tracking share", tracking_share, sizes, tmp / "share")
            groups.append(share)
            targets.append(share_target)
        if "d" in only:
            sweep, sweep_target = step("d sweep throughput", sweep_throughput, sizes, tmp / "sweep")
            groups.append(sweep)
            targets.append(sweep_target)
        if "e" in only:
            report, report_targets = step("e report (store generation included)", report_build, sizes, tmp / "report")
            groups.append(report)
            targets += report_targets
        if "f" in only:
            cli, cli_targets = step("f CLI latency", cli_latency, sizes, tmp / "cli")
            groups.append(cli)
            targets += cli_targets
    info["load_average_at_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    info["wall_s_per_group"] = ", ".join(f"{name}: {seconds:.0f}" for name, seconds in steps.items())
    wall = time.perf_counter() - started
    return write(out, sizes, info, groups, targets, wall)


def write(
    out: Path, sizes: Sizes, info: dict[str, Any], groups: list[Group], targets: list[Target], wall: float
) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    document = {
        "mode": sizes.mode,
        "sizes": asdict(sizes),
        "wall_s": wall,
        "generated": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": info,
        "targets": [asdict(t) for t in targets],
        "groups": {g.title.split(".", 1)[0]: asdict(g) for g in groups},
    }
    json_path = out / "perf.json"
    json_path.write_text(json.dumps(document, indent=2, default=float) + "\n")
    md_path = out / "perf.md"
    md_path.write_text(markdown(sizes, info, groups, targets, wall))
    return md_path, json_path


def cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "met" if value else "**not met**"
    if isinstance(value, list):
        return " / ".join(cell(v) for v in value)
    if isinstance(value, float):
        return "—" if np.isnan(value) else f"{value:,.0f}" if abs(value) >= 999.5 else f"{value:.3g}"
    return str(value)


def table_md(records: list[dict[str, Any]]) -> str:
    """A pipe table, numbers to 3 significant digits, the list of every repeat's seconds last."""
    frame = pd.DataFrame(records)
    if "repeats" in frame:
        frame = frame[[c for c in frame.columns if c != "repeats"] + ["repeats"]]
    return frame.map(cell).to_markdown(index=False)


def markdown(sizes: Sizes, info: dict[str, Any], groups: list[Group], targets: list[Target], wall: float) -> str:
    quick = sizes.mode == "quick"
    lines = [
        "# bench performance" + (" (quick run)" if quick else ""),
        "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M')} in {wall:.0f} s. Every time is the median of "
        f"{sizes.repeats} interleaved repeats (digits fits: {sizes.digits_repeats}; sweeps: "
        f"{sizes.sweep_repeats}); ratio_vs_baseline = median time / "
        "baseline median time, measured side by side in the same run (below 1: faster than the baseline).",
    ]
    if quick:
        lines += [
            "",
            f"**Quick run**: smaller problem sizes (make_classification with {sizes.classification_samples:,} samples, "
            f"report stores of {', '.join(f'{n:,}' for n in sizes.report_sizes)} runs, a smaller tracking sweep); the "
            "targets are evaluated on these smaller sizes and are not the full run's figures.",
        ]
    lines += ["", "## Targets", "", table_md([asdict(t) for t in targets]), "", "## Machine", ""]
    lines += [table_md([{"item": k, "value": v} for k, v in info.items()]), ""]
    for group in groups:
        lines += [f"## {group.title}", "", group.baseline, "", table_md(group.rows), ""]
        if group.note:
            lines += [group.note, ""]
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench perf",
        description="Run the performance benchmarks; write <out>/perf.md and <out>/perf.json.",
    )
    parser.add_argument("--quick", action="store_true", help="smaller problem sizes, about 3 minutes on 2 cores")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="output directory (default: reports)")
    parser.add_argument(
        "--repeats", type=int, default=MIN_REPEATS, help=f"repeats per figure, at least {MIN_REPEATS} (default)"
    )
    parser.add_argument(
        "--only", default=GROUPS, metavar="LETTERS", help=f"the groups to run, e.g. 'cd' (default: {GROUPS})"
    )
    args = parser.parse_args(argv)
    if unknown := sorted(set(args.only) - set(GROUPS)):
        parser.error(f"unknown group(s) {', '.join(map(repr, unknown))} in --only {args.only!r}; choose from: {GROUPS}")
    if args.repeats < MIN_REPEATS:
        parser.error(f"--repeats must be at least {MIN_REPEATS}; got {args.repeats}")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    sizes = replace(QUICK if args.quick else FULL, repeats=args.repeats)
    md_path, json_path = run(sizes, args.out, args.only)
    print(f"perf: {md_path}\n      {json_path}")
    return 0
