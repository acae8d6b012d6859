"""Group i: what one prediction costs a caller, and what a fit allocates. Each family's default pipeline is fitted
on one dataset as a job fits it, then ``bench.metrics.predict_latency_us`` (the figure every run records) is timed
on all of them in interleaved repeats; the MLP's single-row path is split into its parts; ``peak_memory_mb`` is
``bench.metrics.timed_fit``'s figure for a second fit (the first in a process also counts one-off allocations of
the libraries)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks.harness import Case, Group, Target, interleave, rows
from benchmarks.sizes import Sizes

TREE = "decision_tree"


def fitted_jobs(sizes: Sizes) -> tuple[dict[str, Any], dict[str, float]]:
    """Each model's job on ``sizes.latency_dataset`` (real configs), fitted twice, and its second fit's memory."""
    from hydra import compose, initialize_config_dir

    from bench import job, metrics
    from bench.config import CONFIG_DIR

    jobs, memory = {}, {}
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        for model in sizes.latency_models:
            cfg = compose("config", [f"dataset={sizes.latency_dataset}", f"model={model}"])
            prepared = job.prepare(cfg)
            for _ in range(2):
                _, peak_mb = metrics.timed_fit(lambda p=prepared: p.model.fit(p.X_train, p.y_train))
            jobs[model], memory[model] = prepared, peak_mb
    return jobs, memory


def latency_case(prepared: Any) -> Case:
    from bench import metrics

    def case() -> dict[str, Any]:
        return {"seconds": metrics.predict_latency_us(prepared.model, prepared.X_test) / 1e6}

    return case


def mlp_parts(prepared: Any) -> dict[str, Case]:
    """The MLP pipeline's single-row path in parts, each the median of ``LATENCY_ROWS`` calls as the figure is."""
    import torch
    from threadpoolctl import threadpool_limits

    from bench import metrics

    pipeline, rows_ = prepared.model, prepared.X_test[: metrics.LATENCY_ROWS]
    scaled = pipeline[:-1].transform(rows_).astype(np.float32)
    network = pipeline[-1].module_

    def median_us(call) -> Case:
        def case() -> dict[str, Any]:
            times = []
            with threadpool_limits(limits=1):
                for i in range(len(rows_)):
                    start = time.perf_counter()
                    call(i)
                    times.append(time.perf_counter() - start)
            return {"seconds": float(np.median(times))}

        return case

    def forward(i: int) -> None:
        with torch.inference_mode():
            network(torch.as_tensor(scaled[i : i + 1]))

    return {
        "mlp: the scaler's transform": median_us(lambda i: pipeline[:-1].transform(rows_[i : i + 1])),
        "mlp: MLPClassifier.predict (validation, forward, labels)": median_us(
            lambda i: pipeline[-1].predict(scaled[i : i + 1])
        ),
        "mlp: the network's forward pass alone": median_us(forward),
    }


def single_row_latency(sizes: Sizes) -> tuple[Group, Target]:
    """Every family's single-row latency against the tree's, side by side; the MLP's within 2x of the tree's."""
    jobs, memory = fitted_jobs(sizes)
    cases = {model: latency_case(prepared) for model, prepared in jobs.items()}
    cases |= mlp_parts(jobs["mlp"])
    results = interleave(cases, sizes.digits_repeats, warmup=True, label="latency")
    table = rows(results, TREE, dataset=sizes.latency_dataset)
    for row in table:
        row["median_us"] = 1e6 * row["median_s"]
        if row["case"] in jobs:
            row["peak_memory_mb"] = memory[row["case"]]
    mlp, tree = results["mlp"].median, results[TREE].median
    group = Group(
        f"i. Single-row latency and fit memory ({sizes.latency_dataset}, each family's default config)",
        "Baseline: the decision tree's single-row latency, measured in the same repeats.",
        table,
        "Latency: bench.metrics.predict_latency_us, the median over 10 single-row predictions of the whole "
        "pipeline (scaler and model) with the native thread pools at one thread, as every run records it. The "
        "mlp: rows split the MLP's figure into its parts. peak_memory_mb: bench.metrics.timed_fit's peak growth of "
        "allocated memory (glibc's heap and mapped blocks, sampled every 5 ms) during the second of two fits.",
    )
    target = Target(
        f"the MLP's single-row latency <= 2x the tree's ({sizes.latency_dataset})",
        f"{mlp / tree:.2f}x ({1e6 * mlp:.0f} µs vs {1e6 * tree:.0f} µs)",
        mlp <= 2 * tree,
    )
    return group, target
