import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from bench.mlp import MLPClassifier


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def small(**kwargs) -> MLPClassifier:
    return MLPClassifier(**{"hidden_layer_sizes": (16,), "max_epochs": 40, "random_state": 0, **kwargs})


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
    with pytest.raises((InvalidParameterError, ValueError), match=message):
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
    for key in ("loss/train", "accuracy/train", "loss/val", "accuracy/val", "time_s"):
        assert key in first
    assert [k for k in first if k.startswith("grad_norm/")] == [f"grad_norm/layer_{i}" for i in range(4)]
    assert model.grad_ratio_first_last_ > 0


def test_diagnostics_off_records_no_gradients(iris):
    model = small(diagnostics=False, max_epochs=3).fit(*iris)
    assert not any(k.startswith("grad_norm/") for k in model.history_[0])
    assert np.isnan(model.grad_ratio_first_last_)


def test_no_validation_split(iris):
    model = small(validation_fraction=0.0, early_stopping=False, max_epochs=3).fit(*iris)
    assert "loss/val" not in model.history_[0]


def test_early_stopping_restores_the_best_epoch():
    X, y = make_classification(n_samples=200, n_features=20, n_informative=2, flip_y=0.3, random_state=0)
    model = MLPClassifier(hidden_layer_sizes=(256,), lr=0.01, max_epochs=300, patience=5, random_state=0).fit(X, y)
    assert model.n_epochs_ < 300
    assert model.n_epochs_ - model.best_epoch_ == 5
    best = min(h["loss/val"] for h in model.history_)
    assert model.history_[model.best_epoch_ - 1]["loss/val"] == best


def test_divergence_is_reported_not_raised(iris):
    model = small(optimizer="sgd", lr=1e12, max_epochs=50, early_stopping=False).fit(*iris)
    assert model.diverged_
    assert model.n_epochs_ < 50


def test_full_batch_gradient_descent(iris):
    model = small(batch_size=None, optimizer="sgd", lr=0.5, max_epochs=100, early_stopping=False).fit(*iris)
    assert (model.predict(iris[0]) == iris[1]).mean() > 0.85


def test_deep_sigmoid_gradients_vanish_relative_to_relu():
    X, y = make_classification(n_samples=300, n_features=10, random_state=0)
    kwargs = {"hidden_layer_sizes": (32,) * 8, "max_epochs": 3, "early_stopping": False, "random_state": 0}
    sigmoid = MLPClassifier(activation="sigmoid", **kwargs).fit(X, y)
    relu = MLPClassifier(activation="relu", **kwargs).fit(X, y)
    assert sigmoid.grad_ratio_first_last_ < 0.01
    assert sigmoid.grad_ratio_first_last_ < relu.grad_ratio_first_last_ / 10


def test_sklearn_tools_work_with_it(iris):
    X, y = iris
    pipeline = make_pipeline(StandardScaler(), small(lr=0.01, max_epochs=20))
    scores = cross_val_score(pipeline, X, y, cv=3)
    assert scores.mean() > 0.8
    copy = clone(small(lr=0.05))
    assert copy.get_params()["lr"] == 0.05 and not hasattr(copy, "module_")
