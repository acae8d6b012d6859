"""Group h: tuning at the scale equal-budget comparisons need. A tuned job's trials run in its own process (h1: the
trials' fit and score time against the search's wall time, per family), the MLP's losing trials are pruned (h2:
pruned against unpruned searches, same budget and seed), and ``protocol.n_jobs=2`` runs a job's trials in two
worker processes (h3: against two independent processes running one job each at once, this machine's bound).

Every search is a real tuned job: ``bench.job.prepare`` and ``bench.job.fit_and_score`` on the first outer fold of
a config composed from ``conf/``, and its figures are the metrics the job records on its run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.harness import Group, Target, progress
from benchmarks.sizes import Sizes

TUNED = ("protocol=tuned",)


def tuned_job(overrides: tuple[str, ...], tmp: str) -> dict[str, float]:
    """The tuning metrics of the first fold of the tuned job ``overrides`` (importable: worker processes run it)."""
    from hydra import compose, initialize_config_dir

    from bench import job
    from bench.config import CONFIG_DIR

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("config", [*TUNED, f"tracking.uri=sqlite:///{tmp}/h.db", *overrides])
    result = job.fit_and_score(job.prepare(cfg, fold=0))
    return {k: v for k, v in result.metrics.items() if k.startswith("tuning_")}


def quiet(model: str) -> tuple[str, ...]:
    return ("model.verbose=false",) if model.startswith("mlp") else ()


def work_share(sizes: Sizes, tmp: Path) -> tuple[list[dict[str, Any]], Target]:
    """h1: per family, the share of the search's wall time that is its trials' own fits and scores."""
    rows = []
    for model in sizes.tuning_models:
        progress(f"tuning: {model} on {sizes.tuning_dataset}")
        trials = f"protocol.n_trials={sizes.tuning_trials}"
        m = tuned_job((f"dataset={sizes.tuning_dataset}", f"model={model}", trials, *quiet(model)), str(tmp))
        rows.append(
            {
                "case": f"{model} on {sizes.tuning_dataset}",
                "median_s": m["tuning_time_s"],
                "ratio_vs_baseline": m["tuning_work_s"] / m["tuning_time_s"],
                "tuning_work_s": m["tuning_work_s"],
                "trials": m["tuning_trials"],
                "pruned": m["tuning_trials_pruned"],
            }
        )
    share = sum(r["tuning_work_s"] for r in rows) / sum(r["median_s"] for r in rows)
    lowest = min(rows, key=lambda r: r["ratio_vs_baseline"])
    target = Target(
        f"a tuned job's trials' fit and score >= 85% of its tuning wall time ({sizes.tuning_dataset}, "
        f"{sizes.tuning_trials} trials, every family)",
        f"{100 * share:.1f}% over the families ({sum(r['median_s'] for r in rows):.1f} s of search); lowest "
        f"{100 * lowest['ratio_vs_baseline']:.1f}% ({lowest['case']})",
        share >= 0.85 and lowest["ratio_vs_baseline"] >= 0.85,
    )
    return rows, target


def pruning(sizes: Sizes, tmp: Path) -> tuple[list[dict[str, Any]], list[Target]]:
    """h2: the MLP's search with each pruner against the unpruned one, same trials and seed; the pruned searches
    run right after the unpruned one, each dataset in turn."""
    rows, targets = [], []
    for data in sizes.pruning_datasets:
        dataset = " ".join(o.removeprefix("dataset=") for o in data)
        base = None
        for pruner in ("none", "median", "hyperband"):
            progress(f"tuning: mlp on {dataset}, pruner {pruner}")
            overrides = (*data, "model=mlp", f"protocol.n_trials={sizes.tuning_trials}")
            m = tuned_job((*overrides, f"protocol.pruner={pruner}", *quiet("mlp"), *sizes.pruning_extra), str(tmp))
            base = base or m
            rows.append(
                {
                    "case": f"mlp on {dataset}, pruner={pruner}",
                    "median_s": m["tuning_time_s"],
                    "ratio_vs_baseline": m["tuning_time_s"] / base["tuning_time_s"],
                    "best_val_accuracy": m["tuning_best_val_accuracy"],
                    "vs_unpruned_points": 100 * (m["tuning_best_val_accuracy"] - base["tuning_best_val_accuracy"]),
                    "trials": m["tuning_trials"],
                    "pruned": m["tuning_trials_pruned"],
                }
            )
        median = rows[-2]
        targets.append(
            Target(
                f"pruning (median) on {dataset}: best validation accuracy within 1 point of the unpruned search's "
                f"in <= 50% of its wall time",
                f"{100 * median['ratio_vs_baseline']:.0f}% of the time ({median['median_s']:.1f} s vs "
                f"{base['tuning_time_s']:.1f} s), {median['vs_unpruned_points']:+.1f} points "
                f"({median['best_val_accuracy']:.3f} vs {base['tuning_best_val_accuracy']:.3f}), "
                f"{median['pruned']:.0f} of {median['trials']:.0f} trials pruned",
                median["ratio_vs_baseline"] <= 0.5 and median["vs_unpruned_points"] >= -1,
            )
        )
    return rows, targets


def parallel_trials(sizes: Sizes, tmp: Path) -> tuple[list[dict[str, Any]], Target]:
    """h3: trials per second of one job at n_jobs=1 and at n_jobs=2, and of two independent processes running the
    n_jobs=1 job at once. Every trial does the same work (a fixed network, a fixed number of epochs, only weight
    decay and dropout searched), so that trials per second compare equal work."""
    from joblib import Parallel, delayed

    job = (f"dataset={sizes.tuning_dataset}", *sizes.parallel_job, f"protocol.n_trials={sizes.parallel_trials}")
    # the same loky workers protocol.n_jobs=2 then runs its trials in: imports and first fits outside the figures
    Parallel(n_jobs=2, backend="loky")(
        delayed(tuned_job)((*job[:-1], "protocol.n_trials=1"), str(tmp)) for _ in range(2)
    )

    def rate(m: dict[str, float]) -> float:
        return m["tuning_trials"] / m["tuning_time_s"]

    progress("tuning: n_jobs=1")
    one = tuned_job(job, str(tmp))
    progress("tuning: n_jobs=2")
    two = tuned_job((*job, "protocol.n_jobs=2"), str(tmp))
    progress("tuning: two independent processes")
    pair = Parallel(n_jobs=2, backend="loky")(delayed(tuned_job)(job, str(tmp)) for _ in range(2))
    rows = [
        {"case": "one job, protocol.n_jobs=1", "median_s": one["tuning_time_s"], "trials_per_s": rate(one)},
        {"case": "one job, protocol.n_jobs=2", "median_s": two["tuning_time_s"], "trials_per_s": rate(two)},
        {
            "case": "two independent processes at once, n_jobs=1 each",
            "median_s": max(m["tuning_time_s"] for m in pair),
            "trials_per_s": sum(rate(m) for m in pair),
        },
    ]
    for row in rows:
        row["ratio_vs_baseline"] = row["trials_per_s"] / rows[0]["trials_per_s"]
    share = rows[1]["trials_per_s"] / rows[2]["trials_per_s"]
    target = Target(
        "protocol.n_jobs=2 >= 90% of the trial throughput of two independent processes",
        f"{100 * share:.0f}% ({rows[1]['trials_per_s']:.2f} vs {rows[2]['trials_per_s']:.2f} trials/s; "
        f"n_jobs=1: {rows[0]['trials_per_s']:.2f})",
        share >= 0.9,
    )
    return rows, target


def tuning_throughput(sizes: Sizes, tmp: Path) -> tuple[list[Group], list[Target]]:
    """Groups h1-h3 and their targets. Each search runs once: a figure is one whole search (its accuracy does
    not vary between runs on CPU), and each target's margin is far larger than a search's run-to-run spread."""
    shares, share_target = work_share(sizes, tmp)
    pruned, pruning_targets = pruning(sizes, tmp)
    parallel, parallel_target = parallel_trials(sizes, tmp)
    for row in shares + pruned + parallel:
        row["repeats"] = [row["median_s"]]
    groups = [
        Group(
            f"h1. Trials in the job's process: {sizes.tuning_trials} trials on {sizes.tuning_dataset}, first fold",
            "Baseline: the search's wall time (tuning_time_s); ratio_vs_baseline is the trials' own fit and score "
            "time (tuning_work_s) over it.",
            shares,
            "The default protocol=tuned (median pruner, n_jobs=1). What is not trial work: the inner split, "
            "Optuna's sampling and bookkeeping, the summary of the trials.",
        ),
        Group(
            f"h2. Pruning the MLP's search ({sizes.tuning_trials} trials, seed 0, first fold)",
            "Baseline: the unpruned search (protocol.pruner=none) on the same dataset; ratio_vs_baseline is "
            "wall time over it.",
            pruned,
            "Each trial reports its validation accuracy (the MLP's own validation part inside the trial's "
            "training part) every epoch; the pruner stops it when it is losing. median: below the median of the "
            "finished trials at that epoch, once 5 trials finished, from epoch 5; hyperband: Optuna's Hyperband from 5 "
            "epochs, reduction factor 3. A pruned trial is never chosen.",
        ),
        Group(
            f"h3. Parallel trials: {' '.join(sizes.parallel_job)}, {sizes.parallel_trials} trials",
            "Baseline: the same job at protocol.n_jobs=1; ratio_vs_baseline is trials per second over its.",
            parallel,
            "Every trial does equal work (a 2x128 network, fixed epochs, weight decay and dropout searched). "
            "Two independent processes running a job each at once are the machine's bound for two workers. "
            "The worker processes are started and warmed up before the figures.",
        ),
    ]
    return groups, [share_target, *pruning_targets, parallel_target]
