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
    with sqlite3.connect(db) as connection:
        return connection.execute(query).fetchall()


def test_sigkill_then_rerun_completes_only_the_missing_jobs(tmp_path):
    db = tmp_path / "mlruns.db"
    sweep = subprocess.Popen(
        [sys.executable, "-m", "bench", *SWEEP],
        cwd=tmp_path,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while ("digits/mlp_deep_sigmoid/seed=0", "RUNNING") not in (statuses(db) if db.exists() else []):
        assert time.monotonic() < deadline and sweep.poll() is None, "the MLP job never started"
        time.sleep(0.05)
    os.killpg(sweep.pid, signal.SIGKILL)
    sweep.wait()
    assert statuses(db) == [("digits/decision_tree/seed=0", "FINISHED"), ("digits/mlp_deep_sigmoid/seed=0", "RUNNING")]

    again = run_cli(*SWEEP, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "marked 2 interrupted run(s) KILLED" in again.stdout  # the job and its sweep's parent run
    assert again.stdout.count("skipped") == 1
    after = statuses(db)
    assert ("digits/mlp_deep_sigmoid/seed=0", "KILLED") in after
    finished = [name for name, status in after if status == "FINISHED"]
    assert sorted(finished) == ["digits/decision_tree/seed=0", "digits/knn/seed=0", "digits/mlp_deep_sigmoid/seed=0"]
    with sqlite3.connect(db) as connection:
        assert connection.execute("select count(*) from runs where status = 'RUNNING'").fetchone()[0] == 0
