"""5. Credentials reach the tracking server and nothing else: every file a sweep and its report write, on the
user's side and in the server's store and artifacts, and everything printed, is searched for them."""

from __future__ import annotations

from pathlib import Path

import pytest
from faultkit import Server, no_process_left, server_fixture, sweep  # noqa: F401

pytestmark = pytest.mark.faults

SECRET = "s3cret-Pa55-4d1c"
JOBS = ["dataset=iris", "model=knn", "seed=0,1", "tracking.experiment=creds"]


def holding(root: Path, secret: str) -> list[str]:
    """Files under ``root`` whose bytes contain ``secret`` (hidden files, logs and databases included)."""
    files = (p for p in sorted(root.rglob("*")) if p.is_file())
    return [str(p.relative_to(root)) for p in files if secret.encode() in p.read_bytes()]


@pytest.mark.parametrize(
    "route",
    [
        "override, joblib launcher",  # tracking.uri=http://user:password@host on the command line, jobs in workers
        "MLFLOW_TRACKING_URI",  # the same URI from the environment
        "MLFLOW_TRACKING_TOKEN",  # a bearer token beside a plain URI
    ],
)
def test_credentials_are_in_no_file_written_and_nothing_printed(route: str, server: Server, tmp_path: Path):
    with_password = server.url.replace("http://", f"http://alice:{SECRET}@")
    args, env = [*JOBS], {}
    if route.startswith("override"):
        args += [f"tracking.uri={with_password}", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]
    elif route == "MLFLOW_TRACKING_URI":
        env["MLFLOW_TRACKING_URI"] = with_password
    else:
        args += [f"tracking.uri={server.url}"]
        env["MLFLOW_TRACKING_TOKEN"] = SECRET
    ran = sweep(*args, cwd=tmp_path, env=env)
    out, err = ran.communicate(timeout=300)
    assert ran.returncode == 0, err[-2000:]
    assert server.runs() == 2
    assert "Traceback" not in err and SECRET not in out + err
    if "alice" in with_password and route != "MLFLOW_TRACKING_TOKEN":
        assert "alice:***@" in out  # the URI is shown, redacted

    uri = with_password if route != "MLFLOW_TRACKING_TOKEN" else server.url
    report = sweep("report", "--experiment", "creds", "--tracking-uri", uri, "--out", "r", cwd=tmp_path, env=env)
    out, err = report.communicate(timeout=300)
    assert report.returncode == 0 and SECRET not in out + err, err

    written = list(tmp_path.rglob("*"))
    assert any(p.name == "multirun.yaml" for p in written) and any(p.suffix == ".html" for p in written)
    assert holding(tmp_path, SECRET) == []  # the sweep's folders, Hydra's files, the reports
    server.stop()  # its store whole on disk
    assert holding(server.root, SECRET) == []  # the server's store: params, tags, artifacts
