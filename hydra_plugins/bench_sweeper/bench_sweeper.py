"""``hydra/sweeper=bench``: Hydra's basic sweeper, without its second composition of every job, and with a launcher
that composes once per choice of config groups (``bench.composition``).

``python -m bench`` composes and checks every job of a sweep before Hydra starts. The basic sweeper then composes
each job again to validate it, and the launcher composes it a third time to run it: at about 50 ms a composition,
the middle pass alone adds more than 5 s to the default sweep of 108 jobs, and the check's compositions are handed
to the launcher's loader (``bench.composition.hand_over``), which composes none of them again. The check marks the
process that made it, and only that process skips the pass; Hydra's own entry point and commands that bypass the
check validate as usual.

Hydra loads plugins from the ``hydra_plugins`` namespace only, hence this package beside ``bench``. Hydra runs
this module before registering it in ``sys.modules``: no ``from __future__ import annotations`` here, since the
dataclass would then need to look its own module up.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper, BasicSweeperConf
from hydra.core.config_store import ConfigStore

from bench.composition import ReusingConfigLoader, handed
from bench.config import checked_here


@dataclass
class BenchSweeperConf(BasicSweeperConf):
    _target_: str = "hydra_plugins.bench_sweeper.bench_sweeper.BenchSweeper"


ConfigStore.instance().store(group="hydra/sweeper", name="bench", node=BenchSweeperConf, provider="bench")


class BenchSweeper(BasicSweeper):
    def setup(self, *, hydra_context, task_function, config) -> None:
        loader = ReusingConfigLoader(hydra_context.config_loader, handed())  # the launcher composes through it
        super().setup(
            hydra_context=replace(hydra_context, config_loader=loader), task_function=task_function, config=config
        )

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        if not checked_here():
            super().validate_batch_is_legal(batch)
