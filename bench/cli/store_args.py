"""What the commands that read an MLflow experiment share: their parser, the store arguments and the store check."""

from __future__ import annotations

import argparse
import os
from typing import NoReturn

from bench.cli.preflight import UsageError
from bench.config import one_line


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one ``error: ...`` line and exit status 2, like every other bad input."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def add_store_arguments(parser: argparse.ArgumentParser, filters: bool = True) -> None:
    """``--experiment``, ``--tracking-uri`` and (``filters``) ``--filter``: which runs a command reads."""
    parser.add_argument("--experiment", default="bench", help="MLflow experiment name (default: bench)")
    parser.add_argument(
        "--tracking-uri",
        default=os.environ.get("MLFLOW_TRACKING_URI", "sqlite:///mlruns.db"),
        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI or sqlite:///mlruns.db)",
    )
    if filters:
        parser.add_argument("--filter", default="", help="MLflow search filter, e.g. \"tags.`bench.model` = 'mlp'\"")


def checked_store(tracking_uri: str) -> str:
    """The absolute URI of a store that exists and answers; otherwise a ``UsageError`` in one line."""
    from bench import tracking

    uri = tracking.resolve_uri(tracking_uri)
    try:
        tracking.check_uri(uri)
    except ValueError as exc:
        raise UsageError(one_line(exc).replace("tracking.uri=", "--tracking-uri=")) from exc
    db = tracking.sqlite_path(uri)
    # MLflow would create an empty store at a mistyped path and then report an unknown experiment
    if db and not db.is_file():
        raise UsageError(f"no MLflow store at {str(db)!r}; run a sweep first or pass --tracking-uri")
    try:
        tracking.check_reachable(uri)
        tracking.check_store(uri)
        tracking.check_tables(uri)
    except (ValueError, OSError) as exc:
        raise UsageError(one_line(exc)) from exc
    return uri
