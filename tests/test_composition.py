"""A reused composition is the config Hydra composes itself, hydra node included, for real sweeps of the project."""

import itertools
import pickle

import pytest
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.utils import create_config_search_path
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.plugins import Plugins
from hydra.types import RunMode
from omegaconf import OmegaConf

from bench.composition import ReusingConfigLoader
from bench.config import CONFIG_DIR


def jobs_of(loader, argv):
    """The master config of ``python -m bench ARGV`` and its jobs, as Hydra's basic sweeper lists them."""
    Plugins.instance()  # registers hydra/sweeper=bench, as Hydra's entry point does
    master = loader.load_configuration("config", overrides=list(argv), run_mode=RunMode.MULTIRUN)
    params = OmegaConf.to_container(master.hydra.sweeper.params, resolve=False)
    parsed = OverridesParser.create().parse_overrides([f"{k}={v}" for k, v in params.items()] + list(argv))
    axes = {}
    for o in parsed:
        key = o.get_key_element()
        if o.is_sweep_override():
            axes[key] = [f"{key}={v}" for v in o.sweep_string_iterator()]
        elif not o.is_hydra_override():
            axes[key] = [o.input_line]
    return master, [list(job) for job in itertools.product(*axes.values())]


def hydra_loader():
    """Hydra's own config loader on the project's configs."""
    return ConfigLoaderImpl(config_search_path=create_config_search_path(str(CONFIG_DIR)))


def resolved(cfg):
    """The job's own config with every interpolation resolved (the hydra node needs a running job for that)."""
    return {
        k: OmegaConf.to_container(v, resolve=True) if OmegaConf.is_config(v) else v
        for k, v in cfg.items()
        if k != "hydra"
    }


SWEEPS = {
    "default": [],
    "grid of lists and strings": ["experiment=claims_quick/vanishing_gradients"],
    "added key and a protocol": ["+protocol.fit_timeout_s=30", "protocol=cv", "seed=0,1", "dataset=iris,wine"],
    "value swept with a group": ["model=mlp,svm", "dataset=iris", "seed=3,4", "tracking.experiment=x"],
}


@pytest.mark.parametrize("argv", SWEEPS.values(), ids=SWEEPS.keys())
def test_a_reused_composition_is_hydras_own(argv):
    loader, reference = hydra_loader(), hydra_loader()  # reference: Hydra's, reading every file anew
    master, jobs = jobs_of(loader, argv)
    reusing = ReusingConfigLoader(loader)
    for job in jobs:
        ours, hydras = reusing.load_sweep_config(master, job), reference.load_sweep_config(master, job)
        assert OmegaConf.to_container(ours) == OmegaConf.to_container(hydras), job
        assert OmegaConf.to_yaml(ours, resolve=False) == OmegaConf.to_yaml(hydras, resolve=False)
        assert resolved(ours) == resolved(hydras)
    assert len(reusing.composed) < len(jobs)  # it did reuse


def test_it_reuses_only_across_values_and_pickles_without_its_cache():
    loader = hydra_loader()
    master, jobs = jobs_of(loader, ["dataset=iris,wine", "model=knn", "seed=0,1,2"])
    reusing = ReusingConfigLoader(loader)
    for job in jobs:
        reusing.load_sweep_config(master, job)
    assert len(reusing.composed) == 2  # one per dataset: the seeds are values
    copy = pickle.loads(pickle.dumps(reusing))
    assert copy.composed == {} and copy.repository is not None and copy.repository.cache == {}


def test_each_config_file_is_read_once_for_all_compositions(monkeypatch):
    loader = hydra_loader()
    # the class Hydra's sources registry holds: its plugin scan may have re-run the module that defines it
    files = next(
        type(source) for source in loader.repository.get_sources() if type(source).__name__ == "FileConfigSource"
    )
    read = []
    original = files.load_config
    monkeypatch.setattr(
        files, "load_config", lambda self, config_path: read.append(config_path) or original(self, config_path)
    )
    master, jobs = jobs_of(loader, ["dataset=iris,wine", "model=knn,svm"])
    reusing = ReusingConfigLoader(loader)
    read.clear()
    for job in jobs:
        reusing.load_sweep_config(master, job)
    assert len(read) == len(set(read)) and {"dataset/wine", "model/svm"} <= set(read)


def test_the_checks_compositions_serve_a_sweep_that_added_hydra_settings_since(tmp_path):
    """The check composes the jobs before the sweep adds ``hydra.job.env_set`` (and under its own job name); a
    launcher given those compositions gives each job the config Hydra composes with the settings added, and a
    setting that picks a config group is composed anew."""
    from hydra.core.singleton import Singleton
    from hydra.core.utils import JobRuntime

    from bench.sweep import carry_environment

    loader, reference = hydra_loader(), hydra_loader()
    argv = ["dataset=iris,wine", "model=knn,mlp", "seed=0,1", f"hydra.sweep.dir={tmp_path}"]
    state = Singleton.get_state()
    try:
        JobRuntime.instance().set("name", "bench")  # the check's, as bench.config.composer names it
        before, jobs = jobs_of(loader, argv)
        checking = ReusingConfigLoader(loader)
        for job in jobs:
            checking.load_sweep_config(before, job)
        JobRuntime.instance().set("name", "sweep")  # Hydra's app's
        master, _ = jobs_of(loader, argv)
        carry_environment(master, {"BENCH_PARENT_RUN_ID": "0a1b", "QUOTED": "it's"})
        reusing = ReusingConfigLoader(loader, dict(checking.composed))
        for job in jobs:
            ours, hydras = reusing.load_sweep_config(master, job), reference.load_sweep_config(master, job)
            assert OmegaConf.to_yaml(ours, resolve=False) == OmegaConf.to_yaml(hydras, resolve=False), job
            assert ours.hydra.job.env_set.QUOTED == "it's" and ours.hydra.job.name == "sweep"
        assert all(reusing.composed[key] is checking.composed[key] for key in checking.composed)  # none anew

        other, _ = jobs_of(loader, [*argv, "hydra/launcher=joblib"])
        launching = ReusingConfigLoader(loader, dict(checking.composed))
        ours = launching.load_sweep_config(other, jobs[0])
        assert OmegaConf.to_yaml(ours) == OmegaConf.to_yaml(reference.load_sweep_config(other, jobs[0]))
        assert ours.hydra.launcher._target_.endswith("JoblibLauncher")
    finally:
        Singleton.set_state(state)
