"""The process set-up: what it sets, that a second call changes nothing, and the garbage collector's policy."""

from __future__ import annotations

import gc
import logging
import os
import weakref

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench import process


def test_setup_sets_its_defaults_once_and_keeps_what_the_user_set(monkeypatch):
    monkeypatch.delenv("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", raising=False)
    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "true")  # the user's choice
    process.setup()
    process.setup()
    assert os.environ["MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"] == "true"
    assert os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] == "true"
    assert all(logging.getLogger(name).level == logging.WARNING for name in process.QUIET)
    assert event.contains(Engine, "connect", process._normal_sync)


def test_a_launcher_worker_replaced_by_loky_warns_nobody_and_other_warnings_still_show():
    import threading
    import warnings

    def manager() -> None:  # loky warns from its executor's manager thread, in the sweep's own process
        warnings.warn(f"{process.RESTARTED_WORKER}. This can be caused by a memory leak.", UserWarning, stacklevel=1)
        warnings.warn("a warning of the user's own", UserWarning, stacklevel=1)

    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        process.setup()
        thread = threading.Thread(target=manager)
        thread.start()
        thread.join()
    assert [str(w.message) for w in shown] == ["a warning of the user's own"]


def test_settle_memory_collects_old_garbage_and_freezes_the_living():
    class Node:
        pass

    garbage, alive = Node(), Node()
    garbage.me = garbage  # a reference cycle: only the cyclic collector frees it
    dead = weakref.ref(garbage)
    del garbage
    frozen_before = gc.get_freeze_count()
    process.settle_memory()
    assert dead() is None
    assert gc.get_freeze_count() > frozen_before  # what lives on (``alive`` among it) is out of later collections
    assert not any(o is alive for generation in range(3) for o in gc.get_objects(generation))


STATE = """
import gc, json, logging, os, sys
import optuna
from sqlalchemy import event
from sqlalchemy.engine import Engine

LIBRARIES_OWN = ("_MLFLOW_TELEMETRY_", "TORCHINDUCTOR_")  # set by MLflow and torch on first use, not by bench

def state():
    loggers = {n: logging.getLogger(n).level for n in sorted(logging.root.manager.loggerDict)}
    loggers = {n: level for n, level in loggers.items() if level != logging.NOTSET}  # a logger made is no setting
    env = {k: v for k, v in os.environ.items() if not k.startswith(LIBRARIES_OWN)}
    return {"env": env, "loggers": loggers, "optuna": optuna.logging.get_verbosity(),
            "argv": list(sys.argv), "gc": [gc.isenabled(), list(gc.get_threshold()), gc.get_freeze_count()],
            "engine_listeners": event.contains(Engine, "connect", lambda *a: None)}
"""


def test_importing_bench_and_building_its_objects_leave_the_process_as_the_libraries_left_it(tmp_path):
    """Only ``process.setup`` (which the CLI calls) changes process-wide settings: the libraries bench uses are
    imported and used first, so that what they set themselves on import is not counted."""
    script = (
        STATE
        + f"""
import mlflow, sklearn, torch, hydra, pandas
from mlflow.tracking import MlflowClient
MlflowClient("sqlite:///{tmp_path}/theirs.db").search_experiments()
before = state()
import bench.report, bench.job, bench.sweep, bench.tuning, bench.mlp, bench.datasets
from bench.tracking import open_store
open_store("sqlite:///{tmp_path}/ours.db", "e")
bench.mlp.MLPClassifier(max_epochs=1).fit([[0.0], [1.0]] * 4, [0, 1] * 4)
after = state()
changed = {{k: [before[k], after[k]] for k in before if before[k] != after[k]}}
print(json.dumps(changed))
"""
    )
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {}, found
