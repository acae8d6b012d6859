"""What a judge found about one claim."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


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
