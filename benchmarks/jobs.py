"""The project's job configs as ``python -m bench`` composes them, for the groups that run jobs in-process."""

from __future__ import annotations

import itertools

from omegaconf import DictConfig

from bench.config import composer


def sweep_configs(
    datasets: tuple[str, ...], models: tuple[str, ...], seeds: tuple[int, ...], uri: str, mlp: tuple[str, ...] = ()
) -> list[DictConfig]:
    """Composed job configs of a sweep, tracking into ``uri``; ``mlp`` overrides apply to MLP jobs only."""
    common = [f"tracking.uri={uri}", "tracking.experiment=perf", "rerun=true", "report.enabled=false"]
    mlp = ("model.verbose=false", *mlp)
    with composer("perf") as compose:
        return [
            compose([f"dataset={d}", f"model={m}", f"seed={s}", *common, *(mlp if m == "mlp" else ())])
            for d, m, s in itertools.product(datasets, models, seeds)
        ]


def default_sweep() -> dict[str, list[str]]:
    """The default sweep's axes, read from ``conf/config.yaml``: ``{"dataset": [...], "model": [...], ...}``."""
    with composer("perf") as compose:
        params = compose(hydra=True).hydra.sweeper.params
    return {key: str(value).split(",") for key, value in params.items()}
