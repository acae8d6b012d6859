"""Timing at function boundaries: nothing without the variable, nested parts counted once, a real job's steps."""

import json

from bench import job, timing


class Clock:
    """A clock the test moves by hand: no test depends on how fast the machine is."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_without_the_variable_nothing_is_timed_or_written(tmp_path, monkeypatch):
    monkeypatch.delenv(timing.TIMINGS_ENV, raising=False)
    calls = []
    fit = timing.timed("fit")(lambda: calls.append(1) or "fitted")
    with timing.job({"model": "x"}):
        assert fit() == "fitted"
    assert calls == [1] and list(tmp_path.iterdir()) == []


def test_nested_parts_count_their_time_once(tmp_path, monkeypatch):
    out, clock = tmp_path / "timings.jsonl", Clock()
    monkeypatch.setenv(timing.TIMINGS_ENV, str(out))
    monkeypatch.setattr(timing.time, "perf_counter", clock)

    @timing.timed("predict")
    def predict(seconds: float) -> None:
        clock.now += seconds

    @timing.timed("score")
    def score() -> None:
        clock.now += 2
        predict(5)

    with timing.job({"model": "x"}):
        score()
        predict(1)
    [line] = [json.loads(text) for text in out.read_text().splitlines()]
    assert line["model"] == "x" and line["parts"] == {"score": 2.0, "predict": 6.0}


def test_a_real_job_times_its_steps_at_their_boundaries(make_cfg, tmp_path, monkeypatch):
    out = tmp_path / "timings.jsonl"
    monkeypatch.setenv(timing.TIMINGS_ENV, str(out))
    job.run(make_cfg("dataset=iris", "model=mlp", "model.max_epochs=3", "seed=0"))
    job.run(make_cfg("dataset=iris", "model=knn", "seed=0"))
    lines = [json.loads(text) for text in out.read_text().splitlines()]
    assert [(line["dataset"], line["model"]) for line in lines] == [("iris", "mlp"), ("iris", "knn")]
    for line in lines:
        parts = line["parts"]
        assert {"prepare", "fit", "score", "latency", "size", "tracking"} <= set(parts)
        assert all(seconds >= 0 for seconds in parts.values())
        assert sum(parts.values()) <= line["end"] - line["start"]
