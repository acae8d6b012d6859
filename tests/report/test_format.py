"""The report's formatters: one per kind of value, a dash for a missing one."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bench.report import format as fmt


@pytest.mark.parametrize("value", [None, math.nan, np.nan, pd.NA, np.float64("nan")])
def test_missing_values_are_a_dash_everywhere(value):
    assert fmt.missing(value)
    for formatter in (fmt.text, fmt.accuracy, fmt.significant, fmt.number, fmt.integer, fmt.cell):
        assert formatter(value) == fmt.DASH
    assert fmt.mean_std(value, 0.01) == fmt.DASH


def test_a_list_is_a_value_not_missing():
    assert not fmt.missing([math.nan]) and not fmt.missing("")


def test_infinities_are_printed_unless_finite_values_are_asked_for():
    assert fmt.accuracy(math.inf) == "inf" and fmt.accuracy(math.inf, finite=True) == fmt.DASH
    assert fmt.significant(-math.inf) == "-inf" and fmt.significant(math.inf, finite=True) == fmt.DASH
    assert fmt.mean_std(0.5, math.inf, finite=True) == "0.500"
    assert fmt.mean_std(math.inf, 0.1, finite=True) == fmt.DASH


def test_each_formatter():
    assert fmt.text("two\n  lines ") == "two lines"
    assert fmt.accuracy(0.97) == "0.970"
    assert fmt.mean_std(0.97, 0.01) == "0.970 ± 0.010" and fmt.mean_std(0.97, math.nan) == "0.970"
    assert fmt.points(0.053) == "5.3 points"
    assert fmt.points(-0.053, signed=True) == "-5.3 points" and fmt.points(0.053, signed=True) == "+5.3 points"
    assert fmt.points(0.053, unit=False) == "5.3"
    assert fmt.significant(1234.5) == "1.23e+03" and fmt.significant(0.012345, 2) == "0.012"
    assert fmt.number(0.012345) == "0.0123" and fmt.number(999.4) == "999" and fmt.number(1234.5) == "1,234"
    assert fmt.integer(3.0) == "3"


def test_cell_formats_any_table_value():
    assert fmt.cell(1234.5) == "1,234" and fmt.cell(0.5) == "0.5" and fmt.cell(np.float64(2.0)) == "2"
    assert fmt.cell(12345) == "12345" and fmt.cell("x") == "x"
    assert fmt.cell(True) == "yes" and fmt.cell(False, yes_no=("met", "**not met**")) == "**not met**"
    assert fmt.cell([0.5, None, 2000.0]) == "0.5 / — / 2,000"


@pytest.mark.parametrize(("seconds", "said"), [(0.4, "0 s"), (42, "42 s"), (754, "12 min 34 s"), (5580, "1 h 33 min")])
def test_a_duration_reads_as_people_say_it(seconds, said):
    assert fmt.duration(seconds) == said
