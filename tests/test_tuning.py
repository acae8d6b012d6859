"""Equal-budget tuning: the test fold takes no part in the choice, every family gets the same trials, and an
interrupted study resumes."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from bench import job, studies, tuning

TUNED = ("protocol=tuned", "protocol.folds=3", "protocol.n_trials=4")
FAMILIES = ("mlp", "decision_tree", "svm", "knn", "logreg", "random_forest", "hist_gradient_boosting")


def tuned_job(make_cfg, model: str, *extra: str) -> job.Prepared:
    epochs = "model.max_epochs=10" if model == "mlp" else "seed=0"
    cfg = make_cfg("dataset=moons", "dataset.n_samples=300", f"model={model}", *TUNED, epochs, *extra)
    return job.prepare(cfg, fold=0)


def shuffled_test_labels(prepared: job.Prepared) -> job.Prepared:
    """The same job with its test fold made unlearnable."""
    labels = np.random.default_rng(0).permutation(prepared.y_test)
    return job.Prepared(
        **{**vars(prepared), "y_test": labels, "model": job.build_model(prepared.cfg.model, prepared.data)}
    )


@pytest.mark.parametrize("model", ["svm", "knn", "decision_tree"])
def test_the_choice_never_looks_at_the_test_fold(make_cfg, model):
    prepared = tuned_job(make_cfg, model)
    unlearnable = shuffled_test_labels(prepared)
    chosen = job.fit_and_score(prepared).tuning
    blind = job.fit_and_score(unlearnable).tuning
    assert chosen.best == blind.best
    np.testing.assert_array_equal(chosen.trials["val_accuracy"], blind.trials["val_accuracy"])
    assert not np.allclose(chosen.trials["test_accuracy"], blind.trials["test_accuracy"])  # the test labels moved


def test_every_family_gets_the_default_and_the_same_number_of_trials(make_cfg):
    counts = {}
    for model in FAMILIES:
        result = job.fit_and_score(tuned_job(make_cfg, model))
        counts[model] = result.metrics["tuning_trials"]
        assert set(result.tuning.params) == {f"tuned.{name}" for name in tuning.load_space(model)}
        assert result.tuning.trials["params"].iloc[0] == {}  # trial 0: the model's own config
    assert set(counts.values()) == {5.0}, counts


def test_an_interrupted_study_resumes_its_trials(make_cfg, tmp_path):
    prepared = tuned_job(make_cfg, "svm")
    split = (prepared.X_train, prepared.X_test, prepared.y_train, prepared.y_test)
    space, path = tuning.load_space("svm"), tmp_path / "optuna" / "t.journal"
    protocol = {**prepared.cfg.protocol, "n_trials": 2}
    first = tuning.tune(prepared.model, split, protocol, space, studies.open_study(path, "k", 3, fresh=False))
    resumed = tuning.tune(
        prepared.model, split, {**protocol, "n_trials": 5}, space, studies.open_study(path, "k", 3, fresh=False)
    )
    assert len(first.trials) == 3 and len(resumed.trials) == 6
    assert resumed.trials["params"].iloc[:3].tolist() == first.trials["params"].tolist()  # kept, not redone
    assert len(studies.open_study(path, "k", 3, fresh=True).trials) == 0  # rerun=true starts over


def test_trials_a_ctrl_c_stops_in_two_workers_at_once_count_for_nothing(tmp_path, monkeypatch):
    path = tmp_path / "t.journal"
    study = studies.open_study(path, "k", 0, fresh=False)
    study.add_trial(optuna.trial.create_trial(value=0.5))  # a trial that ended: it counts

    def stopped(self, trial):
        raise KeyboardInterrupt

    monkeypatch.setattr(tuning.Objective, "_trial", stopped)
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    objective = tuning.Objective(make_pipeline(SVC()), (), {}, None)
    workers = [optuna.load_study(study_name="k", storage=studies.journal(path)) for _ in range(2)]
    for worker in workers:  # each worker process holds its own handle on the journal, read before either writes
        with pytest.raises(KeyboardInterrupt):
            worker.optimize(objective, n_trials=1)
    resumed = studies.open_study(path, "k", 0, fresh=False)
    assert [t.state.name for t in resumed.trials] == ["COMPLETE", "FAIL", "FAIL"]  # Optuna fails them
    assert [t.number for t in studies.counted(resumed)] == [0]
    # each noted on the trial itself: two workers interrupted at once would overwrite each other's study-wide note
    assert [bool(t.user_attrs.get(studies.INTERRUPTED)) for t in resumed.trials] == [False, True, True]


def test_the_tuning_curve_follows_the_best_validation_score_so_far():
    import pandas as pd

    trials = pd.DataFrame(
        {
            "params": [{}, {"C": 1}, {"C": 2}, {"C": 3}],
            "val_accuracy": [0.8, 0.7, 0.9, 0.9],
            "test_accuracy": [0.75, 0.99, 0.85, 0.5],
            "seconds": [1.0, 1.0, 1.0, 1.0],
            "state": "COMPLETE",
        }
    )
    result = tuning.Tuning({"C": 2}, trials, 5.0, 4.0)
    curve = result.curves
    assert [r["tuning/best_val_accuracy"] for r in curve] == [0.8, 0.8, 0.9, 0.9]
    assert [r["tuning/best_test_accuracy"] for r in curve] == [0.75, 0.75, 0.85, 0.85]  # a tie keeps the first
    assert result.metrics["tuning_trials"] == 4 and result.metrics["tuning_work_s"] == 4.0


class Estimator:
    def get_params(self, deep: bool = False) -> dict:
        return {"C": 1.0, "gamma": "scale", "hidden_layer_sizes": [8]}


@pytest.mark.parametrize(
    ("space", "message"),
    [
        (
            {"Cc": {"low": 1, "high": 2}},
            "unknown parameter 'Cc' of Estimator; choose from: C, gamma, hidden_layer_sizes",
        ),
        ({"C": {"low": 10.0, "high": 0.1}}, "C has reversed bounds: low 10.0 > high 0.1"),
        ({"C": {"low": 0.0, "high": 1.0, "log": True}}, "C is log-scaled but its low bound 0.0 is not positive"),
        ({"gamma": {"choices": []}}, "gamma has no choices"),
        ({"C": {"low": "a", "high": 1}}, "C needs numeric bounds"),
        ({"hidden_layer_sizes": {"depth": [3, 1], "width": [8, 64]}}, "reversed bounds: low 3 > high 1"),
    ],
)
def test_a_bad_search_space_names_the_file_and_the_range(space, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")) as caught:
        tuning.check_space(space, Estimator(), "svm")
    assert str(caught.value).startswith("conf/search_space/svm.yaml: ")


def test_every_shipped_search_space_fits_its_model(make_cfg):
    """A model's own space is named after it; a space chosen by protocol.search_space, ``<model>_capacity``."""
    for path in sorted(tuning.SPACES.glob("*.yaml")):
        model = path.stem.removesuffix("_capacity")
        if model != path.stem:
            job.check(make_cfg(f"model={model}", *TUNED, f"+protocol.search_space={path.stem}"))
        else:
            job.check(make_cfg(f"model={path.stem}", *TUNED))


def test_a_named_search_space_is_the_one_tuned(make_cfg):
    cfg = make_cfg("dataset=moons", "model=decision_tree", *TUNED, "+protocol.search_space=decision_tree_capacity")
    tuned = job.fit_and_score(job.prepare(cfg, fold=0)).tuning
    assert set(tuned.best) == {"max_depth", "ccp_alpha"}
    drawn = tuned.trials["params"].iloc[1:]
    assert all(set(p) == {"max_depth", "ccp_alpha"} for p in drawn)
    assert all(1 <= p["max_depth"] <= 30 and 1e-5 <= p["ccp_alpha"] <= 0.05 for p in drawn)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("protocol=tuned", "+protocol.search_space=trees"), "unknown protocol.search_space='trees' "),
        (("protocol=cv", "+protocol.search_space=decision_tree_capacity"), "under protocol=tuned; got"),
        (("protocol=tuned", "+protocol.search_space=svm"), "conf/search_space/svm.yaml: unknown parameter 'C'"),
    ],
)
def test_a_bad_named_search_space_is_one_line(make_cfg, extra, message):
    with pytest.raises(job.ConfigError, match=message.replace("(", r"\(")) as caught:
        job.check(make_cfg("model=decision_tree", *extra))
    assert "\n" not in str(caught.value)
    if "trees" in extra[1]:
        assert "decision_tree_capacity" in str(caught.value)  # the files to choose from


def test_a_model_without_a_search_space_cannot_be_tuned(make_cfg):
    with pytest.raises(job.ConfigError, match="no search space for model 'mlp_lean'"):
        job.check(make_cfg("model=mlp_lean", *TUNED))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("C: {low: 1000.0, high: 0.01, log: true}\n", "conf/search_space/svm.yaml: C has reversed bounds"),
        ("Cost: {low: 0.01, high: 10.0}\n", "conf/search_space/svm.yaml: unknown parameter 'Cost' of SVC"),
    ],
)
def test_a_bad_search_space_stops_the_sweep_before_training(monkeypatch, tmp_path, text, message):
    from bench.cli.preflight import UsageError, preflight

    (tmp_path / "svm.yaml").write_text(text)
    monkeypatch.setattr(tuning, "SPACES", tmp_path)
    argv = ["model=svm,knn", "protocol=tuned", f"tracking.uri=sqlite:///{tmp_path}/s.db", "report.enabled=false"]
    with pytest.raises(UsageError, match=message) as caught:
        preflight(argv)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "s.db").exists()  # nothing recorded, nothing trained


def test_a_trial_over_the_time_cap_is_recorded_as_timed_out_and_never_chosen(make_cfg):
    prepared = job.prepare(make_cfg("dataset=moons", "model=svm", *TUNED, "+protocol.trial_timeout_s=1e-9"), fold=0)
    tuned = job.fit_and_score(prepared).tuning
    trials = tuned.trials
    assert trials["timed_out"].tolist() == [False] + [True] * 4  # the default config is the baseline, never capped
    assert trials["state"].tolist() == ["COMPLETE"] + ["FAIL"] * 4 and trials["val_accuracy"].iloc[1:].isna().all()
    assert tuned.best == {name: prepared.model[-1].get_params()[name] for name in tuning.load_space("svm")}
    assert tuned.metrics["tuning_trials"] == 5 and tuned.metrics["tuning_trials_timed_out"] == 4


def test_the_time_cap_must_be_positive(make_cfg):
    with pytest.raises(job.ConfigError, match="protocol.trial_timeout_s must be a positive number of seconds or null"):
        job.check(make_cfg(*TUNED, "+protocol.trial_timeout_s=0"))


def test_losing_mlp_trials_are_pruned_recorded_as_such_and_never_chosen(make_cfg):
    overrides = ("dataset=moons", "model=mlp", "protocol=tuned", "protocol.folds=3", "protocol.n_trials=12")
    prepared = job.prepare(make_cfg(*overrides, "model.max_epochs=30", "model.verbose=false"), fold=0)
    result = job.fit_and_score(prepared)
    trials = result.tuning.trials
    pruned = trials["state"].eq("PRUNED")
    assert pruned.any() and result.metrics["tuning_trials_pruned"] == pruned.sum()
    assert trials.loc[pruned, "val_accuracy"].isna().all()  # its last report is not a validation score
    assert (trials.loc[pruned, "pruned_epoch"] >= 5).all()  # never before a trial has run 5 epochs
    assert (trials.loc[pruned, "seconds"] > 0).all()  # its fit is work the search did
    assert result.tuning.trials["val_accuracy"].idxmax() not in trials.index[pruned]
    unpruned = job.fit_and_score(
        job.prepare(make_cfg(*overrides, "model.max_epochs=30", "model.verbose=false", "protocol.pruner=none"), 0)
    )
    assert unpruned.metrics["tuning_trials_pruned"] == 0
    assert unpruned.tuning.trials["state"].eq("COMPLETE").all()


def test_a_model_that_reports_no_epochs_is_never_pruned(make_cfg):
    result = job.fit_and_score(tuned_job(make_cfg, "svm", "protocol.n_trials=10"))
    assert result.metrics["tuning_trials_pruned"] == 0


def test_two_workers_run_the_trials_of_one_study(make_cfg):
    prepared = job.prepare(
        make_cfg("dataset=moons", "model=svm", *TUNED[:-1], "protocol.n_trials=6", "protocol.n_jobs=2"), 0
    )
    tuned = job.fit_and_score(prepared).tuning
    trials = tuned.trials
    assert trials["number"].tolist() == list(range(7)) and trials["state"].eq("COMPLETE").all()
    assert trials["params"].iloc[0] == {}  # trial 0, run by a worker too, is still the default config
    assert len({str(p) for p in trials["params"]}) == 7  # the workers drew different configs, none twice
    best = trials["val_accuracy"].idxmax()
    assert tuned.best == {**tuned.best, **trials["params"].iloc[best]}
    assert tuned.work_s > 0 and tuned.metrics["tuning_trials"] == 7
    from joblib import Parallel, delayed

    # the workers are joblib's own: any later joblib call in the process still gets a working executor
    assert Parallel(n_jobs=2, backend="loky")(delayed(abs)(-n) for n in range(3)) == [0, 1, 2]


ENSEMBLE = ("protocol.n_trials=3", "+protocol.ensemble=3")  # tuned + ensembled, small


def members(params: dict[str, str]) -> dict[int, float]:
    """``tuned.ensemble_members`` back as trial number -> weight."""
    pairs = (pair.split(":") for pair in params["tuned.ensemble_members"].split())
    return {int(number): float(weight) for number, weight in pairs}


@pytest.mark.parametrize("model", ["knn", "mlp"])
def test_tuned_and_ensembled_records_its_members_and_scores(make_cfg, model):
    from bench.metrics import ENSEMBLE as NAMES

    result = job.fit_and_score(tuned_job(make_cfg, model, *ENSEMBLE))
    tuned, metrics = result.tuning, result.metrics
    assert set(NAMES) <= set(metrics) and tuned.candidates.numbers == [0, 1, 2, 3]  # every trial is a candidate
    chosen = members(tuned.params)
    assert chosen == pytest.approx(tuned.ensemble.members, abs=1e-3) and set(chosen) <= {0, 1, 2, 3}
    assert metrics["ensemble_members"] == len(chosen) and sum(tuned.ensemble.members.values()) == pytest.approx(1)
    assert all(k * 3 == pytest.approx(round(k * 3)) for k in tuned.ensemble.members.values())  # counts / K
    assert 0.5 < metrics["ensemble_test_accuracy"] <= 1 and 0.5 < metrics["ensemble_val_accuracy"] <= 1
    assert metrics["ensemble_fit_time_s"] > 0


@pytest.mark.parametrize("model", ["knn", "decision_tree", "svm", "mlp"])
def test_the_ensemble_never_looks_at_the_test_fold(make_cfg, model):
    prepared = tuned_job(make_cfg, model, *ENSEMBLE)
    unlearnable = shuffled_test_labels(prepared)
    chosen = job.fit_and_score(prepared).tuning.ensemble
    blind = job.fit_and_score(unlearnable).tuning.ensemble
    assert chosen.members == blind.members and chosen.val_accuracy == blind.val_accuracy
    assert chosen.test_accuracy != blind.test_accuracy  # the test labels moved, and only the score with them


def test_without_an_ensemble_nothing_is_kept_or_recorded(make_cfg):
    prepared = tuned_job(make_cfg, "knn", "protocol.n_trials=3")
    split = (prepared.X_train, prepared.X_test, prepared.y_train, prepared.y_test)
    study = studies.open_study(None, "", 0, fresh=True)
    tuned = tuning.tune(prepared.model, split, prepared.cfg.protocol, tuning.load_space("knn"), study)
    assert not any("val_proba" in t.user_attrs for t in study.trials) and tuned.candidates is None
    result = job.fit_and_score(tuned_job(make_cfg, "knn", "protocol.n_trials=3"))
    assert not any(name.startswith("ensemble_") for name in result.metrics)
    assert "tuned.ensemble_members" not in result.tuning.params


def test_a_resumed_study_and_worker_processes_keep_every_trials_probabilities(make_cfg, tmp_path):
    prepared = tuned_job(make_cfg, "knn", *ENSEMBLE)
    split = (prepared.X_train, prepared.X_test, prepared.y_train, prepared.y_test)
    space, path = tuning.load_space("knn"), tmp_path / "optuna" / "e.journal"
    protocol = {**prepared.cfg.protocol, "n_trials": 2}
    first = tuning.tune(prepared.model, split, protocol, space, studies.open_study(path, "k", 3, fresh=False))
    resumed = tuning.tune(  # read back from the journal, two more trials run by two worker processes
        prepared.model, split, {**protocol, "n_trials": 4, "n_jobs": 2}, space, studies.open_study(path, "k", 3, False)
    )
    assert first.candidates.numbers == [0, 1, 2] and resumed.candidates.numbers == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(resumed.candidates.proba[:3], first.candidates.proba)
    np.testing.assert_array_equal(resumed.candidates.y, first.candidates.y)


def test_a_tuned_and_ensembled_run_is_recorded(make_cfg):
    from bench import tracking

    cfg = make_cfg("dataset=moons", "dataset.n_samples=200", "model=decision_tree", *TUNED[:2], *ENSEMBLE)
    job.run(cfg)
    store = tracking.Store(cfg.tracking.uri, cfg.tracking.experiment)
    runs = store.client.search_runs([store.experiment_id])
    assert len(runs) == 3  # one per fold
    for run in runs:
        assert {"ensemble_test_accuracy", "ensemble_val_accuracy", "ensemble_members"} <= set(run.data.metrics)
        assert run.data.params["protocol.ensemble"] == "3" and sum(members(run.data.params).values()) > 0.99


def test_an_mlp_trial_over_the_time_cap_stops_at_the_end_of_an_epoch(make_cfg):
    # the same cap as every family's, enforced during the fit where the model reports its epochs: the trial stops
    # after its first epoch instead of running its 200
    prepared = tuned_job(make_cfg, "mlp", "model.max_epochs=200", "model.early_stopping=false", "protocol.pruner=none",
                         "+protocol.trial_timeout_s=1e-9")  # fmt: skip
    trials = job.fit_and_score(prepared).tuning.trials
    assert trials["timed_out"].tolist() == [False] + [True] * 4 and trials["val_accuracy"].iloc[1:].isna().all()
    capped = trials["seconds"].iloc[1:].max()
    assert capped < trials["seconds"].iloc[0] / 5  # the default config, uncapped, ran all its epochs


def test_each_study_has_a_journal_of_its_own_in_the_experiments_folder(tmp_path):
    # Optuna reads a journal whole to open any study in it: one file per study keeps the thousandth job's study as
    # quick to open as the first's
    folder = studies.storage_dir(f"sqlite:///{tmp_path}/mlruns.db", "../../escaped", None)
    assert folder.parent == tmp_path / "optuna"
    first, second = studies.study_path(folder, "0123abcd"), studies.study_path(folder, "../elsewhere")
    assert first.parent == second.parent == folder and first != second
    for path, name in ((first, "0123abcd"), (second, "../elsewhere")):
        with studies.owned(path, name):
            studies.open_study(path, name, seed=0, fresh=False).enqueue_trial({})
    assert studies.journals(folder) == sorted([first, second])
    assert [s.study_name for s in optuna.get_all_study_summaries(studies.journal(first))] == ["0123abcd"]
