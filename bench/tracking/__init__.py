"""MLflow glue: the store (``store``) and the naming schema of DESIGN.md (``schema``)."""

from bench.tracking.schema import KEY_EXCLUDED, flatten, owner, redact, run_key
from bench.tracking.store import Store, check_reachable, check_store, open_store, resolve_uri, sqlite_path

__all__ = [
    "KEY_EXCLUDED",
    "Store",
    "check_reachable",
    "check_store",
    "flatten",
    "open_store",
    "owner",
    "redact",
    "resolve_uri",
    "run_key",
    "sqlite_path",
]
