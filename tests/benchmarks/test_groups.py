"""The real groups of ``benchmarks``: their helpers, and one small end-to-end run at toy sizes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.breakdown import BETWEEN, END, OTHER, START, breakdown
from benchmarks.command import benchmark
from benchmarks.report_build import count_queries
from benchmarks.sizes import QUICK
from benchmarks.throughput import split_sweep


def test_count_queries_counts_statements() -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine("sqlite://")
    with count_queries() as queries, engine.connect() as connection:
        for _ in range(3):
            connection.execute(text("select 1"))
    assert queries[0] == 3
    with engine.connect() as connection:
        connection.execute(text("select 1"))
    assert queries[0] == 3  # the hook is gone after the block


@pytest.mark.science
def test_perf_end_to_end_small(tmp_path: Path) -> None:
    """Every real group at toy sizes: the files and their structure, never the speed."""
    tiny = replace(
        QUICK,
        repeats=2,
        small_set_repeats=3,
        sweep_repeats=1,
        classification_samples=400,
        epochs=2,
        matmul=64,
        tracking_datasets=("iris",),
        tracking_part_runs=2,
        cli_sweep=("dataset=iris", "model=decision_tree,knn", "seed=0"),
        tracking_sweep=("dataset=iris", "model=decision_tree", "seed=0,1"),
        report_sizes=(10, 30),
    )
    md_path, json_path = benchmark(tiny, tmp_path / "out")
    data = json.loads(json_path.read_text())
    assert set(data["groups"]) == {"a0", "a", "b", "c", "c2", "c3", "d", "e", "f", "g", "h1", "h2", "h3", "i"}
    for group in data["groups"].values():
        assert group["baseline"].startswith("Baseline")
        for row in group["rows"]:
            assert {"case", "median_s", "repeats", "ratio_vs_baseline"} <= set(row)
            whole_sweeps = group in [data["groups"][g] for g in ("d", "c3", "g", "h1", "h2", "h3")]
            assert len(row["repeats"]) == (1 if whole_sweeps else 3 if row.get("dataset") == "digits" else 2)
    assert all(r["steady_jobs_per_s"] > 0 for r in data["groups"]["d"]["rows"])
    assert {r["case"] for r in data["groups"]["d"]["rows"]} == {
        "basic launcher",
        "joblib, 2 workers, 1 thread each",
        "bound: 2 basic-launcher processes at once, half the jobs each",
    }
    sweep, *calls = data["groups"]["c3"]["rows"]
    assert sweep["case"] == "whole sweep (wall)" and sweep["median_s"] > 0
    # two jobs: the store opened once, two runs (and the sweep's parent) created, logged and ended
    assert {"Store() (MLflow import, store opened)", "Store.start_run", "Store.log", "Store.end_run"} <= {
        c["case"] for c in calls
    }
    assert all(c["median_s"] > 0 for c in calls) and 0 < sum(c["ratio_vs_baseline"] for c in calls) < 1
    wall, *parts = data["groups"]["g"]["rows"]
    assert "(2 jobs)" in data["groups"]["g"]["title"] and wall["median_s"] > 0
    assert {"prepare", "fit", "score", "tracking", "latency", "size", BETWEEN} <= {p["case"] for p in parts}
    assert sum(p["median_s"] for p in parts) == pytest.approx(wall["median_s"])
    assert {r["dataset"] for r in data["groups"]["a"]["rows"]} == {"digits", "classification 400"}
    assert all(r["paired_ratio"] > 0 for r in data["groups"]["b"]["rows"])
    assert [r["runs"] for r in data["groups"]["e"]["rows"]] == [10, 30]
    assert all(r["queries"] > 0 for r in data["groups"]["e"]["rows"])
    shares = data["groups"]["h1"]["rows"]
    assert [r["case"] for r in shares] == ["decision_tree on iris", "mlp on iris"]
    assert all(0 < r["ratio_vs_baseline"] <= 1 and r["trials"] == 4 for r in shares)  # the default and 3 trials
    pruners = [r["case"].rsplit("=", 1)[1] for r in data["groups"]["h2"]["rows"]]
    assert pruners == ["none", "median", "hyperband"] and data["groups"]["h2"]["rows"][0]["vs_unpruned_points"] == 0
    assert all(r["trials_per_s"] > 0 for r in data["groups"]["h3"]["rows"])
    latency = {r["case"]: r for r in data["groups"]["i"]["rows"]}
    assert latency["decision_tree"]["ratio_vs_baseline"] == 1 and latency["mlp"]["peak_memory_mb"] > 0
    assert latency["mlp: the network's forward pass alone"]["median_s"] < latency["mlp"]["median_s"]
    assert all(isinstance(t["met"], bool) for t in data["targets"]) and len(data["targets"]) >= 14
    for key in ("cpu", "cores", "python", "torch", "scikit-learn", "numpy", "mlflow", "hydra-core", "torch_threads"):
        assert key in data["machine"]
    md = md_path.read_text()
    assert md.startswith("# bench performance (quick run)") and md.count("\n## ") == 16


def test_split_sweep_cuts_the_first_override_with_several_values() -> None:
    halves = split_sweep(("dataset=iris", "model=tree,svm,knn", "seed=0,1"))
    assert halves == [["dataset=iris", "model=tree", "seed=0,1"], ["dataset=iris", "model=svm,knn", "seed=0,1"]]
    with pytest.raises(ValueError, match="single job"):
        split_sweep(("dataset=iris", "seed=0"))


def test_a_sweeps_parts_add_up_to_its_wall_time() -> None:
    lines = [  # the second job ran first: lines come in the order jobs end, not start
        {"start": 12.0, "end": 15.0, "parts": {"fit": 2.0, "tracking": 0.5}},
        {"start": 10.5, "end": 11.5, "parts": {"fit": 0.25, "data": 0.5}},
    ]
    parts = breakdown(lines, started=10.0, ended=16.0)
    assert parts == {
        "fit": 2.25,
        "tracking": 0.5,
        "data": 0.5,
        OTHER: 4.0 - 3.25,
        BETWEEN: 0.5,
        START: 0.5,
        END: 1.0,
    }
    assert sum(parts.values()) == pytest.approx(6.0)
