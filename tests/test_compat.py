"""Each private name ``bench._compat`` uses still exists in the pinned versions and does what bench relies on."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from sklearn.svm import SVC

from bench import _compat
from bench.mlp import MLPClassifier


def test_validate_params_checks_scikit_learn_arguments_without_fitting():
    _compat.validate_params(SVC(C=1.0))
    with pytest.raises(ValueError, match="'C' parameter of SVC must be a float in the range"):
        _compat.validate_params(SVC(C=-1.0))
    with pytest.raises(ValueError, match="'lr' parameter of MLPClassifier"):
        _compat.validate_params(MLPClassifier(lr=0))  # bench's own, through its public method


def test_foreach_norm_and_sub_match_one_tensor_at_a_time():
    a, b = [torch.randn(3, 4), torch.randn(5)], [torch.randn(3, 4), torch.randn(5)]
    assert [float(n) for n in _compat.foreach_norm(a)] == pytest.approx([float(x.norm()) for x in a])
    assert all(torch.equal(d, x - y) for d, x, y in zip(_compat.foreach_sub(a, b), a, b, strict=True))


def test_dataset_entity_is_what_log_inputs_takes():
    import mlflow.data
    from mlflow.entities import Dataset

    dataset = mlflow.data.from_numpy(np.zeros((3, 2)), targets=np.array([0, 1, 0]), name="toy")
    entity = _compat.dataset_entity(dataset)
    assert isinstance(entity, Dataset) and entity.name == "toy" and entity.digest == dataset.digest


def test_artifact_repository_writes_into_a_local_artifact_location(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("x")
    location = (tmp_path / "artifacts").as_uri()
    _compat.artifact_repository(location, f"sqlite:///{tmp_path}/mlruns.db").log_artifacts(str(tmp_path / "in"))
    assert (tmp_path / "artifacts" / "a.txt").read_text() == "x"


def test_stop_loky_workers_ends_running_workers_and_is_harmless_without_them():
    code = (
        "from joblib.externals.loky import get_reusable_executor\n"
        "from bench import _compat\n"
        "_compat.stop_loky_workers()\n"  # none running yet
        "executor = get_reusable_executor(max_workers=1)\n"
        "assert executor.submit(pow, 2, 3).result() == 8\n"
        "workers = list(executor._processes.values())\n"
        "_compat.stop_loky_workers()\n"
        "assert all(not p.is_alive() for p in workers)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
