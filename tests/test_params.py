"""bench.params: the checks of declared parameters, at the ends of their ranges and with values of the wrong kind."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pytest

from bench.params import Range, accepts, check, one_of

CLOSED = [("both", True, True), ("left", True, False), ("right", False, True), ("neither", False, False)]


@pytest.mark.parametrize("closed, at_low, at_high", CLOSED)
def test_a_range_holds_the_ends_its_closed_side_names(closed, at_low, at_high):
    unit = Range(Real, 0.0, 1.0, closed=closed)
    assert unit.accepts(0.0) is at_low and unit.accepts(1.0) is at_high
    assert unit.accepts(0.5) and not unit.accepts(-1e-9) and not unit.accepts(1 + 1e-9)


def test_a_range_takes_its_kind_of_number_and_never_a_bool():
    count, share = Range(Integral, 1, None), Range(Real, 0.0, None, closed="neither")
    assert count.accepts(3) and count.accepts(np.int64(3)) and count.accepts(10**12)
    assert not count.accepts(3.0) and not count.accepts("3") and not count.accepts(True)
    assert share.accepts(0.25) and share.accepts(2) and not share.accepts(False)


def test_nan_passes_no_range_and_none_passes_only_none():
    assert not accepts(Range(Real), float("nan")) and not accepts(Range(Real), np.nan)
    assert accepts(None, None) and not accepts(None, 0) and not accepts(Range(Real), None)


def test_a_type_constraint_takes_its_instances_and_a_bool_only_where_it_asks_for_one():
    assert accepts(str, "x") and not accepts(str, 1)
    assert accepts(bool, True) and not accepts(int, True) and accepts(int, 2)


def test_a_choice_is_a_string_among_the_choices():
    kinds = one_of(["robust_clip", "quantile"])
    assert accepts(kinds, "quantile") and not accepts(kinds, "Quantile") and not accepts(kinds, None)
    assert str(kinds) == "a str among {'quantile', 'robust_clip'}"


def test_a_failed_check_is_one_line_naming_the_parameter_its_owner_the_rule_and_the_value():
    constraints = {"n_samples": [Range(Integral, 1, None)], "noise": [Range(Real, 0.0, 1.0), None]}
    check(constraints, {"n_samples": 5, "noise": None}, "dataset 'moons'")
    with pytest.raises(ValueError) as raised:
        check(constraints, {"n_samples": 0, "noise": 0.1}, "dataset 'moons'")
    assert str(raised.value) == (
        "The 'n_samples' parameter of dataset 'moons' must be an int in the range [1, inf). Got 0 instead."
    )
    with pytest.raises(ValueError, match=r"must be a float in the range \[0.0, 1.0\] or None. Got nan instead"):
        check(constraints, {"n_samples": 5, "noise": float("nan")}, "dataset 'moons'")
