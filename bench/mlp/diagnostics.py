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
# the history's columns that MLflow stores as curves, every epoch: what changes per epoch and runs are compared
# on. The rest (the running training accuracy, which train_accuracy states once for the fitted model; per-layer
# update ratios, dead or saturated units, gradient RMS, activation statistics) are in history.csv
CURVES = ("training/loss", "training/val_loss", "training/val_accuracy", "training/grad_norm/")


def gradient_stats(norms: np.ndarray, sizes: Sequence[int]) -> tuple[dict[str, float], np.ndarray]:
    """One epoch's weight-gradient statistics from ``norms`` (steps x linear layers: L2 norms; ``sizes``: each
    layer's weight count). History columns: per layer the median over the steps of the norm
    (``training/grad_norm/``) and of the per-element RMS, norm / sqrt(size) (``training/grad_rms/``). Also returns
    each step's first-over-last hidden layer RMS ratio (``hidden_ratio``)."""
    rms = norms / np.sqrt(np.asarray(sizes, dtype=np.float64))
    stats = {f"training/grad_norm/layer_{i}": float(v) for i, v in enumerate(np.median(norms, axis=0))}
    stats.update({f"training/grad_rms/layer_{i}": float(v) for i, v in enumerate(np.median(rms, axis=0))})
    return stats, hidden_ratio(rms[:, :-1])  # the last column is the output layer


def hidden_ratio(rms: np.ndarray) -> np.ndarray:
    """Per row, the first hidden layer's value over the last hidden layer's (columns: hidden layers in order). The
    RMS rather than the norm, and the last hidden layer rather than the output layer, so that neither the input
    width nor the class count moves the ratio: only how the gradient changes on its way down. NaN with fewer than
    two hidden layers or a zero denominator."""
    if rms.ndim != 2 or rms.shape[1] < 2:
        return np.full(len(rms), math.nan)
    first, last = rms[:, 0], rms[:, -1]
    with np.errstate(invalid="ignore"):  # a diverged step: inf over inf
        return np.divide(first, last, out=np.full(len(rms), math.nan), where=last > 0)


def median_and_first(ratios: np.ndarray) -> tuple[float, float]:
    """The median of the finite ``ratios`` and the first one (at the initial weights); NaN where there are none."""
    finite = ratios[np.isfinite(ratios)]
    median = float(np.median(finite)) if len(finite) else math.nan
    return median, float(ratios[0]) if len(ratios) else math.nan


def pregrad_ratios(history: list[dict]) -> tuple[float, float]:
    """First-over-last hidden layer ratio of the pre-activation gradient RMS (``training/pregrad_rms/``, sampled
    once per epoch): its median over the epochs and its value at the first step; NaN with fewer than two hidden
    layers."""
    columns = [k for k in history[0] if k.startswith("training/pregrad_rms/")] if history else []
    rms = np.array([[h.get(k, math.nan) for k in columns] for h in history], dtype=np.float64)
    return median_and_first(hidden_ratio(rms.reshape(len(history), len(columns))))


def time_to_target(history: list[dict], target: float | None = None) -> tuple[float, float]:
    """Epoch and seconds at which validation accuracy first reached ``target`` (default: ``TARGET_SHARE`` of its
    best); NaN, NaN without validation or when it never did."""
    accuracies = [h.get("training/val_accuracy", math.nan) for h in history]
    if not accuracies or all(math.isnan(a) for a in accuracies):
        return math.nan, math.nan
    if target is None:
        target = TARGET_SHARE * np.nanmax(accuracies)
    first = next((i for i, a in enumerate(accuracies) if a >= target), None)
    if first is None:
        return math.nan, math.nan
    return float(history[first]["epoch"]), float(history[first]["time_s"])


def curves(history: list[dict[str, float]]) -> list[dict[str, float]]:
    """The history's curves for MLflow (``CURVES``), step = epoch: one line chart each in the MLflow UI. Each
    logged value costs MLflow a row; the other columns are read from ``history.csv``."""
    return [{k: v for k, v in record.items() if k in ("epoch", "time_s") or k.startswith(CURVES)} for record in history]


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
    """One self-rewriting line on stderr while ``enabled``: epoch count and the latest losses; a context manager
    that wipes the line on leaving, however training ends."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled = total, enabled

    def __enter__(self) -> Progress:
        return self

    def update(self, epoch: int, record: dict) -> None:
        if not self.enabled:
            return
        width = 24
        done = int(width * epoch / self.total)
        val = f" val_acc {record['training/val_accuracy']:.3f}" if "training/val_accuracy" in record else ""
        sys.stderr.write(
            f"\r  [{'#' * done}{'.' * (width - done)}] epoch {epoch}/{self.total} "
            f"loss {record['training/loss']:.4f}{val}   "
        )
        sys.stderr.flush()

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 80 + "\r")
            sys.stderr.flush()
