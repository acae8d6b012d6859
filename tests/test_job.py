"""``run(cfg)`` on the real configs made small, into a real SQLite store."""

import json
import os
import re
import signal
import time
from pathlib import Path

import mlflow
import numpy as np
import pytest
from sklearn.pipeline import Pipeline

from bench import capped, job, tracking

FAST_MLP = ("model=mlp", "model.max_epochs=5", "model.hidden_layer_sizes=[8,8]")
FINAL = {
    "train_accuracy",
    "test_accuracy",
    "test_balanced_accuracy",
    "test_f1_macro",
    "overfit_gap",
    "fit_time_s",
    "predict_time_s",
    "predict_latency_us",
    "peak_memory_mb",
    "model_size_bytes",
}


def runs(cfg):
    store = tracking.Store(cfg.tracking.uri, cfg.tracking.experiment)
    return store, store.client.search_runs([store.experiment_id])


def test_mlp_run_follows_the_schema(make_cfg, tmp_path):
    cfg = make_cfg("dataset=iris", *FAST_MLP, "seed=1")
    result = job.run(cfg)
    store, [run] = runs(cfg)
    assert run.info.status == "FINISHED" and run.info.run_name == "iris/mlp/seed=1"
    tags = run.data.tags
    assert tags["bench.dataset"] == "iris" and tags["bench.model"] == "mlp" and tags["bench.family"] == "neural"
    assert tags["bench.seed"] == "1" and tags["bench.outcome"] == "ok" and len(tags["bench.run_key"]) == 16
    assert {"bench.version", "bench.git_commit"} <= set(tags)
    assert FINAL | {
        "test_log_loss",
        "training/grad_ratio_first_last",
        "training/best_epoch",
        "training/epochs_run",
    } <= set(run.data.metrics)
    assert result["test_accuracy"] == run.data.metrics["test_accuracy"]
    assert run.data.params["model.lr"] == "0.001" and run.data.params["model.hidden_layer_sizes"] == "[8, 8]"
    assert run.data.params["dataset.name"] == "iris" and "tracking.uri" not in run.data.params
    curve = store.client.get_metric_history(run.info.run_id, "training/val_loss")
    assert [m.step for m in curve] == [1, 2, 3, 4, 5]
    for name in ("training/loss", "training/val_accuracy", "training/grad_norm/layer_0", "training/grad_norm/layer_2"):
        assert len(store.client.get_metric_history(run.info.run_id, name)) == 5
    # once per run, or in history.csv only: no metric of MLflow's is a single point at a later step
    for name in run.data.metrics:
        steps = [m.step for m in store.client.get_metric_history(run.info.run_id, name)]
        assert steps == [0] or steps == [1, 2, 3, 4, 5], (name, steps)
    assert "training/accuracy" not in run.data.metrics  # train_accuracy states it once: one name per quantity
    assert not any(k.startswith(("training/dead_frac/", "training/act_mean/")) for k in run.data.metrics)
    history = Path(store.client.download_artifacts(run.info.run_id, "history.csv", str(tmp_path)))
    columns = history.read_text().splitlines()[0].split(",")
    assert {"training/accuracy", "training/act_mean/layer_1", "training/dead_frac/layer_1"} <= set(columns)
    artifacts = {a.path for a in store.client.list_artifacts(run.info.run_id)}
    assert artifacts == {"config.yaml", "dataset.json", "confusion_matrix.csv", "history.csv"}
    assert "dataset.class_counts" not in run.data.params and tags["bench.variant"] == "hidden_layer_sizes=2x8 " + (
        "max_epochs=5"
    )
    [dataset_input] = run.inputs.dataset_inputs
    assert dataset_input.dataset.name == "iris"


@pytest.mark.parametrize("model", ["decision_tree", "svm", "knn"])
def test_every_family_logs_the_same_final_metrics(make_cfg, model):
    cfg = make_cfg("dataset=wine", f"model={model}")
    job.run(cfg)
    store, [run] = runs(cfg)
    assert set(run.data.metrics) >= FINAL
    assert "training/grad_ratio_first_last" not in run.data.metrics
    assert {a.path for a in store.client.list_artifacts(run.info.run_id)} == {
        "config.yaml",
        "dataset.json",
        "confusion_matrix.csv",
    }


def test_finished_job_is_skipped_unless_rerun(make_cfg, capsys):
    cfg = make_cfg("dataset=iris", "model=knn")
    first = job.run(cfg)
    assert job.run(cfg) == first
    assert "skipped" in capsys.readouterr().out
    assert len(runs(cfg)[1]) == 1
    job.run(make_cfg("dataset=iris", "model=knn", "rerun=true"))
    assert len(runs(cfg)[1]) == 2
    job.run(make_cfg("dataset=iris", "model=knn", "seed=1"))
    assert len(runs(cfg)[1]) == 3


def test_a_failing_job_is_recorded_and_does_not_raise(make_cfg, capsys):
    cfg = make_cfg("dataset=iris", "model=knn", "model.n_neighbors=500")  # more neighbours than samples
    assert job.run(cfg) == {}
    _, [run] = runs(cfg)
    assert run.info.status == "FAILED" and run.data.tags["bench.outcome"] == "error"
    assert "n_neighbors" in run.data.tags["bench.error"] and "\n" not in run.data.tags["bench.error"]
    assert "FAILED" in capsys.readouterr().out


def test_diverging_mlp_is_a_result(make_cfg):
    cfg = make_cfg("dataset=iris", *FAST_MLP, "model.optimizer=sgd", "model.lr=1e12", "model.early_stopping=false")
    job.run(cfg)
    _, [run] = runs(cfg)
    assert run.info.status == "FINISHED" and run.data.tags["bench.outcome"] == "diverged"
    assert 1 <= int(run.data.tags["bench.diverged_epoch"]) == run.data.metrics["training/epochs_run"] < 5


def test_same_seed_same_metrics(make_cfg):
    cfg = make_cfg("dataset=moons", *FAST_MLP)
    first = job.run(cfg)
    again = job.run(make_cfg("dataset=moons", *FAST_MLP, "rerun=true"))
    for name in ("test_accuracy", "train_accuracy", "test_log_loss", "training/grad_ratio_first_last"):
        assert first[name] == again[name]


def test_check_names_the_bad_value(make_cfg):
    with pytest.raises(job.ConfigError, match="'C' parameter of SVC .* Got 'abc'"):
        job.check(make_cfg("model=svm", "model.C=abc"))
    with pytest.raises(job.ConfigError, match="test_size must be a number in \\(0, 1\\); got 1.5"):
        job.check(make_cfg("test_size=1.5"))
    with pytest.raises(job.ConfigError, match="'n_samples' parameter of dataset 'moons'.*Got -3"):
        job.check(make_cfg("dataset=moons", "dataset.n_samples=-3"))


def test_log_model_stores_a_loadable_model(make_cfg):
    cfg = make_cfg("dataset=iris", "model=decision_tree", "tracking.log_model=true")
    job.run(cfg)
    store, [run] = runs(cfg)
    mlflow.set_tracking_uri(store.uri)
    model = mlflow.sklearn.load_model(f"runs:/{run.info.run_id}/model")
    assert model.predict([[5.1, 3.5, 1.4, 0.2]]).shape == (1,)


def test_learning_curve_is_logged_with_percent_steps(make_cfg):
    cfg = make_cfg("dataset=digits", "model=decision_tree", "learning_curve=[0.1,0.5,1.0]")
    result = job.run(cfg)
    store, [run] = runs(cfg)
    test_curve = store.client.get_metric_history(run.info.run_id, "learning_curve/test_accuracy")
    assert [m.step for m in test_curve] == [10, 50, 100]
    assert test_curve[-1].value == result["test_accuracy"]  # the full share is the job's own model
    assert test_curve[0].value < test_curve[-1].value  # a tree learns digits from more data
    train_curve = store.client.get_metric_history(run.info.run_id, "learning_curve/train_accuracy")
    assert all(m.value == 1.0 for m in train_curve)  # an unpruned tree memorises whatever it sees


def test_learning_curve_shares_are_checked(make_cfg):
    with pytest.raises(job.ConfigError, match="learning_curve must list training shares in \\(0, 1\\]"):
        job.check(make_cfg("learning_curve=[0.5,2]"))


def test_ctrl_c_that_a_library_turns_into_another_error_still_stops_the_sweep(make_cfg, monkeypatch):
    def load_interrupted(_dataset):
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:  # as OmegaConf does when the interrupt lands while it builds a config
            raise AttributeError("'NoneType' object has no attribute '_invalidate_flags_cache'") from None

    monkeypatch.setattr(job, "build_source", load_interrupted)
    cfg = make_cfg("dataset=iris", "model=knn")
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        job.run(cfg)
    _, [run] = runs(cfg)
    assert run.info.status == "KILLED" and "bench.error" not in run.data.tags
    assert signal.getsignal(signal.SIGINT) is handler  # the job's handler is gone with the job


@pytest.mark.parametrize("settings", [(), ("protocol=cv", "protocol.folds=3")])
def test_a_validation_part_is_held_out_of_the_training_part(make_cfg, settings):
    plain = job.prepare(make_cfg("dataset=wine", "model=decision_tree", *settings), fold=0 if settings else None)
    cfg = make_cfg("dataset=wine", "model=decision_tree", *settings, "+protocol.validation_fraction=0.2")
    held = job.prepare(cfg, fold=0 if settings else None)
    assert len(held.X_train) + len(held.X_val) == len(plain.X_train) and len(held.X_val) == round(
        0.2 * len(plain.X_train)
    )
    assert np.array_equal(np.asarray(held.X_test), np.asarray(plain.X_test))  # the test part as before
    scores = job.fit_and_score(held).metrics
    assert {"val_accuracy", "val_balanced_accuracy"} <= set(scores)
    assert scores["train_accuracy"] == 1.0  # an unpruned tree on its own fit part
    assert "val_accuracy" not in job.fit_and_score(plain).metrics  # no option, no new metrics
    job.run(cfg)
    found = runs(cfg)[1]
    assert len(found) == (3 if settings else 1)
    for run in found:
        assert run.data.params["protocol.validation_fraction"] == "0.2" and "val_accuracy" in run.data.metrics


def sleepy(make_cfg, *overrides: str, **settings):
    """A job whose model sleeps in ``fit`` (tests/helpers_slow.py), as a test-only model config."""
    from omegaconf import OmegaConf, open_dict

    cfg = make_cfg("dataset=iris", *overrides)
    with open_dict(cfg):
        model = {"_target_": "helpers_slow.Sleepy", "name": "sleepy", "family": "test", **settings}
        cfg.model = OmegaConf.create(model)
        cfg.allowed_modules = ["helpers_slow"]
    return cfg


def test_a_fit_over_its_cap_is_killed_and_recorded_as_a_timeout(make_cfg, capsys, tmp_path):
    from bench.cli.export_cmd import export_table
    from bench.report import table
    from bench.report.render import write_reports

    cfg = sleepy(make_cfg, "+protocol.fit_timeout_s=1.5", seconds=60)
    before, started = live_children(), time.perf_counter()
    assert job.run(cfg) == {"fit_time_s": 1.5}
    assert time.perf_counter() - started < 30  # killed at its cap, not waited for
    assert live_children() <= before  # and no worker sleeps on
    assert "TIMEOUT after 1.5 s" in capsys.readouterr().out
    store, [run] = runs(cfg)
    assert run.info.status == "FINISHED" and run.data.tags["bench.outcome"] == "timeout"
    assert run.data.metrics == {"fit_time_s": 1.5}  # the cap as its cost, no accuracy
    assert {a.path for a in store.client.list_artifacts(run.info.run_id)} == {"config.yaml", "dataset.json"}
    tidy = table.load_runs(cfg.tracking.uri, cfg.tracking.experiment)
    assert tidy["outcome"].tolist() == ["timeout"]
    assert export_table(tidy)["outcome"].tolist() == ["timeout"]  # python -m bench export keeps it
    job.run(make_cfg("dataset=iris", "model=knn"))  # beside a scored run, the report ranks that one alone
    tidy = table.load_runs(cfg.tracking.uri, cfg.tracking.experiment)
    _, md = write_reports(tidy, tmp_path / "out", "report", {"experiment": "bench"})
    text = md.read_text()
    assert re.search(r"\| Timed out +\| +1 \|", text) and "1 run timed out" in text and "sleepy on iris" in text


def live_children() -> set[int]:
    """The pids of this process's children that have not exited, read from /proc: zombies and the resource
    trackers (one per process for its lifetime, started with the first worker) left out."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:  # exited while being read
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z" and b"resource_tracker" not in command:
            found.add(int(stat.parent.name))
    return found


def test_a_capped_fit_runs_inside_a_joblib_worker():
    """The joblib launcher runs jobs in loky workers, whose start method the standard library's spawn cannot
    pass on to a child of its own: the capped fit must start its process from there as well."""
    from joblib import Parallel, delayed
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    fits = Parallel(n_jobs=2, backend="loky")(
        delayed(capped.fit)(Pipeline([("model", DecisionTreeClassifier(random_state=s))]), X, y, 60) for s in (0, 1)
    )
    assert [fitted.score(X, y) for fitted, *_ in fits] == [1.0, 1.0]


def test_a_fit_that_fails_under_its_cap_is_an_error(make_cfg, capsys):
    job.run(sleepy(make_cfg, "+protocol.fit_timeout_s=60", fail=True))
    [run] = runs(make_cfg())[1]
    assert run.info.status == "FAILED" and run.data.tags["bench.outcome"] == "error"
    assert "Sleepy was told to fail" in run.data.tags["bench.error"] and "\n" not in run.data.tags["bench.error"]
    assert "FAILED: in the capped fit's process: Sleepy was told to fail" in capsys.readouterr().out


# the MLP's fitted torch module comes back from the child too (torch's own multiprocessing reducers would hand it
# over through file descriptors that close with the child)
@pytest.mark.parametrize("model", ["decision_tree", "mlp_lean"])
def test_a_fit_under_its_cap_scores_as_without_it(make_cfg, model):
    small = ["model.max_epochs=3"] if model == "mlp_lean" else []
    plain_job = job.prepare(make_cfg("dataset=wine", f"model={model}", *small))
    plain = job.fit_and_score(plain_job).metrics
    capped = make_cfg(
        "dataset=wine", f"model={model}", *small, "+protocol.fit_timeout_s=120", "tracking.log_model=true"
    )
    result = job.run(capped)
    for key in ("train_accuracy", "test_accuracy", "test_balanced_accuracy", "test_f1_macro"):
        assert result[key] == plain[key]
    # the same tree, though a pickle of a copy unpickled from the child may not match byte for byte
    assert result["model_size_bytes"] == pytest.approx(plain["model_size_bytes"], rel=0.1)
    store, [run] = runs(capped)
    assert run.data.tags["bench.outcome"] == "ok" and result["fit_time_s"] > 0
    artifacts = {"config.yaml", "dataset.json", "confusion_matrix.csv"} | (
        {"history.csv"} if model == "mlp_lean" else set()
    )
    assert {a.path for a in store.client.list_artifacts(run.info.run_id)} == artifacts
    mlflow.set_tracking_uri(store.uri)  # the fitted copy from the child is the model logged
    assert mlflow.sklearn.load_model(f"runs:/{run.info.run_id}/model").predict(plain_job.X_test).shape == (45,)


@pytest.mark.parametrize(
    "protocol",
    [
        ["protocol=holdout"],
        ["protocol=cv", "protocol.folds=2"],
        ["protocol=tuned", "protocol.folds=2", "protocol.n_trials=2", "+protocol.ensemble=2"],
    ],
    ids=["holdout", "cv", "tuned+ensembled"],
)
def test_the_modern_recipe_runs_in_every_protocol(make_cfg, protocol):
    cfg = make_cfg("dataset=wine", "model=mlp_modern", "model.max_epochs=4", "model.embedding_dim=4", *protocol)
    result = job.run(cfg)
    _, recorded = runs(cfg)
    assert {r.data.tags["bench.outcome"] for r in recorded} == {"ok"}
    assert all(r.data.params["model.num_embeddings"] == "periodic" for r in recorded)
    for run in recorded:  # a tuned run's depth is its trial's: one gradient norm per hidden layer and the output
        sizes = run.data.params.get("tuned.hidden_layer_sizes", run.data.params["model.hidden_layer_sizes"])
        norms = [k for k in run.data.metrics if k.startswith("training/grad_norm/layer_")]
        assert len(norms) == len(json.loads(sizes)) + 1
    assert 0 <= result["test_accuracy"] <= 1
    if "+protocol.ensemble=2" in protocol:
        assert all(0 <= r.data.metrics["ensemble_test_accuracy"] <= 1 for r in recorded)
