"""Checks of a tracking store before anything is recorded into it, each failure one line naming the store: a URI
bench can record into, a server that answers, a SQLite file that is a sound MLflow store, an experiment that is not
deleted."""

from __future__ import annotations

from urllib.parse import urlsplit

from bench.tracking.schema import redact
from bench.tracking.store import sqlite_path

SERVERS = ("http", "https")
DATABASES = ("postgresql", "mysql", "mssql")  # MLflow's SQL stores beside SQLite, each behind a driver
TABLES = ("experiments", "runs", "metrics", "params", "tags", "alembic_version")  # what every MLflow store has


def check_uri(uri: str) -> None:
    """A URI bench can record into: ``sqlite:///PATH``, an MLflow server (``http(s)://``), or a SQL database whose
    driver is installed."""
    shown = redact(uri)
    scheme = urlsplit(uri).scheme.split("+")[0]
    if not scheme or "://" not in uri:
        raise ValueError(f"tracking.uri={shown!r} is not a URI: a local store is sqlite:///{uri or 'mlruns.db'}")
    if scheme == "file":
        raise ValueError(
            f"tracking.uri={shown!r}: MLflow's file store is not supported; use a SQLite file "
            f"(sqlite:///mlruns.db) or a tracking server (http://HOST:PORT)"
        )
    if scheme in DATABASES:
        check_driver(uri, shown)
    elif scheme != "sqlite" and scheme not in SERVERS:
        choices = ", ".join(("sqlite", *SERVERS, *DATABASES))
        raise ValueError(f"tracking.uri={shown!r} has an unknown scheme {scheme!r}; choose from: {choices}")


def check_driver(uri: str, shown: str) -> None:
    from sqlalchemy.engine import make_url

    try:
        make_url(uri).get_dialect().import_dbapi()
    except ImportError as exc:
        raise ValueError(f"tracking.uri={shown!r} needs its database driver: {exc}") from None


def check_reachable(uri: str, timeout: float = 5.0) -> None:
    """For a tracking server, fail in seconds with one line instead of MLflow's minutes of retries."""
    if not uri.startswith(("http://", "https://")):
        return
    import base64
    import urllib.error
    import urllib.request
    from urllib.parse import unquote, urlsplit, urlunsplit

    # urllib takes ``user:password@`` for part of the host name: the credentials go in a header instead
    parts = urlsplit(uri)
    request = urllib.request.Request(
        f"{urlunsplit(parts._replace(netloc=parts.netloc.rpartition('@')[2])).rstrip('/')}/health"
    )
    if parts.username is not None:
        token = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        request.add_header("Authorization", "Basic " + base64.b64encode(token.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return
    except urllib.error.HTTPError:
        return  # it answers; authentication or routing is MLflow's to report
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ValueError(f"cannot reach the MLflow tracking server at {redact(uri)}: {reason}") from None


def check_store(uri: str) -> None:
    """An existing SQLite store must be a sound database: one line instead of MLflow's traceback, and the file is
    opened read-only, so a damaged store is left as it was for recovery."""
    import sqlite3
    from contextlib import closing

    db = sqlite_path(uri)
    if db is None or not db.exists():
        return
    try:
        with closing(sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True, timeout=30)) as connection:
            problem = connection.execute("pragma quick_check(1)").fetchone()[0]
    except sqlite3.Error as exc:
        problem = str(exc)
    if problem != "ok":
        raise ValueError(
            f"tracking store {str(db)!r} is not a readable SQLite database ({problem}); "
            f"move it aside or choose another tracking.uri"
        )


def experiment_id(uri: str, name: str) -> str:
    """The id of an existing experiment; ``ValueError`` naming the experiments there, or saying it is deleted."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    found = client.get_experiment_by_name(name)
    if found is None:
        names = sorted(e.name for e in client.search_experiments())
        raise ValueError(f"unknown experiment {name!r} in {redact(uri)}; choose from: {', '.join(names) or 'none'}")
    if found.lifecycle_stage == "deleted":
        raise ValueError(deleted(name, uri))
    return found.experiment_id


def deleted(name: str, uri: str) -> str:
    return (
        f"experiment {name!r} is deleted in {redact(uri)}; restore it (mlflow experiments restore) or choose "
        f"another tracking.experiment"
    )


def check_tables(uri: str) -> None:
    """An existing SQLite store holds MLflow's tables: one dropped or never there is named, read-only."""
    import sqlite3
    from contextlib import closing

    db = sqlite_path(uri)
    if db is None or not db.exists() or db.stat().st_size == 0:
        return
    with closing(sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True, timeout=30)) as connection:
        found = {row[0] for row in connection.execute("select name from sqlite_master where type = 'table'")}
    if found and (missing := [t for t in TABLES if t not in found]):
        raise ValueError(
            f"tracking store {str(db)!r} is not a whole MLflow store (no table {missing[0]!r}); "
            f"move it aside or choose another tracking.uri"
        )


def check_experiment(uri: str, name: str) -> None:
    """An experiment of this name that exists must not be deleted (MLflow keeps a deleted name taken)."""
    from mlflow.tracking import MlflowClient

    db = sqlite_path(uri)
    if db is not None and not db.exists():
        return
    found = MlflowClient(tracking_uri=uri).get_experiment_by_name(name)
    if found is not None and found.lifecycle_stage == "deleted":
        raise ValueError(deleted(name, uri))
