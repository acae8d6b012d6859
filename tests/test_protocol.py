"""The protocols: which rows a model learns from and is tested on, the same for every model."""

from __future__ import annotations

import numpy as np
import pytest

from bench import data, protocol

CV = {"name": "cv", "folds": 4, "repeats": 2}
TUNED = {"name": "tuned", "folds": 5, "repeats": 1, "n_trials": 3, "validation_fraction": 0.2}


def dataset(n: int = 120) -> data.Dataset:
    return data.Moons(n_samples=n, noise=0.3, random_state=0).load()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"name": "cv", "folds": 1, "repeats": 1}, "protocol.folds must be an int >= 2; got 1"),
        ({"name": "cv", "folds": 5, "repeats": 0}, "protocol.repeats must be an int >= 1; got 0"),
        ({"name": "cv", "folds": "5", "repeats": 1}, "protocol.folds must be an int >= 2; got '5'"),
        ({"name": "tuned", "folds": 5, "repeats": 1, "n_trials": -1, "validation_fraction": 0.2}, "n_trials"),
        ({"name": "tuned", "folds": 5, "repeats": 1, "n_trials": 3, "validation_fraction": 1.0}, "(0, 1)"),
        ({"name": "loo"}, "unknown protocol 'loo'; choose from: holdout, cv, tuned"),
        (
            {"name": "holdout", "validation_fraction": 0},
            "protocol.validation_fraction must be a number in (0, 1); got 0",
        ),
        ({**CV, "validation_fraction": "0.2"}, "protocol.validation_fraction must be a number in (0, 1); got '0.2'"),
        ({"name": "holdout", "fit_timeout_s": 0}, "protocol.fit_timeout_s must be a positive number of seconds"),
        (
            {**CV, "fit_timeout_s": True},
            "protocol.fit_timeout_s must be a positive number of seconds or null; got True",
        ),
        ({"name": "holdout", "search_space": "svm"}, "protocol.search_space must name a file of conf/search_space/"),
        (
            {"name": "tuned", "folds": 5, "repeats": 1, "n_trials": 3, "validation_fraction": 0.2, "pruner": "mediam"},
            "unknown protocol.pruner='mediam'; choose from: none, median, hyperband",
        ),
        (
            {"name": "tuned", "folds": 5, "repeats": 1, "n_trials": 3, "validation_fraction": 0.2, "n_jobs": 0},
            "protocol.n_jobs must be an int >= 1; got 0",
        ),
        ({**TUNED, "ensemble": -1}, "protocol.ensemble must be an int >= 0; got -1"),
        ({**TUNED, "ensemble": "x"}, "protocol.ensemble must be an int >= 0; got 'x'"),
        ({**TUNED, "ensemble": 2.5}, "protocol.ensemble must be an int >= 0; got 2.5"),
        ({**CV, "ensemble": 3}, "protocol.ensemble ensembles a search's trials: it needs protocol=tuned; got 3"),
        ({"name": "holdout", "ensemble": 0}, "it needs protocol=tuned; got 0"),
    ],
)
def test_bad_settings_name_the_value(settings, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        protocol.check(settings)


def test_an_ensemble_is_a_tuned_setting_that_old_runs_lack():
    protocol.check({**TUNED, "ensemble": 0})
    protocol.check({**TUNED, "ensemble": 5})
    tuned = protocol.get("tuned")
    params = {"params.protocol.folds": 5.0, "params.protocol.repeats": 1.0, "params.protocol.n_trials": 3.0}
    assert tuned.describe(params) == "tuned (5-fold stratified CV, default + 3 trials per model)"
    ensembled = tuned.describe({**params, "params.protocol.ensemble": 4.0})
    assert ensembled == "tuned (5-fold stratified CV, default + 3 trials per model, ensembles of 4 picks)"
    assert tuned.describe({**params, "params.protocol.ensemble": 0.0}) == tuned.describe(params)


def test_holdout_is_the_seeded_stratified_split_every_job_used():
    moons = dataset()
    ours = protocol.split(moons, {"name": "holdout"}, None, 0.25, 3)
    for a, b in zip(ours, data.split(moons, 0.25, 3), strict=True):
        np.testing.assert_array_equal(a, b)
    assert protocol.folds({"name": "holdout"}) == [None]


def test_cross_validation_folds_partition_the_rows_each_repeat_and_depend_on_the_seed_only():
    moons = dataset()
    rows = {tuple(x): i for i, x in enumerate(moons.X)}
    tests = []
    for fold in protocol.folds(CV):
        X_train, X_test, y_train, y_test = protocol.split(moons, CV, fold, 0.25, 7)
        assert len(X_train) + len(X_test) == len(moons.y)
        assert abs(y_test.mean() - moons.y.mean()) < 0.05  # stratified
        tests.append({rows[tuple(x)] for x in X_test})
    assert len(tests) == 8
    for repeat in (tests[:4], tests[4:]):
        assert set().union(*repeat) == set(range(len(moons.y))) and sum(map(len, repeat)) == len(moons.y)
    assert tests[:4] != tests[4:]  # the second repeat shuffles anew
    again = protocol.split(moons, CV, 5, 0.25, 7)[1]
    np.testing.assert_array_equal(again, protocol.split(moons, CV, 5, 0.25, 7)[1])
    assert not np.array_equal(again, protocol.split(moons, CV, 5, 0.25, 8)[1])


def test_the_validation_part_is_a_seeded_stratified_share_of_the_training_part():
    X_train, _, y_train, _ = protocol.split(dataset(200), CV, 1, 0.25, 3)
    X_fit, X_val, y_fit, y_val = protocol.validation_split(X_train, y_train, 0.2, 3, 1)
    assert len(X_val) == round(0.2 * len(X_train)) and len(X_fit) + len(X_val) == len(X_train)
    assert abs(y_val.mean() - y_train.mean()) < 0.05  # stratified
    rows = {tuple(x) for x in X_train}
    assert {tuple(x) for x in X_val} <= rows and not {tuple(x) for x in X_val} & {tuple(x) for x in X_fit}
    np.testing.assert_array_equal(X_val, protocol.validation_split(X_train, y_train, 0.2, 3, 1)[1])
    assert not np.array_equal(X_val, protocol.validation_split(X_train, y_train, 0.2, 3, 2)[1])  # fold's own
    assert protocol.validation_share({"name": "holdout"}) is None
    assert protocol.validation_share({**CV, "validation_fraction": 0.2}) == 0.2
    assert protocol.validation_share({"name": "tuned", "validation_fraction": 0.2}) is None  # its trials' own split


def test_a_class_smaller_than_the_folds_is_one_line():
    tiny = data.Dataset("tiny", np.arange(12.0).reshape(6, 2), np.array([0, 0, 0, 0, 1, 1]), "none", None)
    with pytest.raises(ValueError, match="protocol.folds=4 needs 4 rows of every class; the smallest class has 2"):
        protocol.split(tiny, {"name": "cv", "folds": 4, "repeats": 1}, 0, 0.25, 0)


def runs_of(db, experiment: str = "bench") -> list:
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{db}")
    found = client.search_runs([client.get_experiment_by_name(experiment).experiment_id])
    return [r for r in found if "bench.run_key" in r.data.tags]


@pytest.mark.slow
def test_cross_validation_through_the_cli_records_one_run_per_fold_and_resumes(tmp_path):
    from conftest import run_main

    args = [
        "dataset=iris",
        "model=knn,decision_tree",
        "seed=0",
        "protocol=cv",
        "protocol.folds=3",
        "report.enabled=false",
    ]
    done = run_main(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    runs = runs_of(tmp_path / "mlruns.db")
    names = sorted(r.info.run_name for r in runs)
    assert names == [f"iris/{m}/seed=0/fold={f}" for m in ("decision_tree", "knn") for f in range(3)]
    assert {(r.data.tags["bench.protocol"], r.data.tags["bench.fold"]) for r in runs} == {
        ("cv", str(f)) for f in range(3)
    }
    assert all(r.info.status == "FINISHED" and r.data.params["protocol.folds"] == "3" for r in runs)
    again = run_main(*args, cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.startswith("nothing to run: all 6 runs of this sweep")


@pytest.mark.slow
def test_tuning_through_the_cli_gives_every_family_the_same_budget(tmp_path):
    from conftest import run_main

    models = "knn,svm,decision_tree,logreg,mlp"
    args = ["dataset=iris", f"model={models}", "seed=0", "protocol=tuned", "protocol.folds=2", "protocol.n_trials=3"]
    done = run_main(*args, "report.enabled=false", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    runs = runs_of(tmp_path / "mlruns.db")
    assert len(runs) == 10 and {r.data.metrics["tuning_trials"] for r in runs} == {4.0}
    for run in runs:
        assert run.data.tags["bench.protocol"] == "tuned"
        assert any(key.startswith("tuned.") for key in run.data.params)
    assert list((tmp_path / "optuna" / "bench").glob("*.journal"))  # the studies, for resuming an interrupted job


@pytest.mark.science
def test_benchmark_lite_tunes_every_family_with_the_same_budget_and_reports(tmp_path):
    from conftest import run_cli

    done = run_cli("experiment=benchmark_lite", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    runs = runs_of(tmp_path / "mlruns.db", "benchmark_lite")
    assert len(runs) == 4 * 8 * 2 and all(r.info.status == "FINISHED" for r in runs)
    budget = {(r.data.tags["bench.family"], r.data.metrics["tuning_trials"]) for r in runs}
    assert {trials for _, trials in budget} == {5.0}
    assert {family for family, _ in budget} == {"neural", "tree", "kernel", "neighbors", "linear", "tree_ensemble"}
    assert {r.data.tags["bench.model"] for r in runs if r.data.tags["bench.family"] == "neural"} == {
        "mlp",
        "mlp_modern",
    }
    members = [r.data.metrics["ensemble_members"] for r in runs]  # tuned and ensembled, side by side
    assert all(1 <= m <= 3 for m in members) and all("ensemble_test_accuracy" in r.data.metrics for r in runs)
    assert (tmp_path / "reports" / "benchmark_lite.html").is_file() and (
        tmp_path / "reports" / "benchmark_lite.md"
    ).is_file()


class Halves(protocol.Protocol):
    """A protocol defined outside bench: two folds, each half of the rows once the test part."""

    name = "halves"
    unit = "folds"

    def folds(self, settings):
        return [0, 1]

    def split(self, data, settings, fold, test_size, seed):
        X_a, X_b, y_a, y_b = protocol.PROTOCOLS["holdout"].split(data, settings, None, 0.5, seed)
        return (X_b, X_a, y_b, y_a) if fold else (X_a, X_b, y_a, y_b)

    def test_ratio(self, params):
        return 1.0

    def describe(self, params):
        return "halves (each half of the rows tested once)"


def test_a_protocol_defined_outside_bench_needs_one_class_and_one_config_file(monkeypatch, tmp_path):
    from conftest import run_main

    monkeypatch.setattr(protocol, "PROTOCOLS", dict(protocol.PROTOCOLS))  # the registry as it was, after the test
    protocol.register(Halves())
    (tmp_path / "mine" / "protocol").mkdir(parents=True)
    (tmp_path / "mine" / "protocol" / "halves.yaml").write_text("name: halves\n")
    args = ["hydra.searchpath=[file://mine]", "protocol=halves", "dataset=iris", "model=knn,decision_tree", "seed=0"]
    done = run_main(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    runs = runs_of(tmp_path / "mlruns.db")
    assert sorted(r.info.run_name for r in runs) == [
        f"iris/{m}/seed=0/fold={f}" for m in ("decision_tree", "knn") for f in (0, 1)
    ]
    assert {r.data.tags["bench.protocol"] for r in runs} == {"halves"}
    report = (tmp_path / "reports" / "bench.md").read_text()
    assert "halves (each half of the rows tested once)" in report and "over folds" in report
