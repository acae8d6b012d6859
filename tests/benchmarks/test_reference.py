"""Group r (MLP reference) at a tiny size: two small datasets, three epochs; its files, tables and targets."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.command import benchmark, parse_args
from benchmarks.reference import COLUMNS, MODERN, PLAIN, SKLEARN, SKLEARN_ES, mlp_reference, summarize
from benchmarks.sizes import GROUPS, QUICK

TINY = replace(QUICK, reference_datasets=("iris", "wine"), reference_epochs=3)
ABSENT = (("RealMLP-TD (absent)", "bench_no_such_package", "RealMLP_TD_Classifier"),)
SUMMARY = {"case", "mean_accuracy", "avg_rank", "within_1_point", "datasets", "median_s", "ratio_vs_baseline"}


def test_r_is_optional_and_runs_alone_without_a_perf_report(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert "r" not in GROUPS and parse_args(["--only", "r"]).only == "r"
    md_path, csv_path = benchmark(replace(TINY, reference_optional=ABSENT), tmp_path, only="r")
    assert (md_path.name, csv_path.name) == ("mlp_reference.md", "mlp_reference.csv")
    assert not (tmp_path / "perf.md").exists()  # a run of r alone leaves the default run's perf.md alone
    printed = capsys.readouterr().out
    assert printed.count("bench_no_such_package is not importable") == 1 and "RealMLP-TD (absent)" in printed
    frame = pd.read_csv(csv_path)
    assert list(frame.columns) == list(COLUMNS)
    assert set(frame["model"]) == {MODERN, PLAIN, SKLEARN_ES, SKLEARN}  # the absent model's rows skipped
    assert set(frame["dataset"]) == {"iris", "wine"} and set(frame["fold"]) == {0, 1, 2} and len(frame) == 24
    assert frame["test_accuracy"].between(0, 1).all() and (frame["fit_s"] > 0).all()
    md = md_path.read_text()
    assert "`python -m benchmarks --only r --quick`" in md and "**Skipped**: bench_no_such_package" in md
    for heading in (
        "## Targets",
        "## Summary",
        "## Test accuracy per dataset",
        "## Fit time per dataset",
        "## Machine",
    ):
        assert heading in md
    assert "mlp_modern ahead of plain mlp in average rank" in md and "RealMLP-TD's" not in md


def test_the_summary_ranks_and_counts_per_dataset() -> None:
    records = [
        {"dataset": d, "fold": 0, "model": m, "test_accuracy": a, "fit_s": s}
        for d, m, a, s in [
            ("x", "A", 0.90, 1.0),
            ("x", "B", 0.895, 3.0),
            ("x", "C", 0.80, 2.0),
            ("y", "A", 0.70, 1.0),
            ("y", "B", 0.75, 5.0),
            ("y", "C", 0.75, 2.0),
        ]
    ]
    accuracy, fit, summary = summarize(records)
    assert list(accuracy.index) == ["x", "y"] and list(accuracy.columns) == ["A", "B", "C"]
    row = {r["case"]: r for r in summary}
    assert [row[m]["avg_rank"] for m in "ABC"] == [2.0, 1.75, 2.25]  # y: B and C tie for first (1.5 each)
    assert [row[m]["within_1_point"] for m in "ABC"] == [1, 2, 1]
    assert row["B"]["median_fit_s"] == 4.0 and row["A"]["mean_accuracy"] == pytest.approx(0.80)


@pytest.mark.skipif(importlib.util.find_spec("pytabkit") is None, reason="pytabkit not installed (.[compare])")
def test_realmlp_rows_and_its_targets_where_pytabkit_is_installed(tmp_path: Path) -> None:
    group, targets = mlp_reference(
        replace(TINY, reference_datasets=("iris",), reference_optional=QUICK.reference_optional[:1]), tmp_path
    )
    assert [r["case"] for r in group.rows] == [MODERN, PLAIN, SKLEARN_ES, SKLEARN, "RealMLP-TD (pytabkit)"]
    assert all(set(r) >= SUMMARY for r in group.rows) and group.rows[0]["ratio_vs_baseline"] == 1
    assert len(targets) == 4 and all(isinstance(t.met, bool) for t in targets)
    assert "mlp_modern vs RealMLP-TD" in (tmp_path / "mlp_reference.md").read_text()
