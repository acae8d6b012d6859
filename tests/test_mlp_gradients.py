"""The MLP's gradient-flow diagnostics and its time to a target within epochs."""

import itertools
import math

import numpy as np
import pytest
from helpers_mlp import iris_scaled, small
from sklearn.datasets import load_digits, make_classification
from sklearn.preprocessing import StandardScaler

from bench.mlp import MLPClassifier

WIDTHS, CLASSES = (4, 16, 64, 256), (2, 10)


def shaped(n_features: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """One problem per shape: 4 informative features (16 hypercube corners: up to 4 clusters per class)."""
    X, y = make_classification(
        n_samples=2000,
        n_features=n_features,
        n_informative=4,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=min(4, 16 // n_classes),
        random_state=0,
    )
    return StandardScaler().fit_transform(X), y


def test_the_gradient_ratio_does_not_depend_on_input_width_or_class_count():
    ratios = {}
    for n_features, n_classes in itertools.product(WIDTHS, CLASSES):
        model = MLPClassifier(hidden_layer_sizes=(128, 128), max_epochs=5, early_stopping=False, random_state=0)
        ratios[n_features, n_classes] = model.fit(*shaped(n_features, n_classes)).grad_ratio_first_last_
    values = list(ratios.values())
    assert all(math.isfinite(v) and v > 0 for v in values), ratios
    assert max(values) / min(values) <= 2, ratios


@pytest.fixture(scope="module")
def deep_sigmoid():
    X, y = load_digits(return_X_y=True)
    model = MLPClassifier(
        hidden_layer_sizes=(64,) * 8,
        activation="sigmoid",
        optimizer="sgd",
        lr=0.01,
        max_epochs=5,
        early_stopping=False,
        random_state=0,
    )
    return model.fit(StandardScaler().fit_transform(X), y)


def test_a_deep_sigmoid_network_shows_vanishing_gradients_from_the_first_step(deep_sigmoid):
    assert deep_sigmoid.grad_ratio_first_last_ < 1e-2
    assert deep_sigmoid.grad_ratio_init_ < 1e-2


def test_pre_activation_gradients_shrink_on_their_way_down(deep_sigmoid):
    record = deep_sigmoid.history_[0]
    assert [k for k in record if k.startswith("training/pregrad_rms/")] == [
        f"training/pregrad_rms/layer_{i}" for i in range(8)
    ]
    assert 0 < deep_sigmoid.pregrad_ratio_first_last_ < 1
    assert 0 < deep_sigmoid.pregrad_ratio_init_ < 1
    assert {f"training/grad_rms/layer_{i}" for i in range(9)} <= set(record)


@pytest.fixture(scope="module")
def iris():
    return iris_scaled()


def test_one_hidden_layer_has_no_ratios(iris):
    model = small(max_epochs=3).fit(*iris)
    for name in ("grad_ratio_first_last_", "grad_ratio_init_", "pregrad_ratio_first_last_", "pregrad_ratio_init_"):
        assert math.isnan(getattr(model, name)), name
    assert "training/pregrad_rms/layer_0" in model.history_[0] and "training/grad_rms/layer_1" in model.history_[0]


def test_the_gradient_norm_in_the_history_is_the_median_over_the_steps(iris):
    model = small(hidden_layer_sizes=(8, 8), max_epochs=2, early_stopping=False).fit(*iris)
    record = model.history_[0]
    sizes = [layer.weight.numel() for layer in (model.module_[0].linear, model.module_[1].linear, model.module_[2])]
    for i, size in enumerate(sizes):  # one step's ratio is exact; the median of several stays close to it
        assert record[f"training/grad_rms/layer_{i}"] == pytest.approx(
            record[f"training/grad_norm/layer_{i}"] / math.sqrt(size), 0.5
        )


@pytest.mark.parametrize("activation, dead", [("relu", True), ("leaky_relu", False), ("gelu", False)])
def test_only_relu_records_dead_units(iris, activation, dead):
    record = small(hidden_layer_sizes=(8, 8), activation=activation, max_epochs=2).fit(*iris).history_[-1]
    assert any(k.startswith("training/dead_frac/") for k in record) is dead
    assert not any(k.startswith("training/saturated_frac/") for k in record)


def test_steps_and_examples_to_a_target_within_epochs(iris):
    X, y = iris
    params = {"lr": 0.01, "max_epochs": 30, "early_stopping": False, "target_accuracy": 0.9, "batch_size": 16}
    model = small(eval_interval=16, **params).fit(X, y)
    steps_per_epoch = math.ceil(len(X) * 0.9 / 16)
    assert model.steps_to_target_ <= model.epochs_to_target_ * steps_per_epoch
    assert model.steps_to_target_ > (model.epochs_to_target_ - 1) * steps_per_epoch
    full_epochs = int(model.epochs_to_target_) - 1  # each epoch ends on a partial batch of 135 - 8 * 16 rows
    within = model.steps_to_target_ - full_epochs * steps_per_epoch
    assert model.examples_to_target_ == full_epochs * 135 + within * 16
    per_epoch = small(**params).fit(X, y)
    assert per_epoch.steps_to_target_ >= model.steps_to_target_
    assert per_epoch.steps_to_target_ == per_epoch.epochs_to_target_ * steps_per_epoch
    assert per_epoch.examples_to_target_ == per_epoch.epochs_to_target_ * 135


def test_eval_interval_none_reproduces_the_per_epoch_target(iris):
    params = {"lr": 0.01, "max_epochs": 30, "early_stopping": False, "target_accuracy": 0.8}
    model = small(**params).fit(*iris)
    epoch = int(model.epochs_to_target_)
    assert model.history_[epoch - 1]["training/val_accuracy"] >= 0.8
    assert all(h["training/val_accuracy"] < 0.8 for h in model.history_[: epoch - 1])
    assert model.seconds_to_target_ == model.history_[epoch - 1]["time_s"]
    within = small(eval_interval=10_000, **params).fit(*iris)  # never due within an epoch: the same training
    assert within.history_[-1]["training/loss"] == model.history_[-1]["training/loss"]
    assert within.epochs_to_target_ == model.epochs_to_target_ and within.steps_to_target_ == model.steps_to_target_


def test_no_target_no_steps_to_target(iris):
    model = small(max_epochs=3, eval_interval=8).fit(*iris)
    assert math.isnan(model.steps_to_target_) and math.isnan(model.examples_to_target_)


def test_stop_at_target_stops_training(iris):
    params = {"lr": 0.01, "max_epochs": 40, "early_stopping": False, "target_accuracy": 0.8}
    model = small(stop_at_target=True, eval_interval=16, **params).fit(*iris)
    assert model.n_epochs_ == model.epochs_to_target_ < 40
    assert model.predict(iris[0]).shape == (150,)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"eval_interval": 0}, "'eval_interval' parameter of MLPClassifier must be"),
        ({"stop_at_target": True}, "stop_at_target.*needs target_accuracy"),
    ],
)
def test_bad_target_params_are_rejected(iris, params, message):
    with pytest.raises(ValueError, match=message):
        small(**params).fit(*iris)
