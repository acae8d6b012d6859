"""Parallel jobs on one machine: the joblib launcher writes every run into one SQLite store, and a job gives the
same metrics whichever launcher ran it."""

import mlflow
import pytest
from conftest import run_cli, run_main

pytestmark = pytest.mark.slow
COMPARED = ("test_accuracy", "train_accuracy", "test_log_loss", "training/grad_ratio_first_last", "training/epochs_run")


def finished(cwd, experiment: str) -> dict[str, dict[str, float]]:
    client = mlflow.MlflowClient(f"sqlite:///{cwd}/mlruns.db")
    runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id], max_results=1000)
    return {r.info.run_name: r.data.metrics for r in runs if r.data.tags.get("bench.run_key")}


def test_parallel_jobs_give_every_run_and_the_same_metrics_as_in_sequence(tmp_path):
    sweep = ["dataset=iris,wine", "model=decision_tree,knn", "seed=0,1", "report.enabled=false"]
    parallel = run_cli(
        *sweep, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "tracking.experiment=par", cwd=tmp_path
    )
    assert parallel.returncode == 0, parallel.stderr
    assert "database is locked" not in parallel.stdout + parallel.stderr
    runs = finished(tmp_path, "par")
    assert len(runs) == 8

    mlp = ["dataset=moons", "model=mlp", "model.max_epochs=30", "seed=3", "report.enabled=false"]
    assert run_main(*mlp, "tracking.experiment=seq", cwd=tmp_path).returncode == 0  # the basic launcher, in-process
    assert run_cli(*mlp, "tracking.experiment=job", "hydra/launcher=joblib", cwd=tmp_path).returncode == 0
    sequential, joblib = finished(tmp_path, "seq"), finished(tmp_path, "job")
    assert set(sequential) == set(joblib) == {"moons/mlp/seed=3"}
    for name, metrics in sequential.items():
        assert {k: metrics.get(k) for k in COMPARED} == {k: joblib[name].get(k) for k in COMPARED}, name
