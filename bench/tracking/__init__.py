"""MLflow glue: the store (``store``) and the naming schema of DESIGN.md (``schema``)."""

from bench.tracking.schema import (
    KEY_EXCLUDED,
    flatten,
    job_tags,
    owner,
    redact,
    run_key,
    run_name,
    sweep_tags,
    variant,
)
from bench.tracking.store import (
    Store,
    check_reachable,
    check_store,
    experiment_id,
    open_store,
    resolve_uri,
    sqlite_path,
)

__all__ = [
    "KEY_EXCLUDED",
    "Store",
    "check_reachable",
    "check_store",
    "experiment_id",
    "flatten",
    "job_tags",
    "open_store",
    "owner",
    "redact",
    "resolve_uri",
    "run_key",
    "run_name",
    "sqlite_path",
    "sweep_tags",
    "variant",
]
