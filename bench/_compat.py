"""The only place bench uses names that other libraries keep private, each for want of a public route, each with
a test against the pinned version (``tests/test_compat.py``) so that an upgrade that moves one fails there first."""

from __future__ import annotations

import sys
from typing import Any


def validate_params(estimator: Any) -> None:
    """Check an estimator's constructor arguments without fitting it: scikit-learn checks them in ``fit`` only,
    and the check alone (``BaseEstimator._validate_params``) has no public name. bench's MLP has a public one; an
    estimator that declares no constraints (another package's) is checked when it fits."""
    if hasattr(estimator, "validate_params"):
        estimator.validate_params()
    elif hasattr(estimator, "_parameter_constraints") and hasattr(estimator, "_validate_params"):
        estimator._validate_params()


def foreach_norm(tensors: list) -> list:
    """L2 norms of many tensors in one call (``torch._foreach_norm``): the MLP's per-step gradient norms, a
    quarter of its diagnostics' cost with one ``vector_norm`` per tensor."""
    import torch

    return torch._foreach_norm(tensors)


def foreach_sub(left: list, right: list) -> list:
    """``left[i] - right[i]`` for many tensors in one call (``torch._foreach_sub``)."""
    import torch

    return torch._foreach_sub(left, right)


def dataset_entity(dataset: Any) -> Any:
    """An ``mlflow.data`` dataset as the entity ``MlflowClient.log_inputs`` takes: MLflow's public route,
    ``mlflow.log_input``, needs an active run of its fluent API, which bench never starts."""
    return dataset._to_mlflow_entity()


def artifact_repository(location: str, tracking_uri: str) -> Any:
    """The artifact repository of a run's artifact location: a run bench created uploads straight to it, where
    ``MlflowClient.log_artifacts`` would first read the whole run back to find it."""
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

    return get_artifact_repository(location, tracking_uri=tracking_uri)


def stop_loky_workers() -> None:
    """Stop joblib's reusable loky workers if any run (a joblib launcher's): they keep the environment they started
    with. loky's public ``get_reusable_executor`` would start workers where none run."""
    loky = sys.modules.get("joblib.externals.loky.reusable_executor")
    if loky is not None and getattr(loky, "_executor", None) is not None:
        loky._executor.shutdown(wait=True)
