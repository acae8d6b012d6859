"""Group d: the same sweep through ``python -m bench`` with the basic and the joblib launcher, against what two
independent processes reach on this machine."""

from __future__ import annotations

import math
import statistics
import sys
from pathlib import Path

from bench.config import composer
from benchmarks.harness import Case, Group, Target, interleave, rows
from benchmarks.sizes import Sizes
from benchmarks.subprocesses import cli_env, command, side_by_side

CLI = [sys.executable, "-m", "bench"]
SETTINGS = ["report.enabled=false", "rerun=true"]
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
BASIC, JOBLIB = "basic launcher", "joblib, 2 workers, 1 thread each"
BOUND = "bound: 2 basic-launcher processes at once, half the jobs each"
LAUNCHERS = {  # case: (folder, overrides, environment)
    BASIC: ("basic", [], {}),
    JOBLIB: ("joblib", ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"], ONE_THREAD),
}


def sweep_cases(sizes: Sizes, tmp: Path, steady: dict[str, list[float]]) -> dict[str, Case]:
    """One case per launcher, and the bound: two sequential sweeps over half the jobs each, at once, each with
    its own store (no launcher can do better). Each appends its steady rate to ``steady[case]``."""
    cases = {}
    for name, (folder, extra_args, env) in LAUNCHERS.items():
        cwd = tmp / folder
        cwd.mkdir()  # the first repeat also creates the store (about 2 s): the median leaves it out
        run = command([*CLI, *sizes.cli_sweep, *SETTINGS, *extra_args], cwd, env=cli_env(**env))
        cases[name] = with_steady_rate(run, [cwd], steady.setdefault(name, []))
    halves = split_sweep(sizes.cli_sweep)
    side_dirs = [tmp / f"side_by_side_{i}" for i in range(len(halves))]
    for cwd in side_dirs:
        cwd.mkdir()
    halves_run = [
        command([*CLI, *half, *SETTINGS], cwd, env=cli_env(**ONE_THREAD))
        for half, cwd in zip(halves, side_dirs, strict=True)
    ]
    cases[BOUND] = with_steady_rate(side_by_side(halves_run), side_dirs, steady.setdefault(BOUND, []))
    return cases


def sweep_throughput(sizes: Sizes, tmp: Path) -> tuple[Group, Target]:
    with composer("perf") as compose:
        mlp = compose(["model=mlp"]).model
    steady: dict[str, list[float]] = {}
    results = interleave(sweep_cases(sizes, tmp, steady), sizes.sweep_repeats, label="sweep")
    jobs = math.prod(len(value.split("=", 1)[1].split(",")) for value in sizes.cli_sweep)
    table = rows(results, BASIC)
    for row in table:
        row["jobs"] = jobs
        row["jobs_per_s"] = jobs / row["median_s"]
        row["speed_up"] = 1 / row["ratio_vs_baseline"]
        row["steady_jobs_per_s"] = statistics.median(steady[row["case"]])
        row["steady_speed_up"] = row["steady_jobs_per_s"] / statistics.median(steady[BASIC])
    row_of = {row["case"]: row for row in table}
    basic, joblib, bound = row_of[BASIC], row_of[JOBLIB], row_of[BOUND]
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
        "between the first and the last job's end, from the runs' end times in MLflow. " + threads_note,
    )
    figure = (
        f"steady state {joblib['steady_speed_up']:.2f}x ({joblib['steady_jobs_per_s']:.2f} vs "
        f"{basic['steady_jobs_per_s']:.2f} jobs/s); whole command, start-up included, {joblib['speed_up']:.2f}x "
        f"({joblib['jobs_per_s']:.2f} vs {basic['jobs_per_s']:.2f} jobs/s); two independent processes, the "
        f"machine's bound, reach {bound['steady_speed_up']:.2f}x steady and {bound['speed_up']:.2f}x whole"
    )
    target = "joblib with 2 workers >= 1.8x the sequential sweep's throughput (steady state)"
    return group, Target(target, figure, joblib["steady_speed_up"] >= 1.8)


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
