"""The article's claims put to the test: each claim, the sweeps that test it, its verdict rule, and the rule applied
to the tidy results table.

A claim's runs carry the param ``claim`` (set by ``conf/experiment/claims/*.yaml``). Each rule was written down,
with its thresholds, before the sweeps ran (:mod:`.rules`); the rule texts are printed into every report and repeated
in the configs' header comments. A judge (:mod:`.judges`) is a pure function of the claim's runs: it returns the
verdict (``supported``, ``not supported``, ``mixed`` or ``inconclusive at this power``), one sentence of evidence and
a table of the numbers behind it; :mod:`.figures` draws the claim's figures. Before a judge rules, the claim's runs
must cover the grid of the design they record (:mod:`.design`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from bench.report.claims import beside, design
from bench.report.claims.beside import judge_beside
from bench.report.claims.design import Design, Designs, design_of, missing
from bench.report.claims.evidence import Evidence
from bench.report.claims.figures import FIGURES
from bench.report.claims.judges import JUDGES, fit_exponent
from bench.report.claims.rules import (
    CLAIMS,
    INCONCLUSIVE,
    MIXED,
    NO_EVIDENCE,
    NOT_SUPPORTED,
    SUPPORTED,
    Claim,
)
from bench.report.claims.runs import claim_runs

CONFIGS = "configs"  # the designs of conf/experiment/<suite>/, looked up when a claim is assessed


def assess(
    claim: Claim, table: pd.DataFrame, designs: Designs | str | None = CONFIGS, figures: bool = True
) -> Evidence:
    """The claim's evidence in ``table``: its rule applied to its runs, and its figures (``figures=False``: the
    verdict alone, nothing drawn). ``designs`` gives the grid each sweep's runs must cover (:data:`CONFIGS`: the
    project's configs; None: rule on whatever runs there are, for tables made by hand)."""
    runs = claim_runs(table, claim.name)
    designs = design.design_of if designs == CONFIGS else designs
    if designs is not None and not runs.empty and (why := missing(runs, claim.sweeps, designs)) is not None:
        return Evidence(NO_EVIDENCE, f"No evidence: {why}.", runs=len(runs), seeds=runs["seed"].nunique())
    judge = functools.partial(_judged, JUDGES[claim.name])
    evidence = judge_beside(judge, runs) if claim.name in beside.CLAIMS else judge(runs)
    drawn = figures and evidence.drawn
    return replace(evidence, figures=FIGURES[claim.name](runs, evidence.drawn)) if drawn else evidence


def _judged(judge: Callable[[pd.DataFrame], Evidence], runs: pd.DataFrame) -> Evidence:
    """The judge's evidence, an inconclusive verdict followed by the quantities it could not decide."""
    evidence = judge(runs)
    if evidence.verdict != INCONCLUSIVE:
        return evidence
    undecided = "; ".join(c.said() for c in evidence.checks if not c.stable)
    return replace(evidence, sentence=f"{evidence.sentence} Undecided at this power: {undecided}.")


def judge_all(table: pd.DataFrame, designs: Designs | str | None = CONFIGS) -> list[tuple[Claim, Evidence]]:
    """Every claim with its evidence in ``table`` (``no evidence`` where its sweeps did not run)."""
    return [(claim, assess(claim, table, designs)) for claim in CLAIMS]


def designs_run(table: pd.DataFrame) -> list[str]:
    """The designs (``design.suite``) the table's claim runs record: ``claims``, ``claims_quick``."""
    if table.empty or "params.design.suite" not in table or "params.claim" not in table:
        return []
    return sorted(table.loc[table["params.claim"].notna(), "params.design.suite"].dropna().astype(str).unique())


__all__ = [
    "CLAIMS",
    "INCONCLUSIVE",
    "JUDGES",
    "MIXED",
    "NOT_SUPPORTED",
    "NO_EVIDENCE",
    "SUPPORTED",
    "Claim",
    "Design",
    "Evidence",
    "assess",
    "claim_runs",
    "design_of",
    "designs_run",
    "fit_exponent",
    "judge_all",
]
