"""The tuning curves (best-so-far under shuffled trial orders), the protocol statements and the tuning section."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.report.protocols import count_header, describe, spread
from bench.report.render import write_reports
from bench.report.tuning.curves import best_so_far, default_won, orders, shuffled, summarize

# per dataset, one run's trials: (validation, test) accuracy, trial 0 the default
TRIALS = {
    "iris": [(0.80, 0.70), (0.90, 0.80), (0.85, 0.95), (0.95, 0.90)],
    "wine": [(0.90, 0.90), (0.70, 0.60), (0.80, 0.99), (0.85, 0.50)],
}


def trials_table(model: str = "svm", drop_last: str = "") -> pd.DataFrame:
    rows = [
        {"run_id": f"{model}-{dataset}", "dataset": dataset, "model": model, "family": "kernel", "number": number}
        | {"state": "COMPLETE", "val_accuracy": val, "test_accuracy": test, "seconds": 0.1}
        for dataset, trials in TRIALS.items()
        for number, (val, test) in enumerate(trials[:-1] if dataset == drop_last else trials)
    ]
    return pd.DataFrame(rows)


def test_best_so_far_holds_the_earliest_best_and_skips_failed_trials():
    val = np.array([[0.5, 0.7, 0.6, 0.7, 0.9]])
    test = np.array([[0.1, 0.2, 0.3, 0.4, 0.5]])
    best, chosen = best_so_far(val, test)
    assert best.tolist() == [[0.5, 0.7, 0.7, 0.7, 0.9]]
    assert chosen.tolist() == [[0.1, 0.2, 0.2, 0.2, 0.5]]  # the tie at trial 3 keeps trial 1
    best, chosen = best_so_far(np.array([[np.nan, 0.6, np.nan]]), np.array([[0.9, 0.3, 0.99]]))
    assert np.isnan(best[0, 0]) and np.isnan(chosen[0, 0]) and chosen[0, 1:].tolist() == [0.3, 0.3]


def test_orders_keep_the_default_first_and_shuffle_the_rest():
    found = orders(6, 50, np.random.default_rng(0))
    assert found.shape == (50, 6) and (found[:, 0] == 0).all()
    assert all(sorted(row) == list(range(6)) for row in found.tolist())
    assert len({tuple(row) for row in found.tolist()}) > 10


def test_shuffled_curves_rise_from_the_default_to_the_search_choice():
    curves = shuffled(trials_table(), count=20, seed=3)
    assert len(curves) == 2 * 20 * 4
    for _, run in curves.groupby(["run_id", "order"]):
        assert run["best_val_accuracy"].is_monotonic_increasing  # non-decreasing along the steps
    steps = curves.set_index(["dataset", "step"])["test_accuracy"]
    assert set(steps.loc[("iris", 0)]) == {0.70} and set(steps.loc[("iris", 3)]) == {0.90}
    assert set(steps.loc[("wine", 0)]) == {0.90} == set(steps.loc[("wine", 3)])  # the default is never beaten
    assert set(steps.loc[("iris", 1)]) == {0.80, 0.95, 0.90}  # whichever trial came second
    again = shuffled(trials_table(), count=20, seed=3)
    pd.testing.assert_frame_equal(curves, again)  # a fixed seed: the same report every time


def test_summary_is_the_median_order_of_the_mean_over_datasets():
    band, cut = summarize(shuffled(trials_table(), count=50))
    ends = band.set_index("step")
    assert ends.loc[0, ["low", "median", "high"]].tolist() == pytest.approx([0.80] * 3)  # (0.70 + 0.90) / 2
    assert ends.loc[3, ["low", "median", "high"]].tolist() == pytest.approx([0.90] * 3)  # (0.90 + 0.90) / 2
    assert ends.loc[1, "low"] < ends.loc[1, "high"] and cut == {}
    assert (band["low"] <= band["median"]).all() and (band["median"] <= band["high"]).all()


def test_a_model_whose_runs_stopped_early_is_cut_where_all_reach_and_says_so():
    band, cut = summarize(shuffled(trials_table(drop_last="wine"), count=10))
    assert band["step"].max() == 2 and cut == {"svm": 2}


def test_default_won_reads_the_order_the_search_ran():
    assert default_won(trials_table()).to_dict() == {"svm-iris": False, "svm-wine": True}


def run(run_id: str, dataset: str, model: str, protocol: str, test: float, fold: int | None) -> dict:
    family = {"svm": "kernel", "knn": "neighbors"}[model]
    row = {"run_id": run_id, "status": "FINISHED", "outcome": "ok", "dataset": dataset, "model": model}
    row |= {"family": family, "seed": 0, "fold": fold, "protocol": protocol, "test_accuracy": test}
    row |= {"train_accuracy": test + 0.02, "fit_time_s": 0.01, "params.protocol.name": protocol}
    if protocol == "tuned":
        row |= {"tuning_trials": 4.0, "tuning_time_s": 0.5, "tuning_work_s": 0.4, "params.protocol.folds": "2"}
        row |= {"params.protocol.repeats": "1", "params.protocol.n_trials": "3"}
        row |= {"params.protocol.validation_fraction": "0.2"}
    else:
        row |= {"params.test_size": "0.25"}
    return row


def tuned_table() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, trials = [], []
    for model in ("svm", "knn"):
        for dataset in TRIALS:
            for fold in (0, 1):
                rows.append(run(f"{model}-{dataset}-{fold}", dataset, model, "tuned", 0.9, fold))
                one = trials_table(model).query("dataset == @dataset").assign(run_id=rows[-1]["run_id"])
                trials.append(one)
    return pd.DataFrame(rows), pd.concat(trials, ignore_index=True)


def test_the_protocol_is_stated_and_what_a_mean_is_over():
    table, _ = tuned_table()
    assert describe(table) == (
        "tuned (2-fold stratified CV, default + 3 trials per model, 0.2 of each training fold for validation)"
    )
    assert spread(table) == "over folds" and count_header(table) == "Folds"
    holdout = pd.DataFrame([run("h", "iris", "svm", "holdout", 0.9, None)])
    assert describe(holdout) == "holdout (one stratified split per seed, test size 0.25)"
    assert spread(holdout) == "over seeds" and count_header(holdout) == "Seeds"
    both = pd.concat([table, holdout])
    assert describe(both).startswith("tuned (2-fold") and describe(both).endswith("test size 0.25): 1 runs")
    assert spread(both) == "over seeds (holdout) or folds (tuned)" and count_header(both) == "Runs"
    held = holdout.assign(**{"params.protocol.validation_fraction": "0.2"})
    assert describe(held) == (
        "holdout (one stratified split per seed, test size 0.25, 0.2 of the training part held out for validation)"
    )


def write(table: pd.DataFrame, trials: pd.DataFrame | None, tmp_path: Path) -> tuple[str, str]:
    html, md = write_reports(table, tmp_path, "t", {"experiment": "t"}, trials=trials)
    return html.read_text(encoding="utf-8"), md.read_text(encoding="utf-8")


def test_the_tuning_section_draws_the_curves_and_stays_self_contained(tmp_path: Path):
    table, trials = tuned_table()
    html, md = write(table, trials, tmp_path)
    assert '<section id="tuning">' in html and 'id="fig-tuning_curves"' in html
    assert (
        "## Tuning" in md and "(t_files/tuning_curves.svg)" in md and (tmp_path / "t_files/tuning_curves.svg").exists()
    )
    assert "| svm tuned | kernel | 4 | 2 | 4 | 0.5 | 0.4 | 2 of 4 | 0.800 | 0.900 |" in re.sub(r" +", " ", md)
    assert "Test accuracy, mean ± std over folds" in md and "| Protocol | tuned (2-fold" in re.sub(r" +", " ", md)
    without_namespaces = re.sub(r'xmlns(:\w+)?="[^"]*"', "", html)
    assert "http://" not in without_namespaces and "https://" not in without_namespaces
    assert not re.search(r"<(script|link|img|iframe)\b", html) and "src=" not in html
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', html))


def test_without_trials_the_section_still_counts_the_runs_and_names_the_gap(tmp_path: Path):
    table, _ = tuned_table()
    _, md = write(table, None, tmp_path)
    assert "## Tuning" in md and "8 tuned runs have no readable trials.csv" in md
    assert "tuning_curves.svg" not in md


def test_no_tuning_section_without_tuned_runs(tmp_path: Path):
    table = pd.DataFrame([run(f"h{i}", "iris", m, "holdout", 0.9, None) for i, m in enumerate(["svm", "knn"])])
    html, md = write(table, None, tmp_path)
    assert "## Tuning" not in md and 'id="tuning"' not in html and "over seeds" in md


def test_pruned_trials_have_their_column_where_runs_record_them(tmp_path: Path):
    table, trials = tuned_table()
    table["tuning_trials_pruned"] = [2.0 if model == "svm" else 0.0 for model in table["model"]]
    _, md = write(table, trials, tmp_path)
    assert "| Pruned |" in re.sub(r" +", " ", md)
    assert "| svm tuned | kernel | 4 | 2 | 4 | 2 | 0.5 | 0.4 | 2 of 4 |" in re.sub(r" +", " ", md)


def test_ensembled_runs_show_tuned_and_tuned_plus_ensembled_side_by_side(tmp_path: Path):
    table, trials = tuned_table()
    table["test_accuracy"] = [0.9 if dataset == "iris" else 0.8 for dataset in table["dataset"]]
    table["ensemble_test_accuracy"] = [0.95 if model == "svm" else np.nan for model in table["model"]]
    _, md = write(table, trials, tmp_path)
    flat = re.sub(r" +", " ", md)
    assert "| Test accuracy, all trials | Test accuracy, tuned (refitted) | Test accuracy, tuned + ensembled |" in flat
    assert "| svm tuned | kernel | 4 | 2 | 4 | 0.5 | 0.4 | 2 of 4 | 0.800 | 0.900 | 0.850 | 0.950 |" in flat
    assert "| knn tuned | neighbors | 4 | 2 | 4 | 0.5 | 0.4 | 2 of 4 | 0.800 | 0.900 | — | — |" in flat
    assert "over the 4 runs with an ensemble (protocol.ensemble=K)" in flat


def test_no_ensemble_columns_without_ensembled_runs(tmp_path: Path):
    table, trials = tuned_table()
    _, md = write(table, trials, tmp_path)
    assert "tuned + ensembled" not in md and "refitted)" not in md


def test_trials_over_the_time_cap_are_counted_per_model_where_there_are_some(tmp_path: Path):
    table, trials = tuned_table()
    _, md = write(table, trials, tmp_path)
    assert "Over the time cap" not in md  # no cap hit: the table reads as before
    table["tuning_trials_timed_out"] = [3.0 if model == "svm" else 0.0 for model in table["model"]]
    _, md = write(table, trials, tmp_path)
    flat = re.sub(r" +", " ", md)
    assert "| svm tuned | kernel | 4 | 2 | 4 | 12 | 0.5 | 0.4 | 2 of 4 |" in flat
    assert "| knn tuned | neighbors | 4 | 2 | 4 | 0 | 0.5 |" in flat and "the same cap for every family" in flat
