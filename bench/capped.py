"""A job's fit under a hard cap (``+protocol.fit_timeout_s=S``): the pipeline is fitted in a worker process, which
is killed when the cap runs out, so that a fit taking far longer than its rivals ends as a recorded result
(``bench.outcome=timeout``) instead of a missing row. A scikit-learn fit cannot be stopped midway inside the
process that runs it; a process can.

The worker is a one-process loky executor (joblib's): it starts a fresh interpreter (a forked copy of a process
whose torch or BLAS thread pools are running can deadlock), and it starts one from anywhere, a joblib launcher's
own loky worker included, where the standard library's spawn context cannot (its child asks for the parent's
start method, 'loky', which only loky knows).
"""

from __future__ import annotations

import traceback
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from joblib.externals.loky import ProcessPoolExecutor
from joblib.externals.loky.process_executor import BrokenProcessPool

from bench import metrics, timing
from bench.config import one_line


class FitTimeout(Exception):
    """The fit ran past its cap and was killed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the fit ran past its {seconds:g} s cap (protocol.fit_timeout_s)")
        self.seconds = seconds


@timing.timed("fit")
def fit(model: Any, X: Any, y: Any, seconds: float) -> tuple[Any, float, float]:
    """``model`` fitted on ``X, y`` in a worker process, with its fit time and peak memory growth as
    ``metrics.timed_fit`` measures them there; raises ``FitTimeout`` after ``seconds``, and ``RuntimeError`` with the
    worker's message when the fit fails there."""
    executor = ProcessPoolExecutor(max_workers=1)
    try:
        outcome, *found = executor.submit(_fit_in_worker, model, X, y).result(timeout=seconds)
    except FutureTimeout:
        raise FitTimeout(seconds) from None
    except BrokenProcessPool as exc:
        raise RuntimeError(f"the fit's process died without a result: {one_line(exc)}") from None
    finally:
        executor.shutdown(wait=True, kill_workers=True)  # a fit past its cap is killed, not waited for
    if outcome == "error":
        raise RuntimeError(found[0])
    fitted, fit_time, peak_mb = found
    return fitted, fit_time, peak_mb


def _fit_in_worker(model: Any, X: Any, y: Any) -> tuple[Any, ...]:
    """The worker's one task: fit, then return the fitted pipeline or the error's one line (with the worker's
    traceback below it), so that the job records the fit's own error rather than the executor's."""
    from bench import process

    process.die_with_parent()  # a job killed with SIGKILL takes its capped fit with it
    try:
        if isinstance(model[-1], metrics.Diagnosed):
            model[-1].preload()  # a one-off import (torch) is not the model's fit time, as in the job's own process
        fit_time, peak_mb = metrics.timed_fit(lambda: model.fit(X, y))
    except Exception as exc:
        trace = traceback.format_exc()[-2000:]
        return ("error", f"in the capped fit's process: {one_line(exc)}\n{trace}")
    return ("ok", model, fit_time, peak_mb)
