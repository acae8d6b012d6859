import os

import pytest

from bench import tracking
from bench.tracking import store as store_module


def test_resolve_uri_makes_relative_sqlite_absolute(tmp_path):
    assert tracking.resolve_uri("sqlite:///mlruns.db", tmp_path) == f"sqlite:///{tmp_path}/mlruns.db"
    assert tracking.resolve_uri("sqlite:////abs/x.db", tmp_path) == "sqlite:////abs/x.db"
    assert tracking.resolve_uri("http://127.0.0.1:5000", tmp_path) == "http://127.0.0.1:5000"
    assert tracking.resolve_uri("sqlite:///sub/x.db") == f"sqlite:///{os.getcwd()}/sub/x.db"


def test_run_key_ignores_output_settings_only():
    job = {"seed": 0, "model": {"lr": 0.1}, "tracking": {"uri": "a"}, "report": {"out_dir": "r"}, "rerun": False}
    same = {**job, "tracking": {"uri": "b"}, "rerun": True, "report": {"out_dir": "elsewhere"}}
    assert tracking.run_key(job) == tracking.run_key(same)
    assert tracking.run_key(job) != tracking.run_key({**job, "seed": 1})
    assert tracking.run_key(job) != tracking.run_key({**job, "model": {"lr": 0.2}})


def test_flatten():
    flat = tracking.flatten({"model": {"lr": 0.1, "sizes": [64, 64], "x": None}, "seed": 2, "long": "a" * 7000})
    assert flat == {"model.lr": "0.1", "model.sizes": "[64, 64]", "model.x": "None", "seed": "2", "long": "a" * 6000}


@pytest.fixture
def store(tmp_path):
    return tracking.Store(f"sqlite:///{tmp_path}/mlruns.db", "exp")


def test_store_creates_experiment_once_with_artifacts_beside_the_db(tmp_path, store):
    again = tracking.Store(store.uri, "exp")
    assert again.experiment_id == store.experiment_id
    location = store.client.get_experiment(store.experiment_id).artifact_location
    assert location == (tmp_path / "mlartifacts" / "exp").as_uri()


def test_sqlite_store_uses_write_ahead_log_and_text_files_land_as_artifacts(tmp_path, store):
    import sqlite3

    mode = sqlite3.connect(tmp_path / "mlruns.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    run_id = store.start_run("r", {})
    store.log_texts(run_id, {"config.yaml": "a: 1\n", "sub/history.csv": "epoch\n1\n"})
    listed = {f.path for f in store.client.list_artifacts(run_id)} | {
        f.path for f in store.client.list_artifacts(run_id, "sub")
    }
    assert listed >= {"config.yaml", "sub/history.csv"}
    assert (
        store.client.download_artifacts(run_id, "config.yaml", str(tmp_path))
        and (tmp_path / "config.yaml").read_text() == "a: 1\n"
    )


def test_log_batches_beyond_mlflow_limits(store):
    run_id = store.start_run("r", {"bench.run_key": "k"})
    curves = [
        {"epoch": e, "time_s": e / 10, **{f"training/grad_norm/layer_{i}": e * i for i in range(12)}}
        for e in range(1, 101)
    ]  # 1,200 curve points: more than one batch
    params = {f"p{i}": str(i) for i in range(150)}
    store.log(run_id, {"test_accuracy": 0.5}, curves, params, {"bench.outcome": "ok"})
    store.end_run(run_id)
    run = store.client.get_run(run_id)
    assert len(run.data.params) == 150 and run.data.tags["bench.outcome"] == "ok"
    history = store.client.get_metric_history(run_id, "training/grad_norm/layer_3")
    assert [m.step for m in history] == list(range(1, 101))
    assert history[-1].value == 300
    assert history[-1].timestamp - history[0].timestamp == pytest.approx(9900, abs=2)


def test_find_finished_only_matches_finished_runs_with_the_key(store):
    assert store.find_finished("k1") is None
    failed = store.start_run("a", {"bench.run_key": "k1"})
    store.end_run(failed, "FAILED")
    assert store.find_finished("k1") is None
    done = store.start_run("b", {"bench.run_key": "k1"})
    store.end_run(done)
    assert store.find_finished("k1").info.run_id == done
    assert store.find_finished("k2") is None


def test_retry_waits_out_sqlite_locks_only(store):
    retry = store._call
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("(sqlite3.OperationalError) database is locked")
        return "done"

    assert retry(flaky) == "done" and len(calls) == 3

    def broken():
        raise RuntimeError("no such table: runs")

    with pytest.raises(RuntimeError, match="no such table"):
        retry(broken)

    races = []

    def racing_insert():
        races.append(1)
        if len(races) == 1:
            raise RuntimeError("UNIQUE constraint failed: datasets.experiment_id, datasets.name, datasets.digest")
        return "linked"

    with pytest.raises(RuntimeError, match="UNIQUE"):
        retry(racing_insert)  # not a transient error for every write
    races.clear()
    assert retry(racing_insert, transient=store_module.DATASET_RACE) == "linked" and len(races) == 2


def test_a_server_that_does_not_answer_is_waited_for_then_stops_the_sweep(store, capsys):
    store.timeout_s = 2.5
    calls = []

    def down_then_up():
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("API request to http://127.0.0.1:1/api failed: [Errno 111] Connection refused")
        return "answered"

    assert store._call(down_then_up) == "answered"  # an outage shorter than the wait: nothing lost

    def down():
        raise RuntimeError("HTTPConnectionPool(host='127.0.0.1'): Max retries exceeded")

    with pytest.raises(tracking.StoreUnavailable, match="did not answer for 2.5 s"):
        store._call(down)

    def full():
        raise OSError(28, "No space left on device")

    with pytest.raises(tracking.StoreUnavailable, match="no space left on the disk holding"):
        store._call(full)
    assert issubclass(tracking.StoreUnavailable, BaseException) and not issubclass(tracking.StoreUnavailable, Exception)


def test_a_run_whose_pid_now_belongs_to_another_process_is_interrupted(store):
    run = store.start_run("reused pid", {})  # this process's pid, with another process's start time
    store.client.set_tag(run, "bench.pid_started", "12.00")
    assert store.reap_interrupted() == ["reused pid"]


def test_reap_marks_only_runs_whose_process_is_gone(store):
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = gone.stdout.strip()
    orphan = store.start_run("orphan", {})
    store.client.set_tag(orphan, "bench.pid", dead_pid)
    alive = store.start_run("alive", {})  # this test's own process
    elsewhere = store.start_run("elsewhere", {})
    store.client.set_tag(elsewhere, "bench.host", "another-machine")
    store.client.set_tag(elsewhere, "bench.pid", dead_pid)
    assert store.reap_interrupted() == ["orphan"]
    assert store.client.get_run(orphan).info.status == "KILLED"
    assert store.client.get_run(alive).info.status == "RUNNING"
    assert store.client.get_run(elsewhere).info.status == "RUNNING"


@pytest.mark.parametrize(
    "name", ["../../escaped", "/etc/passwd", "a/b", ".hidden", "nul\x00byte", "x" * 300, "", "ok-name_1.2"]
)
def test_one_file_name_rule_keeps_every_name_in_its_folder(name, tmp_path):
    safe = tracking.file_name(name)
    assert "/" not in safe and "\x00" not in safe and not safe.startswith(".") and 0 < len(safe) <= 93
    assert (tmp_path / safe).resolve().parent == tmp_path.resolve()
    assert (safe == name) == (name == "ok-name_1.2")  # a name the rule changes carries a hash of itself
    assert tracking.file_name("a/b") != tracking.file_name("a_b")


def test_redact_hides_passwords_and_tokens():
    assert tracking.redact("https://me:s3cret@host:5000/x") == "https://me:***@host:5000/x"
    assert tracking.redact("https://ghp_TOKEN@host/x") == "https://***@host/x"
    assert tracking.redact("http://host:5000") == "http://host:5000"
    assert tracking.redact("sqlite:////tmp/mlruns.db") == "sqlite:////tmp/mlruns.db"


def test_a_variant_names_what_a_run_changes_or_adds_to_its_config_file():
    from bench.tracking.schema import variant

    defaults = {"name": "svm", "C": 1.0, "kernel": "rbf", "path": "???", "layers": [8, 8]}
    settings = {"name": "svm", "C": 10, "kernel": "rbf", "path": "a.csv", "layers": [64, 64, 64], "extra": None}
    assert variant(settings, defaults) == "C=10 extra=None layers=3x64"  # extra: added by another config group
    assert variant(defaults, defaults) == "" and variant(settings, None) == ""
