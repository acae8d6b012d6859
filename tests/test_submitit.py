"""SLURM through Hydra's submitit launcher: ``hydra/launcher=submitit_local`` runs a sweep's jobs as separate
processes by the same path ``hydra/launcher=submitit_slurm`` takes on a cluster, and every run lands under the
sweep's parent run with the basic launcher's metrics.

Needs the ``slurm`` extra (``make test-cluster`` installs it).
"""

from __future__ import annotations

import mlflow
import pytest
from conftest import require, run_cli
from test_launchers import COMPARED

pytestmark = pytest.mark.slow
SWEEP = ["dataset=moons,iris", "model=mlp,knn", "seed=2", "report.enabled=false"]


def jobs(cwd, experiment: str) -> tuple[list, list]:
    client = mlflow.MlflowClient(f"sqlite:///{cwd}/mlruns.db")
    runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id], max_results=1000)
    return [r for r in runs if "bench.run_key" in r.data.tags], [r for r in runs if "bench.sweep" in r.data.tags]


def test_submitit_sweep_lands_every_run_with_the_basic_launchers_metrics(tmp_path):
    require("hydra_plugins.hydra_submitit_launcher")
    result = run_cli(*SWEEP, "hydra/launcher=submitit_local", "tracking.experiment=submitit", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 runs in" in result.stdout and ", 0 failed" in result.stdout
    runs, [parent] = jobs(tmp_path, "submitit")
    assert len(runs) == 4 and {r.info.status for r in runs} == {"FINISHED"}
    assert {r.data.tags["mlflow.parentRunId"] for r in runs} == {parent.info.run_id}
    # each job ran in a process of its own, started by submitit
    assert len({r.data.tags["bench.pid"] for r in runs}) == 4
    assert len(list(tmp_path.glob("multirun/*/*/.submitit/*/*_log.out"))) == 4

    assert run_cli(*SWEEP, "tracking.experiment=basic", cwd=tmp_path).returncode == 0
    basic = {r.info.run_name: r.data.metrics for r in jobs(tmp_path, "basic")[0]}
    assert sorted(basic) == sorted(r.info.run_name for r in runs)
    for run in runs:
        assert {k: run.data.metrics.get(k) for k in COMPARED} == {k: basic[run.info.run_name].get(k) for k in COMPARED}
