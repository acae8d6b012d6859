"""Hostile and broken configuration, through the command line's entry point: each case is refused before anything
runs, with one line naming the value (exit status 2), and leaves nothing behind; or, where only a job can find it
out, that job is recorded FAILED with the reason and the sweep goes on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import mlflow
import pytest
from conftest import run_main

SMALL = ["dataset=iris", "model=knn", "seed=0"]


def one_line(done, *words: str) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert all(word in lines[0] for word in words), lines[0]
    return lines[0]


# -- 3. memory: refused before the data is made or the network built ------------------------------------------
@pytest.mark.parametrize(
    "args, words",
    [
        (
            ["dataset=classification", "dataset.n_samples=100000000", "max_memory_gb=8"],
            ["dataset 'classification' needs about"],
        ),
        (["model=mlp", "model.hidden_layer_sizes=[30000,30000]", "max_memory_gb=8"], ["the network needs about"]),
        (["protocol=cv", "protocol.folds=1000000000"], ["protocol.folds x protocol.repeats = 1,000,000,000"]),
        (["protocol=cv", "protocol.folds=60"], ["class '0' has 50 rows; protocol.folds=60 needs 60"]),
    ],
    ids=["rows", "network", "folds", "folds-above-smallest-class"],
)
def test_what_cannot_fit_is_refused_before_work_starts(tmp_path, args, words):
    done = run_main("dataset=iris", "model=knn", "seed=0", *args, cwd=tmp_path)
    line = one_line(done, *words)
    assert "max_memory_gb" in line or "folds" in line
    assert not (tmp_path / "mlruns.db").exists()


def test_a_job_that_still_outgrows_its_limit_fails_alone_with_the_reason(tmp_path, monkeypatch):
    """A classifier that allocates more than ``max_memory_gb`` once fitting: the job's process refuses the memory
    (its data limit), the run is FAILED with the allocator's reason, the next job runs."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    done = run_main(
        "dataset=iris",
        "model=knn",
        "seed=0,1",
        "model._target_=greedy.Greedy",
        "allowed_modules=[greedy]",
        "max_memory_gb=0.5",
        "report.enabled=false",
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    client = mlflow.MlflowClient(f"sqlite:///{tmp_path}/mlruns.db")
    runs = client.search_runs([client.get_experiment_by_name("bench").experiment_id], "tags.`bench.run_key` != ''")
    assert len(runs) == 2 and {r.info.status for r in runs} == {"FAILED"}
    assert all("Unable to allocate" in r.data.tags["bench.error"] for r in runs)


# -- 4. names never become paths -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../../escaped", "/tmp/absolute-escape", "a/../../b", "x" * 200])
def test_an_experiment_name_writes_nothing_outside_the_stores_folder(tmp_path, name):
    work = tmp_path / "deep" / "work"
    work.mkdir(parents=True)
    args = ["protocol=tuned", "protocol.folds=2", "protocol.n_trials=1", f"tracking.experiment='{name}'"]
    done = run_main(*SMALL, *args, cwd=work)
    assert done.returncode == 0, done.stderr
    outside = [p for p in tmp_path.rglob("*") if work not in p.parents and p != work and p.is_file()]
    assert outside == []
    if name.startswith("/"):  # an absolute name would have become a folder or a file of its own
        assert not Path(name).exists() and not Path(name + ".journal").exists()
    journals = list(work.rglob("*.journal"))  # one per fold's study, in the experiment's folder under optuna/
    assert len(journals) == 2 and {p.parent.parent for p in journals} == {work / "optuna"}
    assert len(list((work / "reports").glob("*.html"))) == 1


# -- 5. a config cannot run an arbitrary callable ----------------------------------------------------------------
@pytest.mark.parametrize(
    "args, target",
    [
        (["model._target_=builtins.open", "+model.file=made.txt", "+model.mode=w"], "builtins.open"),
        (["model._target_=shutil.copyfile", "+model.src=/etc/hostname", "+model.dst=made.txt"], "shutil.copyfile"),
        (["model._target_=os.mkdir", "+model.path=made.txt"], "os.mkdir"),
        (["dataset._target_=pathlib.Path.touch", "+dataset.self=made.txt"], "pathlib.Path.touch"),
        (["model._target_=sklearn.svm.SVR"], "sklearn.svm.SVR"),
    ],
    ids=["open", "copyfile", "mkdir", "dataset-touch", "a-regressor"],
)
def test_a_target_that_is_no_classifier_or_source_is_refused_before_anything_is_built(tmp_path, args, target):
    one_line(run_main(*SMALL, *args, cwd=tmp_path), f"_target_='{target}'")
    assert not (tmp_path / "made.txt").exists() and not (tmp_path / "mlruns.db").exists()


def test_another_packages_classifier_is_allowed_by_naming_its_module(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    refused = run_main(*SMALL, "model._target_=greedy.Modest", cwd=tmp_path)
    one_line(refused, "allowed_modules=[PACKAGE]")
    done = run_main(*SMALL, "model._target_=greedy.Modest", "allowed_modules=[greedy]", cwd=tmp_path)
    assert done.returncode == 0, done.stderr


# -- 9. a damaged tuning journal ---------------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["truncated", "garbage", "random"])
def test_a_damaged_journal_is_named_before_the_sweep_and_rerun_sets_it_aside(tmp_path, damage):
    tuned = [*SMALL, "protocol=tuned", "protocol.folds=2", "protocol.n_trials=1", "report.enabled=false"]
    assert run_main(*tuned, cwd=tmp_path).returncode == 0
    journal = sorted((tmp_path / "optuna" / "bench").glob("*.journal"))[0]
    good = journal.read_bytes()
    journal.write_bytes(
        {"truncated": good[:-9], "garbage": good + b"not a record\n", "random": bytes(range(256)) * 3}[damage]
    )
    line = one_line(run_main(*tuned, "seed=1", cwd=tmp_path), str(journal), "is damaged", "rerun=true")
    assert "Should not reach" not in line
    again = run_main(*tuned, "seed=1", "rerun=true", cwd=tmp_path)
    assert again.returncode == 0 and "is set aside" in again.stdout, again.stderr
    assert [p.name.split("-")[0] for p in journal.parent.glob("*.damaged-*")] == [f"{journal.name}.damaged"]


# -- 10. one line, not a traceback -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "uri, words",
    [
        ("mlruns.db", ["is not a URI", "sqlite:///mlruns.db"]),
        ("file:///tmp/somewhere", ["file store is not supported"]),
        ("notascheme://x", ["unknown scheme 'notascheme'"]),
        ("postgresql://user@localhost/db", ["needs its database driver"]),
    ],
    ids=["no-scheme", "file", "unknown", "no-driver"],
)
def test_a_tracking_uri_bench_cannot_record_into_is_one_line(tmp_path, uri, words):
    one_line(run_main(*SMALL, f"tracking.uri={uri}", cwd=tmp_path), *words)
    one_line(run_main("report", "--tracking-uri", uri, cwd=tmp_path), "--tracking-uri=", *words[:1])


@pytest.fixture
def recorded(tmp_path) -> Path:
    assert run_main(*SMALL, "report.enabled=false", cwd=tmp_path).returncode == 0
    return tmp_path


def test_a_store_with_a_dropped_table_is_one_line_for_the_sweep_and_the_report(recorded):
    with sqlite3.connect(recorded / "mlruns.db") as connection:
        connection.execute("drop table params")
    one_line(run_main(*SMALL, "seed=1", cwd=recorded), "is not a whole MLflow store (no table 'params')")
    one_line(run_main("report", cwd=recorded), "no table 'params'")


def test_a_deleted_experiment_is_one_line(recorded):
    client = mlflow.MlflowClient(f"sqlite:///{recorded}/mlruns.db")
    client.delete_experiment(client.get_experiment_by_name("bench").experiment_id)
    one_line(run_main(*SMALL, "seed=1", cwd=recorded), "experiment 'bench' is deleted", "restore it")
    one_line(run_main("report", cwd=recorded), "experiment 'bench' is deleted")


# -- 11. the checks see what the jobs will see -------------------------------------------------------------------
def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_relative_data_file_is_found_by_jobs_that_run_in_folders_of_their_own(tmp_path):
    write(tmp_path / "data.csv", "a,b,y\n" + "".join(f"{i},{i % 3},{'x' if i % 2 else 'z'}\n" for i in range(40)))
    args = ["dataset=file", "dataset.path=data.csv", "dataset.target=y", "model=knn", "hydra.job.chdir=true"]
    done = run_main(*args, "report.enabled=false", cwd=tmp_path)
    assert done.returncode == 0 and "FAILED" not in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize(
    "rows, words",
    [
        ("1,2,x\n3,inf,z\n5,6,x\n7,8,z\n", ["data.csv", "numeric column 'b' holds an infinite value", "data row 2"]),
        ("1,2,x\n3,4,z\n5,6,x\n7,8,z\n9,1,only\n", ["class 'only' has 1 row; a stratified train/test split needs 2"]),
    ],
    ids=["infinity", "one-member-class"],
)
def test_data_every_job_would_fail_on_is_named_before_the_sweep(tmp_path, rows, words):
    write(tmp_path / "data.csv", "a,b,y\n" + rows)
    one_line(run_main("dataset=file", "dataset.path=data.csv", "dataset.target=y", "model=knn", cwd=tmp_path), *words)


@pytest.mark.parametrize("missing", ["", "nan", "NA"])
def test_a_missing_value_in_a_data_file_is_imputed_by_every_model_not_a_fault(tmp_path, missing):
    rows = "".join(f"{missing if i == 7 else i},{i % 3},{'x' if i % 2 else 'z'}\n" for i in range(40))
    write(tmp_path / "data.csv", "a,b,y\n" + rows)
    args = [
        "dataset=file",
        "dataset.path=data.csv",
        "dataset.target=y",
        "model=knn,svm",
        "seed=0",
        "report.enabled=false",
    ]
    done = run_main(*args, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.count(" acc ") == 2, done.stdout + done.stderr
    assert "FAILED" not in done.stdout


def test_a_compressed_file_that_cannot_fit_once_read_is_refused_before_it_is_read(tmp_path):
    import gzip

    with gzip.open(tmp_path / "bomb.csv.gz", "wt", compresslevel=1) as bomb:  # 0.1 MB on disk, 30 MB of CSV
        bomb.write("a,b,y\n" + "1,2,x\n3,4,z\n" * 2_500_000)
    args = ["dataset=file", "dataset.path=bomb.csv.gz", "dataset.target=y", "model=knn", "max_memory_gb=0.05"]
    line = one_line(run_main(*args, cwd=tmp_path), "bomb.csv.gz", "needs about", "max_memory_gb")
    assert "over the 0.05 GB a job may take" in line and not (tmp_path / "mlruns.db").exists()
