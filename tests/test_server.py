"""A shared tracking server: a real ``mlflow server`` on 127.0.0.1, a sweep logging to it over HTTP, and the
report read back over HTTP."""

import mlflow
import pytest
from conftest import free_port, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(mlflow_server: str) -> str:
    return mlflow_server


def test_sweep_and_report_over_http(server, tmp_path):
    result = run_cli("experiment=quick", f"tracking.uri={server}", "report.enabled=false", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "mlruns.db").exists()  # nothing went to a local store
    client = mlflow.MlflowClient(server)
    runs = client.search_runs([client.get_experiment_by_name("quick").experiment_id])
    children = [r for r in runs if "bench.run_key" in r.data.tags]
    assert len(children) == 8 and {r.info.status for r in children} == {"FINISHED"}
    mlp = next(r for r in children if r.data.tags["bench.model"] == "mlp")
    assert {a.path for a in client.list_artifacts(mlp.info.run_id)} >= {"history.csv", "config.yaml"}

    report = run_cli("report", "--experiment", "quick", "--tracking-uri", server, "--out", "r", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    md = (tmp_path / "r" / "quick.md").read_text()
    assert "moons" in md and "mlp_loss.svg" in md  # an MLP history came back over HTTP for the loss plot


@pytest.mark.parametrize("command", [["report", "--tracking-uri"], ["experiment=quick"]], ids=["report", "sweep"])
def test_unreachable_server_is_one_clear_line(tmp_path, command):
    uri = f"http://127.0.0.1:{free_port()}"
    args = [*command, uri] if command[0] == "report" else [*command, f"tracking.uri={uri}"]
    result = run_cli(*args, cwd=tmp_path, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"error: cannot reach the MLflow tracking server at {uri}: [Errno 111] Connection refused\n"
