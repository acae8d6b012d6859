"""Hostile strings through the whole pipeline: markup in a data file's column names and class labels, in a dataset
name and in a swept parameter reaches the report only escaped; a password in the tracking URI is never printed,
logged or written; user files are never unpickled."""

from __future__ import annotations

import json
import re
from pathlib import Path

import mlflow
import pytest
from conftest import REPO, run_main

COLUMN = "<script>alert('column')</script>"
LABEL = '<img src=x onerror=alert("label")>'
NAME = "<b onmouseover=alert(5)>evil</b>"
PARAM = "<svg onload=alert(4)>"
# a script or image tag (the report has none of its own), or an event handler inside a real tag
UNESCAPED = re.compile(r"<\s*(script|img)\b|<[^<>]*\bon(error|load|mouseover)\s*=", re.IGNORECASE)


@pytest.mark.slow
def test_markup_from_a_data_file_and_the_config_is_escaped_end_to_end(tmp_path: Path) -> None:
    rows = [f"{i % 7},{(i * 3) % 5},{LABEL if i % 2 else 'plain'}" for i in range(40)]
    header = f'"{COLUMN}",x2,target'
    (tmp_path / "evil.csv").write_text("\n".join([header, *rows]) + "\n")
    result = run_main(
        "dataset=file",
        "dataset.path=evil.csv",
        "dataset.target=target",
        f"dataset.name={NAME!r}",
        f"dataset.na_values=['?'],['{PARAM}']",  # swept: the report names the two variants by this parameter
        "model=knn,decision_tree",
        "seed=0,1",
        "tracking.experiment=payload",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    # the payloads really went through: MLflow holds the column name, the class labels and the parameter
    client = mlflow.MlflowClient(f"sqlite:///{tmp_path}/mlruns.db")
    runs = client.search_runs([client.get_experiment_by_name("payload").experiment_id])
    jobs = [r for r in runs if "bench.run_key" in r.data.tags]
    assert len(jobs) == 8 and {r.data.tags["bench.dataset"] for r in jobs} == {NAME}
    assert any(PARAM in r.data.params["dataset.na_values"] for r in jobs)
    card = Path(client.download_artifacts(jobs[0].info.run_id, "dataset.json", str(tmp_path)))
    assert set(json.loads(card.read_text())["class_counts"]) == {LABEL, "plain"}
    assert COLUMN in jobs[0].inputs.dataset_inputs[0].dataset.schema

    html = (tmp_path / "reports" / "payload.html").read_text(encoding="utf-8")
    md = (tmp_path / "reports" / "payload.md").read_text(encoding="utf-8")
    assert "&lt;svg onload=alert(4)&gt;" in html  # the swept parameter is shown, as text
    assert "&lt;b onmouseover=alert(5)&gt;evil&lt;/b&gt;" in html
    for page in (html, md, *(p.read_text() for p in (tmp_path / "reports").glob("payload_files/*.svg"))):
        text = re.sub(r"<!--.*?-->", "", page, flags=re.DOTALL)  # matplotlib's comments hold labels, escaped
        assert not UNESCAPED.search(text), UNESCAPED.search(text).group(0)
        assert not [payload for payload in (COLUMN, LABEL, NAME, PARAM) if payload in text]


def test_no_code_path_unpickles_user_data() -> None:
    """Loading a pickle runs code: bench reads CSV and Parquet only. The one ``np.load`` reads a shipped ``.npz``
    with pickles refused (NumPy's default)."""
    loaders = re.compile(r"pickle\.loads?\(|joblib\.load\(|read_pickle\(|torch\.load\(|allow_pickle\s*=\s*True")
    found = [
        f"{path.relative_to(REPO)}:{n}"
        for path in (REPO / "bench").rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if loaders.search(line)
    ]
    assert found == []
