"""A job's fit under a hard cap (``+protocol.fit_timeout_s=S``): the pipeline is fitted in a child process, which is
killed when the cap runs out, so that a fit taking far longer than its rivals ends as a recorded result
(``bench.outcome=timeout``) instead of a missing row. A scikit-learn fit cannot be stopped midway inside the
process that runs it; a process can.

The child is started with the "spawn" context: a forked copy of a process whose torch or BLAS thread pools are
running can deadlock. A spawned child imports only this module and what the pickled pipeline needs.
"""

from __future__ import annotations

import multiprocessing
import pickle
import traceback
from typing import Any

from bench import metrics
from bench.config import one_line

KILL_WAIT_S = 5.0  # how long a terminated child may take to exit before it is killed


class FitTimeout(Exception):
    """The fit ran past its cap and was killed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the fit ran past its {seconds:g} s cap (protocol.fit_timeout_s)")
        self.seconds = seconds


def fit(model: Any, X: Any, y: Any, seconds: float) -> tuple[Any, float, float]:
    """``model`` fitted on ``X, y`` in a child process, with its fit time and peak memory growth as
    ``metrics.timed_fit`` measures them there; raises ``FitTimeout`` after ``seconds``, and ``RuntimeError`` with the
    child's message when the fit fails there."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    # multiprocessing carries the pipeline and data to the child, and the child sends the fitted pipeline back
    # pickled by the standard pickler: multiprocessing's own, with torch's reducers, would share tensors through
    # file descriptors that die with the child before this process reads them. Not a daemon: a daemonic process may not start processes
    # of its own (joblib's workers)
    child = context.Process(target=_fit_in_child, args=(model, X, y, sender), name="bench-capped-fit")
    child.start()
    sender.close()  # the child holds the only sending end, so its death reads as the end of the pipe
    try:
        if not receiver.poll(seconds):
            raise FitTimeout(seconds)
        try:
            outcome, *found = receiver.recv()
        except EOFError:
            child.join(KILL_WAIT_S)
            raise RuntimeError(f"the fit's process died without a result (exit code {child.exitcode})") from None
    finally:
        receiver.close()
        _stop(child)
    if outcome == "error":
        raise RuntimeError(found[0])
    fitted, fit_time, peak_mb = found
    return fitted, fit_time, peak_mb


def _stop(child: Any) -> None:
    """Ask the child to exit, then make it."""
    if child.is_alive():
        child.terminate()
        child.join(KILL_WAIT_S)
    if child.is_alive():
        child.kill()
    child.join()
    child.close()


def _fit_in_child(model: Any, X: Any, y: Any, sender: Any) -> None:
    """The child's whole life: fit, then send back the fitted pipeline or the error's one line (with the child's
    traceback below it). The whole message is pickled before any of it is written, so a model that cannot be
    pickled is the child's error, not half a message."""
    try:
        if isinstance(model[-1], metrics.Diagnosed):
            model[-1].preload()  # a one-off import (torch) is not the model's fit time, as in the job's own process
        fit_time, peak_mb = metrics.timed_fit(lambda: model.fit(X, y))
        message = pickle.dumps(("ok", model, fit_time, peak_mb))
    except Exception as exc:
        trace = traceback.format_exc()[-2000:]
        message = pickle.dumps(("error", f"in the capped fit's process: {one_line(exc)}\n{trace}"))
    sender.send_bytes(message)
    sender.close()
