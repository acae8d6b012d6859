"""1. A tracking server that dies mid-sweep: a short outage is waited out and the sweep finishes as if nothing had
happened; a server left down stops the sweep after ``tracking.timeout_s`` with one line naming the server and
listing what was not recorded; once the server is back the same command records exactly that."""

from __future__ import annotations

import time

import mlflow
import pytest
from faultkit import no_process_left, server_fixture, sweep, wait_for  # noqa: F401

pytestmark = pytest.mark.faults
JOBS = ["dataset=moons", "model=mlp", "seed=0,1,2,3,4,5", "model.max_epochs=40", "model.early_stopping=false"]


def command(server, timeout_s: int) -> list[str]:
    return [*JOBS, f"tracking.uri={server.url}", f"tracking.timeout_s={timeout_s}", "report.enabled=false"]


def test_a_short_outage_is_waited_out(server, tmp_path):
    running = sweep(*command(server, 60), cwd=tmp_path)
    wait_for(lambda: server.runs() >= 2, what="two recorded runs")
    server.kill()
    time.sleep(3)
    server.start()  # the same port and store, after a few seconds down
    out, err = running.communicate(timeout=300)
    assert running.returncode == 0, err[-2000:]
    assert "6 runs in " in out and ", 0 failed" in out
    assert server.runs() == 6 and server.runs("RUNNING") == 0


def test_a_server_left_down_stops_the_sweep_in_one_line_and_the_rerun_records_exactly_the_rest(server, tmp_path):
    running = sweep(*command(server, 5), cwd=tmp_path)
    wait_for(lambda: server.runs() >= 2, what="two recorded runs")
    server.kill()
    started = time.monotonic()
    out, err = running.communicate(timeout=120)
    assert running.returncode == 1 and time.monotonic() - started < 60
    [line] = [line for line in err.splitlines() if not line.startswith("waiting for the tracking server")]
    assert line.startswith(f"error: the tracking server at {server.url} did not answer for 5 s (tracking.timeout_s)")
    missing = line.split("): ", 1)[1].split(". The same command", 1)[0].split(", ")
    assert "Traceback" not in err and all(name.startswith("moons/mlp/seed=") for name in missing)

    server.start()
    recorded = server.runs()
    assert recorded + len(missing) == 6  # every run is either recorded or listed
    rerun = sweep(*command(server, 60), cwd=tmp_path)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err[-2000:]
    assert out.count("skipped, done in run") == recorded and out.count(" acc ") == len(missing)
    assert "interrupted run" in out  # the child being recorded and the sweep's parent, left RUNNING, are closed
    client = mlflow.MlflowClient(server.url)
    runs = client.search_runs(["0", *[e.experiment_id for e in client.search_experiments()]])
    assert {r.info.status for r in runs if "bench.run_key" in r.data.tags} <= {"FINISHED", "KILLED"}
    assert server.runs() == 6 and server.runs("RUNNING") == 0
