"""What a judge found about one claim."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from bench.report.claims.rules import NOISE_FACTOR


@dataclass(frozen=True)
class Check:
    """One quantity a rule compares with a threshold, with its split noise: the standard error of the quantity
    over ``n`` replicates (seeds, or seed x fold splits), each computed as the rule computes the whole."""

    label: str
    value: float
    threshold: float
    noise: float
    n: int

    @property
    def above_noise(self) -> bool:
        """The threshold is larger than the noise it is measured with (``NOISE_FACTOR`` standard errors)."""
        return bool(abs(self.threshold) > NOISE_FACTOR * self.noise) if self.noise == self.noise else False

    @property
    def stable(self) -> bool:
        """The measured value lies more than ``NOISE_FACTOR`` standard errors from the threshold: another draw of the
        splits would most likely decide this part the same way."""
        return bool(abs(self.value - self.threshold) > NOISE_FACTOR * self.noise) if self.noise == self.noise else False


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
