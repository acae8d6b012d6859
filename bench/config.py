"""Where the Hydra configs are, composing them outside a Hydra app, and the environment variables through which
the processes of one sweep talk to each other."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

import bench

PARENT_ENV = "BENCH_PARENT_RUN_ID"  # the sweep's parent run, for jobs in other processes and on other machines
TOTAL_ENV = "BENCH_SWEEP_TOTAL"  # the number of jobs in the sweep, for each job's "[3/108]"


def config_dir() -> Path:
    """``conf/`` of a checkout, or the copy inside the installed package."""
    package = Path(bench.__file__).parent
    for candidate in (package / "conf", package.parent / "conf"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"no conf/config.yaml beside {package}")


CONFIG_DIR = config_dir()


@contextlib.contextmanager
def composer(job_name: str = "bench") -> Iterator[Callable[..., DictConfig]]:
    """Hydra's compose API on the project's configs; yields ``compose(overrides, hydra=False)``, which composes
    ``config.yaml`` with a list of overrides (``hydra=True``: with Hydra's own node, for the sweep's settings)."""
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3", job_name=job_name):
        yield lambda overrides=(), hydra=False: compose("config", list(overrides), return_hydra_config=hydra)


@functools.lru_cache(maxsize=64)
def group_defaults(group: str, choice: str) -> dict[str, Any] | None:
    """The config of one choice of a config group as its file gives it (``model=svm``: SVC's arguments), resolved
    with the default seed (a value that follows the sweep's seed, ``random_state``, tells no configuration apart);
    None where the choice cannot be composed alone. A cache: each choice is composed once per process. Inside a
    Hydra app Hydra's own search path is used, elsewhere ``conf/``."""
    try:
        config = compose_anywhere([f"{group}={choice}"])
        return OmegaConf.to_container(config[group], resolve=True, throw_on_missing=False)
    except Exception:  # a choice that needs other settings to compose (or a name that is not a choice)
        return None


def compose_anywhere(overrides: list[str], hydra: bool = False) -> DictConfig:
    """``config.yaml`` composed with ``overrides``, inside a Hydra app (a sweep's callback: Hydra's own search
    path) or outside one (``conf/``); ``hydra=True`` keeps Hydra's own node."""
    from hydra import compose
    from hydra.core.global_hydra import GlobalHydra

    if GlobalHydra.instance().is_initialized():
        return compose("config", overrides, return_hydra_config=hydra)
    with composer() as compose_here:
        return compose_here(overrides, hydra)


def chosen(group: str) -> str | None:
    """The config file a Hydra job chose for ``group`` (``model=svm``: "svm"); None outside a Hydra job."""
    from hydra.core.hydra_config import HydraConfig

    return HydraConfig.get().runtime.choices.get(group) if HydraConfig.initialized() else None


class ConfigError(ValueError):
    """A job config that cannot run; the message is one line naming the bad value."""


def one_line(exc: BaseException) -> str:
    """The first line of an exception and of its causes: what a user needs, without the traceback."""
    parts = []
    while exc is not None:
        text = str(exc).strip().splitlines()
        if text and text[0] not in parts:
            parts.append(text[0])
        exc = exc.__cause__
    return ": ".join(parts) or "unknown error"
