"""Dataset meta-features (``bench.data.meta``): hand-checked values on tiny sets, the landmarkers, the per-process and
on-disk caches, and the params a real run records and ``bench export`` carries."""

from __future__ import annotations

import math
import warnings
from collections import OrderedDict

import mlflow
import numpy as np
import pandas as pd
import pytest
from conftest import run_main

from bench import data, job, tracking
from bench.data import meta
from bench.report.table import tidy

SKEW_QUARTER, KURT_QUARTER = 2 / math.sqrt(3), -2 / 3  # a 0/1 column with one 1 in 4 (Bernoulli p = 1/4)
SKEW_TWELFTH, KURT_TWELFTH = 10 / math.sqrt(11), 78 / 11  # one 1 in 12: heavy-tailed (excess kurtosis above 3)


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    """Each test starts as a new process would: nothing measured yet."""
    monkeypatch.setattr(meta, "MEASURED", OrderedDict())


@pytest.fixture
def computed(monkeypatch) -> list[str]:
    """The names of the datasets ``meta.compute`` measured, in order."""
    calls, compute = [], meta.compute

    def counted(loaded):
        calls.append(loaded.name)
        return compute(loaded)

    monkeypatch.setattr(meta, "compute", counted)
    return calls


def dataset(X, y, name: str = "tiny") -> data.Dataset:
    return data.Dataset(name, X, np.asarray(y), "standard", data.Source(name=name))


def tiny() -> data.Dataset:
    """12 rows: two numeric columns of known shape, a constant one, two text columns; 9 rows of 'a', 3 of 'b'."""
    X = pd.DataFrame(
        {
            "quarter": [0.0, 0.0, 0.0, 1.0] * 3,
            "twelfth": [0.0] * 11 + [1.0],
            "constant": [5.0] * 12,
            "colour": list("rgbr" * 3),
            "size": list("SML" * 4),
        }
    )
    return dataset(X, ["a"] * 9 + ["b"] * 3)


def test_hand_checked_values_on_a_tiny_table():
    found = meta.compute(tiny())
    assert found["rows"] == 12 and found["features"] == 5 and found["classes"] == 2
    assert found["features_per_row"] == pytest.approx(5 / 12)
    assert found["categorical_share"] == pytest.approx(2 / 5)  # the text columns, one-hot encoded in the pipeline
    assert found["imbalance"] == pytest.approx(3.0)
    # the constant column has no shape: the mean is over the two columns that vary
    assert found["skewness_mean_abs"] == pytest.approx((SKEW_QUARTER + SKEW_TWELFTH) / 2)
    assert found["kurtosis_mean"] == pytest.approx((KURT_QUARTER + KURT_TWELFTH) / 2)
    assert found["heavy_tailed_share"] == pytest.approx(0.5)
    params = meta.params(found)
    assert list(params) == [f"dataset.meta.{name}" for name in meta.NAMES]
    assert params["dataset.meta.skewness_mean_abs"] == "2.085" and params["dataset.meta.kurtosis_mean"] == "3.212"
    assert params["dataset.meta.rows"] == "12" and params["dataset.meta.imbalance"] == "3.0"


def test_the_moments_agree_with_scipy_and_ignore_missing_values():
    from scipy import stats

    values = np.random.default_rng(0).lognormal(size=(500, 3))
    expected = meta.moments(values)
    assert expected["skewness_mean_abs"] == pytest.approx(np.abs(stats.skew(values)).mean())
    assert expected["kurtosis_mean"] == pytest.approx(stats.kurtosis(values).mean())
    holed = np.vstack([values, np.full((7, 3), np.nan)])
    assert meta.moments(holed) == pytest.approx(expected)


def test_constant_empty_and_text_only_sets_give_nan_without_a_warning():
    X = pd.DataFrame({"constant": [1.0] * 8, "empty": [np.nan] * 8, "text": list("abcdabcd")})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = meta.compute(dataset(X, [0, 1] * 4))
        only_text = meta.compute(dataset(X[["text"]], [0, 1] * 4))
    assert all(math.isnan(found[k]) for k in ("skewness_mean_abs", "kurtosis_mean", "heavy_tailed_share"))
    assert found["categorical_share"] == pytest.approx(1 / 3) and 0 <= found["landmark_linear"] <= 1
    assert only_text["categorical_share"] == 1.0 and math.isnan(only_text["kurtosis_mean"])
    assert meta.params(found)["dataset.meta.kurtosis_mean"] == "nan"


def test_a_class_of_one_row_leaves_the_landmarkers_undefined():
    found = meta.compute(dataset(np.arange(10.0).reshape(5, 2), [0, 0, 0, 0, 1]))
    assert math.isnan(found["landmark_linear"]) and math.isnan(found["landmark_1nn"])
    assert found["imbalance"] == 4.0


def test_landmarkers_are_accuracies_and_1nn_is_perfect_on_separated_clusters():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.random((1300, 2)), rng.random((1200, 2)) + 10])  # over SAMPLE_ROWS: a sample is scored
    separated = meta.compute(dataset(X, [0] * 1300 + [1] * 1200))
    assert separated["landmark_1nn"] == 1.0 and separated["landmark_linear"] == 1.0
    noise = meta.compute(dataset(rng.standard_normal((300, 4)), rng.integers(0, 3, 300)))
    assert 0 <= noise["landmark_linear"] <= 1 and 0 <= noise["landmark_1nn"] <= 1
    assert noise["landmark_1nn"] < 0.6  # labels unrelated to the features: about chance (1/3)


def test_deterministic_and_fast_on_a_large_set():
    import time

    source = data.Classification(n_samples=20_000, n_features=90, n_informative=10, n_classes=3)
    loaded = source.load()
    started = time.perf_counter()
    first = meta.compute(loaded)
    assert time.perf_counter() - started < 10  # about 0.3 s on a laptop core
    assert meta.compute(loaded) == first
    assert first["rows"] == 20_000 and first["features"] == 90


def test_measured_once_per_process_and_once_on_disk(tmp_path, computed, monkeypatch):
    loaded = data.Builtin(name="iris").load()
    first = meta.measure(loaded, tmp_path)
    [path] = tmp_path.glob("*.json")
    assert path.name.startswith("iris-") and path.read_text().count("landmark_1nn") == 1
    stamp = path.stat().st_mtime_ns
    assert meta.measure(loaded, tmp_path) is first  # this process: not even the file is read
    monkeypatch.setattr(meta, "MEASURED", OrderedDict())  # another process: reads the file
    again = meta.measure(loaded, tmp_path)
    assert again == pytest.approx(first) and computed == ["iris"] and path.stat().st_mtime_ns == stamp


def test_the_file_is_keyed_by_content_and_a_stale_file_is_measured_again(tmp_path, computed):
    whole = data.Shipped(name="spambase")
    meta.measure(whole.load(), tmp_path)
    meta.measure(data.Shipped(name="spambase", max_samples=500).load(), tmp_path)  # same file digest, other rows
    assert computed == ["spambase", "spambase"] and len(list(tmp_path.glob("spambase-*.json"))) == 2
    loaded = data.Builtin(name="wine").load()
    path = meta.cache_path(loaded, tmp_path)
    path.write_text('{"version": 0, "meta": {}}')  # another version's file
    meta.measure(loaded, tmp_path)
    assert computed[-1] == "wine" and meta.read(path) is not None


def test_a_name_becomes_a_safe_file_name_and_an_unwritable_folder_costs_only_the_cache(tmp_path, computed):
    loaded = dataset(np.arange(20.0).reshape(10, 2), [0, 1] * 5, name="../a/b")
    assert meta.cache_path(loaded, tmp_path).parent == tmp_path
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert meta.measure(loaded, blocked / "meta")["rows"] == 10 and computed == ["../a/b"]


def test_the_folder_is_beside_a_sqlite_store_else_the_launch_folder(tmp_path):
    assert meta.folder(f"sqlite:///{tmp_path}/runs/mlruns.db", None) == tmp_path / "runs" / "dataset_meta"
    assert meta.folder("sqlite:///mlruns.db", str(tmp_path)) == tmp_path / "dataset_meta"
    assert meta.folder("http://localhost:5000", str(tmp_path)) == tmp_path / "dataset_meta"


def test_a_run_records_them_without_changing_its_key_and_a_sweep_measures_once(make_cfg, tmp_path, computed):
    knn = make_cfg("dataset=wine", "model=knn", "seed=0")
    job.run(knn)
    job.run(make_cfg("dataset=wine", "model=decision_tree", "seed=0"))
    store = tracking.Store(knn.tracking.uri, knn.tracking.experiment)
    runs = store.client.search_runs([store.experiment_id])
    assert len(runs) == 2 and computed == ["wine"]  # two models, one measurement
    expected = meta.params(meta.compute(data.Builtin(name="wine").load()))
    for run in runs:
        assert {k: v for k, v in run.data.params.items() if k.startswith("dataset.meta.")} == expected
    [found] = [r for r in runs if r.data.tags["bench.model"] == "knn"]
    assert found.data.tags["bench.run_key"] == tracking.run_key(job.job_config(knn))  # the config's key, as before
    assert len(list((tmp_path / "dataset_meta").glob("wine-*.json"))) == 1
    job.run(knn)  # finished: skipped, not run again
    assert len(store.client.search_runs([store.experiment_id])) == 2


def test_export_carries_them_as_numbers(tmp_path):
    sweep = ("dataset=iris", "model=knn", "seed=0", "report.enabled=false", "tracking.experiment=meta")
    assert run_main(*sweep, cwd=tmp_path).returncode == 0
    assert run_main("export", "--experiment", "meta", "--out", "runs.parquet", cwd=tmp_path).returncode == 0
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    columns = [f"params.dataset.meta.{name}" for name in meta.NAMES]
    assert set(columns) <= set(runs.columns) and all(pd.api.types.is_float_dtype(runs[c]) for c in columns)
    assert runs["params.dataset.meta.rows"].tolist() == [150.0] and runs["params.dataset.meta.classes"][0] == 3
    assert 0.9 < runs["params.dataset.meta.landmark_1nn"][0] <= 1
    uri = f"sqlite:///{tmp_path}/mlruns.db"
    found = mlflow.MlflowClient(uri).search_runs([tracking.experiment_id(uri, "meta")])
    [run] = [r for r in found if "bench.run_key" in r.data.tags]  # the job's run, not the sweep's
    assert run.data.params["dataset.meta.landmark_1nn"] == str(runs["params.dataset.meta.landmark_1nn"][0])


def test_a_run_without_a_variant_tag_is_not_told_apart_by_its_meta_features():
    rows = [
        {
            "run_id": f"r{i}",
            "status": "FINISHED",
            "start_time": pd.Timestamp(2026, 1, 1, 0, i, tz="UTC"),
            "tags.bench.run_key": f"k{i}",
            "tags.bench.dataset": "moons",
            "tags.bench.model": "knn",
            "tags.bench.seed": "0",
            "params.dataset.name": "moons",
            "params.dataset.meta.rows": rows,
            "params.dataset.meta.kurtosis_mean": "nan",
        }
        for i, rows in enumerate(("1000", "2000"))
    ]
    table = tidy(pd.DataFrame(rows))
    assert table["dataset_variant"].tolist() == ["", ""]
    assert table["params.dataset.meta.rows"].tolist() == [1000.0, 2000.0]
    assert table["params.dataset.meta.kurtosis_mean"].isna().all()
