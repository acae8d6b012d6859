import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from bench import data


@pytest.mark.parametrize(
    "name, shape, n_classes",
    [("iris", (150, 4), 3), ("wine", (178, 13), 3), ("breast_cancer", (569, 30), 2), ("digits", (1797, 64), 10)],
)
def test_builtins_load(name, shape, n_classes):
    ds = data.Builtin(name=name).load()
    assert ds.X.shape == shape and ds.X.dtype == np.float64
    assert ds.n_classes == n_classes


def test_unknown_builtin_names_the_choices():
    with pytest.raises(InvalidParameterError, match="'name' parameter of dataset 'irsi'.*'digits'"):
        data.Builtin(name="irsi")


def test_generated_data_is_fixed_by_its_random_state():
    a, b = data.Moons(n_samples=200).load(), data.Moons(n_samples=200).load()
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, data.Moons(n_samples=200, random_state=1).load().X)


def test_noise_features_are_appended():
    ds = data.Classification(n_samples=100, n_features=5, n_informative=3, n_redundant=0, noise_features=7).load()
    assert ds.X.shape == (100, 12)
    assert abs(ds.X[:, 5:].std() - 1) < 0.15  # standard normal noise


@pytest.mark.parametrize(
    "source, kwargs, message",
    [
        (data.Moons, {"n_samples": -5}, "'n_samples' parameter .* Got -5"),
        (data.Moons, {"noise": "abc"}, "'noise' parameter .* Got 'abc'"),
        (data.Circles, {"factor": 1.5}, "'factor'"),
        (data.Classification, {"n_features": 3, "n_informative": 3, "n_redundant": 2}, "exceeds n_features = 3"),
        (data.Classification, {"flip_y": 2.0}, "'flip_y'"),
        (data.Moons, {"scaler": "robust"}, "'scaler' parameter"),
        (data.Moons, {"noise_features": -1}, "'noise_features' parameter"),
    ],
)
def test_bad_fields_fail_when_the_source_is_built(source, kwargs, message):
    with pytest.raises(ValueError, match=message):
        source(**kwargs)


def test_split_is_stratified_and_seeded():
    ds = data.Builtin(name="iris").load()
    X_tr, X_te, y_tr, y_te = data.split(ds, 0.2, seed=3)
    assert len(X_te) == 30 and np.bincount(y_te).tolist() == [10, 10, 10]
    np.testing.assert_array_equal(X_te, data.split(ds, 0.2, seed=3)[1])
    assert not np.array_equal(X_te, data.split(ds, 0.2, seed=4)[1])


def test_scalers():
    assert data.make_scaler("none") == "passthrough"
    assert type(data.make_scaler("standard")).__name__ == "StandardScaler"
