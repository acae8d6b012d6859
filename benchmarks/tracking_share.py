"""Group c3: the share of a real sweep's wall time spent in ``bench.tracking.Store``, timed inside
``python -m bench`` itself (``timed_sweep``, the subprocess's entry point)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from bench import tracking
from benchmarks.harness import Group, Target, interleave, parts_table
from benchmarks.sizes import Sizes
from benchmarks.subprocesses import cli_env, command

SPENT_ENV = "BENCH_PERF_TIMED_OUT"  # the file the subprocess writes its seconds per Store method to
ENTRY = "from benchmarks.tracking_share import timed_sweep; timed_sweep()"
CONSTRUCTOR = "Store() (MLflow import, store opened)"


def timed_sweep() -> None:
    """``python -m bench OVERRIDE ...`` as a user runs it, with the time spent in ``bench.tracking.Store``
    (MLflow's import and every call to the store) summed per method and written as JSON to ``$SPENT_ENV``.
    Run as ``python -c "from benchmarks.tracking_share import timed_sweep; timed_sweep()" OVERRIDE ...``: the
    CLI runs as the ``python -m bench`` module does, and nothing here imports it."""
    import runpy

    from benchmarks.store_clock import CallClock, time_methods

    clock = CallClock()
    time_methods(tracking.Store, clock)
    try:
        runpy.run_module("bench", run_name="__main__", alter_sys=True)
    finally:
        Path(os.environ[SPENT_ENV]).write_text(json.dumps(clock.spent))


def tracking_share(sizes: Sizes, tmp: Path) -> tuple[Group, Target]:
    """The default sweep (or ``sizes.tracking_sweep``) with ``rerun=true`` into an existing store, reports
    written at the end as usual."""
    uri = f"sqlite:///{tmp}/share.db"
    tracking.Store(uri, "bench")  # an existing store, as on every sweep but the first (creating one migrates it: 1-2 s)
    spent_file = tmp / "spent.json"
    argv = [sys.executable, "-c", ENTRY, *sizes.tracking_sweep, "rerun=true", f"tracking.uri={uri}"]
    argv += [f"report.out_dir={tmp / 'reports'}", f"hydra.sweep.dir={tmp}/multirun"]
    run_sweep = command(argv, tmp, env=cli_env(**{SPENT_ENV: str(spent_file)}))
    spent: list[dict[str, float]] = []

    def case() -> None:
        run_sweep()
        spent.append(json.loads(spent_file.read_text()))

    wall = interleave({"sweep": case}, sizes.sweep_repeats, label="tracking share")["sweep"].seconds
    shares = [sum(calls.values()) / seconds for calls, seconds in zip(spent, wall, strict=True)]
    middle = sorted(range(len(shares)), key=shares.__getitem__)[len(shares) // 2]  # the repeat of median share
    table = parts_table(spent, wall, middle, lambda name: f"Store.{name}" if name != "__init__" else CONSTRUCTOR)
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
