"""The job's status line: on a terminal it names the job, its step and elapsed time for every family; elsewhere
only the job's final line is printed."""

from __future__ import annotations

import io
import re
import time

from bench import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_status_line_names_the_job_its_step_and_elapsed_time(monkeypatch, capsys):
    screen = Terminal()
    monkeypatch.setattr(progress.sys, "stderr", screen)
    with progress.JobProgress("[1/2] iris  svm  seed=0  ", live=True) as shown:
        shown.doing("fit")
        time.sleep(3 * progress.REFRESH_S)
    drawn = screen.getvalue()
    assert re.search(r"\[1/2\] iris svm seed=0  fit \d+\.\ds", drawn)
    assert drawn.endswith("\r\033[K")  # wiped when the job ends
    shown.done("acc 0.900")
    assert re.fullmatch(r"\[1/2\] iris  svm  seed=0  acc 0\.900  \(\d+\.\ds\)\n", capsys.readouterr().out)


def test_epochs_are_drawn_each_with_the_total_and_losses(monkeypatch):
    screen = Terminal()
    monkeypatch.setattr(progress.sys, "stderr", screen)
    with progress.JobProgress("job  ", live=True, epochs=3) as shown:
        shown.doing("fit")
        for epoch in (1, 2, 3):
            shown.epoch(epoch, {"training/loss": 0.5 / epoch, "training/val_accuracy": 0.9})
    drawn = screen.getvalue()
    assert all(f"epoch {epoch}/3" in drawn for epoch in (1, 2, 3)) and "val_acc 0.900" in drawn


def test_nothing_is_drawn_where_stderr_is_not_a_terminal(monkeypatch, make_cfg):
    screen = io.StringIO()
    monkeypatch.setattr(progress.sys, "stderr", screen)
    shown = progress.job_progress(make_cfg("model=svm"), None)
    assert not shown.live
    with shown:
        shown.doing("fit")
        shown.epoch(1, {"training/loss": 0.5})
        time.sleep(2 * progress.REFRESH_S)
    assert screen.getvalue() == ""
    monkeypatch.setattr(progress.sys, "stderr", Terminal())
    assert progress.job_progress(make_cfg("model=svm"), None).live  # a direct call is the sweep's own process
