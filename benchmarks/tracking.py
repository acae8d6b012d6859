"""Group c: what tracking adds to a job, ``bench.job.run`` against the same job without ``record`` and the store;
c2: where a job's tracking time goes, by ``Store`` call, timed inside ``bench.job.record``."""

from __future__ import annotations

import contextlib
import io
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from bench import job, process, tracking
from bench.config import PARENT_ENV, composer
from benchmarks.harness import Case, Group, Timings, interleave, rows
from benchmarks.jobs import sweep_configs
from benchmarks.sizes import Sizes
from benchmarks.store_clock import CallClock, TimedStore

MODELS = ("decision_tree", "knn", "svm", "mlp")
UNTRACKED, TRACKED = "prepare + fit_and_score", "bench.job.run"


def untracked(cfg: DictConfig) -> None:
    """``bench.job.run`` without the store and ``record``: the same steps in the same order, tracking aside."""
    process.settle_memory()
    job.fit_and_score(job.prepare(cfg))


def tracked(cfg: DictConfig) -> None:
    if not job.run(cfg):
        raise RuntimeError(f"job failed: {cfg.dataset.name}/{cfg.model.name}")


def quietly(run: Callable[[DictConfig], None], configs: list[DictConfig]) -> Case:
    """A case running ``run`` over ``configs`` with job lines and library warnings silenced."""

    def case() -> dict[str, Any]:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for cfg in configs:
                run(cfg)
        return {"runs": len(configs)}

    return case


def tracking_overhead(sizes: Sizes, tmp: Path) -> tuple[Group, Group]:
    """Groups c and c2, on one SQLite store."""
    os.environ.pop(PARENT_ENV, None)  # jobs of no sweep: no parent run
    uri = f"sqlite:///{tmp}/mlruns.db"
    tracking.open_store(uri, "perf")  # the store the jobs open, created and migrated before timing
    configs = sweep_configs(sizes.tracking_datasets, MODELS, sizes.tracking_seeds, uri, sizes.tracking_mlp)
    by_family: dict[str, list[DictConfig]] = {}
    for cfg in configs:
        by_family.setdefault(cfg.model.family, []).append(cfg)
    cases, baseline = {}, {}
    for family, family_configs in by_family.items():
        cases[f"{family}: {UNTRACKED}"] = quietly(untracked, family_configs)
        cases[f"{family}: {TRACKED}"] = quietly(tracked, family_configs)
        baseline |= dict.fromkeys((f"{family}: {UNTRACKED}", f"{family}: {TRACKED}"), f"{family}: {UNTRACKED}")
    results = interleave(cases, sizes.repeats, label="tracking")
    table = rows(results, baseline)
    for row in table:
        if row["case"].endswith(TRACKED):
            bare = results[baseline[row["case"]]].median
            row["tracking_ms_per_run"] = 1000 * (row["median_s"] - bare) / row["runs"]
    with_store = sum(t.median for name, t in results.items() if name.endswith(TRACKED))
    without = sum(t.median for name, t in results.items() if name.endswith(UNTRACKED))
    per_run_s = (with_store - without) / len(configs)
    group = Group(
        f"c. Tracking overhead: {len(configs)} jobs ({', '.join(sizes.tracking_datasets)} x {', '.join(MODELS)} "
        f"x seeds {', '.join(map(str, sizes.tracking_seeds))}; MLP {' '.join(sizes.tracking_mlp)})",
        f"Baseline: per family, the same jobs through bench.job's {UNTRACKED} (loading, split, pipeline, fit, "
        "scoring, learning curve), without the store and record.",
        table,
        f"Tracking share of this sweep's time: {100 * (with_store - without) / with_store:.1f}% ({with_store:.2f} s "
        f"with MLflow, {without:.2f} s without, medians summed over families): {1000 * per_run_s:.0f} ms per run.",
    )
    return group, tracking_parts(sizes, uri)


def tracking_parts(sizes: Sizes, uri: str) -> Group:
    """Group c2: seconds per run of each ``Store`` call of a real MLP job (iris, 30 epochs with validation and
    diagnostics): the run's creation with the job's tags, every call ``bench.job.record`` makes, the time
    ``record`` spends outside the store (building its payload), and the run's end."""
    overrides = ["model=mlp", "model.max_epochs=30", "model.early_stopping=false", "model.verbose=false"]
    with composer("perf") as compose:
        cfg = compose([*overrides, f"tracking.uri={uri}"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prepared = job.prepare(cfg)
        result = job.fit_and_score(prepared)
    config = job.job_config(cfg)
    store, clock = tracking.open_store(uri, "perf-parts"), CallClock()
    tags, runs = tracking.job_tags(config, tracking.run_key(config), None), sizes.tracking_part_runs
    run_ids: list[str] = []
    record_calls: list[tuple[float, dict[str, float]]] = []  # per repeat: record's seconds, its Store calls'

    def create() -> dict[str, Any]:
        start = time.perf_counter()
        run_ids[:] = [store.start_run(tracking.run_name(config), tags) for _ in range(runs)]
        return {"seconds": (time.perf_counter() - start) / runs}

    def record() -> dict[str, Any]:
        clock.reset()
        start = time.perf_counter()
        for run_id in run_ids:
            job.record(TimedStore(store, clock), run_id, config, prepared, result)
        record_calls.append((time.perf_counter() - start, dict(clock.spent)))
        return {"seconds": record_calls[-1][0] / runs}

    def end() -> dict[str, Any]:
        start = time.perf_counter()
        for run_id in run_ids:
            store.end_run(run_id)
        return {"seconds": (time.perf_counter() - start) / runs}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = interleave({"create": create, "record": record, "end": end}, sizes.repeats, True, "tracking calls")
    calls = {name: count / runs for name, count in clock.calls.items()}
    table = rows(parts(results, record_calls[-sizes.repeats :], runs, calls), "Store.start_run (the job's tags)")
    total = sum(row["median_s"] for row in table)
    for row in table:
        row["share_of_run_tracking"] = row["median_s"] / total
    summary = (
        f"{len(result.summary.curves)} curve records"
        if result.summary is not None
        else "no training summary from this MLP (bench.metrics.Diagnosed), so no curves and no history.csv"
    )
    return Group(
        "c2. Tracking cost per run, by Store call (SQLite)",
        "Baseline: creating a run with the job's tags (one MLflow write).",
        table,
        f"Total per run: {1000 * total:.0f} ms ({runs} runs per repeat, seconds per run). What record logs: "
        f"{len(result.metrics)} final metrics, {len(job.params(config))} params, "
        f"{len(job.artifacts(config, prepared, result))} text artifacts, {summary}.",
    )


def parts(
    results: dict[str, Timings], record_calls: list[tuple[float, dict[str, float]]], runs: int, calls: dict
) -> dict[str, Timings]:
    """The create and end cases, with the record case cut into its Store calls and the rest of record's time."""
    methods = list(record_calls[-1][1])
    out = {"Store.start_run (the job's tags)": results["create"]}
    for name in methods:
        seconds = [spent.get(name, 0.0) / runs for _, spent in record_calls]
        out[f"Store.{name} (in record)"] = Timings(seconds, {"calls_per_run": calls[name]})
    outside = [(whole - sum(spent.values())) / runs for whole, spent in record_calls]
    out["bench.job.record outside the store (its payload)"] = Timings(outside)
    out["Store.end_run"] = results["end"]
    return out
