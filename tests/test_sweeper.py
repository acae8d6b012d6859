"""A sweep composes each distinct job once, to check it (``bench.cli.preflight``), and its launcher reuses those
compositions: ``hydra_plugins.bench_sweeper`` skips the basic sweeper's pass in between."""

import os

import hydra
import pytest
from hydra.plugins.sweeper import Sweeper

from bench.__main__ import main
from bench.cli.preflight import preflight
from bench.config import CHECKED_ENV
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


@pytest.fixture
def compositions(monkeypatch) -> list[tuple[str, ...]]:
    """The job overrides of every composition Hydra's config loader makes for a launcher or for the check."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    calls: list[tuple[str, ...]] = []
    original = ConfigLoaderImpl.load_sweep_config

    def counting(self, master_config, sweep_overrides):
        calls.append(tuple(sweep_overrides))
        return original(self, master_config, sweep_overrides)

    monkeypatch.setattr(ConfigLoaderImpl, "load_sweep_config", counting)
    return calls


@pytest.mark.parametrize(("marked", "skips"), [(None, False), ("1", False), ("self", True)])
def test_only_the_process_that_checked_the_jobs_skips_validation(monkeypatch, marked, skips):
    validated = []
    monkeypatch.setattr(Sweeper, "validate_batch_is_legal", lambda self, batch: validated.append(len(batch)))
    if marked is None:
        monkeypatch.delenv(CHECKED_ENV, raising=False)
    else:  # "1": a parent process marked it, and this one inherited the environment
        monkeypatch.setenv(CHECKED_ENV, str(os.getpid()) if marked == "self" else marked)
    # no __init__: Hydra's plugin scan may have re-run basic_sweeper, whose __init__ names its class by module global
    sweeper = object.__new__(BenchSweeper)
    sweeper.validate_batch_is_legal([["seed=0"], ["seed=1"]])
    assert validated == ([] if skips else [2])


def test_the_cli_composes_each_distinct_job_once_to_check_and_launch_it(
    monkeypatch, tmp_path, validated, compositions, make_cfg
):
    from bench import job

    checked = []
    original = job.check
    monkeypatch.setattr(job, "check", lambda cfg: checked.append(cfg.model.name) or original(cfg))
    args = [
        "dataset=iris",
        "model=knn,decision_tree",
        "seed=0,1",
        f"tracking.uri=sqlite:///{tmp_path}/mlruns.db",
        "report.enabled=false",
        f"hydra.sweep.dir={tmp_path}/multirun",
    ]
    assert main(args) == 0
    assert validated == []
    assert sorted(checked) == ["decision_tree", "knn"]  # by the check, once per distinct job; the jobs skip theirs
    # one composition per job that differs by more than its seed, the check's, and none by the launcher
    assert sorted(job[:2] for job in compositions) == [
        ("dataset=iris", "model=decision_tree"),
        ("dataset=iris", "model=knn"),
    ]
    assert CHECKED_ENV not in os.environ  # the mark ends with the sweep
    compositions.clear()
    assert main([*args, "hydra/sweeper=basic"]) == 0  # Hydra's sweeper validates the same jobs, and composes them
    assert validated == [4]
    assert len(compositions) == 2 + 4 + 4  # the check's, the sweeper's validation, the launcher's
    checked.clear()
    monkeypatch.setenv(CHECKED_ENV, "1")  # a process that inherited another's mark, as a launcher's worker does
    job.prepare(make_cfg("dataset=iris", "model=knn"))
    assert checked == ["knn"]


def test_the_check_composes_each_distinct_job_once_and_shares_defaults(monkeypatch, tmp_path, compositions):
    composed = []
    original = hydra.compose

    def counting(name, overrides=(), **kwargs):
        composed.append(tuple(overrides))
        return original(name, overrides, **kwargs)

    monkeypatch.setattr(hydra, "compose", counting)
    args = [
        "dataset=iris,wine",
        "model=mlp,svm",
        "seed=0,1",
        "test_size=0.3",
        f"tracking.uri=sqlite:///{tmp_path}/s.db",
    ]
    handed = {}
    assert preflight([*args, "report.enabled=false"], handed) == 8
    # the whole command, and one config of defaults whose types the top-level overrides are checked against (none
    # per seed, none per dataset or model); the 4 jobs that differ by more than their seed, as a launcher would
    assert len(composed) == 1 + 1
    assert composed.count(()) == 1
    assert len(compositions) == 4 and len(handed) == 4
    assert {job[:2] for job in compositions} == {
        (f"dataset={d}", f"model={m}") for d in ("iris", "wine") for m in ("mlp", "svm")
    }


@pytest.mark.parametrize(
    "argv",
    [
        ["dataset=iris,wine", "model=mlp,svm", "seed=0,1"],
        ["seed=range(0,3)", "model.lr=0.1,0.01", "test_size=0.3"],
        ["dataset=iris,wine", "dataset=moons", "model=knn"],  # a later override of a key replaces the earlier one
        ["+model.class_weight=balanced,null", "model=svm"],
    ],
)
def test_the_check_expands_a_sweep_into_the_jobs_hydras_basic_sweeper_runs(argv):
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from bench.cli.preflight import expand

    overrides = OverridesParser.create().parse_overrides(argv)
    assert expand(overrides) == BasicSweeper.split_arguments(overrides, None)[0]


def test_a_sweep_the_basic_sweeper_cannot_run_fails_the_check_with_one_line(tmp_path):
    from bench.cli.preflight import UsageError

    with pytest.raises(UsageError, match=r"'model.lr=interval\(0, 1\)': only lists and ranges can be swept here"):
        preflight(["model.lr=interval(0, 1)", f"tracking.uri=sqlite:///{tmp_path}/s.db", "report.enabled=false"])
