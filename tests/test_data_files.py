"""``dataset=file``: the user's CSV or Parquet file, its columns turned into numbers inside the pipeline, and a
one-line error for each kind of bad input."""

import json
from collections import OrderedDict

import numpy as np
import pandas as pd
import pytest

from bench import data, job, tracking


def penguin_table(n: int = 60) -> pd.DataFrame:
    """A small mixed table: numeric and categorical columns, missing values, a string target."""
    rng = np.random.default_rng(0)
    species = np.array(["Adelie", "Gentoo", "Chinstrap"])[np.arange(n) % 3]
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "bill_mm": rng.normal(40, 1, n) + (species == "Gentoo") * 8,
            "island": np.where(species == "Adelie", "Torgersen", np.where(species == "Gentoo", "Biscoe", "Dream")),
            "mass_g": rng.normal(4000, 100, n) + (species == "Chinstrap") * 900,
            "species": species,
        }
    )
    frame.loc[[1, 7], "bill_mm"] = np.nan
    frame.loc[[2, 9], "island"] = None
    return frame


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "penguins.csv"
    penguin_table().to_csv(path, index=False)
    return path


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_csv_with_categorical_and_missing_values(csv_file):
    ds = data.File(name="mine", path=str(csv_file), target="species", drop=["id"]).load()
    assert isinstance(ds.X, pd.DataFrame) and list(ds.X.columns) == ["bill_mm", "island", "mass_g"]
    assert ds.X["bill_mm"].dtype == np.float64 and ds.X["bill_mm"].isna().sum() == 2
    assert ds.X["island"].dtype == object and ds.X["island"].isna().sum() == 2
    assert set(ds.y) == {"Adelie", "Gentoo", "Chinstrap"} and ds.n_classes == 3
    assert ds.digest == data.file_digest(csv_file) and len(ds.digest) == 32
    out = data.make_preprocessor(ds).fit_transform(ds.X)
    assert out.shape == (60, 2 + 3) and np.isfinite(out).all()  # two numeric columns, three islands one-hot


def test_parquet_file_and_label_spaces_stripped(tmp_path):
    frame = penguin_table()
    frame["species"] = " " + frame["species"] + " "
    path = tmp_path / "penguins.parquet"
    frame.to_parquet(path)
    ds = data.File(path=str(path), target="species", categorical=["id"]).load()
    assert set(ds.y) == {"Adelie", "Gentoo", "Chinstrap"}
    assert ds.X["id"].dtype == object  # listed as categorical: one-hot encoded although it holds numbers


def test_rows_without_a_label_are_dropped(tmp_path):
    path = write(tmp_path, "t.csv", "a,b,y\n1,x,yes\n2,y,\n3,x,no\n4,y,no\n")
    ds = data.File(path=path, target="y").load()
    assert len(ds.y) == 3 and set(ds.y) == {"yes", "no"}


def test_file_run_logs_the_file_digest_as_the_input(make_cfg, csv_file, tmp_path):
    args = ("dataset=file", f"dataset.path={csv_file}", "dataset.target=species", "dataset.name=mine")
    assert job.run(make_cfg(*args, "model=knn"))["test_accuracy"] > 0.8
    assert job.run(make_cfg(*args, "model=mlp", "model.max_epochs=3"))["test_accuracy"] > 0.5
    cfg = make_cfg(*args, "model=knn")
    store = tracking.Store(cfg.tracking.uri, cfg.tracking.experiment)
    runs = store.client.search_runs([store.experiment_id])
    assert len(runs) == 2 and all(r.info.status == "FINISHED" for r in runs)
    digest = data.file_digest(csv_file)
    for run in runs:
        [logged] = run.inputs.dataset_inputs
        assert logged.dataset.name == "mine" and logged.dataset.digest == digest
        assert str(csv_file) in logged.dataset.source
        assert run.data.params["dataset.digest"] == digest and run.data.params["dataset.rows"] == "60"
        assert run.data.params["dataset.imbalance_ratio"] == "1.0"
    # the same content elsewhere gives the same digest; other content another
    copy = tmp_path / "copy.csv"
    copy.write_bytes(csv_file.read_bytes())
    assert data.File(path=str(copy), target="species").load().digest == digest
    changed = tmp_path / "changed.csv"
    penguin_table(61).to_csv(changed, index=False)
    assert data.File(path=str(changed), target="species").load().digest != digest


def test_preprocessing_is_fitted_on_the_training_split_only(make_cfg, csv_file):
    cfg = make_cfg(
        "dataset=file", f"dataset.path={csv_file}", "dataset.target=species", "dataset.drop=[id]", "model=knn"
    )
    ds = job.build_source(cfg.dataset).load()
    X_train, X_test, y_train, _ = data.split(ds, 0.25, 0)
    model = job.build_model(cfg.model, ds).fit(X_train, y_train)
    numeric = model[0].named_transformers_["numeric"]
    assert numeric[0].statistics_[0] == pytest.approx(X_train["bill_mm"].median())
    unseen = X_test.head(1).assign(island="Atlantis")  # a category the training split never saw
    assert model.predict(unseen).shape == (1,)


@pytest.mark.parametrize(
    "text, kwargs, error, message",
    [
        (None, {"target": "y"}, FileNotFoundError, r"dataset file '.*nothere\.csv' does not exist"),
        (
            "a,b\n1,2\n3,4\n",
            {"target": "label"},
            ValueError,
            r"no column 'label' \(dataset.target\); choose from: a, b",
        ),
        ("a,y\n1,k\n2,k\n3,k\n", {"target": "y"}, ValueError, r"target column 'y' has a single class \('k'\)"),
        ("", {"target": "y"}, ValueError, r"file '.*t\.csv' is empty"),
        ("a,y\n", {"target": "y"}, ValueError, r"file '.*t\.csv' has no data rows"),
        (
            "a,b,y\n1,2,p\n2,x7,q\n3,4,p\n5,6,q\n",
            {"target": "y"},
            ValueError,
            r"file '.*t\.csv': numeric column 'b' holds 'x7' \(data row 2\)",
        ),
        ("a,y\n1,p\n", {"target": "y", "drop": ["id"]}, ValueError, r"no column 'id' \(dataset.drop\)"),
        ("y\np\nq\n", {"target": "y"}, ValueError, r"no feature columns besides the target 'y'"),
    ],
)
def test_bad_files_fail_with_one_line_naming_file_and_column(tmp_path, text, kwargs, error, message):
    path = str(tmp_path / "nothere.csv") if text is None else write(tmp_path, "t.csv", text)
    with pytest.raises(error, match=message) as caught:
        data.File(path=path, **kwargs).load()
    assert "\n" not in str(caught.value)


def test_cheap_checks_happen_when_the_source_is_built(make_cfg, tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.csv' does not exist"):
        data.File(path=str(tmp_path / "nothere.csv"), target="y")
    with pytest.raises(ValueError, match=r"unknown format; name it with one of: \.csv, .*\.parquet"):
        data.File(path=write(tmp_path, "t.xlsx", "x"), target="y")
    with pytest.raises(ValueError, match="needs dataset.path=FILE and dataset.target=COLUMN"):
        data.File(path=None, target="y")
    with pytest.raises(job.ConfigError, match="nothere.csv' does not exist"):
        job.check(make_cfg("dataset=file", f"dataset.path={tmp_path}/nothere.csv", "dataset.target=y"))


def test_a_bad_file_is_a_failed_run_with_a_one_line_error(make_cfg, tmp_path):
    path = write(tmp_path, "t.csv", "a,y\n1,p\nx,q\n2,p\n3,q\n4,p\n")
    cfg = make_cfg("dataset=file", f"dataset.path={path}", "dataset.target=y", "model=knn")
    assert job.run(cfg) == {}
    store = tracking.Store(cfg.tracking.uri, cfg.tracking.experiment)
    [run] = store.client.search_runs([store.experiment_id])
    assert run.info.status == "FAILED"
    assert "numeric column 'a' holds 'x'" in run.data.tags["bench.error"] and "\n" not in run.data.tags["bench.error"]


def test_na_values_mark_missing_values_and_scaler_none_works(tmp_path):
    path = write(tmp_path, "t.csv", "a,b,y\n1,?,p\n2,5,q\n?,6,p\n4,7,q\n")
    with pytest.raises(ValueError, match="numeric column 'a' holds '\\?' \\(data row 3\\).*dataset.na_values"):
        data.File(path=path, target="y").load()
    ds = data.File(path=path, target="y", na_values=["?"], scaler="none").load()
    assert ds.X["a"].isna().sum() == 1 and ds.X["b"].isna().sum() == 1
    out = data.make_preprocessor(ds).fit_transform(ds.X)
    assert out.tolist() == [[1.0, 6.0], [2.0, 5.0], [2.0, 6.0], [4.0, 7.0]]  # medians, unscaled


def test_facts_name_the_class_balance_of_a_file(tmp_path):
    path = write(tmp_path, "t.csv", "a,y\n" + "".join(f"{i},{'rare' if i < 2 else 'common'}\n" for i in range(8)))
    loaded = data.File(path=path, target="y").load()
    facts, card = loaded.facts(), json.loads(loaded.card())
    assert facts["dataset.imbalance_ratio"] == "3.0" and "dataset.class_counts" not in facts  # a table, not a param
    assert card["class_counts"] == {"common": 6, "rare": 2} and card["rows"] == "8" and card["name"] == loaded.name


def test_a_dataset_is_read_once_per_process_and_again_when_its_file_changes(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n")
    cache = OrderedDict()
    first = data.load_once(data.File(path=str(path), target="label"), cache)
    assert data.load_once(data.File(path=str(path), target="label"), cache) is first
    assert data.load_once(data.File(path=str(path), target="b"), cache) is not first  # other fields, other data
    path.write_text("a,b,label\n1,2,x\n3,4,y\n5,6,x\n9,9,y\n")
    changed = data.load_once(data.File(path=str(path), target="label"), cache)
    assert changed is not first and changed.X["a"].tolist() == [1, 3, 5, 9]
    moons = data.load_once(data.Moons(n_samples=50), cache)
    with pytest.raises(ValueError, match="read-only"):
        moons.X[0, 0] = 1.0  # a job cannot change the data the next job reads
    for i in range(data.sources.CACHED + 1):
        data.load_once(data.Moons(n_samples=50, random_state=i + 1), cache)
    assert len(cache) == data.sources.CACHED
