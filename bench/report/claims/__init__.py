"""The article's claims put to the test: each claim, the sweeps that test it, its verdict rule, and the rule applied
to the tidy results table.

A claim's runs carry the param ``claim`` (set by ``conf/experiment/claims/*.yaml``). Each rule was written down,
with its thresholds, before the sweeps ran (:mod:`.rules`); the rule texts are printed into every report and repeated
in the configs' header comments. A judge (:mod:`.judges`) is a pure function of the claim's runs: it returns the
verdict (``supported``, ``not supported`` or ``mixed``), one sentence of evidence and a table of the numbers behind
it; :mod:`.figures` draws the claim's figures.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from bench.report.claims.evidence import Evidence
from bench.report.claims.figures import FIGURES
from bench.report.claims.judges import JUDGES, fit_exponent
from bench.report.claims.rules import CLAIMS, MIXED, NO_EVIDENCE, NOT_SUPPORTED, SUPPORTED, Claim
from bench.report.claims.runs import claim_runs


def assess(claim: Claim, table: pd.DataFrame) -> Evidence:
    """The claim's evidence in ``table``: its rule applied to its runs, and its figures."""
    runs = claim_runs(table, claim.name)
    evidence = JUDGES[claim.name](runs)
    return replace(evidence, figures=FIGURES[claim.name](runs, evidence.drawn)) if evidence.drawn else evidence


def judge_all(table: pd.DataFrame) -> list[tuple[Claim, Evidence]]:
    """Every claim with its evidence in ``table`` (``no evidence`` where its sweeps did not run)."""
    return [(claim, assess(claim, table)) for claim in CLAIMS]


__all__ = [
    "CLAIMS",
    "JUDGES",
    "MIXED",
    "NOT_SUPPORTED",
    "NO_EVIDENCE",
    "SUPPORTED",
    "Claim",
    "Evidence",
    "assess",
    "claim_runs",
    "fit_exponent",
    "judge_all",
]
