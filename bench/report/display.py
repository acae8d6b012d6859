"""What both reports show, as strings: tables (cells formatted once, with a "best" mask), figures and sections.

The HTML template and the Markdown writer render the same objects, so the two reports cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from bench.report.format import text

Formatter = Callable[[Any], str]


def escape_markdown(value: str) -> str:
    """Escape what would break a Markdown table cell or be taken as raw HTML."""
    return value.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class DisplayTable:
    header: list[str]
    numeric: list[bool]
    rows: list[list[str]]
    bold: list[list[bool]]
    caption: str = ""
    empty: str = "No data."

    def html_rows(self) -> list[list[tuple[str, str]]]:
        """Rows of (text, css class)."""
        return [
            [
                (cell, " ".join(c for c, on in (("num", num), ("best", b)) if on))
                for cell, num, b in zip(row, self.numeric, bold, strict=True)
            ]
            for row, bold in zip(self.rows, self.bold, strict=True)
        ]

    def markdown(self) -> str:
        rows = [
            [escape_markdown(f"**{cell}**" if b else cell) for cell, b in zip(row, bold, strict=True)]
            for row, bold in zip(self.rows, self.bold, strict=True)
        ]
        frame = pd.DataFrame(rows, columns=[escape_markdown(h) for h in self.header])
        align = ["right" if num else "left" for num in self.numeric]
        return frame.to_markdown(index=False, colalign=align, disable_numparse=True)


@dataclass
class Figure:
    key: str  # file stem beside the Markdown report
    caption: str
    svg: str


@dataclass
class Section:
    id: str
    title: str
    tables: list[DisplayTable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lead: list[str] = field(default_factory=list)  # paragraphs above the tables (a claim's verdict)
    figures: list[Figure] = field(default_factory=list)

    def add_figure(self, key: str, caption: str, svg: str | None) -> None:
        if svg:
            self.figures.append(Figure(key, caption, svg))


def display_table(
    frame: pd.DataFrame,
    columns: Mapping[str, tuple[str, Formatter | None]],
    caption: str = "",
    *,
    bold: pd.DataFrame | None = None,
    empty: str = "No data.",
) -> DisplayTable:
    """Format `frame` for display. `columns`: source column -> (header, formatter); a column with a
    formatter is numeric (right-aligned), one without is text. `bold`: boolean mask by source column."""
    cols = [c for c in columns if c in frame]
    formatters = [columns[c][1] or text for c in cols]
    rows = [[f(v) for f, v in zip(formatters, rec, strict=True)] for rec in frame[cols].itertuples(index=False)]
    mask = pd.DataFrame(False, index=frame.index, columns=cols)
    if bold is not None:
        mask = bold.reindex(index=frame.index, columns=cols).eq(True)
    return DisplayTable(
        [columns[c][0] for c in cols],
        [columns[c][1] is not None for c in cols],
        rows,
        mask.to_numpy(dtype=bool).tolist(),
        caption,
        empty,
    )
