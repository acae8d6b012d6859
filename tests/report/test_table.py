import pandas as pd

from bench.report.table import labelled, tidy


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


def test_runs_without_a_variant_tag_are_told_apart_by_the_parameters_that_vary():
    table = tidy(raw_runs()).set_index("run_id")
    assert set(table["model"]) == {"mlp"}  # the model's name, whatever varies
    assert table.loc["r1", "variant"] == "dropout=0.5" and table.loc["r2", "variant"] == "dropout=0.0"
    assert set(table["dataset"]) == {"iris"} and set(table["dataset_variant"]) == {""}  # nothing varies


def test_a_runs_variant_tag_is_its_own_whatever_the_other_runs():
    """A one-off job (svm C=10) beside a sweep's SVM runs: the sweep's runs stay plain svm, the one-off is told
    apart by its own tag, in the table and in a report's labels."""
    raw = raw_runs().assign(**{"tags.bench.model": "svm", "tags.bench.variant": "", "tags.bench.dataset_variant": ""})
    raw["params.model.C"] = "1.0"
    one_off = raw.iloc[0].to_dict() | {"run_id": "one-off", "tags.bench.run_key": "k9", "params.model.C": "10"}
    raw = pd.concat([raw, pd.DataFrame([one_off | {"tags.bench.variant": "C=10"}])], ignore_index=True)
    table = tidy(raw).set_index("run_id")
    assert set(table["model"]) == {"svm"}
    assert table.loc["one-off", "variant"] == "C=10" and set(table.drop(index="one-off")["variant"]) == {""}
    shown = labelled(table.reset_index()).set_index("run_id")
    assert shown.loc["one-off", "model"] == "svm C=10" and set(shown.drop(index="one-off")["model"]) == {"svm"}
    assert set(shown["model_name"]) == {"svm"}


def test_dataset_variants_are_named_by_settings_not_by_measured_facts():
    raw = raw_runs()
    subsampled = raw["run_id"].isin(["r2", "r3"])
    raw["params.dataset.max_samples"] = raw["run_id"].map(lambda r: "100" if r in ("r2", "r3") else "None")
    raw["params.dataset.rows"] = subsampled.map({True: "100", False: "150"})
    raw["params.dataset.class_counts"] = subsampled.map({True: '{"a": 50}', False: '{"a": 75}'})
    raw["params.dataset.openml_version"] = raw["run_id"].map(lambda r: "2" if r == "r3" else "1")  # a source's fact
    table = tidy(raw).set_index("run_id")
    assert table.loc["r2", "dataset_variant"] == "max_samples=100"
    assert table.loc["r1", "dataset_variant"] == "max_samples=None"
    assert labelled(table.reset_index()).set_index("run_id").loc["r2", "dataset"] == "iris max_samples=100"


def test_a_row_cap_above_the_datasets_rows_is_no_variant():
    raw = raw_runs().assign(**{"tags.bench.dataset_variant": "max_samples=1500 scaler=minmax"})
    raw["params.dataset.max_samples"] = "1500"
    raw["params.dataset.rows"] = raw["run_id"].map(lambda r: "1500" if r in ("r2", "r3") else "150")
    table = tidy(raw).set_index("run_id")
    assert table.loc["r1", "dataset_variant"] == "scaler=minmax"  # 150 rows under a cap of 1,500: all of them
    assert table.loc["r2", "dataset_variant"] == "max_samples=1500 scaler=minmax"  # cut to the cap
    raw["tags.bench.dataset_variant"] = "max_samples=1500"
    assert tidy(raw).set_index("run_id").loc["r1", "dataset_variant"] == ""


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


def test_a_tuned_model_says_so_and_untuned_protocols_are_named_only_where_both_are_in_the_table():
    table = labelled(tidy(mixed_protocols())).set_index("run_id")
    assert table.loc["r0", "model"] == "mlp holdout" and table.loc["p0", "model"] == "mlp cv"
    assert table.loc["p1", "model"] == "mlp tuned" == table.loc["p2", "model"]
    assert table.loc["s0", "model"] == "svm tuned"
    assert set(table["model_name"]) == {"mlp", "svm"}


def test_one_untuned_protocol_beside_tuned_is_the_plain_name():
    raw = mixed_protocols().assign(**{"tags.bench.variant": ""})
    table = labelled(tidy(raw[raw["run_id"] != "p0"])).set_index("run_id")
    assert table.loc["r0", "model"] == "mlp" and table.loc["p1", "model"] == "mlp tuned"


def test_labels_are_idempotent_and_leave_a_hand_made_tables_labels_alone():
    once = labelled(tidy(mixed_protocols()))
    assert labelled(once).equals(once)
    own = pd.DataFrame({"model": ["mlp dropout=0.5"], "model_name": ["mlp"], "dataset": ["iris"]})
    assert labelled(own).equals(own)
