"""``dataset=openml``, offline: scikit-learn's own OpenML fixtures (truncated copies shipped inside its wheel) stand
in for the network, as in scikit-learn's tests; every data home is a temporary directory, so the fixtures never
reach a real cache."""

import json
from io import BytesIO
from pathlib import Path
from urllib.error import HTTPError, URLError

import numpy as np
import pytest
import sklearn.datasets._openml
from sklearn.datasets.tests.test_openml import _monkey_patch_webbased_functions

from bench import data, job, tracking
from bench.data import openml


@pytest.fixture(autouse=True)
def no_retries(monkeypatch):
    monkeypatch.setattr(openml, "OPENML_RETRIES", 1)
    monkeypatch.setattr(openml, "OPENML_DELAY", 0.01)


def offline(monkeypatch):
    def urlopen(request, *args, **kwargs):
        raise URLError("network is unreachable")

    monkeypatch.setattr(sklearn.datasets._openml, "urlopen", urlopen)


@pytest.mark.parametrize(
    "data_id, shape, classes, n_categorical",
    [
        (3, (3196, 36), {"won", "nowin"}, 36),  # kr-vs-kp: every column nominal
        (61, (150, 4), {"Iris-setosa", "Iris-versicolor", "Iris-virginica"}, 0),
        (40945, (1309, 8), {"0", "1"}, 2),  # titanic: free-text name, ticket, cabin, boat, home.dest left out
        (42585, (344, 6), {"Adelie", "Chinstrap", "Gentoo"}, 2),  # penguins: island, sex; missing values
    ],
)
def test_fixture_datasets_load_and_preprocess(monkeypatch, tmp_path, data_id, shape, classes, n_categorical):
    _monkey_patch_webbased_functions(monkeypatch, data_id, True)
    ds = data.OpenML(data_id=data_id, data_home=str(tmp_path)).load()
    assert ds.X.shape == shape and set(ds.y) == classes
    assert sum(kind == np.dtype(object) for kind in ds.X.dtypes) == n_categorical
    assert ds.info == {"openml_id": data_id, "openml_version": 1} and len(ds.digest) == 32
    assert {key.removeprefix("dataset.") for key in ds.facts()} <= set(data.FACTS)  # reports know them as facts
    out = data.make_preprocessor(ds).fit_transform(ds.X)
    assert out.shape[0] == shape[0] and np.isfinite(out).all()


def test_by_name_and_version(monkeypatch, tmp_path):
    _monkey_patch_webbased_functions(monkeypatch, 61, True)
    ds = data.OpenML(name="iris", version=1, data_home=str(tmp_path)).load()
    assert ds.name == "iris" and ds.X.shape == (150, 4) and ds.info["openml_id"] == 61


def test_second_load_needs_no_network(monkeypatch, tmp_path):
    _monkey_patch_webbased_functions(monkeypatch, 42585, True)
    first = data.OpenML(data_id=42585, data_home=str(tmp_path)).load()
    offline(monkeypatch)
    again = data.OpenML(data_id=42585, data_home=str(tmp_path)).load()
    assert again.digest == first.digest and again.X.equals(first.X)


def test_unknown_id_offline_names_the_id_and_the_cache(monkeypatch, tmp_path):
    offline(monkeypatch)
    with pytest.raises(ValueError, match=f"OpenML dataset id 99999999 is not cached in '{tmp_path}'") as caught:
        data.OpenML(data_id=99999999, data_home=str(tmp_path)).load()
    assert "network is unreachable" in str(caught.value) and "\n" not in str(caught.value)


def test_unknown_id_online_names_the_id(monkeypatch, tmp_path):
    def urlopen(request, *args, **kwargs):
        body = b'{"error": {"code": "111", "message": "Unknown dataset"}}'
        raise HTTPError(request.get_full_url(), 412, "Precondition Failed", {}, BytesIO(body))

    monkeypatch.setattr(sklearn.datasets._openml, "urlopen", urlopen)
    with pytest.raises(ValueError, match="OpenML dataset id 99999999 cannot be fetched"):
        data.OpenML(data_id=99999999, data_home=str(tmp_path)).load()


def test_bad_fields_fail_when_the_source_is_built(tmp_path):
    with pytest.raises(ValueError, match="needs dataset.data_id=ID or dataset.name=NAME"):
        data.OpenML()
    with pytest.raises(ValueError, match="'data_id' parameter"):
        data.OpenML(data_id=0)
    with pytest.raises(ValueError, match="'version' parameter"):
        data.OpenML(name="iris", version="latest")


def test_unknown_target_names_the_columns(monkeypatch, tmp_path):
    _monkey_patch_webbased_functions(monkeypatch, 61, True)
    with pytest.raises(ValueError, match="OpenML dataset id 61 has no column 'kind' .*choose from: sepallength"):
        data.OpenML(data_id=61, target="kind", data_home=str(tmp_path)).load()


def test_run_logs_the_openml_id_and_version(monkeypatch, tmp_path, make_cfg):
    _monkey_patch_webbased_functions(monkeypatch, 61, True)
    home = tmp_path / "openml"
    cfg = make_cfg(
        "dataset=openml", "dataset.data_id=61", "dataset.name=iris", f"dataset.data_home={home}", "model=knn"
    )
    assert job.run(cfg)["test_accuracy"] > 0.8
    store = tracking.Store(cfg.tracking.uri, cfg.tracking.experiment)
    [run] = store.client.search_runs([store.experiment_id])
    params = run.data.params
    assert params["dataset.openml_id"] == "61" and params["dataset.openml_version"] == "1"
    assert params["dataset.imbalance_ratio"] == "1.0" and "dataset.class_counts" not in params
    card = json.loads(Path(store.client.download_artifacts(run.info.run_id, "dataset.json", str(tmp_path))).read_text())
    assert card["class_counts"]["Iris-setosa"] == 50
    [logged] = run.inputs.dataset_inputs
    assert logged.dataset.name == "iris" and logged.dataset.digest == params["dataset.digest"]
