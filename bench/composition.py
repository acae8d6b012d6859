"""Composing a sweep's jobs: Hydra's composition once per choice of config groups, the rest applied to a copy.

A launcher composes every job from scratch: the defaults tree, every YAML file and a few hundred OmegaConf merges,
about 100 ms a job on a small machine, as long as fitting a tree. Jobs that differ only in values (``seed=1``,
``model.lr=0.1``) share their defaults tree, so ``ReusingConfigLoader`` composes the first of them with Hydra and
gives the others a copy with their own values applied the way Hydra applies them, and with the fields Hydra
derives from the overrides (``hydra.overrides.task``, ``hydra.job.override_dirname``) made anew. Anything else
(a config group, an added or deleted key, a dict value, a Hydra setting) keys its own composition.

``python -m bench`` composes every distinct job before the sweep starts, to check it (``bench.cli.preflight``), and
hands those compositions to the sweep's loader (``hand_over``): a launcher then composes none of them again. The
sweep adds Hydra settings of its own after the check (``hydra.job.env_set``, for the jobs' environment); a
composition made before them is reused with them applied, as long as they only set values of Hydra's node.
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Iterator, Sequence
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict

_HANDED: dict[int, dict[tuple[str, ...], DictConfig]] = {}  # by the pid of the process that composed them


@contextlib.contextmanager
def hand_over(composed: dict[tuple[str, ...], DictConfig]) -> Iterator[None]:
    """Within: ``handed()`` in this process gives ``composed`` (a ``ReusingConfigLoader``'s compositions)."""
    _HANDED[os.getpid()] = composed
    try:
        yield
    finally:
        _HANDED.pop(os.getpid(), None)


def handed() -> dict[tuple[str, ...], DictConfig]:
    """The compositions handed over in this process, or none."""
    return dict(_HANDED.get(os.getpid(), {}))


class ReusingConfigLoader:
    """Wraps a Hydra config loader; ``load_sweep_config`` reuses a composition where only values differ, starting
    from ``composed`` (a check's compositions). Every other attribute is the wrapped loader's, whose repository it
    makes a ``SharedRepository``. Picklable (joblib sends it to its workers) without its cache."""

    def __init__(self, loader: Any, composed: dict[tuple[str, ...], DictConfig] | None = None) -> None:
        if not isinstance(loader.repository, SharedRepository):
            loader.repository = SharedRepository(loader.repository)
        self.loader = loader
        self.composed: dict[tuple[str, ...], DictConfig] = composed or {}
        self.settings: dict[tuple, list | None] = {}

    def __getattr__(self, name: str) -> Any:
        if name == "loader":  # not yet set: during unpickling
            raise AttributeError(name)
        return getattr(self.loader, name)

    def __getstate__(self) -> dict[str, Any]:
        return {"loader": self.loader, "composed": {}, "settings": {}}

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: Sequence[str]) -> DictConfig:
        from hydra.core.override_parser.overrides_parser import OverridesParser

        parsed = OverridesParser.create().parse_overrides(list(sweep_overrides))
        plain = [self.is_plain_value(o) for o in parsed]
        values = [o for o, is_value in zip(parsed, plain, strict=True) if is_value]
        others = [o.input_line for o, is_value in zip(parsed, plain, strict=True) if not is_value]
        key = (*others, *(f"{o.key_or_group}=" for o in values))
        settings = self.added_settings(self.composed[key], master_config) if key in self.composed else None
        if settings is None:
            config = self.loader.load_sweep_config(master_config, list(sweep_overrides))
            self.composed[key] = copy.deepcopy(config)
            return config
        return self.reuse(self.composed[key], master_config, parsed, settings + values)  # Hydra's lines: in the key

    def added_settings(self, composed: DictConfig, master_config: DictConfig) -> list | None:
        """The sweep's Hydra overrides that ``composed`` was made without, parsed, where each sets a value of Hydra's
        node; None where the composition cannot be reused for this sweep."""
        before, now = tuple(composed.hydra.overrides.hydra), tuple(master_config.hydra.overrides.hydra)
        if now[: len(before)] != before:
            return None
        if (before, now) not in self.settings:  # parsed once per sweep: Hydra's parser takes milliseconds a line
            self.settings[before, now] = self.parse_settings(list(now[len(before) :]))
        return self.settings[before, now]

    def parse_settings(self, lines: list[str]) -> list | None:
        from hydra.core.override_parser.overrides_parser import OverridesParser
        from hydra.core.override_parser.types import OverrideType

        added = OverridesParser.create().parse_overrides(lines)
        settable = (OverrideType.CHANGE, OverrideType.ADD, OverrideType.FORCE_ADD)
        if all(
            o.type in settable
            and o.package is None
            and o.is_hydra_override()
            and not isinstance(o.value(), dict)
            and not self.loader.repository.group_exists(o.key_or_group)
            for o in added
        ):
            return added
        return None

    def is_plain_value(self, override: Any) -> bool:
        """``key=value`` setting a value of the job's config: not a group, not Hydra's, not +, ++ or ~, no dict."""
        from hydra.core.override_parser.types import OverrideType

        return (
            override.type == OverrideType.CHANGE
            and override.package is None
            and not override.is_hydra_override()
            and not isinstance(override.value(), dict)
            and not self.loader.repository.group_exists(override.key_or_group)
        )

    @staticmethod
    def reuse(composed: DictConfig, master_config: DictConfig, parsed: list, values: list) -> DictConfig:
        from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname

        config = copy.deepcopy(composed)
        ConfigLoaderImpl._apply_overrides_to_config(values, config)
        app = [o for o in parsed if not o.is_hydra_override()]
        with open_dict(config.hydra):
            config.hydra.overrides.hydra = list(master_config.hydra.overrides.hydra)
            config.hydra.job.name = master_config.hydra.job.name  # the composing process's, as Hydra takes it
            config.hydra.overrides.task = [o.input_line for o in app]
            dirname = config.hydra.job.config.override_dirname
            config.hydra.job.override_dirname = get_overrides_dirname(
                overrides=app, kv_sep=dirname.kv_sep, item_sep=dirname.item_sep, exclude_keys=dirname.exclude_keys
            )
        OmegaConf.copy_cache(from_config=master_config, to_config=config)
        return config


class SharedRepository:
    """A Hydra config repository that reads and parses each config file once for all compositions: Hydra's own
    cache lives for one composition, and begins with a deep copy of the repository (a fifth of a composition's time,
    a quarter more in reading and parsing YAML). Each composition gets a copy of what was read; a composition that
    changes the search path gets sources of its own, and the cache is keyed by them."""

    def __init__(self, delegate: Any, cache: dict | None = None) -> None:
        self.delegate = delegate
        self.cache: dict[tuple, Any] = {} if cache is None else cache

    def __getattr__(self, name: str) -> Any:
        if name in ("delegate", "cache"):  # not yet set: during unpickling
            raise AttributeError(name)
        return getattr(self.delegate, name)

    def __deepcopy__(self, memo: dict) -> SharedRepository:
        # what Hydra's per-composition cache makes: initialize_sources rebinds the copy's list of sources and never
        # changes a source, so a shallow copy of the repository keeps the original as it was
        return SharedRepository(copy.copy(self.delegate), self.cache)

    def __getstate__(self) -> dict[str, Any]:
        return {"delegate": self.delegate, "cache": {}}

    def load_config(self, config_path: str) -> Any:
        key = (config_path, *((source.provider, source.path) for source in self.delegate.get_sources()))
        if key not in self.cache:
            self.cache[key] = self.delegate.load_config(config_path)
        return copy.deepcopy(self.cache[key])
