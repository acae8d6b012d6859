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
    assert re.search(r"\| Git commit \(the claims' runs\) +\| [0-9a-f]{12,40}\b", report), "the runs' commit"


def test_no_committed_verdict_stands_within_the_noise_of_its_threshold():
    """Every supported, not supported or mixed verdict of the committed report rests on quantities more than two
    corrected standard errors from their thresholds; the rest say inconclusive."""
    report = (ROOT / "reports" / "claims.md").read_text()
    assert "Noise (corrected standard error)" in report
    for number in range(1, 9):
        section = report.split(f"## Claim {number}:")[1].split("\n## ")[0]
        verdict = re.search(r"Verdict: ([a-z ]+)\.", section).group(1)
        checks = section.split("### The rule's quantities against their split noise")[-1]
        stable = [line.strip("|").split("|")[-1].strip() for line in checks.splitlines() if line.startswith("| ")][1:]
        if verdict in ("supported", "not supported", "mixed"):
            assert stable and all(cell == "yes" for cell in stable), number
        else:
            assert verdict in ("inconclusive at this power", "no evidence"), number
