"""Compose and check every job of a sweep before Hydra launches anything, so that a typo fails in about a second
with one line naming the value, instead of after an hour of training or as a traceback."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from bench import protocol
from bench.config import CONFIG_DIR, ConfigError, composer, one_line
from bench.plan import Plan


class UsageError(Exception):
    """Bad command-line input: reported as one line and exit status 2."""


def preflight(argv: list[str], shown: list[str] | None = None) -> Plan:
    """Compose and validate every job the overrides describe, with Hydra's compose API; return the sweep's plan:
    its jobs, the run key of every run it makes (a job's folds each), and its command line (``shown``: as the
    user typed it, where it differs from ``argv``; passwords hidden)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    parser = OverridesParser.create()
    overrides = parse(parser, argv)
    fixed = [o.input_line for o in overrides if not o.is_sweep_override()]
    # the jobs' own overrides, as Hydra's sweeper lists them: Hydra's settings are the sweep's, in the primary config
    task = [o.input_line for o in overrides if not o.is_hydra_override()]
    folders = config_dirs(overrides)
    check_choices(overrides, folders)
    with composer() as compose:
        primary = compose_or_fail(compose, fixed, hydra=True)
        check_destinations(primary)
        if primary.hydra.mode == RunMode.RUN:
            jobs = [task]
        else:
            params = OmegaConf.to_container(primary.hydra.sweeper.params or {}, resolve=False)
            combined = parser.parse_overrides([f"{k}={v}" for k, v in params.items()] + task)
            check_choices(combined, folders)
            jobs = expand(combined)
        # a search path of the user's own configs reaches every job's composition, as Hydra's launcher gives it
        searched = [o.input_line for o in overrides if o.key_or_group == "hydra.searchpath"]
        runs, protocols = check_jobs(lambda lines, **kw: compose([*lines, *searched], **kw), jobs)
    if any(protocol.get(name).tunes for name in protocols):
        check_studies(primary)
    return Plan(
        jobs=len(jobs),
        keys=[key for key, _ in runs],
        names=[name for _, name in runs],
        command=" ".join(["python -m bench", *map(redact_override, argv if shown is None else shown)]),
        rerun=bool(primary.rerun),
        experiment=str(primary.tracking.experiment),
        uri=str(primary.tracking.uri),
        protocols=protocols,
        report_dir=str(Path(str(primary.report.out_dir)).absolute()) if primary.report.enabled else None,
    )


def check_studies(primary: DictConfig) -> None:
    """The journals the sweep's tuned jobs resume their studies from must read back whole; ``rerun=true`` sets a
    damaged one aside (its study starts afresh anyway)."""
    from bench import studies
    from bench.tracking import resolve_uri

    folder = studies.storage_dir(resolve_uri(str(primary.tracking.uri)), str(primary.tracking.experiment), None)
    for path in studies.journals(folder):
        try:
            studies.check_journal(path)
        except ValueError as exc:
            if not primary.rerun:
                raise UsageError(str(exc)) from exc
            aside = studies.set_aside(path)
            print(f"the damaged tuning journal {str(path)!r} is set aside: {str(aside)!r}", flush=True)


def redact_override(override: str) -> str:
    """An override as a record may show it: a password in a URI hidden."""
    from bench.tracking import redact

    key, sep, value = override.partition("=")
    return f"{key}{sep}{redact(value)}" if sep and "://" in value else override


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
    from bench import tracking

    uri = tracking.resolve_uri(str(primary.tracking.uri))
    try:
        tracking.check_uri(uri)
        tracking.check_reachable(uri)
        db = tracking.sqlite_path(uri)
        # a store another sweep is creating this moment has half its tables, and a client opened on it would
        # create them a second time: checked once that sweep is done (a folder not there yet holds no store)
        with tracking.creating(db if db is not None and db.parent.is_dir() else None):
            tracking.check_store(uri)
            tracking.check_tables(uri)
            tracking.check_experiment(uri, str(primary.tracking.experiment))
        if db is not None:
            check_room(db.parent, "the tracking store")
        check_room(Path.cwd(), "the sweep's folder (multirun/)")
        if primary.report.enabled:
            check_out_dir(Path(str(primary.report.out_dir)), "report.out_dir")
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def check_jobs(compose: Callable[..., DictConfig], jobs: list[list[str]]) -> tuple[list[tuple[str, str]], list[str]]:
    """Compose each distinct job once and check it, one job at a time: a bad value that every job shares stops at
    the first job. A job's type checks come first, since they need no scikit-learn. Returns the run key and name of
    every run the jobs make, in order, and their protocols."""
    # a valid seed never changes whether a config is valid: compose each other combination once
    unique: dict[tuple[str, ...], Sequence[str]] = {}
    for job in jobs:
        unique.setdefault(distinct(job), job)
    defaults: dict[tuple[str, ...], DictConfig] = {}

    def group_defaults(groups: list[str]) -> DictConfig:
        """The config of these group choices alone, composed once per choice."""
        if tuple(groups) not in defaults:
            defaults[tuple(groups)] = compose_or_fail(compose, groups)
        return defaults[tuple(groups)]

    composed: dict[tuple[str, ...], DictConfig] = {}
    files_read: set[str] = set()
    for key, job in unique.items():
        check_types(job, group_defaults)
        cfg = composed[key] = compose_or_fail(compose, job, job=True)

        from bench.job import check, check_data  # imports scikit-learn: after the first job's cheap checks

        try:
            check(cfg)
            check_data(cfg, files_read)
        except ConfigError as exc:
            raise UsageError(f"{exc} (job: {' '.join(job)})") from exc
        except Exception as exc:
            raise UsageError(f"{compose_error(exc)} (job: {' '.join(job)})") from exc
    keys = [run for job in jobs for run in run_keys(composed[distinct(job)], job)]
    return keys, sorted({str(cfg.protocol.name) for cfg in composed.values()})


def distinct(job: Sequence[str]) -> tuple[str, ...]:
    """What tells a job's config apart from others' beside its seed."""
    return tuple(sorted(o for o in job if not plain_seed(o)))


def run_keys(cfg: DictConfig, job: Sequence[str]) -> list[tuple[str, str]]:
    """The run keys and names of a job's runs (one per fold), from the composition of a job that differs at most
    by its seed: the job's own seed set, the config resolved as the job resolves it."""
    from omegaconf import OmegaConf

    from bench import protocol, tracking
    from bench.job import job_config

    seed = next((int(o.partition("=")[2]) for o in job if plain_seed(o)), None)
    if seed is not None and seed != cfg.seed:
        cfg = cfg.copy()
        OmegaConf.update(cfg, "seed", seed)
    resolved = job_config(cfg)
    return [
        (tracking.run_key(resolved if fold is None else {**resolved, "fold": fold}), tracking.run_name(resolved, fold))
        for fold in protocol.folds(resolved["protocol"])
    ]


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
    prefix, _, name = key.rpartition(".")
    keys = [f"{prefix}.{k}" if prefix else str(k) for k in node if not str(k).startswith(("_", "hydra"))]
    hint = ""
    if prefix in ("dataset", "model"):
        if owners := configs_with(prefix, name):  # another config's argument: a sweep over several of them
            hint = (
                f" ({name} is an argument of {', '.join(owners)}; to set it for one model of a sweep over several, "
                "give it a config of its own: see docs/sweeps.md, 'A model-specific value in a multi-model sweep')"
            )
        else:  # dataset and model keys are constructor arguments: an optional one may be added with a +
            hint = f" (or add it: +{key}=...)"
    return f"unknown key {key!r}; choose from: {', '.join(keys)}{hint}"


def configs_with(group: str, key: str) -> list[str]:
    """The configs of a group that set ``key`` themselves (``C``: svm, svm_linear, logreg)."""
    from omegaconf import OmegaConf

    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml") if key in OmegaConf.load(p))


MIN_FREE_MB = 20  # a sweep starts with at least this much room on each disk it writes to


def check_room(path: Path, what: str) -> None:
    """Room to write on the disk holding ``path`` (or the nearest folder above it that exists)."""
    import shutil

    existing = path.absolute()
    while not existing.exists():
        existing = existing.parent
    free = shutil.disk_usage(existing).free / 2**20
    if free < MIN_FREE_MB:
        raise ValueError(
            f"only {free:.1f} MB free on the disk holding {str(existing)!r} ({what}); a sweep needs {MIN_FREE_MB} MB "
            f"to start: free some space"
        )


def check_out_dir(path: Path, what: str) -> None:
    """A directory that reports can be written into, or can be created: checked before hours of training."""
    existing = path.absolute()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"{what} {str(path)!r} cannot be created: {str(existing)!r} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{what} {str(path)!r} is not writable: no write permission on {str(existing)!r}")


def config_dirs(overrides) -> list[Path]:
    """``conf/``, then the folders a ``hydra.searchpath=[file://DIR,...]`` override adds (a user's own configs)."""
    folders = [CONFIG_DIR]
    for override in overrides:
        if override.key_or_group == "hydra.searchpath" and isinstance(value := override.value(), list):
            folders += [Path(str(entry).removeprefix("file://")) for entry in value if str(entry).startswith("file://")]
    return folders


def check_choices(overrides, folders: list[Path] | None = None) -> None:
    """``dataset=digitz`` -> 'unknown dataset 'digitz'; choose from: ...', before Hydra's longer message; the
    choices of a group are its files in ``conf/`` and in ``folders`` (those ``hydra.searchpath`` adds)."""
    folders = folders or config_dirs(overrides)
    for override in overrides:
        group = override.key_or_group
        if override.package is not None or not (CONFIG_DIR / group).is_dir() or override.is_delete():
            continue
        values = list(override.sweep_string_iterator()) if override.is_sweep_override() else [override.value()]
        found = {str(p.relative_to(f / group).with_suffix("")) for f in folders for p in (f / group).rglob("*.yaml")}
        choices = sorted(found)
        for value in values:
            if value is not None and str(value) not in choices:
                raise UsageError(f"unknown {group} {str(value)!r}; choose from: {', '.join(choices)}")
