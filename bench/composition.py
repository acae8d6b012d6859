"""Composing a sweep's jobs: Hydra's composition once per choice of config groups, the rest applied to a copy.

A launcher composes every job from scratch: the defaults tree, every YAML file and a few hundred OmegaConf merges,
about 100 ms a job on a small machine, as long as fitting a tree. Jobs that differ only in values (``seed=1``,
``model.lr=0.1``) share their defaults tree, so ``ReusingConfigLoader`` composes the first of them with Hydra and
gives the others a copy with their own values applied the way Hydra applies them, and with the fields Hydra
derives from the overrides (``hydra.overrides.task``, ``hydra.job.override_dirname``) made anew. Anything else
(a config group, an added or deleted key, a dict value, a Hydra setting) keys its own composition.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict


class ReusingConfigLoader:
    """Wraps a Hydra config loader; ``load_sweep_config`` reuses a composition where only values differ. Every
    other attribute is the wrapped loader's. Picklable (joblib sends it to its workers) without its cache."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.composed: dict[tuple[str, ...], DictConfig] = {}

    def __getattr__(self, name: str) -> Any:
        if name == "loader":  # not yet set: during unpickling
            raise AttributeError(name)
        return getattr(self.loader, name)

    def __getstate__(self) -> dict[str, Any]:
        return {"loader": self.loader, "composed": {}}

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: Sequence[str]) -> DictConfig:
        from hydra.core.override_parser.overrides_parser import OverridesParser

        parsed = OverridesParser.create().parse_overrides(list(sweep_overrides))
        plain = [self.is_plain_value(o) for o in parsed]
        values = [o for o, is_value in zip(parsed, plain, strict=True) if is_value]
        others = [o.input_line for o, is_value in zip(parsed, plain, strict=True) if not is_value]
        key = (*others, *(f"{o.key_or_group}=" for o in values))
        if key not in self.composed:
            config = self.loader.load_sweep_config(master_config, list(sweep_overrides))
            self.composed[key] = copy.deepcopy(config)
            return config
        return self.reuse(self.composed[key], master_config, parsed, values)  # Hydra's own lines are in the key

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
            config.hydra.overrides.task = [o.input_line for o in app]
            dirname = config.hydra.job.config.override_dirname
            config.hydra.job.override_dirname = get_overrides_dirname(
                overrides=app, kv_sep=dirname.kv_sep, item_sep=dirname.item_sep, exclude_keys=dirname.exclude_keys
            )
        OmegaConf.copy_cache(from_config=master_config, to_config=config)
        return config
