"""The benchmark harness (``benchmarks``) on tiny fake cases: interleaving, rows, the files, the arguments."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.command import benchmark, main, parse_args
from benchmarks.harness import Case, Group, Target, interleave, rows
from benchmarks.sizes import FULL, QUICK, Sizes
from benchmarks.writer import write


def fixed(seconds: list[float], log: list[str] | None = None, name: str = "", **extra: float) -> Case:
    """A case that reports the next of ``seconds`` as its time, with ``extra`` figures, and logs its name."""
    times = iter(seconds)

    def case() -> dict[str, float]:
        if log is not None:
            log.append(name)
        return {"seconds": next(times), **extra}

    return case


def test_interleave_runs_every_case_once_per_repeat_in_order() -> None:
    log: list[str] = []
    cases = {name: fixed([1.0] * 3, log, name) for name in ("a", "b", "c")}
    results = interleave(cases, repeats=3)
    assert log == ["a", "b", "c"] * 3
    assert [len(t.seconds) for t in results.values()] == [3, 3, 3]


def test_warmup_round_runs_first_and_is_not_recorded() -> None:
    log: list[str] = []
    results = interleave({"a": fixed([99.0, 1.0, 2.0], log, "a"), "b": fixed([99.0, 3.0, 4.0], log, "b")}, 2, True)
    assert log == ["a", "b"] * 3
    assert results["a"].seconds == [1.0, 2.0] and results["b"].seconds == [3.0, 4.0]


def test_case_without_seconds_is_timed_by_wall_clock_and_extras_are_kept() -> None:
    results = interleave({"plain": lambda: None, "scored": lambda: {"test_accuracy": 0.9}}, repeats=5)
    assert all(0 <= s < 1 for s in results["plain"].seconds) and len(results["plain"].seconds) == 5
    assert results["plain"].extra == {} and results["scored"].extra == {"test_accuracy": 0.9}


def test_rows_report_medians_ratios_and_every_repeat() -> None:
    results = interleave(
        {"base": fixed([2.0, 1.0, 9.0, 2.0, 3.0]), "fast": fixed([1.0, 0.5, 1.0, 7.0, 1.0], acc=0.8)}, repeats=5
    )
    base, fast = rows(results, "base", dataset="digits")
    assert base == {
        "dataset": "digits",
        "case": "base",
        "median_s": 2.0,
        "ratio_vs_baseline": 1.0,
        "repeats": [2.0, 1.0, 9.0, 2.0, 3.0],
    }
    assert fast["median_s"] == 1.0 and fast["ratio_vs_baseline"] == 0.5 and fast["acc"] == 0.8
    assert list(fast)[:2] == ["dataset", "case"]


def test_rows_take_a_baseline_per_case() -> None:
    medians = {"x0": 1.0, "x1": 3.0, "y0": 2.0, "y1": 1.0}
    results = interleave({name: fixed([s] * 5) for name, s in medians.items()}, 5)
    table = rows(results, {"x0": "x0", "x1": "x0", "y0": "y0", "y1": "y0"})
    assert [r["ratio_vs_baseline"] for r in table] == [1.0, 3.0, 1.0, 0.5]


def fake_report(tmp_path: Path, sizes: Sizes) -> tuple[str, dict]:
    results = interleave({"base": fixed([2.0] * 5), "ours": fixed([1.0] * 5, test_accuracy=0.97)}, 5)
    groups = [Group("z. Fake group", "Baseline: the base case.", rows(results, "base"), "A note.")]
    targets = [Target("ours >= 2x base", "2.00x", True), Target("ours <= 0.1 s", "1.00 s", False)]
    md, js = write(tmp_path, sizes, {"cpu": "test CPU", "cores": 2}, groups, targets, wall=1.0)
    return md.read_text(), json.loads(js.read_text())


def test_output_files(tmp_path: Path) -> None:
    md, data = fake_report(tmp_path, FULL)
    assert md.index("## Targets") < md.index("## Machine") < md.index("## z. Fake group")
    assert "| ours >= 2x base" in md and "**not met**" in md and "| met " in md
    assert "Baseline: the base case." in md and "A note." in md and "test CPU" in md
    assert "quick" not in md.lower()
    assert data["mode"] == "full" and data["machine"]["cpu"] == "test CPU"
    assert data["targets"][1] == {"target": "ours <= 0.1 s", "figure": "1.00 s", "met": False}
    records = data["groups"]["z"]["rows"]
    assert records[1] == {
        "case": "ours",
        "median_s": 1.0,
        "ratio_vs_baseline": 0.5,
        "test_accuracy": 0.97,
        "repeats": [1.0] * 5,
    }
    table = md.split("## z. Fake group")[1]
    header = next(line for line in table.splitlines() if line.startswith("| case"))
    assert header.split("|")[-2].strip() == "repeats"  # every repeat's seconds, last


def test_quick_run_says_so(tmp_path: Path) -> None:
    md, data = fake_report(tmp_path, QUICK)
    assert md.startswith("# bench performance (quick run)") and "targets are evaluated on these smaller sizes" in md
    assert data["mode"] == "quick"


def test_quick_mode_shrinks_sizes_not_repeats() -> None:
    assert QUICK.repeats == FULL.repeats >= 5
    assert QUICK.classification_samples < FULL.classification_samples
    assert max(QUICK.report_sizes) < max(FULL.report_sizes)


def test_fewer_than_five_repeats_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_args([]).repeats == 5 and parse_args([]).out == Path("reports")
    with pytest.raises(SystemExit) as exit_info:
        main(["--repeats", "3"])
    assert exit_info.value.code == 2
    assert "--repeats must be at least 5" in capsys.readouterr().err


def test_only_rejects_unknown_letters(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--only", "cx"])
    assert exit_info.value.code == 2 and "unknown group(s) 'x'" in capsys.readouterr().err


@pytest.mark.science
def test_only_runs_the_groups_it_names(tmp_path: Path) -> None:
    tiny = replace(QUICK, report_sizes=(5, 10))
    _, json_path = benchmark(tiny, tmp_path, only="e")
    data = json.loads(json_path.read_text())
    assert set(data["groups"]) == {"e"} and [r["runs"] for r in data["groups"]["e"]["rows"]] == [5, 10]
