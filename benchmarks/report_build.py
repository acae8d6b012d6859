"""Group e: ``bench.report.build_report`` on synthetic stores of growing size, whose runs carry the params and
tags that real jobs of the default sweep record."""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench import job, tracking
from bench.config import composer
from bench.metrics import FINAL, MLP_SUMMARIES
from benchmarks.harness import Case, Group, Target, interleave, progress, rows
from benchmarks.jobs import default_sweep
from benchmarks.sizes import Sizes

CURVES = (
    "training/loss",
    "training/val_loss",
    "training/accuracy",
    "training/val_accuracy",
    *(f"training/grad_norm/layer_{i}" for i in range(3)),
)
EPOCHS = 30


@dataclass(frozen=True)
class Template:
    """One cell of the default sweep: the params and tags its real job records (seed aside)."""

    dataset: str
    model: str
    params: dict[str, str]
    tags: dict[str, str]


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
    """Every default-sweep cell composed from the real configs, its params and tags as ``bench.job`` makes
    them, and the number of runs in the default sweep."""
    axes = default_sweep()
    templates, facts = [], {}
    with composer("perf") as compose:
        for dataset, model in itertools.product(axes["dataset"], axes["model"]):
            cfg = compose([f"dataset={dataset}", f"model={model}"])
            if dataset not in facts:
                facts[dataset] = job.build_source(cfg.dataset).load().facts()
            config = job.job_config(cfg)
            tags = tracking.job_tags(config, "", None)
            templates.append(Template(dataset, model, {**facts[dataset], **job.params(config)}, tags))
    return templates, len(templates) * len(axes["seed"])


def add_synthetic_runs(uri: str, start: int, stop: int, templates: list[Template], per_sweep: int) -> None:
    """Append job runs ``start..stop-1`` to experiment ``bench``: 30% MLP runs with 30-epoch curves, the rest
    with final metrics; one parent run per ``per_sweep`` runs. One ``log_batch`` per run."""
    from mlflow.entities import Metric, Param, RunTag

    mlp = [t for t in templates if t.model == "mlp"]
    others = [t for t in templates if t.model != "mlp"]
    rng = np.random.default_rng(start)
    store = tracking.Store(uri, "bench")
    parent = None
    for i in range(start, stop):
        if parent is None or i % per_sweep == 0:
            if parent is not None:
                store.end_run(parent)
            parent = store.start_run(f"sweep-{i // per_sweep}", tracking.sweep_tags())
        is_mlp = i % 10 < 3
        template = (mlp if is_mlp else others)[i % (len(mlp) if is_mlp else len(others))]
        seed = str(i // len(templates))
        tags = {**template.tags, "bench.run_key": f"{i:016x}", "bench.seed": seed, "mlflow.parentRunId": parent}
        run_id = store.start_run(f"{template.dataset}/{template.model}/seed={seed}", tags)
        now = int(time.time() * 1000)
        names = FINAL + (MLP_SUMMARIES if is_mlp else ())
        metrics = [Metric(k, float(v), now, 0) for k, v in zip(names, rng.random(len(names)), strict=True)]
        if is_mlp:
            values = rng.random((EPOCHS, len(CURVES)))
            metrics += [
                Metric(k, float(values[e - 1, j]), now + e, e)
                for e in range(1, EPOCHS + 1)
                for j, k in enumerate(CURVES)
            ]
        params = [Param(k, v) for k, v in template.params.items()]
        store.client.log_batch(run_id, metrics=metrics, params=params, tags=[RunTag("bench.outcome", "ok")])
        store.end_run(run_id)
    if parent is not None:
        store.end_run(parent)


def synthetic_stores(sizes: Sizes, tmp: Path) -> dict[int, str]:
    """A store per size in ``sizes.report_sizes``; each is the previous one copied, plus runs."""
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
    return stores


def report_build(sizes: Sizes, tmp: Path) -> tuple[Group, list[Target]]:
    from bench.report import build_report

    stores = synthetic_stores(sizes, tmp)

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
    group = Group(
        "e. Report build time (bench.report.build_report on synthetic stores)",
        f"Baseline: the report of {reference}; linear_ratio is what the ratio would be if time grew with runs.",
        table,
        "Synthetic runs: 30% MLP with 30-epoch curves of 7 series, the rest with final metrics; the params "
        "(dataset facts included) and tags of real runs. queries: SQL statements sent to the store per report "
        "(SQLAlchemy event hook).",
    )
    return group, report_targets(table)


def report_targets(table: list[dict[str, Any]]) -> list[Target]:
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
    return targets
