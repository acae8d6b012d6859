import pandas as pd

from bench.report.table import tidy


def raw_runs() -> pd.DataFrame:
    """What ``mlflow.search_runs`` returns: a parent run, a failed run, a rerun, and a swept hyperparameter."""
    rows = []
    for i, (dropout, seed) in enumerate([(0.0, 0), (0.5, 0), (0.0, 1), (0.5, 1)]):
        rows.append(
            {
                "run_id": f"r{i}",
                "status": "FINISHED",
                "start_time": pd.Timestamp(2026, 1, 1, 0, i, tz="UTC"),
                "tags.bench.run_key": f"k{i}",
                "tags.bench.dataset": "iris",
                "tags.bench.model": "mlp",
                "tags.bench.seed": str(seed),
                "tags.bench.outcome": "ok",
                "metrics.test_accuracy": 0.9 + i / 100,
                "params.model.dropout": str(dropout),
                "params.model.random_state": str(seed),
                "params.dataset.name": "iris",
            }
        )
    rows.append(
        {**rows[0], "run_id": "rerun", "start_time": pd.Timestamp(2026, 1, 2, tz="UTC"), "metrics.test_accuracy": 0.5}
    )
    rows.append(
        {**rows[1], "run_id": "failed-later", "status": "FAILED", "start_time": pd.Timestamp(2026, 1, 3, tz="UTC")}
    )
    rows.append({"run_id": "parent", "status": "FINISHED", "tags.bench.sweep": "true"})
    return pd.DataFrame(rows)


def test_one_row_per_job_latest_finished_run_wins():
    table = tidy(raw_runs())
    assert sorted(table["run_id"]) == ["r1", "r2", "r3", "rerun"]  # no parent, the failure does not hide r1
    assert table.set_index("run_id").loc["rerun", "test_accuracy"] == 0.5
    assert table["seed"].dtype == "Int64"


def test_swept_parameters_name_the_variants():
    table = tidy(raw_runs()).set_index("run_id")
    assert table.loc["r1", "model"] == "mlp dropout=0.5" and table.loc["r2", "model"] == "mlp dropout=0.0"
    assert set(table["model_name"]) == {"mlp"}
    assert set(table["dataset"]) == {"iris"}  # nothing varies: the plain name


def test_dataset_variants_are_named_by_settings_not_by_measured_facts():
    raw = raw_runs()
    subsampled = raw["run_id"].isin(["r2", "r3"])
    raw["params.dataset.max_samples"] = raw["run_id"].map(lambda r: "100" if r in ("r2", "r3") else "None")
    raw["params.dataset.rows"] = subsampled.map({True: "100", False: "150"})
    raw["params.dataset.class_counts"] = subsampled.map({True: '{"a": 50}', False: '{"a": 75}'})
    raw["params.dataset.openml_version"] = raw["run_id"].map(lambda r: "2" if r == "r3" else "1")  # a source's fact
    table = tidy(raw).set_index("run_id")
    assert table.loc["r2", "dataset"] == "iris max_samples=100"
    assert table.loc["r1", "dataset"] == "iris max_samples=None"


def test_empty_store():
    assert tidy(pd.DataFrame()).empty


def test_protocol_and_fold_come_from_tags_holdout_where_absent():
    table = tidy(raw_runs())
    assert table["protocol"].eq("holdout").all() and table["fold"].isna().all() and table["fold"].dtype == "Int64"
    raw = raw_runs()
    raw["tags.bench.protocol"] = raw["run_id"].map({"r2": "cv"})
    raw["tags.bench.fold"] = raw["run_id"].map({"r2": "3"})
    table = tidy(raw).set_index("run_id")
    assert table.loc["r2", "protocol"] == "cv" and table.loc["r2", "fold"] == 3
    assert table.loc["r1", "protocol"] == "holdout" and pd.isna(table.loc["r1", "fold"])


def mixed_protocols() -> pd.DataFrame:
    """One model config run holdout, cv and tuned, another run tuned only, and a dropout sweep on holdout."""
    raw = raw_runs()
    raw = raw[raw["run_id"].isin(["r0", "r2"])]  # mlp dropout=0.0, seeds 0 and 1
    rows = [raw.iloc[0].to_dict() | {"tags.bench.protocol": "holdout"}]
    for i, protocol in enumerate(["cv", "tuned", "tuned"]):
        rows.append(raw.iloc[1].to_dict() | {"run_id": f"p{i}", "tags.bench.run_key": f"p{i}"})
        rows[-1] |= {"tags.bench.protocol": protocol, "tags.bench.fold": str(i)}
    svm = {"tags.bench.model": "svm", "params.model.dropout": None, "tags.bench.protocol": "tuned"}
    rows.append(raw.iloc[0].to_dict() | svm | {"run_id": "s0", "tags.bench.run_key": "s0"})
    return pd.DataFrame(rows)


def test_a_model_run_tuned_and_untuned_is_two_labels_never_one_pool():
    table = tidy(mixed_protocols()).set_index("run_id")
    assert table.loc["r0", "model"] == "mlp default holdout" and table.loc["p0", "model"] == "mlp default cv"
    assert table.loc["p1", "model"] == "mlp tuned" == table.loc["p2", "model"]
    assert table.loc["s0", "model"] == "svm"  # tuned only: nothing to tell apart
    assert set(table["model_name"]) == {"mlp", "svm"}


def test_one_untuned_protocol_beside_tuned_is_the_default():
    raw = mixed_protocols()
    table = tidy(raw[raw["run_id"] != "p0"]).set_index("run_id")
    assert table.loc["r0", "model"] == "mlp default" and table.loc["p1", "model"] == "mlp tuned"


def test_a_table_of_one_protocol_keeps_its_labels():
    untagged = tidy(raw_runs())
    tagged = raw_runs().assign(**{"tags.bench.protocol": "tuned", "tags.bench.fold": "0"})
    assert list(tidy(tagged)["model"]) == list(untagged["model"])
    assert sorted(untagged["model"]) == ["mlp dropout=0.0", "mlp dropout=0.0", "mlp dropout=0.5", "mlp dropout=0.5"]
