"""Tuned + ensembled, the third mode of ``protocol=tuned`` (``protocol.ensemble=K``, as TabArena runs every model
family: default, tuned, tuned + ensembled). Every trial of a fold's search keeps its class probabilities on the
inner validation part (:func:`kept`, stored with the trial, so that worker processes and resumed studies keep them
too); after the search, :func:`bench.ensembles.select` picks K members from them by validation alone; each distinct
member's config is then refitted on the whole training fold, as the tuned config is, and the weighted average of
their test probabilities is scored on the outer test fold, which took no part in the choice.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench import ensembles, timing
from bench.metrics import ENSEMBLE

DECIMALS = 5  # of a kept probability: the journal holds rows x classes of them per trial
PROBA, CLASSES = "val_proba", "val_classes"  # a trial's user attrs: its validation probabilities, their columns


def probabilities(model: Any, X: Any) -> np.ndarray:
    """Class probabilities, columns as ``model.classes_``; for a model without ``predict_proba`` (an SVC, unless
    ``probability=true``) its prediction as a one-hot row, so that averaging members is a vote."""
    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(X), dtype=float)
    return (np.asarray(model.predict(X))[:, None] == model.classes_[None, :]).astype(float)


def kept(model: Any, X_val: Any) -> dict[str, Any]:
    """What a trial keeps for the ensemble, as plain lists a journal stores: its validation probabilities, rounded,
    and their classes. A fit whose probabilities are not finite (a diverged network) keeps nothing: it is no
    candidate."""
    proba = probabilities(model, X_val)
    if not np.isfinite(proba).all():
        return {}
    return {PROBA: np.round(proba, DECIMALS).tolist(), CLASSES: np.asarray(model.classes_).tolist()}


@dataclass
class Candidates:
    """What an ensemble is chosen from: the completed trials that kept their validation probabilities."""

    numbers: list[int]  # trial numbers, ascending: a candidate's index is its place here
    proba: np.ndarray  # trials x validation rows x classes
    y: np.ndarray  # each validation row's class as a column index


def candidates(trials: Sequence[Any], y_val: np.ndarray) -> Candidates | None:
    """The completed trials' kept probabilities (Optuna's frozen trials); None where none kept any. Every trial
    was fitted on the same inner training part, so their classes agree; a validation row of a class that part
    lacks is one no candidate can get right, and is left out of the choice."""
    found = sorted(
        (t for t in trials if t.state.name == "COMPLETE" and t.value is not None and PROBA in t.user_attrs),
        key=lambda t: t.number,
    )
    if not found:
        return None
    classes = found[0].user_attrs[CLASSES]
    if any(t.user_attrs[CLASSES] != classes for t in found):
        raise ValueError("the trials of one study predict different classes; they cannot be ensembled")
    column = {label: i for i, label in enumerate(classes)}
    index = np.array([column.get(label, -1) for label in np.asarray(y_val).tolist()], dtype=int)
    proba = np.array([t.user_attrs[PROBA] for t in found], dtype=float)
    return Candidates([t.number for t in found], proba[:, index >= 0], index[index >= 0])


@dataclass
class Ensembled:
    """A fold's tuned + ensembled result."""

    members: dict[int, float]  # trial number -> weight, its share of the K picks
    val_accuracy: float  # of the weighted average on the inner validation part, where it was chosen
    test_accuracy: float  # of the members refitted on the training fold, on the outer test fold
    fit_time_s: float  # the members' refits

    @property
    def metrics(self) -> dict[str, float]:
        values = (self.test_accuracy, self.val_accuracy, float(len(self.members)), self.fit_time_s)
        return dict(zip(ENSEMBLE, values, strict=True))

    @property
    def param(self) -> str:
        """``0:0.667 4:0.333``: the members by trial number, with their weights."""
        return " ".join(f"{number}:{weight:.3g}" for number, weight in self.members.items())


@timing.timed("ensemble")
def ensemble(
    pipeline: Any, split: tuple, found: Candidates | None, configs: Mapping[int, Mapping[str, Any]], rounds: int
) -> Ensembled | None:
    """Choose ``rounds`` picks among ``found`` on validation, refit each distinct member (``configs``: its whole
    config by trial number) on the training part of ``split`` (``X_train, X_test, y_train, y_test``) and score
    the weighted average of their probabilities on its test part. None without candidates."""
    from sklearn.base import clone

    if found is None:
        return None
    chosen = ensembles.select(found.proba, found.y, rounds)  # validation alone: the test part is not passed
    X_train, X_test, y_train, y_test = split
    total, seconds, members, classes = 0.0, 0.0, {}, None
    for index, weight in zip(chosen.members, chosen.weights, strict=True):
        number = found.numbers[index]
        model = clone(pipeline).set_params(**{f"model__{k}": v for k, v in configs[number].items()})
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds += time.perf_counter() - start
        if classes is not None and not np.array_equal(classes, model.classes_):
            raise ValueError("the ensemble's members predict different classes")
        classes = model.classes_
        # a member whose test probabilities are not finite adds nothing to the average, rather than poisoning it
        total = total + weight * np.nan_to_num(probabilities(model, X_test), nan=0.0, posinf=0.0, neginf=0.0)
        members[number] = weight
    test = float(np.mean(classes[np.argmax(total, axis=1)] == np.asarray(y_test)))
    return Ensembled(members, chosen.val_accuracy, test, seconds)
