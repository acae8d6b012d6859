"""``python -m bench report --from TABLE ...``: the report of exported tables is the report of the store they came
from, figure for figure; several tables keep one run per run key; bad input is one line. The round trip records a
small real sweep with every kind of section (tuned runs and their trials, MLP histories, learning curves)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_main

from bench.report.carried import CELLS
from bench.report.stored import read_runs

SWEEPS = (
    ["dataset=iris", "model=knn,mlp", "seed=0", "protocol=tuned", "protocol.folds=2", "protocol.n_trials=2"],
    ["dataset=iris", "model=decision_tree,mlp", "seed=0,1", "learning_curve=[0.5,1.0]"],
)
KNN = "tags.`bench.model` = 'knn'"


def ok(*args: str, cwd: Path) -> str:
    done = run_main(*args, cwd=cwd)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """Two sweeps in experiment ``rt``, its report from MLflow in ``mlflow/``, and its tables in ``tables/``: the
    whole experiment as Parquet and as CSV, and its knn runs alone (a table that overlaps the others)."""
    cwd = tmp_path_factory.mktemp("report_from")
    for sweep in SWEEPS:
        ok(*sweep, "report.enabled=false", "tracking.experiment=rt", cwd=cwd)
    ok("report", "--experiment", "rt", "--out", "mlflow", cwd=cwd)
    for name in ("rt.parquet", "rt.csv"):
        ok("export", "--experiment", "rt", "--out", f"tables/{name}", cwd=cwd)
    ok("export", "--experiment", "rt", "--filter", KNN, "--out", "tables/knn.parquet", cwd=cwd)
    return cwd


def results(out: Path) -> str:
    """The Markdown report without its Context table, which says where, when and from what the report was made."""
    text = (out / "rt.md").read_text()
    return re.sub(r"### Context\n.*?(?=### Counts)", "", text, flags=re.DOTALL)


def figures(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "rt_files").iterdir())}


@pytest.mark.slow
def test_the_store_report_holds_every_kind_of_section(store):
    text = results(store / "mlflow")
    assert "## Tuning" in text and "Default chosen" in text and "## Gradient flow (MLP)" in text
    assert {"tuning_curves.svg", "mlp_loss.svg", "gradient_heatmaps.svg", "learning_curves.svg"} <= set(
        figures(store / "mlflow")
    )


@pytest.mark.slow
@pytest.mark.parametrize("table", ["rt.parquet", "rt.csv"])
def test_a_table_gives_the_stores_report_without_the_store(store, table, tmp_path):
    shutil.copy(store / "tables" / table, tmp_path / table)
    stdout = ok("report", "--from", table, "--out", "out", cwd=tmp_path)
    assert stdout.splitlines()[0] == f"from:    {table}: 8 rows, 8 runs" and "left out" not in stdout
    assert results(tmp_path / "out") == results(store / "mlflow")
    assert figures(tmp_path / "out") == figures(store / "mlflow")
    assert "| Tables " in (tmp_path / "out" / "rt.md").read_text()
    assert not (tmp_path / "mlruns.db").exists()


@pytest.mark.slow
def test_overlapping_tables_give_the_report_of_one(store, tmp_path):
    tables = [str(store / "tables" / t) for t in ("knn.parquet", "rt.csv")]
    first = ok("report", "--from", *tables, "--out", "a", cwd=tmp_path)
    assert "10 rows, 8 runs (2 duplicates dropped: one run per run key, the latest finished)" in first
    ok("report", "--from", *reversed(tables), "--out", "b", cwd=tmp_path)
    assert results(tmp_path / "a") == results(tmp_path / "b") == results(store / "mlflow")
    assert figures(tmp_path / "a") == figures(store / "mlflow")


@pytest.mark.slow
def test_a_table_without_the_artifacts_says_in_one_line_what_is_left_out(store, tmp_path):
    frame = pd.read_parquet(store / "tables" / "rt.parquet")
    frame.drop(columns=list(CELLS)).to_parquet(tmp_path / "bare.parquet")
    stdout = ok("report", "--from", "bare.parquet", "--out", "out", cwd=tmp_path)
    [line] = [line for line in stdout.splitlines() if line.startswith("left out: ")]
    assert "trials.csv of 4 of 4 runs (the tuning curves)" in line and line.endswith(": not in the tables")
    assert "history.csv of 2 of 2 runs" in line and "learning_curve/* histories of 2 of 2 runs" in line
    text = (tmp_path / "out" / "rt.md").read_text()
    assert "| Left out " in text and "## Leaderboard" in text and "## Tuning" in text
    assert "mlp_loss.svg" not in text  # nothing to draw
    leaderboard = re.search(r"## Leaderboard\n.*?(?=## Statistical)", text, re.DOTALL)[0]
    assert leaderboard in results(store / "mlflow")  # what the rows carry is unchanged


def row(run_id: str, key: str, status: str, minute: int, accuracy: float) -> dict:
    return {
        "run_id": run_id,
        "run_key": key,
        "status": status,
        "start_time": pd.Timestamp(2026, 1, 1, 0, minute, tz="UTC"),
        "dataset": "iris",
        "model": "knn",
        "family": "neighbors",
        "seed": 0,
        "test_accuracy": accuracy,
    }


def test_one_run_per_key_the_latest_finished_whatever_the_order_of_the_tables(tmp_path):
    machine_a = [row("a1", "k1", "FINISHED", 1, 0.9), row("a2", "k2", "FINISHED", 1, 0.8)]
    machine_b = [row("b1", "k1", "FAILED", 5, float("nan")), row("b2", "k2", "FINISHED", 3, 0.85)]
    machine_b += [row("b3", "k3", "FINISHED", 4, 0.7), row("a2", "k2", "FINISHED", 1, 0.8)]  # a2 exported twice
    pd.DataFrame(machine_a).to_parquet(tmp_path / "a.parquet")
    pd.DataFrame(machine_b).to_csv(tmp_path / "b.csv", index=False)
    for order in (["a.parquet", "b.csv"], ["b.csv", "a.parquet"]):
        runs = read_runs([tmp_path / name for name in order])
        assert runs.rows == 6 and runs.dropped == 3
        assert sorted(runs.table["run_id"]) == ["a1", "b2", "b3"]
        assert runs.table.set_index("run_id")["test_accuracy"].to_dict() == {"a1": 0.9, "b2": 0.85, "b3": 0.7}


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.parquet"], "--from 'missing.parquet': no such file"),
        (["runs.xlsx"], "--from 'runs.xlsx': unknown table format ('.xlsx'); choose from: .parquet, .csv"),
        (["partial.csv"], "--from 'partial.csv' lacks the columns run_key, start_time, family, seed"),
        (["garbage.parquet"], "--from 'garbage.parquet' cannot be read as parquet: "),
        (["empty.csv"], "--from 'empty.csv' cannot be read as csv: "),
        (["folder"], "--from 'folder' is a directory"),
        (["good.csv", "missing.csv"], "--from 'missing.csv': no such file"),
        (["good.csv", "--filter", "x"], "--filter selects runs in an MLflow store"),
        ([], "argument --from: expected at least one argument"),
    ],
)
def test_bad_tables_are_one_line_and_exit_2_without_a_store(tmp_path, args, message):
    (tmp_path / "runs.xlsx").write_text("not a table\n")
    (tmp_path / "partial.csv").write_text("run_id,status,dataset,model\nr1,FINISHED,iris,knn\n")
    (tmp_path / "garbage.parquet").write_text("not parquet\n")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "folder").mkdir()
    pd.DataFrame([row("r1", "k1", "FINISHED", 1, 0.9)]).to_csv(tmp_path / "good.csv", index=False)
    done = run_main("report", "--from", *args, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], done.stderr
    assert not (tmp_path / "mlruns.db").exists() and not (tmp_path / "reports").exists()


@pytest.mark.science  # the committed research runs' reports: the benchmark's is 1,104 runs
@pytest.mark.parametrize("name", ["mlp_recipe", "benchmark"])
def test_a_committed_report_is_rebuilt_from_its_committed_table(tmp_path, name):
    """reports/NAME.md came from reports/NAME.parquet: the same command gives it again, numbers and words alike;
    only when, where and by what (commit, Python, libraries) it was generated differ."""
    root = Path(__file__).resolve().parents[2]
    ok("report", "--from", f"reports/{name}.parquet", "--out", str(tmp_path), cwd=root)
    made = ("Generated", r"Git commit \(report\)", "Platform", "Python", "Library versions", "bench version")
    when = re.compile(rf"^\| ({'|'.join(made)}) ")
    # a table's padding follows its widest cell, which may be one of those rows
    committed, rebuilt = (
        [re.sub(r"-{3,}", "---", re.sub(r" +", " ", line)) for line in (d / f"{name}.md").read_text().splitlines()]
        for d in (root / "reports", tmp_path)
    )
    assert [line for line in committed if not when.match(line)] == [line for line in rebuilt if not when.match(line)]
