"""Tests for bench.report.summaries and bench.report.render: summary tables and the HTML / Markdown reports."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.report.render import write_reports
from bench.report.summaries import build_sections
from bench.tracking import file_name

FAMILY = {"mlp": "neural", "svm": "kernel", "knn": "neighbors", "decision_tree": "tree"}
# Mean test accuracy per dataset and model; seeds add -0.01, 0, +0.01 (so std is exactly 0.01).
ACCURACY = {
    "iris": {"mlp": 0.95, "svm": 0.97, "knn": 0.93, "decision_tree": 0.90},
    "wine": {"mlp": 0.98, "svm": 0.96, "knn": 0.92, "decision_tree": 0.88},
}
CONTEXT = {"experiment": "bench-test", "tracking_uri": "file:///tmp/mlruns", "versions": "torch 2.13.0"}


def _run(run_id: str, dataset: str, model: str, seed: int, test: float, **extra: object) -> dict:
    train = 1.0 if model == "decision_tree" else test + 0.01
    row = {
        "run_id": run_id,
        "status": "FINISHED",
        "outcome": "ok",
        "error": np.nan,
        "dataset": dataset,
        "model": model,
        "family": FAMILY.get(model, "other"),
        "seed": seed,
        "start_time": pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(minutes=len(run_id)),
        "train_accuracy": train,
        "test_accuracy": test,
        "test_balanced_accuracy": test - 0.005,
        "test_f1_macro": test - 0.01,
        "test_log_loss": np.nan if model == "svm" else 0.2,
        "overfit_gap": train - test,
        "fit_time_s": 0.5,
        "predict_time_s": 0.001,
        "predict_latency_us": 3.2,
        "peak_memory_mb": 12.0,
        "model_size_bytes": 20480.0,
        "training/grad_ratio_first_last": np.nan,
        "training/best_epoch": np.nan,
        "training/epochs_run": np.nan,
    }
    if model == "mlp":
        row.update(
            {
                "training/grad_ratio_first_last": 0.05,
                "training/best_epoch": 20,
                "training/epochs_run": 30,
                "params.model.activation": "sigmoid",
                "params.model.hidden_layer_sizes": "[64, 64]",
            }
        )
    row.update(extra)
    return row


@pytest.fixture
def table() -> pd.DataFrame:
    rows = [
        _run(f"{d}-{m}-{s}", d, m, s, acc + (s - 1) * 0.01)
        for d, models in ACCURACY.items()
        for m, acc in models.items()
        for s in range(3)
    ]
    # A failed run that would drag svm/wine down if it were counted.
    rows.append(_run("failed-run", "wine", "svm", 3, 0.0, status="FAILED", outcome="error", error="ValueError: boom"))
    # A diverged MLP run: a result, kept in the leaderboard.
    rows.append(_run("diverged-run", "iris", "mlp", 3, 0.33, outcome="diverged"))
    return pd.DataFrame(rows)


def _cell(sections: dict[str, pd.DataFrame], dataset: str, model: str) -> pd.Series:
    lb = sections["leaderboard"]
    return lb[(lb["dataset"] == dataset) & (lb["model"] == model)].iloc[0]


def _write(table: pd.DataFrame, tmp_path: Path, context: dict[str, str] | None = None) -> tuple[str, str]:
    html, md = write_reports(table, tmp_path / "out", "report", CONTEXT if context is None else context)
    assert (html, md) == (tmp_path / "out" / "report.html", tmp_path / "out" / "report.md")
    return html.read_text(encoding="utf-8"), md.read_text(encoding="utf-8")


def _section(html: str, section_id: str) -> str:
    return html.split(f'<section id="{section_id}">')[1].split("</section>")[0]


def test_leaderboard_mean_std_and_failures_excluded(table: pd.DataFrame) -> None:
    sections = build_sections(table)
    svm = _cell(sections, "iris", "svm")
    assert svm["n"] == 3
    assert svm["test_accuracy_mean"] == pytest.approx(0.97)
    assert svm["test_accuracy_std"] == pytest.approx(0.01)
    failed_cell = _cell(sections, "wine", "svm")  # the failed run (accuracy 0.0) is not counted
    assert failed_cell["n"] == 3
    assert failed_cell["test_accuracy_mean"] == pytest.approx(0.96)
    mlp = _cell(sections, "iris", "mlp")  # the diverged run is counted
    assert (mlp["n"], mlp["diverged"]) == (4, 1)
    assert mlp["test_accuracy_mean"] == pytest.approx((0.94 + 0.95 + 0.96 + 0.33) / 4)
    assert "failed-run" not in set(sections["cost"]["model"]) | set(sections["overfit"]["model"])
    assert sections["cost"].set_index("model").loc["svm", "runs"] == 6


def test_best_model_per_dataset_and_rank_order(table: pd.DataFrame) -> None:
    sections = build_sections(table)
    lb = sections["leaderboard"]
    assert lb.loc[lb["best"], ["dataset", "model"]].values.tolist() == [["iris", "svm"], ["wine", "mlp"]]
    # Mean ranks: svm (1+2)/2, knn (2+3)/2, mlp (4+1)/2, decision_tree 3.5; ties broken by name.
    assert sections["model_rank"]["model"].tolist() == ["svm", "knn", "mlp", "decision_tree"]
    assert sections["model_rank"]["mean_rank"].tolist() == [1.5, 2.5, 2.5, 3.5]


def test_best_is_marked_in_html_and_markdown(table: pd.DataFrame, tmp_path: Path) -> None:
    html, md = _write(table, tmp_path)
    leaderboard = _section(html, "leaderboard")
    assert '<td class="num best">0.970 ± 0.010</td>' in leaderboard
    assert '<td class="num best">0.980 ± 0.010</td>' in leaderboard
    assert '<td class="num">0.960 ± 0.010</td>' in leaderboard  # svm on wine: not the best
    assert "**0.970 ± 0.010**" in md and "**0.980 ± 0.010**" in md
    assert "**0.960 ± 0.010**" not in md
    assert "1 diverged run is" in leaderboard and "†" in leaderboard


def test_the_answer_comes_first_then_the_contents_and_the_sections_in_order(table: pd.DataFrame, tmp_path: Path):
    html, md = _write(table, tmp_path)
    ids = ["answer", "summary", "leaderboard", "statistics", "cost", "overfitting", "gradients", "claims", "failures"]
    positions = [html.index(f'<section id="{i}">') for i in ids]
    assert positions == sorted(positions)
    contents = html[html.index("<nav") : html.index("</nav>")]
    assert html.index("<nav") > html.index('<section id="answer">') and html.index("</nav>") < positions[1]
    assert all(f'href="#{i}"' in contents for i in ids)
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == [
        "## The answer",
        "## Run summary",
        "## Leaderboard",
        "## Statistical comparison across datasets",
        "## Cost",
        "## Overfitting",
        "## Gradient flow (MLP)",
        "## Claims",
        "## Failures",
    ]
    summary = _section(html, "summary")
    assert "bench-test" in summary and "torch 2.13.0" in summary
    assert re.search(r"Failed</td><td class=\"num\">1</td>", summary)
    assert re.search(r"Diverged</td><td class=\"num\">1</td>", summary)
    assert re.search(r"Runs</td><td class=\"num\">26</td>", summary)


def test_failures_section(table: pd.DataFrame, tmp_path: Path) -> None:
    failures = build_sections(table)["failures"]
    assert failures["run_id"].tolist() == ["failed-run"]
    html, md = _write(table, tmp_path)
    assert "failed-run" in _section(html, "failures") and "ValueError: boom" in _section(html, "failures")
    assert "failed-run" not in html.split('<section id="failures">')[0]
    assert "ValueError: boom" in md.split("## Failures")[1]

    html, _ = _write(table[table["status"] == "FINISHED"], tmp_path)
    assert "No failures." in _section(html, "failures")


def test_overfitting_names_largest_gap(table: pd.DataFrame, tmp_path: Path) -> None:
    by_model = build_sections(table)["overfit_by_model"]
    assert by_model.iloc[0]["model"] == "decision_tree"
    assert by_model.iloc[0]["overfit_gap"] == pytest.approx(0.11)
    html, _ = _write(table, tmp_path)
    assert "decision_tree has the largest mean overfit gap (0.110" in _section(html, "overfitting")


def test_gradient_flow(table: pd.DataFrame, tmp_path: Path) -> None:
    grads = build_sections(table)["gradients"]
    assert grads[["model", "params.model.activation", "dataset"]].values.tolist() == [
        ["mlp", "sigmoid", "iris"],
        ["mlp", "sigmoid", "wine"],
    ]
    html, _ = _write(table, tmp_path)
    section = _section(html, "gradients")
    assert "[64, 64]" in section and "vanishing gradients" in section and "2 of 2" in section

    no_grads = table.drop(columns=["training/grad_ratio_first_last", "params.model.activation"])
    html, md = _write(no_grads, tmp_path)
    assert "No MLP runs with gradient statistics." in _section(html, "gradients")
    assert "No MLP runs with gradient statistics." in md


def test_untrusted_strings_are_escaped(table: pd.DataFrame, tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    table.loc[table["dataset"] == "iris", "dataset"] = evil
    table.loc[table["model"] == "knn", "model"] = "k&nn"
    table.loc[table["run_id"] == "failed-run", "error"] = "bad <b>error</b>"
    html, md = _write(table, tmp_path, {"experiment": "<img src=x onerror=alert(1)>", "git_commit": "a|b"})
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "k&amp;nn" in html and "k&nn" not in html
    assert "<script" not in md and "<img" not in md
    assert "a\\|b" in md


def test_markdown_has_pipe_tables(table: pd.DataFrame, tmp_path: Path) -> None:
    _, md = _write(table, tmp_path)
    lines = md.splitlines()
    separators = [i for i, line in enumerate(lines) if re.fullmatch(r"\|(:?-+:?\|)+", line)]
    assert len(separators) >= 8
    for i in separators:  # header above, rows below, same number of columns
        assert lines[i - 1].startswith("| ") and lines[i + 1].startswith("| ")
        assert lines[i - 1].count(" | ") == lines[i + 1].count(" | ")
    assert "| iris" in md and "0.970 ± 0.010" in md


def test_html_is_self_contained(table: pd.DataFrame, tmp_path: Path) -> None:
    html, _ = _write(table, tmp_path)
    without_namespaces = re.sub(r'xmlns(:\w+)?="[^"]*"', "", html)  # SVG namespace names, never fetched
    assert "http://" not in without_namespaces and "https://" not in without_namespaces
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert "src=" not in html and "@import" not in html
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', html))
    assert "<style>" in html


@pytest.mark.parametrize("empty", [pd.DataFrame(), "no-rows"], ids=["no-columns", "no-rows"])
def test_empty_table_writes_both_files(empty: object, table: pd.DataFrame, tmp_path: Path) -> None:
    frame = table.iloc[0:0] if isinstance(empty, str) else empty
    sections = build_sections(frame)
    assert all(len(t) == 0 for key, t in sections.items() if key != "summary")
    html, md = _write(frame, tmp_path)
    assert "No runs found." in html and "No runs found." in md
    assert "bench-test" in html


def test_all_runs_failed(table: pd.DataFrame, tmp_path: Path) -> None:
    failed = table.assign(status="FAILED", error="boom")
    html, md = _write(failed, tmp_path)
    assert "No successful runs." in _section(html, "leaderboard")
    assert len(build_sections(failed)["failures"]) == len(failed)


def test_report_name_is_a_safe_file_stem(table: pd.DataFrame, tmp_path: Path) -> None:
    html, md = write_reports(table, tmp_path / "out", "../../escaped", {})
    assert html.parent == md.parent == tmp_path / "out"  # never outside the report folder
    assert html.stem == md.stem == file_name("../../escaped") and html.stem.startswith("escaped-")
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_file()) == [html.name, md.name]  # whole files


def test_learning_curves_are_drawn_when_measured(table: pd.DataFrame, tmp_path: Path) -> None:
    curves = pd.DataFrame(
        [
            {
                "dataset": "iris",
                "model": m,
                "family": FAMILY[m],
                "split": split,
                "percent": p,
                "accuracy": 0.5 + p / 250,
            }
            for m in ("mlp", "knn")
            for split in ("train", "test")
            for p in (10, 50, 100)
        ]
    )
    _, md_path = write_reports(table, tmp_path, "with_curves", CONTEXT, learning_curves=curves)
    assert (
        "![Learning curves: accuracy against training data](with_curves_files/learning_curves.svg)"
        in md_path.read_text()
    )
    assert (tmp_path / "with_curves_files" / "learning_curves.svg").read_text().startswith("<svg")
    _, without = write_reports(table, tmp_path, "without_curves", CONTEXT)
    assert "learning_curves" not in without.read_text()


def test_the_summary_says_the_runs_wall_time_and_commits():
    from bench.report.render import provenance

    times = pd.to_datetime(["2026-12-06 21:08:01", "2026-12-06 21:30:00", "2026-12-06 22:40:40"], utc=True)
    table = pd.DataFrame({"start_time": times, "end_time": times + pd.Timedelta(seconds=20), "git_commit": "abc"})
    facts = provenance(table)
    assert (
        facts["wall_time"]
        == "1 h 32 min, from the first run's start to the last one's end (2026-12-06 21:08 to 22:41 UTC)"
    )
    assert facts["commits"] == "abc (3 runs)"
    assert provenance(table.drop(columns=["start_time", "end_time", "git_commit"])) == {}


def test_the_wall_time_of_runs_from_sweeps_days_apart_says_how_long_the_sweeps_ran():
    from bench.report.render import provenance

    starts = pd.to_datetime(
        ["2026-12-06 10:00", "2026-12-06 10:50", "2026-12-06 10:30", "2026-12-07 09:00", "2026-12-07 09:20"], utc=True
    )
    table = pd.DataFrame(
        {
            "start_time": starts,
            "end_time": starts + pd.Timedelta(minutes=10),
            "parent_run_id": ["a", "a", "b", "c", "c"],  # b ran inside a's span: counted once
        }
    )
    assert provenance(table)["wall_time"] == (
        "23 h 30 min, from the first run's start to the last one's end (2026-12-06 10:00 to 2026-12-07 09:30 UTC); "
        "its 3 sweeps ran for 1 h 30 min of it"
    )
    one_sweep = provenance(table.assign(parent_run_id="a"))["wall_time"]
    assert one_sweep.endswith("(2026-12-06 10:00 to 2026-12-07 09:30 UTC)")
