"""Where a job's time goes: named phases timed on the real code path, written only when asked for.

``python -m bench perf`` sets ``BENCH_PHASES`` to a file; each job then appends one JSON line with its wall-clock
start and end and the seconds spent in each phase (``data``, ``fit``, ``tracking``, ...). Unset, ``phase()`` costs
a context-variable lookup and nothing is written.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

PHASES_ENV = "BENCH_PHASES"
# the job being timed: its seconds per phase, and a stack of the time inner phases took in each open one
_current: ContextVar[tuple[dict[str, float], list[float]] | None] = ContextVar("bench_phases", default=None)


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    """Add the time spent inside the block to phase ``name`` of the job being timed, if any. Phases nest: an
    inner phase's time counts for it alone, not for the phase around it too."""
    timing = _current.get()
    if timing is None:
        yield
        return
    times, inner = timing
    inner.append(0.0)
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        times[name] = times.get(name, 0.0) + elapsed - inner.pop()
        if inner:
            inner[-1] += elapsed


@contextlib.contextmanager
def job(facts: dict[str, Any]) -> Iterator[None]:
    """Time the phases of one job; on exit append its line to the ``BENCH_PHASES`` file, when that is set."""
    path = os.environ.get(PHASES_ENV)
    if not path:
        yield
        return
    times: dict[str, float] = {}
    token, started = _current.set((times, [])), time.time()
    try:
        yield
    finally:
        _current.reset(token)
        line = {**facts, "start": started, "end": time.time(), "phases": times}
        with open(path, "a") as f:  # one write per line: jobs in parallel processes do not interleave
            f.write(json.dumps(line) + "\n")
