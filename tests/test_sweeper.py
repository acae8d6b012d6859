"""hydra_plugins.bench_sweeper: jobs the CLI has checked are not composed a second time before launch."""

import os

import pytest
from hydra.plugins.sweeper import Sweeper

from bench.__main__ import main
from bench.tracking import CHECKED_ENV
from hydra_plugins.bench_sweeper.bench_sweeper import BenchSweeper


@pytest.fixture
def validated(monkeypatch) -> list[int]:
    """Batch sizes that reached Hydra's own validation (one composition per job)."""
    calls: list[int] = []
    original = Sweeper.validate_batch_is_legal

    def counting(self, batch):
        calls.append(len(batch))
        return original(self, batch)

    monkeypatch.setattr(Sweeper, "validate_batch_is_legal", counting)
    return calls


@pytest.mark.parametrize(("marked", "skips"), [(None, False), ("1", False), ("self", True)])
def test_only_the_process_that_checked_the_jobs_skips_validation(monkeypatch, marked, skips):
    validated = []
    monkeypatch.setattr(Sweeper, "validate_batch_is_legal", lambda self, batch: validated.append(len(batch)))
    if marked is None:
        monkeypatch.delenv(CHECKED_ENV, raising=False)
    else:  # "1": a parent process marked it, and this one inherited the environment
        monkeypatch.setenv(CHECKED_ENV, str(os.getpid()) if marked == "self" else marked)
    BenchSweeper(max_batch_size=None).validate_batch_is_legal([["seed=0"], ["seed=1"]])
    assert validated == ([] if skips else [2])


def test_the_cli_composes_checked_jobs_only_to_launch_them(tmp_path, validated):
    args = [
        "dataset=iris",
        "model=knn,decision_tree",
        "seed=0",
        f"tracking.uri=sqlite:///{tmp_path}/mlruns.db",
        "report.enabled=false",
        f"hydra.sweep.dir={tmp_path}/multirun",
    ]
    assert main(args) == 0
    assert validated == []
    assert CHECKED_ENV not in os.environ  # the mark ends with the sweep
    assert main([*args, "hydra/sweeper=basic"]) == 0  # Hydra's sweeper validates the same jobs
    assert validated == [2]
