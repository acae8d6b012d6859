import numpy as np
import pandas as pd
import pytest

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
    with pytest.raises(ValueError, match="'name' parameter of dataset 'irsi'.*'digits'"):
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


def test_make_preprocessor_scales_arrays_and_encodes_tables():
    assert type(data.make_preprocessor(data.Builtin(name="iris").load())).__name__ == "StandardScaler"
    assert data.make_preprocessor("none") == "passthrough"
    X = pd.DataFrame({"size": [1.0, np.nan, 3.0, 4.0], "colour": ["red", "blue", np.nan, "red"]})
    table = data.Dataset("t", X, np.array([0, 1, 0, 1]), "standard", data.Source())
    out = data.make_preprocessor(table).fit_transform(X)
    assert out.shape == (4, 3) and np.isfinite(out).all()  # size (imputed, scaled) + one-hot red/blue
    assert out[2, 1:].tolist() == [0.0, 1.0]  # the missing colour became the most frequent one, red


@pytest.mark.parametrize(
    "name, shape, n_classes",
    [
        ("spambase", (4597, 57), 2),
        ("satimage", (6435, 36), 6),
        ("magic", (19020, 10), 2),
        ("letter", (20000, 16), 26),
        ("penguins", (342, 4), 3),
        ("mnist5k", (5000, 784), 10),
    ],
)
def test_shipped_sets_load_by_name(name, shape, n_classes):
    ds = data.Shipped(name=name).load()
    assert ds.X.shape == shape and ds.X.dtype == np.float64 and np.isfinite(ds.X).all()
    assert ds.n_classes == n_classes
    assert ds.digest == data.file_digest(data.SHIPPED_DIR / data.SHIPPED[name])
    assert all(str(label) == str(label).strip() for label in np.unique(ds.y))  # KEEL's stray spaces are gone


def test_shipped_labels_and_mnist_pixels():
    assert set(data.Shipped(name="penguins").load().y) == {"Adelie", "Chinstrap", "Gentoo"}
    assert set(data.Shipped(name="magic").load().y) == {"g", "h"}
    mnist = data.Shipped(name="mnist5k").load()
    assert mnist.X.min() == 0.0 and mnist.X.max() == 1.0 and mnist.class_counts == {str(d): 500 for d in range(10)}


def test_unknown_shipped_name_names_the_choices():
    with pytest.raises(ValueError, match="dataset 'spam'.*'spambase'"):
        data.Shipped(name="spam")
    with pytest.raises(ValueError, match="'shipped' parameter"):
        data.Shipped(name="x", shipped="nope")


def test_max_samples_draws_a_stratified_seeded_subsample():
    full = data.Shipped(name="satimage").load()
    small = data.Shipped(name="satimage_2k", shipped="satimage", max_samples=2000).load()
    assert small.X.shape == (2000, 36) and small.name == "satimage_2k"
    for label, count in full.class_counts.items():
        assert abs(small.class_counts[label] - count * 2000 / 6435) <= 1
    again = data.Shipped(name="satimage", max_samples=2000).load()
    np.testing.assert_array_equal(small.X, again.X)
    other = data.Shipped(name="satimage", max_samples=2000, random_state=1).load()
    assert not np.array_equal(small.X, other.X)
    assert data.Moons(n_samples=100, max_samples=500).load().X.shape == (100, 2)  # fewer rows: all kept
    with pytest.raises(ValueError, match="'max_samples' parameter"):
        data.Moons(max_samples=0)


def test_class_balance_is_reported():
    spam = data.Shipped(name="spambase").load()
    assert spam.class_counts == {"0": 2785, "1": 1812}
    assert spam.imbalance_ratio == pytest.approx(2785 / 1812)
    facts = spam.facts()
    assert facts["dataset.imbalance_ratio"] == str(round(2785 / 1812, 4))
    assert (
        facts["dataset.rows"] == "4597" and facts["dataset.classes"] == "2" and facts["dataset.digest"] == spam.digest
    )
    assert "dataset.digest" not in data.Builtin(name="iris").load().facts()
    assert {key.removeprefix("dataset.") for key in facts} <= set(data.FACTS)  # reports know them as facts
