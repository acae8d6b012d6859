"""``python -m bench export``: the column order on a synthetic table, and the real command on a small sweep."""

from __future__ import annotations

import re
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from conftest import run_cli, run_main

from bench.cli.export_cmd import IDENTITY, destination, export_table
from bench.cli.preflight import UsageError
from bench.metrics import FINAL
from bench.report.carried import CELLS
from bench.report.table import tidy

SWEEP = ["dataset=iris", "model=knn,decision_tree", "seed=0", "report.enabled=false", "tracking.experiment=small"]


def raw_runs() -> pd.DataFrame:
    """What ``mlflow.search_runs`` returns for two runs of a tuned MLP, metrics and params in MLflow's own order."""
    rows = []
    for seed in (0, 1):
        rows.append(
            {
                "run_id": f"r{seed}",
                "status": "FINISHED",
                "start_time": pd.Timestamp(2026, 1, 1, 0, seed, tz="UTC"),
                "tags.bench.run_key": f"k{seed}",
                "tags.bench.dataset": "iris",
                "tags.bench.model": "mlp",
                "tags.bench.seed": str(seed),
                "tags.mlflow.parentRunId": "parent",
                "metrics.loss/val": 0.3,
                "metrics.training/epochs_run": 12.0,
                "metrics.test_accuracy": 0.9,
                "metrics.accuracy/train": 0.95,
                "metrics.train_accuracy": 0.97,
                "params.model.name": "mlp",
                "params.tuned.lr": "0.01",
                "params.dataset.name": "iris",
                "params.tuned.dropout": "0.1",
            }
        )
    return pd.DataFrame(rows)


def test_columns_identity_then_tuned_then_metrics_then_params():
    frame = export_table(tidy(raw_runs()))
    assert list(frame.columns) == [
        *IDENTITY,
        "tuned.dropout",
        "tuned.lr",
        "train_accuracy",
        "test_accuracy",
        "training/epochs_run",
        "training/accuracy",
        "training/val_loss",
        "params.dataset.name",
        "params.model.name",
    ]
    assert frame["error"].isna().all()  # no run failed: the column is there all the same
    assert frame["protocol"].eq("holdout").all() and frame["fold"].isna().all()


def test_an_empty_experiment_exports_the_identity_columns():
    assert list(export_table(tidy(pd.DataFrame())).columns) == list(IDENTITY)


@pytest.mark.parametrize(
    "out, fmt, expected",
    [
        (None, None, (Path("reports/small.parquet"), "parquet")),
        (None, "csv", (Path("reports/small.csv"), "csv")),
        (Path("a/runs.CSV"), None, (Path("a/runs.CSV"), "csv")),
        (Path("runs.parquet"), None, (Path("runs.parquet"), "parquet")),
        (Path("runs"), None, (Path("runs"), "parquet")),
        (Path("runs.dat"), "csv", (Path("runs.dat"), "csv")),
    ],
)
def test_the_format_follows_the_suffix_and_the_file_the_format(out, fmt, expected):
    assert destination(out, fmt, "small") == expected


@pytest.mark.parametrize(
    "out, fmt, words",
    [
        (Path("x.xlsx"), None, "unknown file format '.xlsx'; choose from: .parquet, .csv"),
        (Path("x.csv"), "parquet", "names a csv file but --format is parquet"),
    ],
)
def test_a_suffix_that_names_no_format_or_another_is_refused(out, fmt, words):
    with pytest.raises(UsageError, match=re.escape(words)):
        destination(out, fmt, "small")


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("export")
    done = run_main(*SWEEP, cwd=cwd)
    assert done.returncode == 0, done.stderr[-2000:]
    return cwd


def mlflow_runs(cwd: Path) -> dict[str, mlflow.entities.Run]:
    client = mlflow.MlflowClient(f"sqlite:///{cwd}/mlruns.db")
    runs = client.search_runs([client.get_experiment_by_name("small").experiment_id])
    return {r.info.run_id: r for r in runs if "bench.run_key" in r.data.tags}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_holds_one_row_per_run_with_mlflows_metrics(small_sweep, fmt):
    done = run_cli("export", "--experiment", "small", "--out", f"out/runs.{fmt}", cwd=small_sweep)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"export: out/runs.{fmt} (2 runs)"
    path = small_sweep / "out" / f"runs.{fmt}"
    frame = pd.read_csv(path) if fmt == "csv" else pd.read_parquet(path)
    runs = mlflow_runs(small_sweep)
    assert sorted(frame["run_id"]) == sorted(runs)
    assert list(frame.columns[: len(IDENTITY)]) == list(IDENTITY)
    assert list(frame.columns[len(IDENTITY) : len(IDENTITY) + len(FINAL)]) == list(FINAL)
    assert not any(c.startswith(("tags.", "metrics.")) for c in frame.columns)
    assert frame["experiment"].eq("small").all() and frame["run_key"].notna().all()  # what report --from needs
    assert frame["parent_run_id"].nunique() == 1 and frame["git_commit"].notna().all()
    assert frame[list(CELLS)].isna().all().all()  # neither tuned nor MLP runs: no trials nor histories to carry
    assert frame["protocol"].eq("holdout").all() and frame["fold"].isna().all()
    assert set(frame["model"]) == {"knn", "decision_tree"} and set(frame["status"]) == {"FINISHED"}
    for row in frame.to_dict("records"):
        metrics = runs[row["run_id"]].data.metrics
        assert {k: row[k] for k in metrics} == pytest.approx(metrics, rel=1e-12)
        assert row["run_name"] == runs[row["run_id"]].info.run_name


@pytest.mark.slow
def test_export_defaults_to_parquet_under_reports(small_sweep):
    done = run_main("export", "--experiment", "small", "--filter", "tags.`bench.model` = 'knn'", cwd=small_sweep)
    assert done.returncode == 0, done.stderr
    frame = pd.read_parquet(small_sweep / "reports" / "small.parquet")
    assert list(frame["model"]) == ["knn"] and frame["fold"].dtype == "Int64" and frame["seed"].dtype == "Int64"


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, message",
    [
        (["--experiment", "nope"], "unknown experiment 'nope' in sqlite:///"),
        (["--experiment", "small", "--format", "xlsx"], "invalid choice: 'xlsx'"),
        (["--experiment", "small", "--filter", "nonsense ==="], "invalid filter 'nonsense ==='"),
        (["--experiment", "small", "--out", "a_file/runs.csv"], "'a_file' cannot be created"),
        (["--experiment", "small", "--out", "out_dir"], "--out 'out_dir' is a directory"),
        (["--tracking-uri", "sqlite:///elsewhere.db"], "no MLflow store at"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(small_sweep, args, message):
    (small_sweep / "a_file").write_text("a file where a directory should be\n")
    (small_sweep / "out_dir").mkdir(exist_ok=True)
    done = run_main("export", *args, cwd=small_sweep)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], done.stderr
    assert not (small_sweep / "elsewhere.db").exists()


@pytest.mark.slow
def test_export_without_a_store_is_a_clear_error(tmp_path):
    done = run_main("export", cwd=tmp_path)
    assert done.returncode == 2 and "no MLflow store at" in done.stderr
    assert not (tmp_path / "mlruns.db").exists() and not (tmp_path / "reports").exists()


@pytest.mark.slow
def test_help_names_the_export_command(tmp_path):
    # Hydra's help in a process of its own: in this one it would leave Hydra's run-time state (the launch folder)
    assert "python -m bench export" in run_cli("--help", cwd=tmp_path).stdout
    done = run_main("export", "--help", cwd=tmp_path)
    assert done.returncode == 0 and "--format {parquet,csv}" in done.stdout
