"""``python -m benchmarks``: the arguments, the machine a run measures, the groups run in order, the files."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import environment
from benchmarks.breakdown import job_breakdown
from benchmarks.harness import Group, Target
from benchmarks.latency import cli_latency
from benchmarks.reference import mlp_reference
from benchmarks.reference import paths as reference_paths
from benchmarks.report_build import report_build
from benchmarks.search import tuning_throughput
from benchmarks.serving import single_row_latency
from benchmarks.sizes import FULL, GROUPS, MIN_REPEATS, OPTIONAL_GROUPS, QUICK, Sizes
from benchmarks.throughput import sweep_throughput
from benchmarks.tracking import tracking_overhead
from benchmarks.tracking_share import tracking_share
from benchmarks.training import matmul_peak, mlp_targets, mlp_training
from benchmarks.writer import write

# Imported before the first figure, so that one run measures one version of the code even if files change
# meanwhile (the command line itself runs in subprocesses, groups c3, d and f).
PROJECT_MODULES = ("bench.config", "bench.data", "bench.job", "bench.metrics", "bench.mlp", "bench.sweep")
PROJECT_PACKAGES = ("bench.tracking", "bench.report")
PACKAGES = ("numpy", "torch", "scikit-learn", "pandas", "mlflow", "hydra-core")


def machine() -> dict[str, Any]:
    """The machine, the software and the load a run's figures come from."""
    import torch
    from threadpoolctl import threadpool_info

    pools = ", ".join(f"{p['prefix']} ({p['internal_api']}) {p['num_threads']} threads" for p in threadpool_info())
    return {
        "cpu": environment.cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        **{name: environment.package_version(name) for name in PACKAGES},
        "torch_threads": torch.get_num_threads(),
        "native_thread_pools": pools,
        "platform": environment.platform_line(),
        "os": platform.platform(),
        "bench": environment.versions()["bench.version"],
        "git_commit": environment.versions()["bench.git_commit"],
        "load_average_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def import_project() -> None:
    for name in PROJECT_MODULES + PROJECT_PACKAGES:
        module = importlib.import_module(name)
        for sub in pkgutil.walk_packages(getattr(module, "__path__", []), f"{name}."):
            importlib.import_module(sub.name)


def run_groups(
    sizes: Sizes, tmp: Path, only: str, step: Callable[..., Any], out: Path
) -> tuple[list[Group], list[Target]]:
    """The groups named in ``only``, in the report's order; ``step(name, function, *args)`` times each. Group r
    writes its own files into ``out``."""
    groups: list[Group] = []
    targets: list[Target] = []
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
    if "g" in only:
        jobs, jobs_target = step("g job breakdown", job_breakdown, sizes, tmp / "breakdown")
        groups.append(jobs)
        targets.append(jobs_target)
    if "h" in only:
        tuned, tuned_targets = step("h tuning", tuning_throughput, sizes, tmp / "tuning")
        groups += tuned
        targets += tuned_targets
    if "i" in only:
        latency, latency_target = step("i single-row latency", single_row_latency, sizes)
        groups.append(latency)
        targets.append(latency_target)
    if "r" in only:
        reference, reference_targets = step("r MLP reference", mlp_reference, sizes, out)
        groups.append(reference)
        targets += reference_targets
    return groups, targets


def benchmark(sizes: Sizes, out: Path, only: str = GROUPS) -> tuple[Path, Path]:
    """Run the groups named in ``only`` (default: every group of the default run) at ``sizes``; write
    ``<out>/perf.md`` and ``<out>/perf.json``. Optional groups alone (``only="r"``) write their own files only,
    never a perf.md of theirs over the default run's; their paths are returned then."""
    started = time.perf_counter()
    import_project()
    info = machine()
    steps: dict[str, float] = {}

    def step(name: str, function: Callable[..., Any], *args: Any) -> Any:
        begin = time.perf_counter()
        try:
            return function(*args)
        finally:
            steps[name] = time.perf_counter() - begin

    with tempfile.TemporaryDirectory(prefix="bench-perf-") as scratch:
        tmp = Path(scratch)
        for name in ("tracking", "share", "sweep", "report", "cli", "breakdown", "tuning"):
            (tmp / name).mkdir()
        groups, targets = run_groups(sizes, tmp, only, step, out)
    info["load_average_at_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    info["wall_s_per_group"] = ", ".join(f"{name}: {seconds:.0f}" for name, seconds in steps.items())
    if not set(only) & set(GROUPS):
        return reference_paths(out)
    return write(out, sizes, info, groups, targets, time.perf_counter() - started)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run the performance benchmarks; write <out>/perf.md and <out>/perf.json.",
    )
    parser.add_argument("--quick", action="store_true", help="smaller problem sizes, about 3 minutes on 2 cores")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="output directory (default: reports)")
    parser.add_argument(
        "--repeats", type=int, default=MIN_REPEATS, help=f"repeats per figure, at least {MIN_REPEATS} (default)"
    )
    parser.add_argument(
        "--only",
        default=GROUPS,
        metavar="LETTERS",
        help=f"the groups to run, e.g. 'cd' (default: {GROUPS}; optional, only when named: {OPTIONAL_GROUPS})",
    )
    args = parser.parse_args(argv)
    if unknown := sorted(set(args.only) - set(GROUPS + OPTIONAL_GROUPS)):
        choose = GROUPS + OPTIONAL_GROUPS
        parser.error(f"unknown group(s) {', '.join(map(repr, unknown))} in --only {args.only!r}; choose from: {choose}")
    if args.repeats < MIN_REPEATS:
        parser.error(f"--repeats must be at least {MIN_REPEATS}; got {args.repeats}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sizes = replace(QUICK if args.quick else FULL, repeats=args.repeats)
    md_path, json_path = benchmark(sizes, args.out, args.only)
    print(f"perf: {md_path}\n      {json_path}")
    return 0
