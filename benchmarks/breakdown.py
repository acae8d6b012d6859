"""Group g: where a job's time goes in a real ``python -m bench`` sweep, from the parts ``bench.timing`` times at the
boundaries of the functions a job calls, and the share of the sweep's wall time that is the models' own work."""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import tracking
from bench.timing import TIMINGS_ENV
from benchmarks.harness import Group, Target, interleave, parts_table
from benchmarks.sizes import Sizes
from benchmarks.subprocesses import cli_env, command

MODEL_WORK = ("fit", "score")  # the models' own work (fits, and predictions with their metrics); the numerator
BETWEEN = "between jobs (Hydra: composition, job folder, logging set-up)"
START, END = "process start to the first job (imports, checks, parent run)", "last job to exit (report, parent run)"
OTHER = "in the job, outside the timed functions (config to dict, variants, artifacts' text, the job's line)"


def breakdown(lines: list[dict[str, Any]], started: float, ended: float) -> dict[str, float]:
    """Seconds per part of one sweep from its jobs' timing lines and the process's wall-clock start and end: every
    part summed over jobs, the time in jobs outside any timed function, between jobs, before the first and after
    the last. The parts add up to the wall time."""
    lines = sorted(lines, key=lambda line: line["start"])
    parts: dict[str, float] = {}
    for line in lines:
        for name, seconds in line["parts"].items():
            parts[name] = parts.get(name, 0.0) + seconds
    in_jobs = sum(line["end"] - line["start"] for line in lines)
    parts[OTHER] = in_jobs - sum(parts.values())
    parts[BETWEEN] = sum(b["start"] - a["end"] for a, b in zip(lines, lines[1:], strict=False))
    parts[START], parts[END] = lines[0]["start"] - started, ended - lines[-1]["end"]
    return parts


def job_breakdown(sizes: Sizes, tmp: Path) -> tuple[Group, Target]:
    """The default sweep (or ``sizes.tracking_sweep``), sequential, ``rerun=true`` into an existing store, reports
    written at the end as usual; the repeat with the median model-work share is shown."""
    uri = f"sqlite:///{tmp}/timings.db"
    tracking.Store(uri, "bench")  # an existing store, as on every sweep but the first
    timings_file = tmp / "timings.jsonl"
    argv = [sys.executable, "-m", "bench", *sizes.tracking_sweep, "rerun=true", f"tracking.uri={uri}"]
    argv += [f"report.out_dir={tmp / 'reports'}", f"hydra.sweep.dir={tmp}/multirun"]
    run_sweep = command(argv, tmp, env=cli_env(**{TIMINGS_ENV: str(timings_file)}))
    sweeps: list[dict[str, float]] = []
    jobs: list[int] = []

    def case() -> None:
        timings_file.unlink(missing_ok=True)
        started = time.time()
        run_sweep()
        lines = [json.loads(line) for line in timings_file.read_text().splitlines()]
        sweeps.append(breakdown(lines, started, time.time()))
        jobs.append(len(lines))

    interleave({"sweep": case}, sizes.sweep_repeats, label="job breakdown")
    walls = [sum(parts.values()) for parts in sweeps]
    work = [sum(parts.get(name, 0.0) for name in MODEL_WORK) for parts in sweeps]
    shares = [seconds / wall for seconds, wall in zip(work, walls, strict=True)]
    middle = sorted(range(len(shares)), key=shares.__getitem__)[len(shares) // 2]
    wall, n = walls[middle], jobs[middle]
    table = parts_table(sweeps, walls, middle)
    for row in table:
        row["ms_per_job"] = 1e3 * row["median_s"] / n
    share = shares[middle]
    sweep = " ".join(sizes.tracking_sweep) or "(the default sweep)"
    group = Group(
        f"g. Where a job's time goes: python -m bench rerun=true {sweep} ({n} jobs)",
        "Baseline: the sweep's wall time (process start to exit); ratio_vs_baseline is each part's share of it.",
        table,
        f"{sizes.sweep_repeats} repeats; the table shows the repeat with the median model-work share "
        f"({100 * share:.1f}%; all: {', '.join(f'{100 * x:.1f}%' for x in shares)}; median wall "
        f"{statistics.median(walls):.1f} s). Each part is summed over the sweep's jobs, timed at the boundaries of "
        "the functions a job calls (BENCH_TIMINGS): prepare (check, data, split, pipeline), fit and score (test, "
        "train, probability and validation predictions with their metrics) the models' own work, latency and "
        "size the cost measurements, tracking every call to the store. Parts nest without double counting.",
    )
    target = Target(
        "the models' fit and predict time >= 50% of a default-style sweep's wall time",
        f"{100 * share:.1f}% ({work[middle]:.1f} s of {wall:.1f} s, {n} jobs)",
        share >= 0.5,
    )
    return group, target
