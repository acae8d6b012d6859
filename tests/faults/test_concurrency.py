"""2. Sweeps that start at once on a new store, and a Hydra callback that fails."""

from __future__ import annotations

import fcntl
import sqlite3
from contextlib import closing

import mlflow
import psutil
import pytest
from conftest import run_main
from faultkit import no_process_left, sweep, wait_for  # noqa: F401

import bench.sweep

SMALL = ["dataset=iris,wine", "model=knn,decision_tree", "seed=0", "report.enabled=false"]


@pytest.mark.faults
def test_two_sweeps_started_at_once_on_a_new_store_both_finish_with_their_parents(tmp_path):
    first, second = sweep(*SMALL, cwd=tmp_path), sweep(*SMALL, cwd=tmp_path)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    for process, (out, err) in zip((first, second), outputs, strict=True):
        assert process.returncode == 0, err[-2000:]
        assert "Traceback" not in err and "already exists" not in out + err
    client = mlflow.MlflowClient(f"sqlite:///{tmp_path}/mlruns.db")
    runs = client.search_runs([client.get_experiment_by_name("bench").experiment_id])
    parents = [r for r in runs if r.data.tags.get("bench.sweep") == "true"]
    jobs = [r for r in runs if "bench.run_key" in r.data.tags]
    assert len(parents) == 2 and {p.info.status for p in parents} == {"FINISHED"}
    assert {r.info.status for r in jobs} == {"FINISHED"}
    assert {r.info.run_name for r in jobs} == {
        f"{d}/{m}/seed=0" for d in ("iris", "wine") for m in ("knn", "decision_tree")
    }
    assert {r.data.tags["mlflow.parentRunId"] for r in jobs} <= {p.info.run_id for p in parents}


@pytest.mark.faults
def test_a_sweep_checks_a_store_another_process_is_creating_once_it_is_created(tmp_path):
    db = tmp_path / "mlruns.db"
    with closing(sqlite3.connect(db)) as half:  # a store caught between two of its tables
        half.execute("create table experiments (experiment_id integer primary key, name varchar(256))")
    with open(tmp_path / "mlruns.db.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = sweep(*SMALL, cwd=tmp_path)

        def waiting() -> bool:
            assert started.poll() is None, started.communicate()[1][-2000:]
            return any(f.path == lock.name for f in psutil.Process(started.pid).open_files())

        wait_for(waiting, what="the sweep to wait for the store's creator")
        db.unlink()
        mlflow.MlflowClient(f"sqlite:///{db}").search_experiments()  # the creator finishes the store
        fcntl.flock(lock, fcntl.LOCK_UN)
    out, err = started.communicate(timeout=300)
    assert started.returncode == 0, err[-2000:]
    assert out.count(" acc ") == 4


def test_an_error_in_the_sweeps_callback_stops_the_command_in_one_line(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the store refused the sweep")

    monkeypatch.setattr(bench.sweep, "open_store", broken)
    done = run_main(*SMALL, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr == "error: the store refused the sweep\n"
    assert " acc " not in done.stdout  # no job ran without its sweep's parent run
