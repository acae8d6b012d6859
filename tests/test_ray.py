"""A sweep on a Ray cluster: a real Ray head on 127.0.0.1, jobs sent through ``hydra/launcher=ray``, runs logged to
a real ``mlflow server``, and the same metrics as the basic launcher gives.

Needs the ``ray`` extra (``pip install -e '.[dev,ray]' -c requirements-ray.lock``; ``make test-cluster``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import mlflow
import pytest
from conftest import REPO, cli_env, free_port, require
from test_launchers import COMPARED

pytestmark = pytest.mark.slow
require("ray", "hydra_plugins.hydra_ray_launcher", module_level=True)
SWEEP = ["dataset=moons,iris", "model=mlp,knn", "seed=3", "report.enabled=false"]


def ray_env() -> dict[str, str]:
    env = cli_env()
    env.update(
        RAY_USAGE_STATS_ENABLED="0",
        # on Linux Ray swaps 127.0.0.1 for the machine's network address; this keeps every Ray socket on loopback
        RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0",
        # Ray's workers import bench from this checkout, as the driver does
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p),
    )
    return env


@pytest.fixture(scope="module")
def ray_head(tmp_path_factory) -> Iterator[str]:
    """``ray start --head --block`` on 127.0.0.1 in its own process group; yields the address to connect to.

    The finalizer ends that process group rather than calling ``ray stop``, which would also stop any other Ray
    cluster on this machine."""
    require("ray", "hydra_plugins.hydra_ray_launcher")
    root = tmp_path_factory.mktemp("ray")
    port = free_port()
    log = (root / "head.log").open("w")
    ray = os.path.join(os.path.dirname(sys.executable), "ray")
    head = subprocess.Popen(
        [
            ray,
            "start",
            "--head",
            "--block",
            "--node-ip-address=127.0.0.1",
            f"--port={port}",
            "--num-cpus=2",
            "--include-dashboard=false",
            "--disable-usage-stats",
            f"--temp-dir={root / 't'}",
        ],
        cwd=root,
        env=ray_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while "Ray runtime started" not in (root / "head.log").read_text():
            if head.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Ray head did not start: {(root / 'head.log').read_text()[-2000:]}")
            time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait(timeout=30)
        log.close()


def sweep(*args: str, cwd, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=cwd,
        env=ray_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def jobs(uri: str, experiment: str) -> tuple[list, list]:
    """The experiment's job runs and sweep runs."""
    client = mlflow.MlflowClient(uri)
    runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id], max_results=1000)
    return [r for r in runs if "bench.run_key" in r.data.tags], [r for r in runs if "bench.sweep" in r.data.tags]


def test_sweep_on_a_ray_cluster_lands_every_run_with_the_basic_launchers_metrics(ray_head, mlflow_server, tmp_path):
    launcher = ["hydra/launcher=ray", f"hydra.launcher.ray.init.address={ray_head}"]
    on_ray = sweep(*SWEEP, *launcher, f"tracking.uri={mlflow_server}", "tracking.experiment=ray", cwd=tmp_path)
    assert on_ray.returncode == 0, on_ray.stdout + on_ray.stderr
    assert "4 runs in" in on_ray.stdout and ", 0 failed" in on_ray.stdout
    assert "(_run_job pid=" in on_ray.stdout + on_ray.stderr  # the jobs ran in Ray workers, not in the driver
    assert not (tmp_path / "mlruns.db").exists()

    ray_runs, [parent] = jobs(mlflow_server, "ray")
    assert len(ray_runs) == 4 and {r.info.status for r in ray_runs} == {"FINISHED"}
    # the sweep's parent run reached the workers, which do not inherit the driver's environment
    assert {r.data.tags["mlflow.parentRunId"] for r in ray_runs} == {parent.info.run_id}
    assert parent.info.status == "FINISHED"

    basic = sweep(*SWEEP, f"tracking.uri={mlflow_server}", "tracking.experiment=basic", cwd=tmp_path)
    assert basic.returncode == 0, basic.stdout + basic.stderr
    basic_runs, _ = jobs(mlflow_server, "basic")
    by_name = {r.info.run_name: r for r in basic_runs}
    assert sorted(by_name) == sorted(r.info.run_name for r in ray_runs)
    for run in ray_runs:
        twin = by_name[run.info.run_name]
        assert run.data.tags["bench.run_key"] == twin.data.tags["bench.run_key"]
        assert {k: run.data.metrics.get(k) for k in COMPARED} == {k: twin.data.metrics.get(k) for k in COMPARED}


def test_a_tuned_sweep_on_a_ray_cluster_runs_every_trial_in_its_job(ray_head, mlflow_server, tmp_path):
    """protocol=tuned through Ray: each job's trials run inside its Ray worker, with the basic launcher's results."""
    tuned = ["dataset=moons", "model=svm,mlp", "seed=1", "protocol=tuned", "protocol.folds=2"]
    tuned += ["protocol.n_trials=3", "report.enabled=false", f"tracking.uri={mlflow_server}"]
    launcher = ["hydra/launcher=ray", f"hydra.launcher.ray.init.address={ray_head}"]
    on_ray = sweep(*tuned, *launcher, "tracking.experiment=ray_tuned", cwd=tmp_path)
    assert on_ray.returncode == 0, on_ray.stdout + on_ray.stderr
    assert "(_run_job pid=" in on_ray.stdout + on_ray.stderr
    ray_runs, _ = jobs(mlflow_server, "ray_tuned")
    assert len(ray_runs) == 4 and {r.info.status for r in ray_runs} == {"FINISHED"}  # 2 models x 2 folds
    assert {r.data.metrics["tuning_trials"] for r in ray_runs} == {4.0}  # the default config and 3 trials
    basic = sweep(*tuned, "tracking.experiment=basic_tuned", cwd=tmp_path)
    assert basic.returncode == 0, basic.stdout + basic.stderr
    by_name = {r.info.run_name: r for r in jobs(mlflow_server, "basic_tuned")[0]}
    for run in ray_runs:
        twin = by_name[run.info.run_name]
        assert run.data.params == twin.data.params  # the same configs chosen, tuned.* params included
        assert {k: run.data.metrics.get(k) for k in COMPARED} == {k: twin.data.metrics.get(k) for k in COMPARED}
