import json
import time

import pytest

from bench import job, phases


def test_without_the_variable_nothing_is_timed_or_written(tmp_path, monkeypatch):
    monkeypatch.delenv(phases.PHASES_ENV, raising=False)
    with phases.job({"model": "x"}), phases.phase("fit"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_nested_phases_count_their_time_once(tmp_path, monkeypatch):
    out = tmp_path / "phases.jsonl"
    monkeypatch.setenv(phases.PHASES_ENV, str(out))
    with phases.job({"model": "x"}):
        with phases.phase("score"):
            time.sleep(0.02)
            with phases.phase("predict"):
                time.sleep(0.05)
        with phases.phase("predict"):
            time.sleep(0.01)
    [line] = [json.loads(text) for text in out.read_text().splitlines()]
    assert line["model"] == "x" and line["end"] - line["start"] >= 0.08
    assert line["phases"]["predict"] == pytest.approx(0.06, abs=0.02)
    assert line["phases"]["score"] == pytest.approx(0.02, abs=0.015)
    assert sum(line["phases"].values()) <= line["end"] - line["start"]


def test_a_real_job_times_its_steps_on_its_own_path(make_cfg, tmp_path, monkeypatch):
    out = tmp_path / "phases.jsonl"
    monkeypatch.setenv(phases.PHASES_ENV, str(out))
    job.run(make_cfg("dataset=iris", "model=mlp", "model.max_epochs=3", "seed=0"))
    job.run(make_cfg("dataset=iris", "model=knn", "seed=0"))
    lines = [json.loads(text) for text in out.read_text().splitlines()]
    assert [(line["dataset"], line["model"]) for line in lines] == [("iris", "mlp"), ("iris", "knn")]
    for line in lines:
        timed = line["phases"]
        expected = {"check", "data", "split", "build", "fit", "predict", "score", "latency", "size", "tracking"}
        assert expected | {"dataset_input", "artifacts", "gc"} <= set(timed)
        assert all(seconds >= 0 for seconds in timed.values())
        assert sum(timed.values()) <= line["end"] - line["start"]
    assert lines[0]["phases"]["fit"] > lines[1]["phases"]["fit"]  # three epochs of backprop against storing rows
