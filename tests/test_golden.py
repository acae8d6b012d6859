"""The tidy table and the Markdown report of a fixed small sweep, numbers aside, match the recorded ones: a change
to the code's layout must not change what a user gets. ``BENCH_UPDATE_GOLDEN=1 pytest tests/test_golden.py``
records them anew after an intended change of the schema or the report."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_main

from bench import environment
from bench.report import build_report, load_runs

GOLDEN = Path(__file__).parent / "golden"
SWEEPS = (
    ("experiment=quick",),
    ("dataset=iris", "model=knn", "model.n_neighbors=500", "seed=0", "tracking.experiment=quick"),  # a failed job
)
VOLATILE = ("run_id", "start_time", "end_time", "parent_run_id")  # ids and clocks: new every run
COMMITS = ("git_commit",)  # the commit that ran the job: the column stays, its value changes with every commit
NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:e[-+]?\d+)?")
# the run summary's facts about the machine and its software: another machine prints other values
# (and how long the sweep took on it)
MACHINE = ("Platform", "Python", "Library versions", "bench version", "Generated", "Tracking URI", "Wall time")
MACHINE_ROW = re.compile(rf"^\| ({'|'.join(MACHINE)}) +\|.*\|$", re.MULTILINE)


def table_shape(table: pd.DataFrame) -> str:
    """Every column and every non-metric value, row by row; metrics only as present or missing."""
    table = table.drop(columns=[c for c in VOLATILE if c in table]).sort_values("run_name").reset_index(drop=True)
    table = table[sorted(table.columns)]  # MLflow returns metric columns in no fixed order
    for column in COMMITS:
        table[column] = table[column].map(lambda v: "nan" if pd.isna(v) or v == "" else "<commit>")
    for column in table.columns:
        if pd.api.types.is_float_dtype(table[column]):
            table[column] = table[column].map(lambda v: "nan" if pd.isna(v) else "#")
    return table.to_csv(index=False)


def markdown_shape(text: str) -> str:
    """The report with every number, commit, path and machine fact replaced: its sections, tables and words
    remain."""
    text = MACHINE_ROW.sub(lambda m: f"| {m.group(1)} | <machine> |", text)
    text = re.sub(r"\b[0-9a-f]{7,40}\b", "<hex>", text)
    text = re.sub(r"(/[\w.+-]+){2,}", "<path>", text)
    text = NUMBER.sub("#", text)
    return re.sub(r"-{3,}", "---", re.sub(r" +", " ", text))  # table padding follows the numbers' widths


@pytest.mark.slow
def test_a_fixed_small_sweep_gives_the_recorded_table_and_report(tmp_path, monkeypatch):
    for sweep in SWEEPS:
        done = run_main(*sweep, f"report.out_dir={tmp_path}/reports", cwd=tmp_path)
        assert done.returncode in (0, 1), done.stderr[-2000:]
    uri = f"sqlite:///{tmp_path}/mlruns.db"
    got = {
        "quick_table.csv": table_shape(load_runs(uri, "quick")),
        "quick_report.md": markdown_shape((tmp_path / "reports" / "quick.md").read_text()),
    }
    if os.environ.get("BENCH_UPDATE_GOLDEN") == "1":
        for name, text in got.items():
            (GOLDEN / name).write_text(text)
    for name, text in got.items():
        assert text == (GOLDEN / name).read_text(), f"{name} differs from tests/golden/{name}"
    # the same runs reported on another machine: another processor, core count, time zone and home directory
    monkeypatch.setattr(environment, "cpu_model", lambda: "AMD EPYC 9654 96-Core Processor")
    monkeypatch.setattr(environment.os, "cpu_count", lambda: 192)
    monkeypatch.setattr(environment.platform, "machine", lambda: "aarch64")
    monkeypatch.setenv("TZ", "Pacific/Chatham")
    monkeypatch.setenv("HOME", str(tmp_path / "elsewhere"))
    time.tzset()
    try:
        html, md = build_report(uri, "quick", tmp_path / "elsewhere")
    finally:
        monkeypatch.undo()
        time.tzset()
    assert "AMD EPYC" in md.read_text()
    assert markdown_shape(md.read_text()) == got["quick_report.md"]
