"""The measuring harness: cases timed in interleaved repeats, their rows against a baseline, and the groups
(one table each) and targets a benchmark run reports.

Every figure is the median of interleaved repeats: repeat r runs every case of a group once, in a fixed order,
before repeat r+1, so slow drift and noisy neighbours hit all cases alike.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Case = Callable[[], "dict[str, Any] | None"]


@dataclass
class Timings:
    """Seconds of each repeat of one case, and the extra figures its last repeat returned."""

    seconds: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def interleave(cases: Mapping[str, Case], repeats: int, warmup: bool = False, label: str = "") -> dict[str, Timings]:
    """Run every case once per repeat, in the mapping's order, ``repeats`` times; time each call.

    A case returns ``None`` or a dict of extra figures (accuracy, query count, ...). A case that times only
    part of its work (a fit, not the scoring after it) returns that time as ``seconds``, which replaces the
    wall time of the call. ``warmup`` runs one untimed round first (imports, first-call allocations).
    """
    results = {name: Timings() for name in cases}
    for r in range(-1 if warmup else 0, repeats):
        progress(f"{label}: {'warm-up' if r < 0 else f'repeat {r + 1}/{repeats}'}")
        for name, case in cases.items():
            start = time.perf_counter()
            extra = dict(case() or {})
            elapsed = time.perf_counter() - start
            if r >= 0:
                results[name].seconds.append(float(extra.pop("seconds", elapsed)))
                results[name].extra = extra
    return results


def rows(results: Mapping[str, Timings], baseline: str | Mapping[str, str], **columns: Any) -> list[dict[str, Any]]:
    """One row per case: median seconds, every repeat, the ratio of medians against the case's baseline
    (below 1: faster than the baseline), the case's extra figures, and ``columns`` in front."""
    out = []
    for name, timings in results.items():
        base = results[baseline if isinstance(baseline, str) else baseline[name]]
        out.append(
            {
                **columns,
                "case": name,
                "median_s": timings.median,
                "ratio_vs_baseline": timings.median / base.median,
                **timings.extra,
                "repeats": timings.seconds,
            }
        )
    return out


def parts_table(
    parts: list[dict[str, float]], walls: list[float], shown: int, label: Callable[[str], str] = str
) -> list[dict[str, Any]]:
    """Rows of a whole sweep split into parts (seconds per part, one dict per repeat): the wall time first, then
    repeat ``shown``'s parts, largest first, each with its share of that repeat's wall time and every repeat's
    seconds."""
    wall = walls[shown]
    table = [{"case": "whole sweep (wall)", "median_s": wall, "ratio_vs_baseline": 1.0, "repeats": walls}]
    for name, seconds in sorted(parts[shown].items(), key=lambda item: -item[1]):
        table.append(
            {
                "case": label(name),
                "median_s": seconds,
                "ratio_vs_baseline": seconds / wall,
                "repeats": [other.get(name, 0.0) for other in parts],
            }
        )
    return table


def progress(message: str) -> None:
    """A line on a terminal only: CI logs and tests stay quiet."""
    if sys.stderr.isatty():
        print(f"[perf {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Group:
    """One table of the report: its rows, what the baseline is (one sentence) and a note."""

    title: str
    baseline: str
    rows: list[dict[str, Any]]
    note: str = ""


@dataclass
class Target:
    target: str
    figure: str
    met: bool
