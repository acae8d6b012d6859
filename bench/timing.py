"""Where a job's time goes, timed at the boundaries of the functions a job calls, and only when asked for.

A benchmark sets ``BENCH_TIMINGS`` to a file; each job (``bench.job.run``) then appends one JSON line with its
wall-clock start and end and the seconds spent in each part: the functions marked ``@timed("fit")``,
``@timed("tracking")``, ... (an inner part's time counts for it alone, not for the part around it too). Unset, a
marked function costs one context-variable lookup more and nothing is written.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

TIMINGS_ENV = "BENCH_TIMINGS"
# the job being timed: its seconds per part, and a stack of the time inner parts took in each open one
_current: ContextVar[tuple[dict[str, float], list[float]] | None] = ContextVar("bench_timings", default=None)
F = TypeVar("F", bound=Callable[..., Any])


def timed(part: str) -> Callable[[F], F]:
    """Count the time a call of the decorated function takes as part ``part`` of the job being timed, if any."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            timing = _current.get()
            if timing is None:
                return function(*args, **kwargs)
            times, inner = timing
            inner.append(0.0)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                times[part] = times.get(part, 0.0) + elapsed - inner.pop()
                if inner:
                    inner[-1] += elapsed

        return wrapper  # type: ignore[return-value]

    return decorate


@contextlib.contextmanager
def job(facts: dict[str, Any]) -> Iterator[None]:
    """Time the parts of one job; on exit append its line to the ``BENCH_TIMINGS`` file, when that is set."""
    path = os.environ.get(TIMINGS_ENV)
    if not path:
        yield
        return
    times: dict[str, float] = {}
    token, started = _current.set((times, [])), time.time()
    try:
        yield
    finally:
        _current.reset(token)
        line = {**facts, "start": started, "end": time.time(), "parts": times}
        with open(path, "a") as f:  # one write per line: jobs in parallel processes do not interleave
            f.write(json.dumps(line) + "\n")
