"""What the MLP's epoch history says about its training: the summaries a run reports (vanishing gradients, time to
target), the curves MLflow stores, the outcome, and the progress line shown while it trains.

Plain Python and NumPy on the history's records: no torch, so that reading a fitted model's diagnostics stays
cheap.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence

import numpy as np

from bench.metrics import MLP_SUMMARIES, TrainingSummary

TARGET_SHARE = 0.99  # time-to-target: first epoch reaching this share of the best validation accuracy
HISTORY_ONLY = ("act_mean/", "act_std/")  # history columns kept out of MLflow's metrics
LAST_EPOCH_ONLY = ("update_ratio/", "dead_frac/", "saturated_frac/")  # in MLflow at the last epoch only


def grad_ratio(history: list[dict]) -> float:
    """Mean gradient norm of the first layer over that of the last, across epochs; NaN without gradient norms."""
    norms = [k for k in history[0] if k.startswith("grad_norm/")] if history else []
    if not norms:
        return math.nan
    first = np.mean([h[norms[0]] for h in history])
    last = np.mean([h[norms[-1]] for h in history])
    return float(first / last) if last > 0 else math.nan


def time_to_target(history: list[dict], target: float | None = None) -> tuple[float, float]:
    """Epoch and seconds at which validation accuracy first reached ``target`` (default: ``TARGET_SHARE`` of its
    best); NaN, NaN without validation or when it never did."""
    accuracies = [h.get("accuracy/val", math.nan) for h in history]
    if not accuracies or all(math.isnan(a) for a in accuracies):
        return math.nan, math.nan
    if target is None:
        target = TARGET_SHARE * np.nanmax(accuracies)
    first = next((i for i, a in enumerate(accuracies) if a >= target), None)
    if first is None:
        return math.nan, math.nan
    return float(history[first]["epoch"]), float(history[first]["time_s"])


def curves(history: list[dict[str, float]]) -> list[dict[str, float]]:
    """The history's curves for MLflow: every epoch of the losses, accuracies and gradient norms, which runs are
    compared on; the other per-layer diagnostics at the last epoch only, so that the runs table still shows them
    (each logged value costs MLflow a row, and their full curves are read from ``history.csv``). Activation means
    and stds stay in ``history.csv`` only."""
    last = len(history) - 1
    return [
        {
            k: v
            for k, v in record.items()
            if not k.startswith(HISTORY_ONLY) and (i == last or not k.startswith(LAST_EPOCH_ONLY))
        }
        for i, record in enumerate(history)
    ]


def outcome_tags(diverged: bool, n_epochs: int) -> dict[str, str]:
    """``bench.outcome``, and the epoch training stopped at when it diverged."""
    tags = {"bench.outcome": "diverged" if diverged else "ok"}
    if diverged:
        tags["bench.diverged_epoch"] = str(n_epochs)
    return tags


def summarize(
    history: list[dict[str, float]], values: Sequence[float], diverged: bool, n_epochs: int
) -> TrainingSummary:
    """A fitted run's ``TrainingSummary``; ``values`` are its final summaries in the order of ``MLP_SUMMARIES``."""
    return TrainingSummary(
        metrics=dict(zip(MLP_SUMMARIES, values, strict=True)),
        history=history,
        curves=curves(history),
        tags=outcome_tags(diverged, n_epochs),
    )


class Progress:
    """One self-rewriting line on stderr: epoch count and the latest losses."""

    def __init__(self, total: int):
        self.total = total

    def update(self, epoch: int, record: dict) -> None:
        width = 24
        done = int(width * epoch / self.total)
        val = f" val_acc {record['accuracy/val']:.3f}" if "accuracy/val" in record else ""
        sys.stderr.write(
            f"\r  [{'#' * done}{'.' * (width - done)}] epoch {epoch}/{self.total} "
            f"loss {record['loss/train']:.4f}{val}   "
        )
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\r" + " " * 80 + "\r")
        sys.stderr.flush()
