"""Greedy ensemble selection (Caruana et al., 2004), the third mode of a tuned job (``protocol.ensemble=K``): from
the trials a search ran, forward selection with replacement picks K members, each round the one whose addition
gives the averaged class probabilities the best validation accuracy. A trial picked twice counts twice, so the
weights are counts / K.

This module sees the candidates' probabilities on the inner validation part and its labels, nothing else: the
choice cannot depend on the outer test fold, which only scores the chosen ensemble (``bench.tuning.ensemble``).
It is numpy alone, so that it can be tested on hand-made matrices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPSILON = 1e-15  # the smallest probability a log loss takes: a sure wrong answer costs a large, finite loss


@dataclass(frozen=True)
class Selection:
    """The chosen ensemble: candidates by their index in the matrix it was chosen from."""

    members: tuple[int, ...]  # distinct candidates, ascending
    weights: tuple[float, ...]  # each member's share of the K picks; they sum to 1
    picks: tuple[int, ...]  # the candidate picked in each round, in order: the first is the best single one
    val_accuracy: float  # the weighted average's accuracy on the validation rows


def select(proba: np.ndarray, y: np.ndarray, rounds: int) -> Selection:
    """Forward selection with replacement over ``proba`` (candidates x validation rows x classes, every candidate's
    columns in the same class order) against ``y`` (each validation row's class as a column index), ``rounds``
    picks. A round adds the candidate whose addition maximises the accuracy of the averaged probabilities; a tie
    goes to the lower log loss of that average, then to the lower index (the earlier trial), so that the same
    inputs always give the same members. The first round, from an empty ensemble, picks the best single
    candidate; with replacement a strong candidate can be picked again, which weights it instead of diluting it
    with a weaker one (why Caruana et al. select with replacement)."""
    proba, y = _checked(proba, y, rounds)
    count = len(proba)
    total = np.zeros(proba.shape[1:])
    picks = []
    for done in range(rounds):
        mixed = (total[None] + proba) / (done + 1)  # the average with each candidate added
        correct = _correct(mixed, y)
        loss = _log_loss(mixed, y)
        best = int(np.lexsort((np.arange(count), loss, -correct))[0])  # the last key sorts first
        picks.append(best)
        total += proba[best]
    counts = np.bincount(picks, minlength=count)
    members = np.flatnonzero(counts)
    accuracy = float(_correct((total / rounds)[None], y)[0]) / len(y)
    weights = tuple(float(counts[m]) / rounds for m in members)
    return Selection(tuple(int(m) for m in members), weights, tuple(picks), accuracy)


def _checked(proba: np.ndarray, y: np.ndarray, rounds: int) -> tuple[np.ndarray, np.ndarray]:
    """The inputs as arrays, or ``ValueError`` naming what is wrong: a selection from nothing is no ensemble."""
    proba, y = np.asarray(proba, dtype=float), np.asarray(y)
    if proba.ndim != 3 or not proba.shape[0] or not proba.shape[1]:
        raise ValueError(f"ensemble selection needs candidates x rows x classes probabilities; got {proba.shape}")
    if y.shape != (proba.shape[1],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"ensemble selection needs one class index per validation row; got shape {y.shape}")
    if y.min() < 0 or y.max() >= proba.shape[2]:
        raise ValueError(f"class indices must lie in [0, {proba.shape[2]}); got {y.min()} to {y.max()}")
    if not np.isfinite(proba).all():
        raise ValueError("ensemble selection needs finite probabilities")
    if isinstance(rounds, bool) or not isinstance(rounds, int | np.integer) or rounds < 1:
        raise ValueError(f"ensemble selection needs rounds >= 1; got {rounds!r}")
    return proba, y


def _correct(mixed: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per candidate, the validation rows its average gets right (an integer count: ties compare exactly); a tie
    between classes in a row goes to the first class, as ``argmax`` breaks it."""
    return (mixed.argmax(axis=2) == y[None]).sum(axis=1)


def _log_loss(mixed: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per candidate, the mean negative log probability its average gives each row's true class."""
    rows = np.arange(len(y))
    return -np.log(np.clip(mixed[:, rows, y], EPSILON, None)).mean(axis=1)
