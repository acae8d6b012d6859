"""The MLflow naming schema shared by every model family: the run key, params flattened to MLflow's limits,
the tags that say which process owns a run, and URIs with their passwords hidden."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Mapping
from typing import Any

KEY_EXCLUDED = ("tracking", "report", "rerun")  # output settings: they never change a result
PARAM_LIMIT = 6000  # MLflow's longest param value


def redact(uri: str) -> str:
    """The URI without a password, for anything printed or written into a report."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    return urlunsplit(
        parts._replace(netloc=f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else ""))
    )


def run_key(job: Mapping[str, Any]) -> str:
    """Hash of the resolved job config without output settings: equal keys mean the same experiment."""
    payload = {k: v for k, v in job.items() if k not in KEY_EXCLUDED}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """``{"model": {"lr": 0.1}}`` -> ``{"model.lr": "0.1"}``, values cut to MLflow's limit."""
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = (json.dumps(value) if isinstance(value, list | tuple) else str(value))[:PARAM_LIMIT]
    return flat


def owner() -> dict[str, str]:
    """Which process a run belongs to: lets a later sweep tell an interrupted run from one still going."""
    return {"bench.host": socket.gethostname(), "bench.pid": str(os.getpid())}


def run_name(job: Mapping[str, Any], fold: int | None = None) -> str:
    """``<dataset>/<model>/seed=<s>`` (``/fold=<f>`` under cross-validation): what the MLflow UI lists a run as."""
    name = f"{job['dataset']['name']}/{job['model']['name']}/seed={job['seed']}"
    return name if fold is None else f"{name}/fold={fold}"


def sweep_tags() -> dict[str, str]:
    """A sweep's parent run: marked as one, with what produced it."""
    from bench.environment import versions

    return {"bench.sweep": "true", **versions()}


# settings that never tell two configurations apart: names, constructors, seeds and what a run prints
NOT_A_VARIANT = ("name", "family", "_target_", "random_state", "verbose")
MISSING = "???"  # OmegaConf's mandatory value: a setting every run gives (a file's path), not a variant


def variant(settings: Mapping[str, Any], defaults: Mapping[str, Any] | None) -> str:
    """What a run's model (or dataset) settings change from its config file's defaults, as ``C=10 gamma=0.1``
    (keys sorted; equal-width layer lists as depth x width, ``3x64``); "" for the defaults themselves, or when the
    defaults are unknown. A function of the run alone: other runs never change it."""
    if defaults is None:
        return ""
    changed = []
    for key in sorted(settings):
        default = defaults.get(key, MISSING)
        if key in NOT_A_VARIANT or default == MISSING or settings[key] == default:
            continue
        changed.append(f"{key}={short(settings[key])}")
    return " ".join(changed)


def short(value: Any) -> str:
    """``[64, 64, 64]`` -> ``3x64``; other values as compact text (``[64,32]``, ``0.1``, ``None``)."""
    if isinstance(value, list | tuple):
        if len(value) > 1 and len(set(map(str, value))) == 1 and str(value[0]).isdigit():
            return f"{len(value)}x{value[0]}"
        return "[" + ",".join(short(v) for v in value) + "]"
    return str(value)


def job_tags(
    job: Mapping[str, Any],
    key: str,
    parent: str | None,
    fold: int | None = None,
    variants: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A job run's identity tags, which reports group and filter by, and its link to the sweep's parent run.
    ``variants``: ``{"model": "C=10", "dataset": ""}``, what the run changes from its configs' defaults
    (:func:`variant`)."""
    from bench.environment import versions

    variants = variants or {}
    tags = {
        "bench.run_key": key,
        "bench.dataset": str(job["dataset"]["name"]),
        "bench.dataset_variant": variants.get("dataset", ""),
        "bench.model": str(job["model"]["name"]),
        "bench.variant": variants.get("model", ""),
        "bench.family": str(job["model"]["family"]),
        "bench.seed": str(job["seed"]),
        "bench.protocol": str(job.get("protocol", {}).get("name")),
        **versions(),
    }
    if fold is not None:
        tags["bench.fold"] = str(fold)
    if parent:
        tags["mlflow.parentRunId"] = parent
    return tags
