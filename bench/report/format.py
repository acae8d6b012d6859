"""Numbers as the reports print them: one formatter per kind of value, every one showing a missing value as a dash.

"Missing" is None or NaN. Pass ``finite=True`` where an infinity means "no value" too: a claim's median time to a
target that was never reached is infinite, and its table shows a dash there; the report's own tables print ``inf``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

DASH = "—"


def missing(x: Any) -> bool:
    """None, NaN or a pandas NA (a scalar; a list or array is a value)."""
    return bool(pd.api.types.is_scalar(x) and pd.isna(x))


def _blank(x: Any, finite: bool) -> bool:
    return missing(x) or (finite and not math.isfinite(x))


def text(x: Any) -> str:
    """A value as one line of text: runs of whitespace (newlines too) become one space."""
    return DASH if missing(x) else " ".join(str(x).split())


def accuracy(x: Any, *, finite: bool = False) -> str:
    """A fraction to three decimals: 0.97 -> '0.970'."""
    return DASH if _blank(x, finite) else f"{x:.3f}"


def mean_std(mean: Any, std: Any, *, finite: bool = False) -> str:
    """'0.970 ± 0.010'; without a spread (one seed) the mean alone."""
    if _blank(mean, finite) or _blank(std, finite):
        return accuracy(mean, finite=finite)
    return f"{mean:.3f} ± {std:.3f}"


def points(x: float, *, signed: bool = False, unit: bool = True) -> str:
    """An accuracy difference in percentage points: 0.053 -> '5.3 points' ('+5.3 points' signed, '5.3' unitless)."""
    number = f"{100 * x:+.1f}" if signed else f"{100 * x:.1f}"
    return f"{number} points" if unit else number


def percent(x: Any) -> str:
    """A share as whole percent: 0.1 -> '10%'."""
    return DASH if missing(x) else f"{100 * x:.0f}%"


def significant(x: Any, digits: int = 3, *, finite: bool = False) -> str:
    """``digits`` significant digits, large numbers in exponent notation: 1234.5 -> '1.23e+03'."""
    return DASH if _blank(x, finite) else f"{x:.{digits}g}"


def number(x: Any) -> str:
    """A measurement for a table: three significant digits, but thousands whole with separators: 0.01234 ->
    '0.0123', 1234.5 -> '1,234'."""
    if missing(x):
        return DASH
    return f"{x:,.0f}" if abs(x) >= 999.5 else f"{x:.3g}"


def integer(x: Any) -> str:
    """A count: 3.0 -> '3'."""
    return DASH if missing(x) else f"{int(x):d}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """A count with its noun: ``counted(1, "run")`` -> '1 run', ``counted(3, "run")`` -> '3 runs'; ``plural`` where
    adding an s is wrong (``counted(2, "pair", "pairs of models")``)."""
    return f"{integer(n)} {noun if int(n) == 1 else plural or noun + 's'}"


def duration(seconds: float) -> str:
    """Wall time as people say it: 42 -> '42 s', 754 -> '12 min 34 s', 5580 -> '1 h 33 min'."""
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def cell(value: Any, *, yes_no: Sequence[str] = ("yes", "no")) -> str:
    """Any table value: floats as :func:`number`, booleans as ``yes_no``, a list as its cells joined by ' / ',
    anything else as ``str``; None and NaN as a dash."""
    if missing(value):
        return DASH
    if isinstance(value, bool):
        return yes_no[0] if value else yes_no[1]
    if isinstance(value, list):
        return " / ".join(cell(v, yes_no=yes_no) for v in value)
    if isinstance(value, float):
        return number(value)
    return str(value)
