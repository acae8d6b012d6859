"""MLflow glue: the store (``store``) and the naming schema of DESIGN.md (``schema``)."""

from bench.tracking.checks import (
    check_experiment,
    check_reachable,
    check_store,
    check_tables,
    check_uri,
    experiment_id,
)
from bench.tracking.schema import (
    KEY_EXCLUDED,
    file_name,
    flatten,
    has_credentials,
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
    StoreUnavailable,
    creating,
    open_store,
    resolve_uri,
    sqlite_path,
)

__all__ = [
    "KEY_EXCLUDED",
    "Store",
    "StoreUnavailable",
    "check_experiment",
    "check_reachable",
    "check_store",
    "check_tables",
    "check_uri",
    "creating",
    "file_name",
    "experiment_id",
    "flatten",
    "has_credentials",
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
