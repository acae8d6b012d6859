"""The run's two files: ``perf.json`` (every figure, every repeat) and ``perf.md`` (targets, machine, one table
per group)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.report import format
from benchmarks.harness import Group, Target
from benchmarks.sizes import Sizes


def write(
    out: Path, sizes: Sizes, info: dict[str, Any], groups: list[Group], targets: list[Target], wall: float
) -> tuple[Path, Path]:
    """Write ``<out>/perf.json`` and ``<out>/perf.md``; return their paths (Markdown first)."""
    out.mkdir(parents=True, exist_ok=True)
    document = {
        "mode": sizes.mode,
        "sizes": asdict(sizes),
        "wall_s": wall,
        "generated": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": info,
        "targets": [asdict(t) for t in targets],
        "groups": {g.title.split(".", 1)[0]: asdict(g) for g in groups},
    }
    json_path = out / "perf.json"
    json_path.write_text(json.dumps(document, indent=2, default=float) + "\n")
    md_path = out / "perf.md"
    md_path.write_text(markdown(sizes, info, groups, targets, wall))
    return md_path, json_path


def table_cell(value: Any) -> str:
    """One value of a perf table as Markdown; a target reads met or **not met**."""
    return format.cell(value, yes_no=("met", "**not met**"))


def table_md(records: list[dict[str, Any]]) -> str:
    """A pipe table, numbers to 3 significant digits, the list of every repeat's seconds last."""
    import pandas as pd

    frame = pd.DataFrame(records)
    if "repeats" in frame:
        frame = frame[[c for c in frame.columns if c != "repeats"] + ["repeats"]]
    return frame.map(table_cell).to_markdown(index=False)


def markdown(sizes: Sizes, info: dict[str, Any], groups: list[Group], targets: list[Target], wall: float) -> str:
    quick = sizes.mode == "quick"
    lines = [
        "# bench performance" + (" (quick run)" if quick else ""),
        "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M')} in {wall:.0f} s. Every time is the median of "
        f"{sizes.repeats} interleaved repeats (digits fits: {sizes.digits_repeats}; sweeps: "
        f"{sizes.sweep_repeats}); ratio_vs_baseline = median time / "
        "baseline median time, measured side by side in the same run (below 1: faster than the baseline).",
    ]
    if quick:
        lines += [
            "",
            f"**Quick run**: smaller problem sizes (make_classification with {sizes.classification_samples:,} samples, "
            f"report stores of {', '.join(f'{n:,}' for n in sizes.report_sizes)} runs, a smaller tracking sweep); the "
            "targets are evaluated on these smaller sizes and are not the full run's figures.",
        ]
    lines += ["", "## Targets", "", table_md([asdict(t) for t in targets]), "", "## Machine", ""]
    lines += [table_md([{"item": k, "value": v} for k, v in info.items()]), ""]
    for group in groups:
        lines += [f"## {group.title}", "", group.baseline, "", table_md(group.rows), ""]
        if group.note:
            lines += [group.note, ""]
    return "\n".join(lines)
