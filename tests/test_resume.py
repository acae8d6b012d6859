"""A sweep killed mid-run resumes where it stopped: nothing lost, nothing counted twice, nothing left RUNNING."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from conftest import cli_env, run_cli

pytestmark = pytest.mark.slow
SWEEP = ["dataset=digits", "model=decision_tree,mlp_deep_sigmoid,knn", "seed=0", "report.enabled=false"]


def statuses(db) -> list[tuple[str, str]]:
    query = """select r.name, r.status from runs r join tags t on t.run_uuid = r.run_uuid
               where t.key = 'bench.run_key' order by r.start_time"""
    try:
        with sqlite3.connect(db) as connection:
            return connection.execute(query).fetchall()
    except sqlite3.OperationalError:  # the store is still being created
        return []


def start_and_stop_in_the_mlp_job(cwd, sig: int) -> subprocess.Popen:
    """Start the sweep and send ``sig`` to its process group while the MLP job trains."""
    db = cwd / "mlruns.db"
    sweep = subprocess.Popen(
        [sys.executable, "-m", "bench", *SWEEP],
        cwd=cwd,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while ("digits/mlp_deep_sigmoid/seed=0", "RUNNING") not in (statuses(db) if db.exists() else []):
        assert time.monotonic() < deadline and sweep.poll() is None, "the MLP job never started"
        time.sleep(0.05)
    os.killpg(sweep.pid, sig)
    sweep.wait(timeout=60)
    return sweep


def test_sigkill_then_rerun_completes_only_the_missing_jobs(tmp_path):
    db = tmp_path / "mlruns.db"
    start_and_stop_in_the_mlp_job(tmp_path, signal.SIGKILL)
    assert statuses(db) == [("digits/decision_tree/seed=0", "FINISHED"), ("digits/mlp_deep_sigmoid/seed=0", "RUNNING")]

    again = run_cli(*SWEEP, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "marked 2 interrupted runs KILLED" in again.stdout  # the job and its sweep's parent run
    assert again.stdout.count("skipped") == 1
    after = statuses(db)
    assert ("digits/mlp_deep_sigmoid/seed=0", "KILLED") in after
    finished = [name for name, status in after if status == "FINISHED"]
    assert sorted(finished) == ["digits/decision_tree/seed=0", "digits/knn/seed=0", "digits/mlp_deep_sigmoid/seed=0"]
    with sqlite3.connect(db) as connection:
        assert connection.execute("select count(*) from runs where status = 'RUNNING'").fetchone()[0] == 0


def test_ctrl_c_marks_the_current_run_killed_and_the_rerun_resumes(tmp_path):
    db = tmp_path / "mlruns.db"
    sweep = start_and_stop_in_the_mlp_job(tmp_path, signal.SIGINT)
    assert sweep.returncode == 130
    assert "interrupted: the current run is marked KILLED" in sweep.stderr.read()
    assert statuses(db) == [("digits/decision_tree/seed=0", "FINISHED"), ("digits/mlp_deep_sigmoid/seed=0", "KILLED")]
    with sqlite3.connect(db) as connection:
        assert connection.execute("select count(*) from runs where status = 'RUNNING'").fetchone()[0] == 0

    again = run_cli(*SWEEP, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "interrupted run" not in again.stdout and again.stdout.count("skipped") == 1
    assert sorted(name for name, status in statuses(db) if status == "FINISHED") == [
        "digits/decision_tree/seed=0",
        "digits/knn/seed=0",
        "digits/mlp_deep_sigmoid/seed=0",
    ]
