"""Group f: how long the command line takes to answer, whole process included."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.harness import Group, Target, interleave, rows
from benchmarks.sizes import Sizes
from benchmarks.subprocesses import command


def cli_latency(sizes: Sizes, tmp: Path) -> tuple[Group, list[Target]]:
    """Wall time of ``--help`` and of a bad override, against ``python -c pass``."""
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
