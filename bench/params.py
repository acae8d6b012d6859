"""Checks of parameters declared beside them (a dataset source's ``constraints``, the MLP's), each failure one line
naming the parameter, its owner, what it must be and what it got."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

KINDS = {Integral: "an int", Real: "a float"}


@dataclass(frozen=True)
class Range:
    """A number of ``kind`` (``Integral`` or ``Real``) from ``low`` to ``high`` (None: unbounded); ``closed`` says
    which ends belong to it: "left", "right", "both" or "neither"."""

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        if self.low is not None and (value < self.low or (value == self.low and self.closed in ("right", "neither"))):
            return False
        return self.high is None or not (
            value > self.high or (value == self.high and self.closed in ("left", "neither"))
        )

    def __str__(self) -> str:
        left = "[" if self.closed in ("left", "both") and self.low is not None else "("
        right = "]" if self.closed in ("right", "both") and self.high is not None else ")"
        shown = float if self.kind is Real else int
        low = "-inf" if self.low is None else shown(self.low)
        high = "inf" if self.high is None else shown(self.high)
        return f"{KINDS[self.kind]} in the range {left}{low}, {high}{right}"


@dataclass(frozen=True)
class OneOf:
    """A string among ``choices``."""

    choices: frozenset[str]

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.choices

    def __str__(self) -> str:
        return f"a str among {{{', '.join(map(repr, sorted(self.choices)))}}}"


def one_of(choices: Iterable[str]) -> OneOf:
    return OneOf(frozenset(choices))


def accepts(constraint: Any, value: Any) -> bool:
    """A value passes a ``Range``, a ``OneOf``, a type (``str``: an instance of it) or None (None itself)."""
    if constraint is None:
        return value is None
    if isinstance(constraint, type):
        return isinstance(value, constraint) and not (constraint is not bool and isinstance(value, bool))
    if isinstance(value, float) and math.isnan(value):
        return False
    return constraint.accepts(value)


def describe(constraint: Any) -> str:
    if constraint is None:
        return "None"
    if isinstance(constraint, type):
        return f"an instance of {constraint.__name__!r}"
    return str(constraint)


def check(constraints: Mapping[str, list], values: Mapping[str, Any], owner: str) -> None:
    """Raise ``ValueError`` for the first field whose value passes none of its constraints."""
    for name, allowed in constraints.items():
        value = values.get(name)
        if not any(accepts(c, value) for c in allowed):
            options = [describe(c) for c in allowed]
            must = ", ".join(options[:-1]) + " or " + options[-1] if len(options) > 1 else options[0]
            raise ValueError(f"The {name!r} parameter of {owner} must be {must}. Got {value!r} instead.")
