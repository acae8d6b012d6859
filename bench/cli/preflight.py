"""Compose and check every job of a sweep before Hydra launches anything, so that a typo fails in about a second
with one line naming the value, instead of after an hour of training or as a traceback."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from bench.config import CONFIG_DIR, ConfigError, composer, one_line


class UsageError(Exception):
    """Bad command-line input: reported as one line and exit status 2."""


def preflight(argv: list[str], composed: dict | None = None) -> int:
    """Compose and validate every job the overrides describe; return the number of jobs. Each distinct job is
    composed as Hydra's launcher composes it; ``composed``, where given, receives those compositions, keyed as
    ``bench.composition.ReusingConfigLoader`` keys them, so that the sweep's launcher need not compose them again."""
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    from bench.composition import ReusingConfigLoader

    parser = OverridesParser.create()
    overrides = parse(parser, argv)
    fixed = [o.input_line for o in overrides if not o.is_sweep_override()]
    # the jobs' own overrides, as Hydra's sweeper lists them: Hydra's settings are the sweep's, in the primary config
    task = [o.input_line for o in overrides if not o.is_hydra_override()]
    check_choices(overrides)
    with composer() as compose:
        primary = compose_or_fail(compose, fixed, hydra=True)
        check_destinations(primary)
        if primary.hydra.mode == RunMode.RUN:
            jobs = [task]
        else:
            params = OmegaConf.to_container(primary.hydra.sweeper.params or {}, resolve=False)
            combined = parser.parse_overrides([f"{k}={v}" for k, v in params.items()] + task)
            check_choices(combined)
            jobs = expand(combined)
        loader = ReusingConfigLoader(GlobalHydra.instance().config_loader())
        check_jobs(compose, jobs, lambda job: loader.load_sweep_config(primary, job))
    if composed is not None:
        composed.update(loader.composed)
    return len(jobs)


def parse(parser, argv: list[str]):
    try:
        return parser.parse_overrides(argv)
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"cannot parse overrides {' '.join(argv)!r}: {first_line}") from exc


def expand(overrides) -> list[list[str]]:
    """The jobs of a sweep, as Hydra's basic sweeper makes them: the Cartesian product of the sweep overrides, a
    later override of a key replacing an earlier one."""
    axes: dict[str, list[str]] = {}
    for override in overrides:
        key = override.get_key_element()
        if not override.is_sweep_override():
            axes[key] = [f"{key}={override.get_value_element_as_str()}"]
        elif override.is_discrete_sweep():
            axes[key] = [f"{key}={value}" for value in override.sweep_string_iterator()]
        else:
            raise UsageError(f"{override.input_line!r}: only lists and ranges can be swept here")
    return [list(job) for job in itertools.product(*axes.values())]


def check_destinations(primary: DictConfig) -> None:
    """The tracking store and the report folder, before anything trains."""
    from bench.tracking import check_reachable, check_store, resolve_uri

    try:
        check_reachable(str(primary.tracking.uri))
        check_store(resolve_uri(str(primary.tracking.uri)))
        if primary.report.enabled:
            check_out_dir(Path(str(primary.report.out_dir)), "report.out_dir")
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def check_jobs(
    compose: Callable[..., DictConfig], jobs: list[list[str]], compose_job: Callable[[list[str]], DictConfig]
) -> None:
    """Compose each distinct job once (``compose_job``) and check it; type checks come first, since they need no
    scikit-learn. ``compose`` composes a choice of config groups alone, for the type checks."""
    # a valid seed never changes whether a config is valid: compose each other combination once
    unique = {tuple(sorted(o for o in job if not plain_seed(o))): job for job in jobs}
    defaults: dict[tuple[str, ...], DictConfig] = {}

    def group_defaults(groups: list[str]) -> DictConfig:
        """The config of these group choices alone, composed once per choice."""
        if tuple(groups) not in defaults:
            defaults[tuple(groups)] = compose_or_fail(compose, groups)
        return defaults[tuple(groups)]

    composed = []
    for job in unique.values():
        check_types(job, group_defaults)
        composed.append((job, compose_or_fail(compose_job, job, job=True)))

    from bench.job import check, check_data  # imports scikit-learn: after the cheap checks

    files_read: set[str] = set()
    for job, cfg in composed:
        try:
            check(cfg)
            check_data(cfg.dataset, files_read)
        except ConfigError as exc:
            raise UsageError(f"{exc} (job: {' '.join(job)})") from exc
        except Exception as exc:
            raise UsageError(f"{compose_error(exc)} (job: {' '.join(job)})") from exc


def plain_seed(override: str) -> bool:
    return override.startswith("seed=") and override[len("seed=") :].isdigit()


def compose_or_fail(
    compose: Callable[..., DictConfig], overrides: Sequence[str], job: bool = False, **kwargs: Any
) -> DictConfig:
    try:
        return compose(list(overrides), **kwargs)
    except Exception as exc:
        where = f" (job: {' '.join(overrides)})" if job else ""
        raise UsageError(compose_error(exc) + where) from exc


def check_types(job: Sequence[str], compose_groups: Callable[[list[str]], DictConfig]) -> None:
    """``model.lr=abc`` -> one line naming the value, checked against the type of the key's default: a number
    where the config has a number, true/false where it has a bool. Finer checks (ranges, choices) are the
    estimators' and sources' own, once scikit-learn is loaded."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    overrides = OverridesParser.create().parse_overrides(list(job))
    choices = {o.key_or_group: o.input_line for o in overrides if (CONFIG_DIR / o.key_or_group).is_dir()}
    for override in overrides:
        key = override.key_or_group
        if key in choices or override.is_delete() or plain_seed(override.input_line):
            continue
        # a key's default depends on the choice of its own group (model.lr: the model) and on the experiment, so
        # a sweep's jobs share few compositions: tracking.uri needs one, model.lr one per model
        own = key.split(".")[0]
        defaults = compose_groups(
            [line for group, line in choices.items() if group not in ("dataset", "model") or group == own]
        )
        default, value = OmegaConf.select(defaults, key, default=None), override.value()
        if default is None or value is None:
            continue
        if isinstance(default, bool):
            wrong, expected = not isinstance(value, bool), "true or false"
        elif isinstance(default, (int, float)):
            wrong, expected = isinstance(value, (bool, str)), "a number"
        else:
            continue
        if wrong:
            where = f"(job: {' '.join(job)})"
            shown = str(default).lower() if isinstance(default, bool) else repr(default)
            raise UsageError(f"{key}={value!r}: expected {expected} like its default {shown} {where}")


def compose_error(exc: Exception) -> str:
    """Hydra's "Key 'n_neighbour' is not in struct" becomes a line naming the key and the keys that exist there."""
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError

    cause, key = exc.__cause__, getattr(exc.__cause__, "full_key", None)
    node = getattr(cause, "parent_node", None)
    if not isinstance(cause, ConfigAttributeError | ConfigKeyError) or not key or node is None:
        return one_line(exc)
    prefix = key.rpartition(".")[0]
    keys = [f"{prefix}.{k}" if prefix else str(k) for k in node if not str(k).startswith(("_", "hydra"))]
    # dataset and model keys are constructor arguments: an optional one (max_samples) may be added with a +
    hint = f" (or add it: +{key}=...)" if prefix in ("dataset", "model") else ""
    return f"unknown key {key!r}; choose from: {', '.join(keys)}{hint}"


def check_out_dir(path: Path, what: str) -> None:
    """A directory that reports can be written into, or can be created: checked before hours of training."""
    existing = path.absolute()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"{what} {str(path)!r} cannot be created: {str(existing)!r} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{what} {str(path)!r} is not writable: no write permission on {str(existing)!r}")


def check_choices(overrides) -> None:
    """``dataset=digitz`` -> 'unknown dataset 'digitz'; choose from: ...', before Hydra's longer message."""
    for override in overrides:
        group = override.key_or_group
        folder = CONFIG_DIR / group
        if override.package is not None or not folder.is_dir() or override.is_delete():
            continue
        values = list(override.sweep_string_iterator()) if override.is_sweep_override() else [override.value()]
        choices = sorted(str(p.relative_to(folder).with_suffix("")) for p in folder.rglob("*.yaml"))
        for value in values:
            if value is not None and str(value) not in choices:
                raise UsageError(f"unknown {group} {str(value)!r}; choose from: {', '.join(choices)}")
