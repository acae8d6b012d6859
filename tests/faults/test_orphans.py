"""6. A sweep killed with SIGKILL, its jobs in the joblib launcher's worker processes: no worker outlives it, the
runs it left RUNNING are closed by the next sweep, which records exactly what is missing."""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

import pytest
from faultkit import no_process_left, sweep, wait_for, working_in  # noqa: F401

pytestmark = pytest.mark.faults

JOBS = [
    "dataset=iris,wine,breast_cancer",
    "model=mlp",
    "seed=0,1",
    "model.max_epochs=150",
    "model.early_stopping=false",
    "hydra/launcher=joblib",
    "hydra.launcher.n_jobs=2",
    "report.enabled=false",
]
NAMES = {f"{d}/mlp/seed={s}" for d in ("iris", "wine", "breast_cancer") for s in (0, 1)}


def runs(cwd: Path) -> list[tuple[str, str]]:
    """Each job run's name and status."""
    if not (cwd / "mlruns.db").is_file():
        return []
    query = "select r.name, r.status from runs r join tags t on t.run_uuid = r.run_uuid where t.key = 'bench.run_key'"
    try:
        with sqlite3.connect(f"file:{cwd}/mlruns.db?mode=ro", uri=True) as connection:
            return connection.execute(query).fetchall()
    except sqlite3.OperationalError:  # the store's tables are not made yet
        return []


def test_a_killed_parallel_sweep_leaves_no_worker_and_its_rerun_closes_and_finishes_its_runs(tmp_path):
    running = sweep(*JOBS, cwd=tmp_path)
    # both workers busy: two runs started, at least one finished
    wait_for(lambda: len(runs(tmp_path)) >= 3, 240, "three runs to start")
    assert len(working_in(tmp_path)) >= 2  # the sweep and its workers
    os.kill(running.pid, signal.SIGKILL)  # the sweep's process alone, as the out-of-memory killer does
    running.communicate(timeout=60)
    wait_for(lambda: not working_in(tmp_path), 30, "the launcher's workers to end with the sweep")
    left = runs(tmp_path)
    assert "RUNNING" in {status for _, status in left}  # the killed jobs could not close their runs themselves

    rerun = sweep(*JOBS, cwd=tmp_path)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err[-2000:]
    after = runs(tmp_path)
    assert "RUNNING" not in {status for _, status in after}
    finished = [name for name, status in after if status == "FINISHED"]
    assert sorted(finished) == sorted(NAMES)  # each job recorded once: kept, or run again where it was cut off
    assert {name for name, status in left if status == "FINISHED"} <= set(finished)
