"""The README's verdict table is the committed claims report's, and that report ran under its rules."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def verdicts(markdown: str, heading: str) -> dict[str, str]:
    """Claim number -> verdict from the first table after ``heading``."""
    section = markdown[markdown.index(heading) :]
    found: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].isdigit():
            found[cells[0]] = next(c.strip("*") for c in cells[2:] if c.startswith("**"))
        elif found and not line.startswith("|"):
            break
    return found


def test_the_readme_verdicts_are_the_committed_reports():
    report = (ROOT / "reports" / "claims.md").read_text()
    readme = (ROOT / "README.md").read_text()
    in_report = verdicts(report, "### The article's claims")
    assert sorted(in_report, key=int) == [str(n) for n in range(1, 9)]
    assert verdicts(readme, "## What the evidence says") == in_report


def test_the_committed_report_ran_before_its_rules_changed_and_names_its_commits():
    report = (ROOT / "reports" / "claims.md").read_text()
    assert re.search(r"\| Rules changed after the runs +\| no: ", report)
    assert re.search(r"\| Git commit \(the claims' runs\) +\| ([0-9a-f]{40}) ", report), "the runs' commit"
