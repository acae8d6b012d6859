"""The MLflow naming schema shared by every model family: the run key, params flattened to MLflow's limits,
the tags that say which process owns a run, and URIs with their passwords hidden."""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
from collections.abc import Mapping
from typing import Any

# output and resource settings: they never change a result
KEY_EXCLUDED = ("tracking", "report", "rerun", "allowed_modules", "max_memory_gb")
PARAM_LIMIT = 6000  # MLflow's longest param value


def redact(uri: str) -> str:
    """The URI without its credentials, for anything printed or written: ``user:***@host`` for a password, and
    ``***@host`` for a user name alone, which is how tokens are passed (``https://TOKEN@host``)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    who = "***" if parts.password is None else f"{parts.username}:***"
    return urlunsplit(parts._replace(netloc=f"{who}@{parts.netloc.rpartition('@')[2]}"))


def has_credentials(uri: str) -> bool:
    from urllib.parse import urlsplit

    return "@" in urlsplit(str(uri)).netloc


FILE_NAME_LIMIT = 80  # characters of a name kept in a file name; longer names end in a hash instead


def file_name(name: str, fallback: str = "unnamed") -> str:
    """The one rule that turns a name (an experiment's, a report's) into a file name that stays in its folder:
    letters, digits, ``.``, ``-`` and ``_`` only, no leading dot, at most ``FILE_NAME_LIMIT`` characters. A name
    the rule changes gets a hash of the original appended, so that ``a/b`` and ``a_b`` stay apart."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or fallback
    if safe == name and len(name) <= FILE_NAME_LIMIT:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{safe[:FILE_NAME_LIMIT]}-{digest}"


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
    """Which process a run belongs to: lets a later sweep tell an interrupted run from one still going. The
    process's start time tells it apart from a later process that was given the same pid."""
    return {"bench.host": socket.gethostname(), "bench.pid": str(os.getpid()), "bench.pid_started": started()}


def started(pid: int | None = None) -> str:
    """A process's start time as text (seconds since the epoch, to the centisecond); "" where it cannot be read."""
    import psutil

    try:
        return f"{psutil.Process(pid).create_time():.2f}"
    except (psutil.Error, OSError):
        return ""


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
ABSENT = object()  # a setting the config file does not have


def variant(settings: Mapping[str, Any], defaults: Mapping[str, Any] | None) -> str:
    """What a run's model (or dataset) settings change from its config file's defaults, as ``C=10 gamma=0.1``
    (keys sorted; equal-width layer lists as depth x width, ``3x64``); a setting the file does not have (added by
    another config group, as ``+ablation=add_embeddings`` adds ``num_embeddings``) counts as a change. "" for the
    defaults themselves, or when the defaults are unknown. A function of the run alone: other runs never change it."""
    if defaults is None:
        return ""
    changed = []
    for key in sorted(settings):
        default = defaults.get(key, ABSENT)
        if key in NOT_A_VARIANT or default == MISSING or (default is not ABSENT and settings[key] == default):
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
