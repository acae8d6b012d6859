"""Bad input, tried systematically through the command line's entry point, in-process (``bench_cli``); a store
that cannot be reached is also tried through a real subprocess, as a user runs it.

Every case runs against a store that already holds a finished run: the command must stop with one line naming
the bad value (exit status 2, before any training, the store's bytes untouched), or, where only one job of a
sweep cannot run, record that job as FAILED and go on (exit status 1). Either way the earlier run stays readable.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import mlflow
import pytest
from conftest import free_port, run_cli

SEED_JOB = ["dataset=iris", "model=decision_tree", "seed=0", "report.enabled=false"]

# name of a file the case reads -> its bytes
FILES: dict[str, bytes] = {
    "empty.csv": b"",
    "header_only.csv": b"a,b,y\n",
    "garbage.csv": bytes(range(256)) * 8,
    "garbage.parquet": b"PAR1" + bytes(range(200, 256)) * 20,
    "one_class.csv": b"a,b,y\n1,2,x\n3,4,x\n5,6,x\n7,8,x\n",
    "good.csv": b"a,b,y\n1,2,x\n3,4,z\n5,6,x\n7,8,z\n",
    "text_in_numbers.csv": b"a,b,y\n1,2,x\nabc,4,z\n5,6,x\n7,8,z\n",
    "model.pkl": b"\x80\x04K\x01.",  # pickles: never loaded, whatever they hold
    "model.joblib": b"\x80\x04K\x01.",
    "not_a_dir": b"a file where a directory should be\n",
}

# (id, arguments, what the one line must say)
CASES = [
    (
        "unknown-group-value",
        ["model=mlpp"],
        "unknown model 'mlpp'; choose from: decision_tree, hist_gradient_boosting, knn, logreg, mlp",
    ),
    (
        "unknown-top-level-key",
        ["epochs=5"],
        "unknown key 'epochs'; choose from: dataset, model, protocol, seed, test_size",
    ),
    ("unknown-protocol", ["protocol=loo"], "unknown protocol 'loo'; choose from: cv, holdout, tuned"),
    ("one-fold", ["protocol=cv", "protocol.folds=1"], "protocol.folds must be an int >= 2; got 1"),
    ("negative-trials", ["protocol=tuned", "protocol.n_trials=-1"], "protocol.n_trials must be an int >= 0; got -1"),
    ("model-without-search-space", ["model=mlp_lean", "protocol=tuned"], "no search space for model 'mlp_lean'"),
    ("negative-ensemble", ["protocol=tuned", "+protocol.ensemble=-1"], "protocol.ensemble must be an int >= 0; got -1"),
    ("text-ensemble", ["protocol=tuned", "+protocol.ensemble=x"], "protocol.ensemble must be an int >= 0; got 'x'"),
    ("ensemble-without-tuning", ["protocol=cv", "+protocol.ensemble=3"], "protocol.ensemble ensembles a search's"),
    (
        "unknown-model-key",
        ["model=knn", "model.n_neighbour=3"],
        "unknown key 'model.n_neighbour'; choose from: model.name, model.family, model.n_neighbors, model.weights",
    ),
    ("unknown-dataset-key", ["dataset=moons", "dataset.n_sample=10"], "unknown key 'dataset.n_sample'"),
    (
        "another-models-key-in-a-multi-model-sweep",
        ["model=mlp,svm", "model.C=10"],
        "C is an argument of logreg, svm, svm_linear; to set it for one model of a sweep over several, give it a",
    ),
    ("int-as-text", ["model=mlp", "model.max_epochs=ten"], "max_epochs='ten': expected a number like its default 200"),
    ("float-as-text", ["dataset=moons", "dataset.noise=loud"], "noise='loud': expected a number like its default 0.3"),
    ("bool-as-text", ["rerun=maybe"], "rerun='maybe': expected true or false like its default false"),
    ("int-as-float", ["model=mlp", "model.max_epochs=2.5"], "'max_epochs' parameter of MLPClassifier must be an int"),
    ("unknown-option", ["model=mlp", "model.activation=swish"], "Got 'swish' instead"),
    ("negative-n-samples", ["dataset=classification", "dataset.n_samples=-100"], "Got -100 instead"),
    ("negative-batch-size", ["model=mlp", "model.batch_size=-1"], "'batch_size' parameter of MLPClassifier"),
    ("negative-max-samples", ["dataset.max_samples=-1"], "'max_samples' parameter of dataset 'iris'"),
    ("zero-lr", ["model=mlp", "model.lr=0"], "'lr' parameter of MLPClassifier must be a float in the range (0.0"),
    ("negative-lr-in-a-sweep", ["model=mlp", "model.lr=0.1,-1"], "Got -1 instead. (job: dataset=iris model=mlp"),
    ("test-size-above-1", ["test_size=1.5"], "test_size must be a number in (0, 1); got 1.5"),
    ("test-size-1", ["test_size=1"], "test_size must be a number in (0, 1); got 1"),
    ("seed-negative", ["seed=-1"], "seed must be a non-negative int; got -1"),
    ("openml-without-id", ["dataset=openml"], "dataset 'openml' needs dataset.data_id=ID or dataset.name=NAME"),
    (
        "keel-unknown-name",
        ["dataset=keel", "dataset.name=germn"],
        "unknown KEEL dataset 'germn'; choose from: australian, banana, bands,",
    ),
    ("keel-without-name", ["dataset=keel"], "dataset 'keel' needs dataset.name=NAME; choose from: australian,"),
    ("file-path-missing", ["dataset=file", "dataset.target=y"], "Missing mandatory value: dataset.path"),
    ("file-not-found", ["dataset=file", "dataset.path=nope.csv", "dataset.target=y"], "nope.csv' does not exist"),
    ("file-empty", ["dataset=file", "dataset.path=empty.csv", "dataset.target=y"], "file 'empty.csv' is empty"),
    (
        "file-header-only",
        ["dataset=file", "dataset.path=header_only.csv", "dataset.target=y"],
        "file 'header_only.csv' has no data rows",
    ),
    (
        "file-garbage-csv",
        ["dataset=file", "dataset.path=garbage.csv", "dataset.target=y"],
        "file 'garbage.csv' cannot be read as csv",
    ),
    (
        "file-garbage-parquet",
        ["dataset=file", "dataset.path=garbage.parquet", "dataset.target=y"],
        "file 'garbage.parquet' cannot be read as parquet",
    ),
    (
        "file-one-class",
        ["dataset=file", "dataset.path=one_class.csv", "dataset.target=y"],
        "target column 'y' has a single class ('x')",
    ),
    (
        "file-unknown-target",
        ["dataset=file", "dataset.path=good.csv", "dataset.target=label"],
        "has no column 'label' (dataset.target); choose from: a, b, y",
    ),
    (
        "file-text-in-numbers",
        ["dataset=file", "dataset.path=text_in_numbers.csv", "dataset.target=y"],
        "numeric column 'a' holds 'abc' (data row 2)",
    ),
    (
        "file-pickle",
        ["dataset=file", "dataset.path=model.pkl", "dataset.target=y"],
        "'model.pkl' has an unknown format; name it with one of: .csv, .csv.gz, .tsv, .parquet, .pq",
    ),
    (
        "file-joblib",
        ["dataset=file", "dataset.path=model.joblib", "dataset.target=y"],
        "'model.joblib' has an unknown format; name it with one of: .csv",
    ),
    (
        "report-dir-unwritable",
        ["dataset=iris", "model=knn", "report.out_dir=not_a_dir/reports"],
        "report.out_dir 'not_a_dir/reports' cannot be created:",
    ),
    ("report-command-out-unwritable", ["report", "--out", "not_a_dir/r"], "--out 'not_a_dir/r' cannot be created:"),
    ("report-command-unknown-experiment", ["report", "--experiment", "nope"], "nope"),
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def finished_runs(db: Path) -> dict[str, dict[str, float]]:
    """Finished job runs in the store, read through MLflow as a user would: run name -> final metrics."""
    client = mlflow.MlflowClient(f"sqlite:///{db}")
    runs = client.search_runs([client.get_experiment_by_name("bench").experiment_id])
    jobs = [r for r in runs if "bench.run_key" in r.data.tags and r.info.status == "FINISHED"]
    return {r.info.run_name: r.data.metrics for r in jobs}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> tuple[Path, dict[str, dict[str, float]]]:
    """A store holding one finished run, made once by a real subprocess; every case gets a copy of it."""
    cwd = tmp_path_factory.mktemp("seeded")
    result = run_cli(*SEED_JOB, cwd=cwd)
    assert result.returncode == 0, result.stderr
    runs = finished_runs(cwd / "mlruns.db")
    assert list(runs) == ["iris/decision_tree/seed=0"]
    return cwd / "mlruns.db", runs


@pytest.fixture
def workdir(tmp_path: Path, seeded) -> Path:
    shutil.copy(seeded[0], tmp_path / "mlruns.db")
    for name, content in FILES.items():
        (tmp_path / name).write_bytes(content)
    return tmp_path


def assert_one_line_error(result, message: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    return lines[0]


@pytest.mark.parametrize("args, message", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_is_one_line_and_leaves_the_store_as_it_was(workdir, seeded, bench_cli, args, message):
    before = digest(workdir / "mlruns.db")
    assert_one_line_error(bench_cli(*args, cwd=workdir), message)
    assert digest(workdir / "mlruns.db") == before  # nothing written, not even a sweep's parent run
    assert finished_runs(workdir / "mlruns.db") == seeded[1]
    assert not (workdir / "reports").exists()


@pytest.mark.slow
@pytest.mark.parametrize("command", ["sweep", "report"])
def test_unreachable_tracking_server(workdir, seeded, command):
    uri = f"http://127.0.0.1:{free_port()}"
    args = ["report", "--tracking-uri", uri] if command == "report" else ["dataset=iris", f"tracking.uri={uri}"]
    line = assert_one_line_error(run_cli(*args, cwd=workdir, timeout=60), "cannot reach the MLflow tracking server")
    assert uri in line
    assert finished_runs(workdir / "mlruns.db") == seeded[1]


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
@pytest.mark.parametrize("command", ["sweep", "report"])
def test_corrupted_store_is_left_as_it_was(workdir, seeded, bench_cli, damage, command):
    db = workdir / "mlruns.db"
    if damage == "garbage":
        db.write_bytes(bytes(range(256)) * 64)
    else:  # a store cut short, as a full disk or a crashed copy leaves it
        db.write_bytes(seeded[0].read_bytes()[: db.stat().st_size // 2])
    before = digest(db)
    args = ["report"] if command == "report" else ["dataset=iris", "model=knn"]
    line = assert_one_line_error(bench_cli(*args, cwd=workdir), f"tracking store '{db}' is not a readable")
    assert "move it aside or choose another tracking.uri" in line
    assert digest(db) == before


def test_a_job_that_cannot_run_fails_alone(workdir, seeded, bench_cli):
    """k larger than the training split is known only once the data are loaded: that job is recorded FAILED with a
    one-line error, the sweep's other job finishes, and the sweep ends with the list of failures and exit 1."""
    sweep = ["dataset=iris", "model=knn", "model.n_neighbors=5,500", "seed=1", "report.enabled=false"]
    result = bench_cli(*sweep, cwd=workdir)
    assert result.returncode == 1, result.stderr
    assert "2 runs in" in result.stdout and ", 1 failed" in result.stdout
    [failure] = [line for line in result.stdout.splitlines() if line.startswith("  FAILED ")]
    assert failure.startswith("  FAILED iris/knn/seed=1: ") and "n_neighbors = 500" in failure

    client = mlflow.MlflowClient(f"sqlite:///{workdir / 'mlruns.db'}")
    runs = client.search_runs([client.get_experiment_by_name("bench").experiment_id])
    jobs = {r.info.status: r for r in runs if r.info.run_name == "iris/knn/seed=1"}
    assert sorted(jobs) == ["FAILED", "FINISHED"]
    error = jobs["FAILED"].data.tags["bench.error"]
    assert jobs["FAILED"].data.tags["bench.outcome"] == "error"
    assert "n_neighbors = 500" in error and "\n" not in error
    assert jobs["FINISHED"].data.params["model.n_neighbors"] == "5"
    assert jobs["FINISHED"].data.metrics["test_accuracy"] > 0.5
    seeding, sweep = sorted((r for r in runs if "bench.sweep" in r.data.tags), key=lambda r: r.info.start_time)
    assert (seeding.info.status, sweep.info.status) == ("FINISHED", "FAILED")
    seeded_runs = finished_runs(workdir / "mlruns.db")
    assert seeded_runs["iris/decision_tree/seed=0"] == seeded[1]["iris/decision_tree/seed=0"]
