"""Seconds spent inside ``bench.tracking.Store``, summed per method: through one store object (``TimedStore``,
handed to ``bench.job.record`` in place of the store) or through every store of a process (``time_methods``,
for a whole CLI sweep in a subprocess)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any


class CallClock:
    """Seconds and calls per name. A timed call made while another runs (``reap_interrupted`` ending runs) is
    part of the outer one and is not counted again."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.depth = 0

    def reset(self) -> None:
        self.spent, self.calls = {}, {}

    def wrap(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.depth += 1
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - start
                    self.calls[name] = self.calls.get(name, 0) + 1

        return timed


class TimedStore:
    """A store whose method calls are timed on ``clock``; its other attributes (``uri``, ``client``) pass
    through unchanged."""

    def __init__(self, store: Any, clock: CallClock) -> None:
        self.store, self.clock = store, clock

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.store, name)
        return self.clock.wrap(name, value) if callable(value) else value


def time_methods(cls: type, clock: CallClock) -> None:
    """Time every public method of ``cls``, and its constructor, on ``clock`` for the rest of the process."""
    for name, method in list(vars(cls).items()):
        if callable(method) and (name == "__init__" or not name.startswith("_")):
            setattr(cls, name, clock.wrap(name, method))
