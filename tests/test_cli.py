"""The real command line, end to end, in a temporary directory."""

import sqlite3
from pathlib import Path

import mlflow
import pytest
from conftest import run_cli, run_main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quick_sweep(tmp_path_factory):
    """``python -m bench experiment=quick``: 2 datasets x 4 models x 1 seed, then the same command again."""
    cwd = tmp_path_factory.mktemp("sweep")
    first = run_cli("experiment=quick", cwd=cwd)  # a real process, as a user runs it
    second = run_main("experiment=quick", cwd=cwd)
    return cwd, first, second


@pytest.fixture(scope="module")
def wider_sweep(quick_sweep):
    """The quick sweep over a second seed: half its runs are recorded already."""
    cwd = quick_sweep[0]
    return cwd, run_main("experiment=quick", "seed=0,1", "report.enabled=false", cwd=cwd)


def child_runs(cwd):
    client = mlflow.MlflowClient(f"sqlite:///{cwd}/mlruns.db")
    exp = client.get_experiment_by_name("quick")
    runs = client.search_runs([exp.experiment_id], max_results=1000)
    return (
        client,
        [r for r in runs if "bench.run_key" in r.data.tags],
        [r for r in runs if "bench.sweep" in r.data.tags],
    )


def test_sweep_records_every_job_under_a_parent(quick_sweep):
    cwd, first, _ = quick_sweep
    assert first.returncode == 0, first.stderr
    client, children, parents = child_runs(cwd)
    assert len(children) == 8 and len(parents) == 1  # the second command ran nothing, and made no parent
    assert {r.info.status for r in children} == {"FINISHED"}
    parent_ids = {p.info.run_id for p in parents}
    assert {r.data.tags["mlflow.parentRunId"] for r in children} <= parent_ids
    assert {(r.data.tags["bench.dataset"], r.data.tags["bench.model"]) for r in children} == {
        (d, m) for d in ("iris", "moons") for m in ("mlp", "decision_tree", "svm", "knn")
    }
    [mlp] = [r for r in children if r.data.tags["bench.model"] == "mlp" and r.data.tags["bench.dataset"] == "moons"]
    assert (
        len(client.get_metric_history(mlp.info.run_id, "training/val_accuracy"))
        == mlp.data.metrics["training/epochs_run"]
    )


def test_a_sweep_and_its_reports_print_nothing_on_stderr(quick_sweep):
    # stderr is for errors: a library's warning there (a mean of an empty slice, a deprecation) reads as one. The
    # sweep wrote the report of 2 datasets x 4 families (leaderboards, statistics across datasets, figures), and
    # the report command writes it again, each in a real process
    cwd, first, _ = quick_sweep
    assert first.returncode == 0 and first.stderr == "", first.stderr
    again = run_cli("report", "--experiment", "quick", "--out", "again", cwd=cwd)
    assert again.returncode == 0 and again.stderr == "", again.stderr
    assert "## Statistical comparison across datasets" in (cwd / "again" / "quick.md").read_text()


def test_sweep_prints_one_line_per_job_and_where_things_are(quick_sweep):
    cwd, first, _ = quick_sweep
    lines = first.stdout.splitlines()
    jobs = [line for line in lines if line.startswith("[")]
    assert [line[:5] for line in jobs] == [f"[{i}/8]" for i in range(1, 9)]
    assert all("acc " in line for line in jobs)
    assert f" -m bench ui --tracking-uri sqlite:///{cwd}/mlruns.db --experiment quick" in first.stdout
    assert str(cwd / "reports" / "quick.html") in first.stdout
    assert "\r" not in first.stderr  # no progress bar when not on a terminal


def test_rerunning_the_sweep_runs_nothing_and_says_so(quick_sweep):
    cwd, _, second = quick_sweep
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("nothing to run: all 8 runs of this sweep are recorded in experiment 'quick'")
    assert "reports: " in second.stdout and "compare: " in second.stdout
    _, children, _ = child_runs(cwd)
    assert len(children) == 8


def test_a_sweep_that_reuses_runs_counts_them_and_its_leaderboard_covers_them(wider_sweep):
    cwd, done = wider_sweep
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("skipped, done in run") == 8
    assert "8 runs in " in done.stdout and "; 8 runs reused from earlier sweeps" in done.stdout
    client, children, parents = child_runs(cwd)
    [parent] = [p for p in parents if p.data.params["sweep.command"].endswith("seed=0,1 report.enabled=false")]
    assert parent.data.metrics["runs_made"] == 8 and parent.data.metrics["runs_reused"] == 8
    assert parent.data.metrics["runs_planned"] == 16 and parent.data.params["sweep.jobs"] == "16"
    board = client.download_artifacts(parent.info.run_id, "leaderboard.csv", str(cwd))
    rows = Path(board).read_text().splitlines()
    assert rows[0] == "dataset,decision_tree,knn,mlp,svm" and [r.split(",")[0] for r in rows[1:]] == ["iris", "moons"]


def test_reports_are_written_from_the_store(quick_sweep):
    cwd, _, _ = quick_sweep
    html = (cwd / "reports" / "quick.html").read_text()
    md = (cwd / "reports" / "quick.md").read_text()
    for section in ("Leaderboard", "Cost", "Overfitting", "Gradient flow", "Failures"):
        assert section in html and section in md
    for name in ("iris", "moons", "mlp", "decision_tree", "svm", "knn"):
        assert name in md
    assert "No failures." in md


def test_report_command_rebuilds_into_another_directory(quick_sweep):
    cwd, _, _ = quick_sweep
    result = run_cli(
        "report", "--experiment", "quick", "--out", "elsewhere", "--filter", "tags.`bench.model` = 'svm'", cwd=cwd
    )
    assert result.returncode == 0 and result.stderr == ""  # no warning printed
    md = (cwd / "elsewhere" / "quick.md").read_text()
    assert "svm" in md and "decision_tree" not in md
    assert "matching \"tags.`bench.model` = 'svm'\"" in md  # the scope says which runs it covers


def test_a_one_off_job_neither_takes_over_the_report_nor_renames_the_sweeps_runs(tmp_path):
    import pandas as pd

    assert (
        run_main("dataset=iris,wine", "model=svm,knn", "seed=0,1", "report.enabled=false", cwd=tmp_path).returncode == 0
    )
    assert run_main("dataset=wine", "model=svm", "seed=3", "model.C=10", cwd=tmp_path).returncode == 0
    md = (tmp_path / "reports" / "bench.md").read_text()
    header = next(line for line in md.splitlines() if line.startswith("| Dataset ") and "svm C=10" in line)
    assert [c.strip() for c in header.strip("|").split("|")] == ["Dataset", "svm", "knn", "svm C=10"]
    assert "every run of experiment 'bench', the latest of each configuration: 9 runs from 2 sweeps" in md
    assert run_main("export", "--out", "runs.csv", cwd=tmp_path).returncode == 0
    runs = pd.read_csv(tmp_path / "runs.csv", keep_default_na=False)
    assert set(runs["model"]) == {"svm", "knn"}
    assert sorted(runs.loc[runs["variant"].ne(""), "run_name"]) == ["wine/svm/seed=3"]


def test_single_job_with_overrides(tmp_path):
    result = run_cli("dataset=wine", "model=svm", "seed=3", "model.C=10", "tracking.experiment=one", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # the command closed the store: the write-ahead log is folded into the file, which a plain copy carries whole
    assert not (tmp_path / "mlruns.db-wal").exists()
    client = mlflow.MlflowClient(f"sqlite:///{tmp_path}/mlruns.db")
    [run] = [
        r
        for r in client.search_runs([client.get_experiment_by_name("one").experiment_id])
        if "bench.run_key" in r.data.tags
    ]
    assert run.info.run_name == "wine/svm/seed=3" and run.data.params["model.C"] == "10"


def assert_one_line_error(result, message: str, cwd: Path) -> None:
    """Exit status 2, nothing on stdout, one ``error:`` line holding ``message``, and no store made."""
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert not (cwd / "mlruns.db").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["dataset=digitz"], "unknown dataset 'digitz'; choose from: "),
        (["model=mlp,svmm"], "unknown model 'svmm'; choose from: "),
        (["experiment=nope"], "unknown experiment 'nope'; choose from: "),
        (["model=mlp", "model.lr=abc"], "model.lr='abc': expected a number like its default 0.001"),
        (["model=mlp", "model.early_stopping=3"], "early_stopping=3: expected true or false like its default true"),
        (["model=mlp", "model.lr=0"], "'lr' parameter of MLPClassifier must be a float in the range (0.0, inf)"),
        (["model=mlp,svm", "seed=0,1,x"], "seed='x': expected a number like its default 0"),
        (["model=svm", "model.C=-1"], "'C' parameter of SVC"),
        (["dataset=moons", "dataset.n_samples=-5"], "'n_samples' parameter of dataset 'moons'"),
        (["model=mlp", "model.hidden_layer_sizes=[64,-1]"], "hidden_layer_sizes"),
        (["model=svm", "model.nope=1"], "model.nope"),
        (["seed=-1"], "seed must be a non-negative int; got -1"),
        (["test_size=0"], "test_size must be a number in (0, 1); got 0"),
        (["model=[oops"], "cannot parse overrides"),
    ],
)
def test_bad_input_fails_before_training_with_one_line(tmp_path, args, message):
    # in-process: the command's own entry point, its output captured (a process start-up costs seconds a case);
    # two cases below also go through a real process
    result = run_main(*args, cwd=tmp_path)
    assert_one_line_error(result, message, tmp_path)


@pytest.mark.parametrize(
    "args, message",
    [
        (["dataset=digitz"], "unknown dataset 'digitz'; choose from: "),
        (["model=[oops"], "cannot parse overrides"),
    ],
)
def test_bad_input_in_a_real_process_is_one_line_and_exit_status_2(tmp_path, args, message):
    result = run_cli(*args, cwd=tmp_path, timeout=60)
    assert_one_line_error(result, message, tmp_path)


def test_bad_input_leaves_recorded_runs_intact(quick_sweep):
    cwd, _, _ = quick_sweep
    before = sqlite3.connect(cwd / "mlruns.db").execute("select count(*) from runs").fetchone()[0]
    assert run_main("experiment=quick", "model.lr=abc", "model=mlp", cwd=cwd).returncode == 2
    assert run_main("report", "--experiment", "nope", cwd=cwd).returncode == 2
    assert sqlite3.connect(cwd / "mlruns.db").execute("select count(*) from runs").fetchone()[0] == before


def test_report_without_a_store_is_a_clear_error(tmp_path):
    result = run_cli("report", cwd=tmp_path)
    assert result.returncode == 2 and "no MLflow store at" in result.stderr
    assert not (tmp_path / "mlruns.db").exists()


def test_help_mentions_the_report_command(tmp_path):
    result = run_cli("--help", cwd=tmp_path)
    assert result.returncode == 0 and "python -m bench report" in result.stdout


def test_mlp_epochs_show_progress_on_a_terminal(tmp_path):
    import os
    import pty
    import subprocess
    import sys

    from conftest import cli_env

    leader, follower = pty.openpty()
    args = [
        "dataset=iris",
        "model=mlp",
        "seed=0",
        "model.max_epochs=3",
        "model.early_stopping=false",
        "report.enabled=false",
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=tmp_path,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=follower,
        timeout=300,
    )
    os.close(follower)
    terminal = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    os.close(leader)
    assert proc.returncode == 0
    assert b"epoch 3/3" in terminal and b"\r" in terminal and b"iris mlp seed=0" in terminal  # names the job
    assert b"epoch 1/3" not in proc.stdout
