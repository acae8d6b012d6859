"""Everything bench sets for the whole process, in one place: library log levels and progress bars, the
environment defaults MLflow reads, SQLite's commit policy, and the garbage collector's policy between jobs.

``setup()`` is called by the command line and at the start of every job (a launcher's worker process runs only
the job), and by the trial workers of a parallel search; nothing else in bench changes process-wide state.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
from typing import Any

ENVIRONMENT = {
    # MLflow prints "View run ... at: <tracking URI>" for each run that ends on a server, password included; bench
    # prints its own line per job and the redacted URI once per sweep
    "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
    # a progress bar per artifact read (one per tuned run in a report) would bury the command's own lines
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
}
QUIET = ("alembic", "mlflow.store.db.utils")  # a store's creation and migrations log at INFO


def setup() -> None:
    """Set the process up for bench; calling it again changes nothing. A variable the user set is kept."""
    for key, value in ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # a line per trial would drown the sweep's own lines
    commit_without_disk_sync()


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
