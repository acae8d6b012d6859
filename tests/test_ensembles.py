"""Greedy ensemble selection with replacement (Caruana et al., 2004) on hand-made validation probabilities: it picks
the obvious best, repeats a member, breaks ties the same way every time, and its weights sum to 1."""

from __future__ import annotations

import numpy as np
import pytest

from bench import ensembled, ensembles


def two_classes(*columns: list[float]) -> np.ndarray:
    """Candidates from their probability of class 0 on each row: candidates x rows x 2."""
    p0 = np.array(columns, dtype=float)
    return np.stack([p0, 1 - p0], axis=2)


ALL_CLASS_0 = np.zeros(4, dtype=int)


def test_a_perfect_candidate_is_the_obvious_pick():
    proba = two_classes([0.4, 0.6, 0.6, 0.4], [0.9, 0.8, 0.7, 0.6], [0.1, 0.2, 0.9, 0.9])
    chosen = ensembles.select(proba, ALL_CLASS_0, 3)
    assert chosen.picks == (1, 1, 1) and chosen.members == (1,) and chosen.weights == (1.0,)
    assert chosen.val_accuracy == 1.0


def test_selection_with_replacement_repeats_a_strong_member():
    # A is right on 3 rows of 4, B on the other: adding B only dilutes A, so A is picked again
    proba = two_classes([0.9, 0.9, 0.9, 0.4], [0.05, 0.05, 0.05, 0.6])
    chosen = ensembles.select(proba, ALL_CLASS_0, 3)
    assert chosen.picks == (0, 0, 0) and chosen.members == (0,) and chosen.val_accuracy == 0.75


def test_members_that_err_on_different_rows_make_a_better_ensemble_than_any_one():
    y = np.zeros(3, dtype=int)
    proba = two_classes([0.4, 1.0, 1.0], [1.0, 0.4, 1.0], [1.0, 1.0, 0.4])  # each wrong on one row: 2/3
    chosen = ensembles.select(proba, y, 3)
    assert chosen.picks == (0, 1, 2)  # the first round's three-way tie goes to the earliest trial
    assert chosen.members == (0, 1, 2) and chosen.weights == pytest.approx((1 / 3,) * 3)
    assert chosen.val_accuracy == 1.0


def test_weights_are_the_share_of_picks_and_sum_to_one():
    rng = np.random.default_rng(0)
    raw = rng.random((6, 40, 3))
    proba, y = raw / raw.sum(axis=2, keepdims=True), rng.integers(0, 3, 40)
    chosen = ensembles.select(proba, y, 7)
    counts = np.bincount(chosen.picks, minlength=6)
    assert len(chosen.picks) == 7 and chosen.members == tuple(np.flatnonzero(counts))
    assert chosen.weights == pytest.approx(tuple(counts[list(chosen.members)] / 7))
    assert sum(chosen.weights) == pytest.approx(1.0)
    assert chosen == ensembles.select(proba.copy(), y.copy(), 7)  # the same inputs, the same ensemble


def test_a_tie_in_accuracy_goes_to_the_lower_log_loss_then_the_earlier_trial():
    unsure, sure = [0.6, 0.6, 0.6, 0.4], [0.95, 0.95, 0.95, 0.45]  # both right on 3 rows of 4
    assert ensembles.select(two_classes(unsure, sure), ALL_CLASS_0, 1).picks == (1,)
    assert ensembles.select(two_classes(sure, sure), ALL_CLASS_0, 1).picks == (0,)


def test_the_first_pick_is_the_best_single_candidate():
    proba = two_classes([0.6, 0.4, 0.4, 0.4], [0.6, 0.6, 0.4, 0.4], [0.6, 0.6, 0.6, 0.4])
    assert ensembles.select(proba, ALL_CLASS_0, 2).picks[0] == 2


@pytest.mark.parametrize(
    ("proba", "y", "rounds", "message"),
    [
        (np.zeros((0, 4, 2)), ALL_CLASS_0, 1, "candidates x rows x classes"),
        (np.full((1, 4, 2), 0.5), np.zeros(3, dtype=int), 1, "one class index per validation row"),
        (np.full((1, 4, 2), 0.5), np.full(4, 2), 1, r"class indices must lie in \[0, 2\)"),
        (np.full((1, 4, 2), np.nan), ALL_CLASS_0, 1, "finite probabilities"),
        (np.full((1, 4, 2), 0.5), ALL_CLASS_0, 0, "rounds >= 1; got 0"),
    ],
)
def test_a_selection_from_nothing_is_refused(proba, y, rounds, message):
    with pytest.raises(ValueError, match=message):
        ensembles.select(proba, y, rounds)


def test_a_model_without_probabilities_votes_with_its_prediction():
    from sklearn.svm import SVC

    X, y = np.array([[0.0], [0.1], [1.0], [1.1]]), np.array(["a", "a", "b", "b"])
    votes = ensembled.probabilities(SVC().fit(X, y), np.array([[0.05], [1.05]]))
    assert votes.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    kept = ensembled.kept(SVC().fit(X, y), X)
    assert kept[ensembled.CLASSES] == ["a", "b"] and len(kept[ensembled.PROBA]) == 4
