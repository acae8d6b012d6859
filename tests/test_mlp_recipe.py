"""The modern tabular recipe's options of ``MLPClassifier`` (bench.mlp.recipe, bench.mlp.layers, bench.mlp.options):
each off by default, each doing what it says, the diagnostics intact with embeddings and ensembles."""

import math

import numpy as np
import pytest
import torch
from helpers_mlp import iris_scaled, small

from bench.mlp import MLPClassifier, layers, recipe

RECIPE = {
    "preprocessing": "robust_clip",
    "feature_scaling": True,
    "num_embeddings": "periodic",
    "embedding_dim": 4,
    "label_smoothing": 0.1,
    "monitor": "val_accuracy",
    "ensemble_size": 3,
    "optimizer": "adamw",
    "lr_schedule": "coslog",
    "activation": "selu",
}


@pytest.fixture(scope="module")
def iris():
    return iris_scaled()


def test_every_ingredient_is_off_by_default():
    params = MLPClassifier().get_params()
    assert params["preprocessing"] == "none" and params["num_embeddings"] is None
    assert not params["feature_scaling"] and params["label_smoothing"] == 0.0
    assert params["monitor"] == "val_loss" and params["ensemble_size"] == 1
    module = small().fit(*iris_scaled()).module_
    assert [type(m).__name__ for m in module] == ["Block", "Linear"]  # no input stage, no member axis


def test_robust_clip_by_hand():
    column = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 1000.0])  # median 2.5, quartiles 1.25 and 3.75: IQR 2.5
    binary = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0])  # quartiles coincide: half the range, 0.5
    constant = np.full(6, 7.0)
    Z = recipe.RobustClip().fit_transform(np.column_stack([column, binary, constant]))
    z = (column - 2.5) / 2.5
    np.testing.assert_allclose(Z[:, 0], z / np.sqrt(1 + (z / 3) ** 2))
    assert Z[-1, 0] < 3 and Z[-1, 0] > 2.9  # the outlier squashed below the clip, order kept
    np.testing.assert_allclose(Z[:, 1], np.where(binary == 1, 2 / np.sqrt(1 + 4 / 9), 0.0))
    np.testing.assert_array_equal(Z[:, 2], 0.0)


def test_numeric_columns_skip_binary_ones():
    X = np.column_stack([np.arange(6.0), np.tile([0.0, 1.0], 3), np.ones(6)])
    assert recipe.numeric_columns(X) == [0]


def test_schedules_hold_then_anneal_and_cycle_in_log_time():
    flat = [layers.schedule_factor("flat_cosine", e, 100) for e in range(100)]
    assert flat[:50] == [1.0] * 50 and flat[-1] < 0.01 and (np.diff(flat[50:]) <= 0).all()
    coslog = np.array([layers.schedule_factor("coslog", e, 1500) for e in range(1500)])
    assert coslog.min() >= 0 and coslog.max() <= 1
    troughs = [e for e in range(1, 1499) if coslog[e] < coslog[e - 1] and coslog[e] <= coslog[e + 1]]
    # t = 1/15, 3/15, 7/15, where log2(1 + 15 t) = 1, 2, 3 (epochs 99.5, 299.5, 699.5); the fourth ends the run
    np.testing.assert_allclose(troughs, [99.5, 299.5, 699.5], atol=0.5)


def test_combine_is_the_log_of_the_members_mean_probability():
    logits = torch.randn(5, 3, 4)
    expected = torch.softmax(logits, dim=-1).mean(dim=1)
    torch.testing.assert_close(torch.softmax(layers.combine(logits), dim=-1), expected)
    flat = torch.randn(5, 4)
    assert layers.combine(flat) is flat


def test_loss_is_the_mean_of_the_members_losses_with_smoothing():
    logits, y = torch.randn(6, 2, 3), torch.tensor([0, 1, 2, 0, 1, 2])
    each = [torch.nn.functional.cross_entropy(logits[:, i], y, label_smoothing=0.1) for i in range(2)]
    torch.testing.assert_close(layers.loss(logits, y, 0.1), torch.stack(each).mean())


def test_ensemble_members_share_weights_and_differ(iris):
    model = small(ensemble_size=4, lr=0.01).fit(*iris)
    hidden, output = model.module_[1].linear, model.module_[-1]
    assert type(model.module_[0]).__name__ == "Members" and hidden.weight.shape == (16, 4)
    assert hidden.bias.shape == (4, 16) and output.bias.shape == (4, 3)
    with torch.no_grad():
        members = model.module_(torch.as_tensor(iris[0][:10], dtype=torch.float32))
    assert members.shape == (10, 4, 3) and not torch.allclose(members[:, 0], members[:, 1])
    np.testing.assert_allclose(model.predict_proba(iris[0]).sum(axis=1), 1.0)
    assert (model.predict(iris[0]) == iris[1]).mean() > 0.85


def test_the_whole_recipe_learns_is_reproducible_and_keeps_its_diagnostics(iris):
    first = small(**{**RECIPE, "activation": "relu"}, hidden_layer_sizes=(16, 16), lr=0.01).fit(*iris)
    again = small(**{**RECIPE, "activation": "relu"}, hidden_layer_sizes=(16, 16), lr=0.01).fit(*iris)
    np.testing.assert_array_equal(first.predict_proba(iris[0]), again.predict_proba(iris[0]))
    assert (first.predict(iris[0]) == iris[1]).mean() > 0.85
    last = first.history_[-1]
    for name in ("grad_norm", "grad_rms", "update_ratio"):  # two hidden layers and the output: 0, 1, 2
        assert all(math.isfinite(last[f"training/{name}/layer_{i}"]) for i in range(3))
    assert "training/grad_norm/layer_3" not in last  # the embeddings' own linear map is not a layer
    assert 0 <= last["training/dead_frac/layer_0"] <= 1 and math.isfinite(first.grad_ratio_first_last_)


def test_monitoring_accuracy_restores_the_most_accurate_epoch(iris):
    model = small(monitor="val_accuracy", max_epochs=30, patience=30, lr=0.01, validation_fraction=0.3).fit(*iris)
    scores = [(r["training/val_accuracy"], -r["training/val_loss"]) for r in model.history_]
    assert model.best_epoch_ == 1 + max(range(len(scores)), key=scores.__getitem__)


def test_quantile_preprocessing_is_fitted_on_the_training_rows(iris):
    model = small(preprocessing="quantile").fit(*iris)
    assert model.preprocessor_.n_quantiles == len(iris[1])
    assert model.predict(iris[0][:3]).shape == (3,)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"preprocessing": "robust"}, "'preprocessing' parameter"),
        ({"num_embeddings": "plr"}, "'num_embeddings' parameter"),
        ({"ensemble_size": 0}, "'ensemble_size' parameter"),
        ({"label_smoothing": 1.0}, "'label_smoothing' parameter"),
        ({"monitor": "accuracy"}, "'monitor' parameter"),
        ({"ensemble_size": 2, "batch_norm": True}, "cannot be combined with ensemble_size"),
    ],
)
def test_bad_recipe_values_fail_with_one_line(iris, params, message):
    with pytest.raises(ValueError, match=message) as error:
        small(**params).fit(*iris)
    assert "\n" not in str(error.value)


def test_memory_estimate_counts_members_and_embeddings():
    full = {"batch_size": None}  # full-batch: the activations dominate, k members hold k times them
    plain = MLPClassifier(**full).memory_bytes(100_000, 10, 2)
    assert MLPClassifier(**full, ensemble_size=8).memory_bytes(100_000, 10, 2) > 6 * plain
    assert MLPClassifier(**full, num_embeddings="periodic").memory_bytes(100_000, 10, 2) > 1.3 * plain


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_the_recipe_on_cuda_matches_cpu(iris):
    params = {**RECIPE, "max_epochs": 5, "early_stopping": False, "validation_fraction": 0.2, "lr": 0.01}
    on_cpu = small(**params).fit(*iris).predict_proba(iris[0])
    on_gpu = small(**params, device="cuda").fit(*iris).predict_proba(iris[0])
    np.testing.assert_allclose(on_gpu, on_cpu, atol=1e-3)
