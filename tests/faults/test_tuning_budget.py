"""8. An honest tuning budget: after a SIGKILL or a Ctrl-C, in sequence or with parallel trials, and with two
identical sweeps at once, every tuned run evaluates exactly its default config and ``n_trials`` more; a Ctrl-C
prints one line."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import mlflow
import optuna
import pandas as pd
import pytest
from faultkit import no_process_left, sweep, wait_for, working_in  # noqa: F401

from bench import studies

pytestmark = pytest.mark.faults
TRIALS = 6
TUNED = [
    "dataset=moons",
    "dataset.n_samples=400",
    "model=mlp",
    "seed=0",
    "protocol=tuned",
    "protocol.folds=2",
    f"protocol.n_trials={TRIALS}",
    "protocol.pruner=none",
    "model.max_epochs=60",
    "model.early_stopping=false",
    "report.enabled=false",
]


def evaluated(cwd: Path) -> int:
    """Trials that ended, over every study of the experiment's journals, as the budget counts them."""
    found = 0
    for path in studies.journals(cwd / "optuna" / "bench"):
        storage = studies.journal(path)
        for name in optuna.get_all_study_names(storage):
            study = optuna.load_study(study_name=name, storage=storage)
            found += sum(t.state.name == "COMPLETE" for t in studies.counted(study))
    return found


def trials_of_every_run(cwd: Path) -> list[pd.DataFrame]:
    client = mlflow.MlflowClient(f"sqlite:///{cwd}/mlruns.db")
    experiment = client.get_experiment_by_name("bench").experiment_id
    runs = client.search_runs([experiment], "attributes.status = 'FINISHED' and tags.`bench.run_key` != ''")
    assert len(runs) >= 2  # one per fold, or two where two sweeps ran the fold at once
    return [pd.read_csv(client.download_artifacts(r.info.run_id, "trials.csv", str(cwd))) for r in runs]


def assert_exact_budget(cwd: Path) -> None:
    for trials in trials_of_every_run(cwd):
        assert len(trials) == TRIALS + 1 and set(trials["state"]) == {"COMPLETE"}, trials[["number", "state"]]


@pytest.mark.parametrize("stop", ["kill", "ctrl-c"])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_an_interrupted_search_resumes_to_exactly_its_budget(tmp_path, stop, n_jobs):
    running = sweep(*TUNED, f"protocol.n_jobs={n_jobs}", cwd=tmp_path)
    wait_for(lambda: evaluated(tmp_path) >= 3, what="three finished trials")
    if stop == "ctrl-c":  # as a terminal sends it: to the whole process group
        os.killpg(running.pid, signal.SIGINT)
    else:  # the sweep's process alone: its trial workers must end with it
        os.kill(running.pid, signal.SIGKILL)
    out, err = running.communicate(timeout=120)
    wait_for(lambda: not working_in(tmp_path), 30, "the sweep's workers to end")
    before = evaluated(tmp_path)
    if stop == "ctrl-c":
        assert running.returncode == 130
        assert err.strip().splitlines() == [
            "interrupted: the current run is marked KILLED; the same command resumes the sweep"
        ]
    rerun = sweep(*TUNED, f"protocol.n_jobs={n_jobs}", cwd=tmp_path)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err[-2000:]
    assert_exact_budget(tmp_path)
    assert evaluated(tmp_path) == 2 * (TRIALS + 1) and before >= 3  # the finished trials were kept, not redrawn


def test_two_identical_tuned_sweeps_at_once_share_no_study(tmp_path):
    first, second = sweep(*TUNED, cwd=tmp_path), sweep(*TUNED, cwd=tmp_path)
    for process in (first, second):
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-2000:]
    assert_exact_budget(tmp_path)
    assert evaluated(tmp_path) == 2 * (TRIALS + 1)  # one study per fold, each drawn once
