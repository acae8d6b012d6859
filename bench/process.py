"""Everything bench sets for the whole process, in one place: library log levels, warnings and progress bars, the
environment defaults MLflow reads, SQLite's commit policy, and the garbage collector's policy between jobs.

``setup()`` is called by the command line and at the start of every job (a launcher's worker process runs only
the job), and by the trial workers of a parallel search; nothing else in bench changes process-wide state.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import os
import signal
import threading
import warnings
from collections.abc import Iterator
from typing import Any

ENVIRONMENT = {
    # each call to a tracking server fails fast, and the store waits for the server itself, saying so, for up to
    # tracking.timeout_s (MLflow's own retries would wait minutes per call, silently)
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "20",
    # MLflow prints "View run ... at: <tracking URI>" for each run that ends on a server, password included; bench
    # prints its own line per job and the redacted URI once per sweep
    "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
    # a progress bar per artifact read (one per tuned run in a report) would bury the command's own lines
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
}
QUIET = ("alembic", "mlflow.store.db.utils")  # a store's creation and migrations log at INFO
# loky replaces a worker of joblib's launcher whose memory grew past its threshold (torch's allocator keeps what a
# job freed) and warns of "a memory leak" in the middle of the sweep's lines; the job and the sweep go on unharmed
RESTARTED_WORKER = "A worker stopped while some jobs were given to the executor"


def setup() -> None:
    """Set the process up for bench; calling it again changes nothing. A variable the user set is kept."""
    for key, value in ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    import optuna

    # a line per trial would drown the sweep's own lines; a failed trial is a row of the run's trials.csv
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", message=RESTARTED_WORKER, category=UserWarning)
    commit_without_disk_sync()


def carry_credentials(argv: list[str]) -> list[str]:
    """A tracking URI with credentials (``http://user:password@host``, ``https://TOKEN@host``) given as an override
    moves into this process's environment, ``MLFLOW_TRACKING_URI``, which the config reads and every job started
    here inherits; the override is dropped. Hydra writes a sweep's overrides into its files, never the environment."""
    from bench.tracking import has_credentials

    kept = []
    for arg in argv:
        key, _, value = arg.partition("=")
        if key.lstrip("+") == "tracking.uri" and has_credentials(value):
            os.environ["MLFLOW_TRACKING_URI"] = value
        else:
            kept.append(arg)
    return kept


MEMORY_SHARE = 0.8  # without max_memory_gb, a job may take this share of the machine's memory


def memory_limit_bytes(max_memory_gb: float | None) -> float:
    """What a job may take: ``max_memory_gb``, or ``MEMORY_SHARE`` of the machine's memory."""
    if max_memory_gb is not None:
        return float(max_memory_gb) * 2**30
    import psutil

    return MEMORY_SHARE * psutil.virtual_memory().total


@contextlib.contextmanager
def memory_limit(max_memory_gb: float | None) -> Iterator[None]:
    """Within: the process may allocate ``max_memory_gb`` beyond what it holds (``RLIMIT_DATA``), so that a job
    that needs more fails with an allocation error, recorded as the job's, instead of taking the machine. The
    previous limit is restored on leaving. Where the platform has no such limit, nothing changes."""
    import resource

    if not hasattr(resource, "RLIMIT_DATA"):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    held = data_bytes()
    wanted = int(held + memory_limit_bytes(max_memory_gb))
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def data_bytes() -> float:
    """The process's data segment and private mappings (what ``RLIMIT_DATA`` counts), from /proc; 0 without it."""
    try:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmData:"))
    except (OSError, StopIteration):
        return 0.0
    return float(line.split()[1]) * 1024


def die_with_parent() -> None:
    """In a launcher's worker process (joblib's loky workers): end when the process that started it dies, as the
    sweep killed with SIGKILL does, instead of running its jobs on for nobody (Linux's ``PR_SET_PDEATHSIG``;
    elsewhere nothing changes)."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the call took effect
        os.kill(os.getpid(), signal.SIGKILL)


PR_SET_PDEATHSIG = 1  # prctl(2)


def _normal_sync(connection: Any, _record: Any) -> None:
    if type(connection).__module__.startswith("sqlite3"):
        connection.execute("PRAGMA synchronous=NORMAL")


def commit_without_disk_sync() -> None:
    """``PRAGMA synchronous=NORMAL`` on every SQLite connection this process opens (MLflow opens one per call).
    In WAL mode (``bench.tracking.store.write_ahead_log``) a commit then returns without waiting for the disk, a
    third of a small write's cost: a process that crashes loses nothing and the file stays sound; only a power
    cut can undo the latest commits."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _normal_sync):
        event.listen(Engine, "connect", _normal_sync)


def settle_memory() -> None:
    """Before a job: collect the garbage earlier jobs left, then move every object still alive (modules, the
    store, caches) out of the cyclic garbage collector's sight. With torch, scikit-learn and MLflow loaded, a
    process holds millions of objects, and each full collection walked them all: pauses of up to half a second,
    at moments such as a timed fit. New objects are collected as before. At exit the objects are handed back to
    the collector, so that what only it can free is finalized as before (the store's SQLite connections then
    close, which folds the write-ahead log into the database file)."""
    gc.collect()
    gc.freeze()
    atexit.unregister(gc.unfreeze)  # once, however many jobs
    atexit.register(gc.unfreeze)


class NotedInterrupts:
    """From creation until ``restore()``: a Ctrl-C (SIGINT) still raises KeyboardInterrupt, and is also noted in
    ``seen``. Library code may turn that KeyboardInterrupt into another exception (OmegaConf does when it arrives in
    the middle of building a config), and the job must still stop as interrupted, not go on as failed. Signal
    handlers belong to the main thread: elsewhere (a Ray actor's thread) nothing is installed."""

    def __init__(self) -> None:
        self.seen, self.previous = False, None
        current = signal.getsignal(signal.SIGINT)
        if threading.current_thread() is threading.main_thread() and callable(current):
            self.previous = signal.signal(signal.SIGINT, self._note)

    def _note(self, signum: int, frame: Any) -> None:
        self.seen = True
        self.previous(signum, frame)

    def restore(self) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
            self.previous = None
