"""A shared tracking server: a real ``mlflow server`` on 127.0.0.1 (one for this file's tests), a sweep logging to
it over HTTP, the report read back over HTTP, and a password in its URI kept out of everything bench writes."""

from pathlib import Path

import mlflow
import pytest
from conftest import free_port, run_cli, run_main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(mlflow_server: str) -> str:
    return mlflow_server


def test_sweep_and_report_over_http(server, tmp_path):
    sweep = ["dataset=iris", "model=mlp,knn", "seed=0", "tracking.experiment=http"]
    result = run_cli(*sweep, f"tracking.uri={server}", "report.enabled=false", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "mlruns.db").exists()  # nothing went to a local store
    client = mlflow.MlflowClient(server)
    runs = client.search_runs([client.get_experiment_by_name("http").experiment_id])
    children = [r for r in runs if "bench.run_key" in r.data.tags]
    assert len(children) == 2 and {r.info.status for r in children} == {"FINISHED"}
    mlp = next(r for r in children if r.data.tags["bench.model"] == "mlp")
    assert {a.path for a in client.list_artifacts(mlp.info.run_id)} >= {"history.csv", "config.yaml"}

    report = run_main("report", "--experiment", "http", "--tracking-uri", server, "--out", "r", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    md = (tmp_path / "r" / "http.md").read_text()
    assert "iris" in md and "mlp_loss.svg" in md  # an MLP history came back over HTTP for the loss plot


@pytest.mark.parametrize("command", [["report", "--tracking-uri"], ["experiment=quick"]], ids=["report", "sweep"])
def test_unreachable_server_is_one_clear_line(tmp_path, command):
    uri = f"http://127.0.0.1:{free_port()}"
    args = [*command, uri] if command[0] == "report" else [*command, f"tracking.uri={uri}"]
    result = run_cli(*args, cwd=tmp_path, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"error: cannot reach the MLflow tracking server at {uri}: [Errno 111] Connection refused\n"


def test_a_password_in_the_tracking_uri_is_never_printed_logged_or_written(server: str, tmp_path: Path) -> None:
    secret = "s3cret-Pa55"
    uri = server.replace("http://", f"http://alice:{secret}@")
    result = run_main(
        "dataset=iris", "model=knn", "seed=0,1", f"tracking.uri={uri}", "tracking.experiment=creds", cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "alice:***@" in result.stdout  # the URI is shown, redacted
    report = run_main("report", "--experiment", "creds", "--tracking-uri", uri, "--out", "r", cwd=tmp_path)
    assert report.returncode == 0, report.stderr

    client = mlflow.MlflowClient(server)
    runs = client.search_runs([client.get_experiment_by_name("creds").experiment_id])
    assert len(runs) == 3  # two jobs and their sweep
    recorded = [result.stdout, result.stderr, report.stdout, report.stderr]
    for run in runs:
        recorded += [str(run.data.params), str(run.data.tags), str(run.inputs)]
        for artifact in client.list_artifacts(run.info.run_id):
            recorded.append(Path(client.download_artifacts(run.info.run_id, artifact.path, str(tmp_path))).read_text())
    recorded += [p.read_text(encoding="utf-8") for p in tmp_path.glob("**/*") if p.suffix in (".html", ".md", ".svg")]
    assert sum("config.yaml" in text or "tracking:" in text for text in recorded) >= 1  # the config was among them
    assert not [text for text in recorded if secret in text]
