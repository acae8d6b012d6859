"""Groups a0 (float32 matmul peak), a (MLP training against a minimal loop, the arithmetic floor and
scikit-learn) and b (the cost of the MLP's diagnostics): a and b come from the same interleaved fits."""

from __future__ import annotations

import math
import statistics
import time
from typing import Any

from benchmarks.harness import Case, Group, Target, Timings, interleave, rows
from benchmarks.sizes import Sizes
from benchmarks.trainers import Split, fitted, matmul_floor, minimal_loop, mlp_splits, ours, sklearn_mlp, threads

LOOP, FLOOR = "minimal torch loop", "arithmetic floor: the steps' matrix products alone"
OURS, OURS_DIAGNOSED = "bench MLP", "bench MLP, diagnostics=True"
SKLEARN, SKLEARN_1 = "sklearn MLPClassifier", "sklearn MLPClassifier, 1 BLAS thread"


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


def thread_counts(sizes: Sizes) -> tuple[int, dict[str, str]]:
    """The torch threads our MLP trains on (the minimal loop and the floor get as many, so that they differ from
    it by their loop only), and each case's threads as shown in the table."""
    import torch
    from threadpoolctl import threadpool_info

    torch_threads = ours(sizes, False)().get_params().get("n_threads") or torch.get_num_threads()
    blas = max((p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"), default=1)
    shown = dict.fromkeys((LOOP, FLOOR, OURS, OURS_DIAGNOSED), f"torch {torch_threads}")
    return torch_threads, shown | {SKLEARN: f"BLAS {blas}", SKLEARN_1: "BLAS 1"}


def training_cases(sizes: Sizes, data: Split, torch_threads: int) -> dict[str, Case]:
    cases = {
        LOOP: lambda: minimal_loop(data, sizes.epochs, torch_threads),
        FLOOR: lambda: matmul_floor(data, sizes.epochs, torch_threads),
        OURS: fitted(ours(sizes, False), data),
        OURS_DIAGNOSED: fitted(ours(sizes, True), data),
        SKLEARN: fitted(sklearn_mlp(sizes), data),
        SKLEARN_1: fitted(sklearn_mlp(sizes), data, blas_threads=1),
    }
    if not sizes.sklearn_default_blas:
        del cases[SKLEARN]
    return cases


def training_rows(sizes: Sizes, data: Split, results: dict[str, Timings], peak_1thread: float) -> list[dict]:
    """Group a's rows of one dataset: every trainer but the diagnosed MLP, with its arithmetic rate."""
    n_train, n_features = data.X_train.shape
    params = (n_features + 1) * 128 + 129 * 128 + 129 * data.n_classes
    sklearn_s = min(t.median for name, t in results.items() if name.startswith("sklearn"))
    table = rows({k: v for k, v in results.items() if k != OURS_DIAGNOSED}, LOOP, dataset=data.name)
    for row in table:
        row["steps"] = sizes.epochs * math.ceil(n_train / 128)
        row["ratio_vs_sklearn"] = row["median_s"] / sklearn_s
        row["gflops"] = 6 * params * n_train * sizes.epochs / row["median_s"] / 1e9
        row["pct_of_1thread_peak"] = 100 * row["gflops"] / peak_1thread
    return table


def diagnostics_rows(data: Split, results: dict[str, Timings]) -> list[dict]:
    """Group b's rows of one dataset: the MLP without and with diagnostics."""
    pair = {k: results[k] for k in (OURS, OURS_DIAGNOSED)}
    table = rows(pair, OURS, dataset=data.name)
    off = pair[OURS].seconds
    for row, timings in zip(table, pair.values(), strict=True):
        # each repeat fits both back to back: the median of their ratios cancels the drift between repeats
        row["paired_ratio"] = statistics.median(t / base for t, base in zip(timings.seconds, off, strict=True))
    return table


def mlp_training(sizes: Sizes, peak_1thread: float) -> tuple[Group, Group]:
    """Groups a and b: one interleaved measurement per dataset, shown as two tables."""
    torch_threads, shown = thread_counts(sizes)
    training, diagnostics = [], []
    splits = mlp_splits(sizes)
    for data in splits:
        repeats = sizes.digits_repeats if data.name == "digits" else sizes.repeats
        # one warm-up round (torch's first fit in a process costs about a second more) before the first set only
        cases = training_cases(sizes, data, torch_threads)
        results = interleave(cases, repeats, warmup=data is splits[0], label=f"mlp {data.name}")
        for name, timings in results.items():
            timings.extra["threads"] = shown[name]
        training += training_rows(sizes, data, results, peak_1thread)
        diagnostics += diagnostics_rows(data, results)
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


def mlp_targets(training: Group, diagnostics: Group, quick: bool) -> list[Target]:
    big = next(r["dataset"] for r in training.rows if r["dataset"] != "digits")
    row = {(r["dataset"], r["case"]): r for r in diagnostics.rows + training.rows}  # training's "bench MLP" row
    mlp, floor = row[big, OURS], row[big, FLOOR]
    sklearn = [r for r in training.rows if r["dataset"] == big and r["case"].startswith("sklearn")]
    strongest = min(sklearn, key=lambda r: r["median_s"])
    speed_up = strongest["median_s"] / mlp["median_s"]
    accuracy_gap = abs(mlp["test_accuracy"] - strongest["test_accuracy"])
    vs_loop = 1 / mlp["ratio_vs_baseline"]
    on = f" on {big}" + (" (quick run: smaller set)" if quick else "")
    each = ", ".join(f"{r['threads']}: {r['median_s'] / mlp['median_s']:.2f}x" for r in sklearn)
    floor_share = floor["median_s"] / mlp["median_s"]  # of our time, the part no trainer on these threads avoids
    beyond_us = 1e6 * (mlp["median_s"] - floor["median_s"]) / floor["steps"]
    targets = [
        Target(
            f"MLP trainer ahead of sklearn's MLPClassifier on the same work{on} (>= 1.0x), test accuracy within "
            f"1 point; its share of the matrix-product floor reported",
            f"{speed_up:.2f}x vs the faster sklearn configuration ({each}); accuracy {mlp['test_accuracy']:.4f} vs "
            f"{strongest['test_accuracy']:.4f}; the steps' matrix products alone take {floor['median_s']:.2f} s, "
            f"{100 * floor_share:.0f}% of our trainer's time ({beyond_us:.0f} µs a step beyond them)",
            speed_up >= 1.0 and accuracy_gap <= 0.01,
        ),
        Target(f"trainer >= 1.0x the minimal loop, diagnostics off{on}", f"{vs_loop:.2f}x", vs_loop >= 1.0),
    ]
    for dataset, limit in ((big, 5), ("digits", 10)):
        extra = 100 * (row[dataset, OURS_DIAGNOSED]["paired_ratio"] - 1)
        targets.append(Target(f"diagnostics add <= {limit}% on {dataset}", f"{extra:+.1f}%", extra <= limit))
    pct = mlp["pct_of_1thread_peak"]
    targets.append(
        Target(f">= 25% of the 1-thread matmul peak{on}", f"{pct:.0f}% ({mlp['gflops']:.1f} GFLOP/s)", pct >= 25)
    )
    return targets
