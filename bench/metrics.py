"""Scores, overfitting and cost measures, with the same names for every model family."""

from __future__ import annotations

import ctypes
import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from sklearn import metrics as skm

from bench import timing

FINAL = (  # the final metrics every run logs, whatever its family
    "train_accuracy",
    "test_accuracy",
    "test_balanced_accuracy",
    "test_f1_macro",
    "test_log_loss",
    "overfit_gap",
    "fit_time_s",
    "predict_time_s",
    "predict_latency_us",
    "peak_memory_mb",
    "model_size_bytes",
)
MLP_SUMMARIES = (  # the MLP's final summaries, in the order its training_summary() returns them
    "training/grad_ratio_first_last",
    "training/grad_ratio_init",
    "training/pregrad_ratio_first_last",
    "training/pregrad_ratio_init",
    "training/best_epoch",
    "training/epochs_run",
    "training/epochs_to_target",
    "training/seconds_to_target",
    "training/steps_to_target",
    "training/examples_to_target",
)
ENSEMBLE = (  # a tuned run's tuned + ensembled scores (protocol.ensemble=K, bench.ensembled), in this order
    "ensemble_test_accuracy",
    "ensemble_val_accuracy",
    "ensemble_members",
    "ensemble_fit_time_s",
)
# single-row predictions timed: on digits, 8 medians of 10 rows spread by 1.02 to 1.11x (of 20 rows: 1.12 to 1.65x)
LATENCY_ROWS = 10


@dataclass(frozen=True)
class TrainingSummary:
    """What an estimator with training diagnostics reports after ``fit`` (``training_summary()``)."""

    metrics: dict[str, float]  # final metrics beside FINAL, named as in MLP_SUMMARIES
    history: list[dict[str, float]]  # every epoch, every column: the run's history.csv
    curves: list[dict[str, float]]  # the per-epoch records MLflow stores (step = record["epoch"], "time_s" its time)
    tags: dict[str, str]  # {"bench.outcome": "ok" | "diverged"} (+ "bench.diverged_epoch" when diverged)


@runtime_checkable
class Diagnosed(Protocol):
    """An estimator that reports how its training went; a job logs what ``training_summary()`` returns. Any
    estimator with both methods qualifies, whatever its module."""

    def preload(self) -> None:
        """Import what ``fit`` needs (torch), so that a timed fit measures fitting alone."""

    def training_summary(self) -> TrainingSummary:
        """The fitted estimator's final diagnostics, epoch history, MLflow curves and outcome tags."""


@timing.timed("score")
def scores(model, X_train, y_train, X_test, y_test) -> tuple[dict[str, float], np.ndarray]:
    """Accuracy on both splits, balanced accuracy, macro F1, log loss where probabilities exist, the
    overfitting gap and the predict time; also returns the test predictions."""
    start = time.perf_counter()
    test_pred = model.predict(X_test)
    predict_time = time.perf_counter() - start
    train_pred = model.predict(X_train)
    proba = model.predict_proba(X_test) if hasattr(model, "predict_proba") else None
    train_acc = skm.accuracy_score(y_train, train_pred)
    test_acc = skm.accuracy_score(y_test, test_pred)
    result = {
        "train_accuracy": train_acc,
        "test_accuracy": test_acc,
        "test_balanced_accuracy": skm.balanced_accuracy_score(y_test, test_pred),
        "test_f1_macro": skm.f1_score(y_test, test_pred, average="macro"),
        "overfit_gap": train_acc - test_acc,
        "predict_time_s": predict_time,
    }
    if proba is not None and np.isfinite(proba).all():
        result["test_log_loss"] = skm.log_loss(y_test, proba, labels=model.classes_)
    return result, test_pred


@timing.timed("score")
def validation_scores(model, X_val, y_val) -> dict[str, float]:
    """Accuracy and balanced accuracy on the validation part held out of the training part
    (``protocol.validation_fraction``): where a value is to be chosen, never on test."""
    pred = model.predict(X_val)
    return {
        "val_accuracy": skm.accuracy_score(y_val, pred),
        "val_balanced_accuracy": skm.balanced_accuracy_score(y_val, pred),
    }


@timing.timed("learning_curve")
def learning_curve(model, X_train, y_train, X_test, y_test, fractions, seed: int) -> list[dict[str, float]]:
    """Train and test accuracy of ``model`` refitted on stratified shares of the training split, one record per
    share with ``percent`` as its step; a share of 1 reuses the fitted ``model``."""
    from sklearn.base import clone
    from sklearn.model_selection import train_test_split

    records = []
    for fraction in sorted(fractions):
        fitted, X_part, y_part = model, X_train, y_train
        if fraction < 1:
            X_part, _, y_part, _ = train_test_split(
                X_train, y_train, train_size=fraction, random_state=seed, stratify=y_train
            )
            fitted = clone(model).fit(X_part, y_part)
        records.append(
            {
                "percent": round(100 * fraction),
                "learning_curve/train_accuracy": skm.accuracy_score(y_part, fitted.predict(X_part)),
                "learning_curve/test_accuracy": skm.accuracy_score(y_test, fitted.predict(X_test)),
            }
        )
    return records


@timing.timed("latency")
def predict_latency_us(model, X: np.ndarray) -> float:
    """Median time to predict one row, in microseconds: what a caller serving single requests waits.

    Measured with the native thread pools (OpenMP, BLAS) at one thread, as a server answering requests in
    parallel workers runs them: for one row a pool's second thread only adds its wake-up, and with two OpenMP
    runtimes loaded (scikit-learn's and torch's) that wake-up took up to 90 ms a row for k-NN.
    """
    from threadpoolctl import threadpool_limits

    rows = X[:LATENCY_ROWS]
    times = []
    with threadpool_limits(limits=1):
        for i in range(len(rows)):
            start = time.perf_counter()
            model.predict(rows[i : i + 1])
            times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e6)


@timing.timed("size")
def model_size_bytes(model) -> int:
    """Size of the pickled fitted model."""
    return len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))


@timing.timed("fit")
def timed_fit(fit: Callable[[], Any]) -> tuple[float, float]:
    """Run ``fit`` and return its wall time in seconds and the peak growth, in MB, of the memory the process has
    allocated and not yet freed.

    Allocated memory is sampled every 5 ms in a background thread from glibc's allocator (``mallinfo2``: its heap
    in use and its mapped blocks), which sees what native libraries allocate (PyTorch's tensors, BLAS buffers,
    numpy arrays, scikit-learn's trees) and, unlike resident memory, falls again when memory is freed: a fit that
    reuses memory an earlier job freed still counts its own. Without glibc, resident memory from /proc; without
    /proc, NaN. Allocations that live for less than the sampling interval can be missed.
    """
    sampler = _MemorySampler()
    sampler.start()
    start = time.perf_counter()
    try:
        fit()
    finally:
        elapsed = time.perf_counter() - start
        peak = sampler.stop()
    return elapsed, peak


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks")
    ] + [("keepcost", ctypes.c_size_t)]


def _allocated_reader() -> Callable[[], float]:
    """Bytes allocated and not freed, from glibc (2.33 and later); else resident bytes; else NaN."""
    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
        mallinfo2.restype = _MallInfo2
    except (OSError, AttributeError):
        page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

        def resident() -> float:
            try:
                with open("/proc/self/statm") as f:
                    return int(f.read().split()[1]) * page
            except OSError:
                return float("nan")

        return resident

    def allocated() -> float:
        info = mallinfo2()
        return float(info.uordblks + info.hblkhd)

    return allocated


class _MemorySampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self._stop_event = threading.Event()
        self._read = _allocated_reader()
        self.base = self.peak = self._read()

    def run(self) -> None:
        while not self._stop_event.wait(0.005):
            self.peak = max(self.peak, self._read())

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        self.peak = max(self.peak, self._read())
        return (self.peak - self.base) / 2**20
