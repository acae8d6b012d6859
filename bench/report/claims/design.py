"""The design a claim's runs came from, and whether they cover it.

Every claims sweep records ``design.suite`` (``claims``, or ``claims_quick``: the same sweeps on less data) and
``design.sweep`` on its runs. A sweep's grid is what its config asks of Hydra's sweeper
(``conf/experiment/<suite>/<sweep>.yaml``), each job split as its protocol says (k folds x repeats, or one). A judge
only rules on runs that fill every cell of that grid: a reduced sweep logged under the same experiment, a sweep
that did not run, or jobs that failed leave a cell empty, and the claim has no evidence.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from bench.report.format import counted

COLUMNS = {"model": "model_name", "dataset": "dataset_name", "seed": "seed"}  # other keys are params.<key>


@dataclass(frozen=True)
class Design:
    """One sweep of one suite: its grid (a swept key and its values, as text) and the runs each job makes."""

    suite: str
    sweep: str
    grid: tuple[tuple[str, tuple[str, ...]], ...]
    splits: int = 1

    @property
    def cells(self) -> int:
        return math.prod(len(values) for _, values in self.grid)


Designs = Callable[[str, str], "Design | None"]


@functools.lru_cache(maxsize=128)
def design_of(suite: str, sweep: str) -> Design | None:
    """The grid of ``conf/experiment/<suite>/<sweep>.yaml`` as Hydra's sweeper would expand it; None where no such
    config composes."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from bench.config import compose_anywhere

    try:
        cfg = compose_anywhere([f"experiment={suite}/{sweep}"], hydra=True)
    except Exception:  # a suite or sweep this version does not have
        return None
    parser = OverridesParser.create()
    grid = []
    for key, value in (cfg.hydra.sweeper.params or {}).items():
        override = parser.parse_override(f"{key}={value}")
        values = list(override.sweep_string_iterator()) if override.is_sweep_override() else [str(value)]
        grid.append((str(key), tuple(values)))
    protocol = cfg.get("protocol") or {}
    splits = int(protocol.get("folds") or 1) * int(protocol.get("repeats") or 1) if "folds" in protocol else 1
    return Design(suite, sweep, tuple(grid), splits)


def _column(runs: pd.DataFrame, key: str) -> pd.Series:
    column = COLUMNS.get(key, f"params.{key}")
    return runs[column].astype(str) if column in runs else pd.Series("", index=runs.index)


def missing(runs: pd.DataFrame, sweeps: tuple[str, ...], designs: Designs = design_of) -> str | None:
    """Why the claim's runs do not cover the grids of the design they record, in one sentence; None where they do.
    Only the number of distinct values of each swept key and of cells is compared, not the values' spelling."""
    if "params.design.suite" not in runs or runs["params.design.suite"].isna().all():
        return "its runs record no design (design.suite): run the claim's sweeps with this version"
    suites = sorted(runs["params.design.suite"].dropna().astype(str).unique())
    if len(suites) > 1:
        return f"its runs come from several designs ({', '.join(suites)}): report each in its own experiment"
    suite = suites[0]
    for sweep in sweeps:
        design = designs(suite, sweep)
        if design is None:
            return f"this version has no sweep {suite}/{sweep} to check its runs against"
        here = runs[_column(runs, "design.sweep").eq(sweep)]
        if here.empty:
            return f"the sweep {suite}/{sweep} has no finished runs: run experiment={suite}/{sweep}"
        keys = [key for key, _ in design.grid]
        columns = here.assign(**{f"_{k}": _column(here, k) for k in keys})
        cells = columns.groupby([f"_{k}" for k in keys]).size() if keys else pd.Series([len(here)])
        for key, values in design.grid:
            seen = _column(here, key).nunique()
            if seen < len(values):
                return (
                    f"{suite}/{sweep} has runs for {seen} of the {len(values)} values of {key} in its design: "
                    f"run experiment={suite}/{sweep}"
                )
        if len(cells) < design.cells:
            return (
                f"{suite}/{sweep} has runs in {len(cells)} of the {counted(design.cells, 'cell')} of its design: "
                f"run experiment={suite}/{sweep}"
            )
        short = int((cells < design.splits).sum())
        if short:
            return (
                f"{suite}/{sweep} has {counted(short, 'job')} with fewer than its {design.splits} splits: "
                f"run experiment={suite}/{sweep}"
            )
    return None
