"""How a rule's parts decide a verdict when some of their quantities lie within the noise of their thresholds."""

from __future__ import annotations

import math

from bench.report.claims.evidence import Check, all_of, at_least, decide
from bench.report.claims.rules import INCONCLUSIVE, MIXED, NOT_SUPPORTED, SUPPORTED, combine


def test_a_check_holds_fails_or_is_undecided():
    assert Check("x", 0.10, 0.05, 0.01, 3).holds is True
    assert Check("x", 0.00, 0.05, 0.01, 3).holds is False
    assert Check("x", 0.06, 0.05, 0.01, 3).holds is None  # 1 standard error from the threshold
    assert Check("x", -2.0, -1.0, 0.1, 3, below=True).holds is True
    assert Check("x", -math.inf, -1.0, math.nan, 0, below=True).holds is True  # never reached: no noise to weigh
    assert Check("x", 0.1, 0.05, math.nan, 1).holds is None  # one replicate: no noise known


def test_three_valued_parts():
    assert all_of([True, True]) is True and all_of([True, None]) is None and all_of([None, False]) is False
    assert at_least([True, True, None], 2) is True
    assert at_least([True, None, None], 2) is None
    assert at_least([True, False, None], 3) is False


def test_decide_is_inconclusive_only_where_an_undecided_part_changes_the_verdict():
    assert decide(combine, True, True) == SUPPORTED
    assert decide(combine, False, False) == NOT_SUPPORTED
    assert decide(combine, True, None) == INCONCLUSIVE  # supported or mixed
    assert decide(combine, None, None) == INCONCLUSIVE
    assert decide(lambda a, b: MIXED if a or b else NOT_SUPPORTED, True, None) == MIXED  # b cannot matter


def test_the_undecided_check_says_what_would_settle_it():
    said = Check("gap", 0.06, 0.05, 0.01, 9, settle=40.0).said()
    assert "gap is 0.06 where the rule asks at least 0.05, within 2 x 0.01" in said and "about 40 replicates" in said
    assert "cannot settle it" in Check("gap", 0.06, 0.05, 0.01, 9, settle=math.inf).said()
