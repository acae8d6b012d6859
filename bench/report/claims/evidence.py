"""What a judge found about one claim, and how a rule's parts decide its verdict when some of their quantities lie
within the noise of their thresholds."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from bench.report.claims.rules import INCONCLUSIVE, NOISE_FACTOR

Part = bool | None  # a part of a rule: holds, fails, or undecided at this power


@dataclass(frozen=True)
class Check:
    """One quantity a rule compares with a threshold (``value >= threshold`` passes, or ``<=`` with ``below``), with
    its split noise: the corrected resampled standard error over ``n`` replicates (seeds, or seed x fold splits),
    each computed as the rule computes the whole. ``settle`` is the number of replicates of the same split sizes
    that would put the value beyond ``NOISE_FACTOR`` standard errors of the threshold at the spread seen (``inf``:
    none would; NaN: unknown)."""

    label: str
    value: float
    threshold: float
    noise: float
    n: int
    below: bool = False
    settle: float = math.nan

    @property
    def above_noise(self) -> bool:
        """The threshold is larger than the noise it is measured with (``NOISE_FACTOR`` standard errors)."""
        return bool(abs(self.threshold) > NOISE_FACTOR * self.noise) if self.noise == self.noise else False

    @property
    def stable(self) -> bool:
        """The measured value lies more than ``NOISE_FACTOR`` standard errors from the threshold: another draw of the
        splits would most likely decide this part the same way. An infinite value (never reached) is stable."""
        if math.isinf(self.value):
            return True
        return bool(abs(self.value - self.threshold) > NOISE_FACTOR * self.noise) if self.noise == self.noise else False

    @property
    def passes(self) -> bool:
        """The comparison on the measured value alone."""
        return bool(self.value <= self.threshold) if self.below else bool(self.value >= self.threshold)

    @property
    def holds(self) -> Part:
        """The comparison where it stands above the noise, ``None`` where it does not."""
        return self.passes if self.stable else None

    def said(self) -> str:
        """The check in words: the quantity, its value against the threshold with its noise, the replicates."""
        sign = "at most" if self.below else "at least"
        more = (
            ""
            if self.settle != self.settle
            else "; more replicates of these split sizes cannot settle it"
            if math.isinf(self.settle)
            else f"; about {self.settle:.0f} replicates would settle it"
        )
        return (
            f"{self.label} is {self.value:.3g} where the rule asks {sign} {self.threshold:.3g}, within "
            f"{NOISE_FACTOR:g} x {self.noise:.2g} (corrected standard error over {self.n} replicates){more}"
        )


def all_of(parts: list[Part]) -> Part:
    """Three-valued and: fails if any part fails, holds if every part holds, else undecided."""
    return False if any(p is False for p in parts) else True if all(p is True for p in parts) else None


def at_least(parts: list[Part], k: float) -> Part:
    """Holds when at least ``k`` parts hold for certain, fails when even every undecided one could not make ``k``."""
    sure, open_ = sum(p is True for p in parts), sum(p is None for p in parts)
    return True if sure >= k else False if sure + open_ < k else None


def decide(rule: Callable[..., str], *parts: Part) -> str:
    """The verdict ``rule(*parts)`` where it does not depend on the undecided parts, else ``INCONCLUSIVE``: every
    way the undecided parts could fall is tried."""
    open_ = [i for i, p in enumerate(parts) if p is None]
    verdicts = set()
    for fill in itertools.product((True, False), repeat=len(open_)):
        filled = list(parts)
        for i, value in zip(open_, fill, strict=True):
            filled[i] = value
        verdicts.add(rule(*filled))
    return verdicts.pop() if len(verdicts) == 1 else INCONCLUSIVE


@dataclass
class Evidence:
    """The verdict, one sentence, a display table (strings; ``numeric`` columns right-aligned), the claim's runs and
    seeds counted, and its figures as (caption, svg) pairs. ``drawn`` holds the frames those figures draw, by name:
    the judge fills it, :mod:`.figures` turns it into ``figures``."""

    verdict: str
    sentence: str
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    numeric: tuple[str, ...] = ()
    figures: list[tuple[str, str | None]] = field(default_factory=list)
    runs: int = 0
    seeds: int = 0
    drawn: dict[str, pd.DataFrame] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
