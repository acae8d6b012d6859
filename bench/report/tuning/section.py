"""The tuning section, shown when the table holds tuned runs: the tuning curve per model and a table of what the
searches cost and how often the default config held its ground; where runs were also ensembled
(``protocol.ensemble``), their tuned and tuned + ensembled test accuracies side by side."""

from __future__ import annotations

import pandas as pd

import bench.report.plots as plots
from bench.report import protocols
from bench.report.display import Section, display_table
from bench.report.format import accuracy, counted, integer, number, percent, text
from bench.report.tuning.curves import BAND, ORDERS, SEED, default_won, shuffled, summarize

COLUMNS = {
    "model": ("Model", None),
    "family": ("Family", None),
    "runs": ("Runs", integer),
    "datasets": ("Datasets", integer),
    "tuning_trials": ("Trials with the default", number),
    "tuning_trials_pruned": ("Pruned", number),
    "timed_out": ("Over the time cap, all runs", integer),
    "tuning_time_s": ("Search time (s)", number),
    "tuning_work_s": ("Trial work (s)", number),
    "default_won": ("Default chosen", text),
    "default_test": ("Test accuracy, default", accuracy),
    "tuned_test": ("Test accuracy, all trials", accuracy),
    "refit_test": ("Test accuracy, tuned (refitted)", accuracy),
    "ensemble_test": ("Test accuracy, tuned + ensembled", accuracy),
}
ENSEMBLED = "ensemble_test_accuracy"  # a run's tuned + ensembled score (bench.ensembled)
CAPPED = "tuning_trials_timed_out"  # a run's trials over protocol.trial_timeout_s
NUMERIC = (
    "tuning_trials",
    "tuning_trials_pruned",
    "tuning_time_s",
    "tuning_work_s",
    "test_accuracy",
    ENSEMBLED,
    CAPPED,
)


def per_model(runs: pd.DataFrame, trials: pd.DataFrame, band: pd.DataFrame) -> pd.DataFrame:
    """Per model: runs, datasets, median trials and times, the default's wins, the curve's two ends."""
    rows = runs.groupby("model").agg(
        family=("family", "first"),
        runs=("run_id", "count"),
        datasets=("dataset", "nunique"),
        tuning_trials=("tuning_trials", "median"),
        tuning_trials_pruned=("tuning_trials_pruned", "median"),
        tuning_time_s=("tuning_time_s", "median"),
        tuning_work_s=("tuning_work_s", "median"),
    )
    won = runs.set_index("run_id")["model"].to_frame().join(default_won(trials).rename("won"), how="inner")
    counted = won.groupby("model")["won"].agg(["sum", "count"])
    rows["default_won"] = [
        f"{integer(counted.loc[m, 'sum'])} of {integer(counted.loc[m, 'count'])}" if m in counted.index else None
        for m in rows.index
    ]
    ends = band.sort_values("step").groupby("model")["median"]
    rows["default_test"], rows["tuned_test"] = ends.first(), ends.last()
    if rows["tuning_trials_pruned"].isna().all():  # runs from before pruning recorded it
        rows = rows.drop(columns="tuning_trials_pruned")
    capped = runs[CAPPED].fillna(0)
    if capped.sum() > 0:  # only where a cap cut trials: searches without one read as before
        rows["timed_out"] = capped.groupby(runs["model"]).sum()
    return rows.join(ensembled(runs)).reset_index()


def ensembled(runs: pd.DataFrame) -> pd.DataFrame:
    """Per model, over its runs with an ensemble: the tuned config's test accuracy and the ensemble's, both fitted
    on the whole training fold, so that the two compare; the mean over runs per dataset, then over datasets, as the
    curve's. No columns where no run has an ensemble."""
    have = runs[runs[ENSEMBLED].notna()] if ENSEMBLED in runs else runs.iloc[:0]
    if have.empty:
        return pd.DataFrame(index=pd.Index([], name="model"))
    per_dataset = have.groupby(["model", "dataset"])[["test_accuracy", ENSEMBLED]].mean()
    return per_dataset.groupby("model").mean().set_axis(["refit_test", "ensemble_test"], axis=1)


def _notes(runs: pd.DataFrame, trials: pd.DataFrame, cut: dict[str, int]) -> list[str]:
    notes = [
        f"The curve: after n trials beyond the default config, the test accuracy of the trial with the best "
        f"validation accuracy so far (the one the search would choose), the mean over folds and seeds per dataset, "
        f"then over datasets (raw accuracy, not normalised per dataset: each line averages the datasets its model "
        f"was tuned on, counted in the table). Trial 0, the default, stays first; the other trials are shuffled into "
        f"{integer(ORDERS)} orders per run (seed {integer(SEED)}): the line is the median order, the band "
        f"{percent(BAND[0])}–{percent(BAND[1])} of orders (Grinsztajn et al., 2022).",
        "The trials were drawn by TPE, which learns from earlier trials: a shuffled order shows how much the order's "
        "luck moves the choice, not a rerun of the search. A trial's test accuracy is that of its fit on the inner "
        "training part; the leaderboard scores the chosen config refitted on the whole training fold.",
        "Default chosen: runs whose search kept trial 0 (on a tie the default wins). Trials and times are medians "
        "over runs; search time is the search's wall time, trial work the trials' own fits and scores. Pruned: "
        "trials stopped early because their validation accuracy, reported every epoch, was losing "
        "(protocol.pruner; only the MLP reports); a pruned trial is never chosen.",
    ]
    if runs[CAPPED].fillna(0).sum() > 0:
        notes.append(
            "Over the time cap: trials of all runs that took longer than protocol.trial_timeout_s, the same cap for "
            "every family; such a trial is recorded as failed and never chosen (an MLP's stops at the end of that "
            "epoch; other models' fits run to their end)."
        )
    if ENSEMBLED in runs and (ensembles := int(runs[ENSEMBLED].notna().sum())):
        notes.append(
            f"Tuned (refitted) and tuned + ensembled: over the {counted(ensembles, 'run')} with an ensemble "
            "(protocol.ensemble=K), the chosen config refitted on the whole training fold, and the ensemble that "
            "K rounds of greedy selection with replacement (Caruana et al., 2004) picked from the trials by their "
            "inner validation probabilities, its members refitted on the whole training fold and their probabilities "
            "averaged by weight; both scored on the test fold, which took no part in either choice. Compare these "
            "two with each other: the default and all-trials columns are fits on the inner training part."
        )
    if missing := int((~runs["run_id"].isin(trials["run_id"])).sum()):
        have = "has" if missing == 1 else "have"
        notes.append(f"{counted(missing, 'tuned run')} {have} no readable trials.csv: their curves are left out.")
    for model, step in sorted(cut.items()):
        notes.append(f"{model}: some runs finished fewer trials; its curve stops at {integer(step)}, the fewest.")
    return notes


def tuning_section(ok: pd.DataFrame, trials: pd.DataFrame, palette: dict[str, str] | None = None) -> Section | None:
    """The section for the table's successful tuned runs (None without any); ``trials`` from
    :func:`bench.report.table.load_trials`."""
    if "protocol" not in ok or not (tuned := protocols.tuned(ok)).any():
        return None
    runs = ok[tuned].copy()
    for column in NUMERIC:
        runs[column] = pd.to_numeric(runs[column], errors="coerce") if column in runs else float("nan")
    if "run_id" not in trials:  # no trials read (a table made without a store)
        trials = pd.DataFrame(columns=["run_id", "number", "val_accuracy", "test_accuracy"])
    identity = runs[["run_id", "dataset", "model", "family"]]
    own = trials.drop(columns=["dataset", "model", "family"], errors="ignore").merge(identity, on="run_id")
    band, cut = summarize(shuffled(own))
    section = Section("tuning", "Tuning")
    section.tables.append(display_table(per_model(runs, own, band), COLUMNS, "Per model, over its tuned runs"))
    section.notes += _notes(runs, own, cut)
    figure = plots.bands(
        band,
        x="step",
        y="median",
        low="low",
        high="high",
        group="model",
        name="tuning",
        title="Test accuracy of the best-so-far trial (chosen by validation), mean over datasets",
        xlabel="trials after the default (0 = the default config)",
        ylabel="test accuracy",
        palette=palette,
    )
    section.add_figure("tuning_curves", "Tuning curves: test accuracy against the number of trials", figure)
    return section
