import math

import numpy as np
import pytest
from helpers_mlp import iris_scaled, small
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bench.mlp import MLPClassifier


@pytest.fixture(scope="module")
def iris():
    return iris_scaled()


def test_learns_iris(iris):
    X, y = iris
    model = small(lr=0.01).fit(X, y)
    assert (model.predict(X) == y).mean() > 0.9
    assert model.n_features_in_ == 4


def test_init_stores_params_unchanged():
    model = MLPClassifier(lr=-1, hidden_layer_sizes=[3, 4])
    assert model.lr == -1 and model.hidden_layer_sizes == [3, 4]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"lr": -1}, "'lr' parameter of MLPClassifier must be a float in the range \\(0.0, inf\\). Got -1"),
        ({"lr": "abc"}, "Got 'abc'"),
        ({"activation": "relux"}, "'activation' parameter"),
        ({"optimizer": "adamm"}, "'optimizer' parameter"),
        ({"batch_size": 0}, "'batch_size' parameter"),
        ({"hidden_layer_sizes": [8, -2]}, "hidden_layer_sizes.*positive ints"),
        ({"dropout": 1.0}, "'dropout' parameter"),
        ({"early_stopping": True, "validation_fraction": 0.0}, "validation_fraction > 0"),
    ],
)
def test_bad_params_fail_in_fit_naming_the_value(iris, params, message):
    with pytest.raises(ValueError, match=message):
        small(**params).fit(*iris)


def test_string_labels_and_probabilities(iris):
    X, y = iris
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    model = small(lr=0.01).fit(X, labels)
    assert list(model.classes_) == ["setosa", "versicolor", "virginica"]
    assert set(model.predict(X)) <= set(model.classes_)
    proba = model.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_same_random_state_same_model(iris):
    a, b = small().fit(*iris), small().fit(*iris)
    assert a.history_ == [{**h, "time_s": a.history_[i]["time_s"]} for i, h in enumerate(b.history_)]
    np.testing.assert_array_equal(a.predict_proba(iris[0]), b.predict_proba(iris[0]))
    c = small(random_state=1).fit(*iris)
    assert not np.array_equal(a.predict_proba(iris[0]), c.predict_proba(iris[0]))


def test_history_has_curves_and_per_layer_gradients(iris):
    model = small(hidden_layer_sizes=(8, 8, 8), early_stopping=False, max_epochs=5).fit(*iris)
    assert model.n_epochs_ == 5 and len(model.history_) == 5
    first = model.history_[0]
    for key in ("training/loss", "training/accuracy", "training/val_loss", "training/val_accuracy", "time_s"):
        assert key in first
    assert [k for k in first if k.startswith("training/grad_norm/")] == [
        f"training/grad_norm/layer_{i}" for i in range(4)
    ]
    assert model.grad_ratio_first_last_ > 0


def test_diagnostics_off_records_no_gradients(iris):
    model = small(diagnostics=False, max_epochs=3).fit(*iris)
    assert not any(k.startswith("training/grad_norm/") for k in model.history_[0])
    assert np.isnan(model.grad_ratio_first_last_)


def test_no_validation_split(iris):
    model = small(validation_fraction=0.0, early_stopping=False, max_epochs=3).fit(*iris)
    assert "training/val_loss" not in model.history_[0]


def test_early_stopping_restores_the_best_epoch():
    X, y = make_classification(n_samples=200, n_features=20, n_informative=2, flip_y=0.3, random_state=0)
    model = MLPClassifier(hidden_layer_sizes=(256,), lr=0.01, max_epochs=300, patience=5, random_state=0).fit(X, y)
    assert model.n_epochs_ < 300
    assert model.n_epochs_ - model.best_epoch_ == 5
    best = min(h["training/val_loss"] for h in model.history_)
    assert model.history_[model.best_epoch_ - 1]["training/val_loss"] == best


def test_on_epoch_sees_every_epoch_and_can_stop_training(iris):
    seen = []
    small(max_epochs=4, early_stopping=False).fit(*iris, on_epoch=lambda epoch, record: seen.append((epoch, record)))
    assert [epoch for epoch, _ in seen] == [1, 2, 3, 4] and all("training/val_accuracy" in record for _, record in seen)

    class Stop(Exception):
        pass

    def stop_at_two(epoch, record):
        if epoch == 2:
            raise Stop

    with pytest.raises(Stop):
        small(max_epochs=10, early_stopping=False).fit(*iris, on_epoch=stop_at_two)


def test_divergence_is_reported_not_raised(iris):
    model = small(optimizer="sgd", lr=1e12, max_epochs=50, early_stopping=False).fit(*iris)
    assert model.diverged_
    assert model.n_epochs_ < 50


def test_full_batch_gradient_descent(iris):
    model = small(batch_size=None, optimizer="sgd", lr=0.5, max_epochs=100, early_stopping=False).fit(*iris)
    assert (model.predict(iris[0]) == iris[1]).mean() > 0.85


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def deep(digits, **kwargs) -> MLPClassifier:
    """8 hidden layers of 64 units trained by plain SGD on digits: the textbook vanishing-gradient set-up."""
    params = {
        "hidden_layer_sizes": (64,) * 8,
        "optimizer": "sgd",
        "lr": 0.01,
        "max_epochs": 10,
        "early_stopping": False,
        "random_state": 0,
        **kwargs,
    }
    return MLPClassifier(**params).fit(*digits)


def test_deep_sigmoid_gradients_vanish_where_relu_with_kaiming_init_does_not(digits):
    assert deep(digits, activation="sigmoid").grad_ratio_first_last_ < 1e-2
    assert deep(digits, activation="relu", init="kaiming").grad_ratio_first_last_ > 0.1


@pytest.mark.parametrize("remedy", [{"batch_norm": True}, {"residual": True}])
def test_batch_norm_and_residual_connections_restore_the_gradient(digits, remedy):
    plain = deep(digits, activation="sigmoid").grad_ratio_first_last_
    assert deep(digits, activation="sigmoid", **remedy).grad_ratio_first_last_ > 10 * plain


def test_activation_probes_per_family(digits):
    relu = deep(digits, activation="relu", hidden_layer_sizes=(16, 16), max_epochs=2)
    record = relu.history_[-1]
    assert {f"training/dead_frac/layer_{i}" for i in range(2)} <= set(record)
    assert {"training/act_mean/layer_1", "training/act_std/layer_1", "training/update_ratio/layer_2"} <= set(record)
    assert 0 <= record["training/dead_frac/layer_0"] <= 1 and record["training/update_ratio/layer_0"] > 0
    sigmoid = deep(digits, activation="sigmoid", hidden_layer_sizes=(16,), max_epochs=2, lr=50.0)
    assert sigmoid.history_[-1]["training/saturated_frac/layer_0"] > 0.5  # a huge step pins the units at their bounds
    assert not any(k.startswith("dead_frac") for k in sigmoid.history_[-1])


def test_dead_units_are_counted():
    X, y = make_classification(n_samples=200, n_features=5, random_state=0)
    model = MLPClassifier(hidden_layer_sizes=(32,), max_epochs=1, early_stopping=False, random_state=0)
    model.fit(X, y)
    import torch

    with torch.no_grad():  # kill half the units: weights and bias negative on positive inputs
        first = model.module_[0].linear
        first.weight[:16] = -1.0
        first.bias[:16] = -100.0
    from bench.mlp.network import activation_stats, captured_activations

    with captured_activations(model.module_) as outputs, torch.no_grad():
        model.module_(torch.as_tensor(X, dtype=torch.float32))
    stats = activation_stats(outputs, "relu")
    assert stats["training/dead_frac/layer_0"] >= 0.5


def test_time_to_target(iris):
    model = small(lr=0.01, max_epochs=30, early_stopping=False).fit(*iris)
    best = max(h["training/val_accuracy"] for h in model.history_)
    epoch = int(model.epochs_to_target_)
    assert model.history_[epoch - 1]["training/val_accuracy"] >= 0.99 * best
    assert all(h["training/val_accuracy"] < 0.99 * best for h in model.history_[: epoch - 1])
    assert model.seconds_to_target_ == model.history_[epoch - 1]["time_s"]


def test_time_to_a_fixed_target(iris):
    model = small(lr=0.01, max_epochs=30, early_stopping=False, target_accuracy=0.8).fit(*iris)
    epoch = int(model.epochs_to_target_)
    assert model.history_[epoch - 1]["training/val_accuracy"] >= 0.8
    assert all(h["training/val_accuracy"] < 0.8 for h in model.history_[: epoch - 1])
    unreachable = small(lr=1e-5, max_epochs=2, early_stopping=False, target_accuracy=1.0).fit(*iris)
    assert math.isnan(unreachable.epochs_to_target_) and math.isnan(unreachable.seconds_to_target_)


@pytest.mark.parametrize(
    "params",
    [
        {"init": "xavier"},
        {"init": "kaiming", "activation": "leaky_relu"},
        {"lr_schedule": "step"},
        {"lr_schedule": "cosine"},
        {"optimizer": "momentum"},
        {"optimizer": "adagrad", "lr": 0.05},
        {"optimizer": "rmsprop"},
        {"optimizer": "adamw", "weight_decay": 0.01},
        {"grad_clip": 1.0},
        {"dropout": 0.2, "batch_norm": True},
        {"activation": "gelu", "residual": True, "hidden_layer_sizes": (16, 16, 16)},
    ],
)
def test_every_option_trains(iris, params):
    model = small(**{"lr": 0.01, **params}).fit(*iris)
    assert (model.predict(iris[0]) == iris[1]).mean() > 0.8


def test_step_schedule_divides_the_rate(iris):
    kwargs = {"lr": 0.1, "max_epochs": 9, "early_stopping": False, "optimizer": "sgd"}
    constant = small(**kwargs).fit(*iris).history_[-1]["training/update_ratio/layer_0"]
    step = small(lr_schedule="step", **kwargs).fit(*iris).history_[-1]["training/update_ratio/layer_0"]
    assert step < constant / 20  # two divisions by 10 by the last third


def test_gradient_clipping_bounds_the_update(iris):
    huge = {"optimizer": "sgd", "lr": 1.0, "max_epochs": 1, "early_stopping": False, "batch_size": None}
    free = small(**huge).fit(*iris).history_[0]["training/update_ratio/layer_0"]
    clipped = small(grad_clip=1e-3, **huge).fit(*iris).history_[0]["training/update_ratio/layer_0"]
    assert clipped < free / 10


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adagrad", "rmsprop", "adam", "adamw"])
def test_trains_on_cuda(iris, optimizer):
    model = small(device="cuda", optimizer=optimizer, lr=0.05, batch_norm=True, dropout=0.1).fit(*iris)
    assert next(model.module_.parameters()).is_cuda
    assert (model.predict(iris[0]) == iris[1]).mean() > 0.85  # chance is 0.33


def test_update_rules_without_a_fused_kernel_on_the_device_run_per_operation():
    import torch

    from bench.mlp import network

    params = [torch.nn.Parameter(torch.zeros(2))]
    on_cpu = network.optimizer("adagrad", params, 0.1, 0.0, torch.device("cpu"))
    on_gpu = network.optimizer("adagrad", params, 0.1, 0.0, torch.device("cuda"))
    assert on_cpu.defaults["fused"] and not on_gpu.defaults["fused"] and on_gpu.defaults["foreach"]


def test_cuda_request_without_a_gpu_is_a_clear_error(iris):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ValueError, match="device='cuda' was requested"):
        small(device="cuda").fit(*iris)


def test_sklearn_tools_work_with_it(iris):
    X, y = iris
    pipeline = make_pipeline(StandardScaler(), small(lr=0.01, max_epochs=20))
    scores = cross_val_score(pipeline, X, y, cv=3)
    assert scores.mean() > 0.8
    copy = clone(small(lr=0.05))
    assert copy.get_params()["lr"] == 0.05 and not hasattr(copy, "module_")


def test_it_is_a_diagnosed_estimator_and_the_others_are_not():
    from sklearn.tree import DecisionTreeClassifier

    from bench.metrics import Diagnosed

    assert isinstance(MLPClassifier(), Diagnosed)
    assert not isinstance(DecisionTreeClassifier(), Diagnosed)


def test_training_summary_reports_the_fitted_run(iris):
    from bench.metrics import MLP_SUMMARIES

    model = small(hidden_layer_sizes=(8, 8), max_epochs=4, early_stopping=False).fit(*iris)
    summary = model.training_summary()
    assert list(summary.metrics) == list(MLP_SUMMARIES)
    expected = {
        "training/grad_ratio_first_last": model.grad_ratio_first_last_,
        "training/grad_ratio_init": model.grad_ratio_init_,
        "training/pregrad_ratio_first_last": model.pregrad_ratio_first_last_,
        "training/pregrad_ratio_init": model.pregrad_ratio_init_,
        "training/best_epoch": model.best_epoch_,
        "training/epochs_run": model.n_epochs_,
        "training/epochs_to_target": model.epochs_to_target_,
        "training/seconds_to_target": model.seconds_to_target_,
        "training/steps_to_target": model.steps_to_target_,
        "training/examples_to_target": model.examples_to_target_,
    }
    assert {k: str(v) for k, v in summary.metrics.items()} == {k: str(v) for k, v in expected.items()}  # NaN too
    assert summary.history == model.history_ and summary.tags == {"bench.outcome": "ok"}
    assert [c["epoch"] for c in summary.curves] == [1, 2, 3, 4]
    curve_keys = {"epoch", "time_s", "training/loss", "training/val_loss", "training/val_accuracy"}
    curve_keys |= {f"training/grad_norm/layer_{i}" for i in range(3)}
    assert all(set(curve) == curve_keys for curve in summary.curves)  # the same series every epoch: line charts
    assert {"training/update_ratio/layer_0", "training/dead_frac/layer_1"} <= set(summary.history[-1])


def test_mlflow_gets_the_per_epoch_curves_and_history_csv_keeps_the_rest():
    from bench.mlp.diagnostics import curves

    record = {
        "epoch": 1,
        "training/loss": 0.5,
        "training/accuracy": 0.8,  # train_accuracy says it once, for the fitted model: one name per quantity
        "training/val_loss": 0.6,
        "training/val_accuracy": 0.7,
        "training/grad_norm/layer_0": 0.1,
        "training/update_ratio/layer_0": 0.01,
        "training/dead_frac/layer_0": 0.2,
        "training/saturated_frac/layer_0": 0.3,
        "training/act_mean/layer_0": 0.4,
        "training/act_std/layer_0": 0.6,
        "time_s": 0.02,
    }
    history = [record, {**record, "epoch": 2}]
    kept = {k: record[k] for k in ("training/loss", "training/val_loss", "training/val_accuracy", "time_s")}
    kept["training/grad_norm/layer_0"] = 0.1
    assert curves(history) == [{"epoch": 1, **kept}, {"epoch": 2, **kept}]
    assert curves([]) == []


def test_training_summary_of_a_diverged_run_names_the_epoch(iris):
    model = small(optimizer="sgd", lr=1e12, max_epochs=50, early_stopping=False).fit(*iris)
    summary = model.training_summary()
    assert summary.tags == {"bench.outcome": "diverged", "bench.diverged_epoch": str(model.n_epochs_)}
    assert summary.metrics["training/epochs_run"] == model.n_epochs_ == len(summary.curves)


def test_training_summary_needs_a_fitted_model():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        small().training_summary()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"lr": -1}, "'lr' parameter of MLPClassifier"),
        ({"hidden_layer_sizes": [8, -2]}, "hidden_layer_sizes.*positive ints"),
        ({"early_stopping": True, "validation_fraction": 0.0}, "validation_fraction > 0"),
    ],
)
def test_validate_params_checks_without_data_as_fit_does(params, message):
    with pytest.raises(ValueError, match=message):
        small(**params).validate_params()
    small().validate_params()


def test_importing_and_validating_needs_no_torch_until_preload():
    import subprocess
    import sys

    code = (
        "import sys; import bench.mlp; bench.mlp.MLPClassifier().validate_params(); "
        "print('torch' in sys.modules); bench.mlp.MLPClassifier().preload(); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


def test_predict_runs_on_the_fits_thread_count_and_restores_torchs(iris, monkeypatch):
    """One row through a pool of threads waits for the others to wake: predictions use ``n_threads`` as fit does."""
    import torch

    from bench.mlp import network

    model = small(max_epochs=2, n_threads=1).fit(*iris)
    seen, probabilities = [], network.probabilities
    monkeypatch.setattr(network, "probabilities", lambda *a: seen.append(torch.get_num_threads()) or probabilities(*a))
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        model.predict(iris[0][:1])
        assert seen == [1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
