"""``python -m bench report``: HTML and Markdown reports for any MLflow experiment."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bench.cli.preflight import UsageError, check_out_dir
from bench.config import one_line


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench report", description="Write HTML and Markdown reports for an MLflow experiment."
    )
    parser.add_argument("--experiment", default="bench", help="MLflow experiment name (default: bench)")
    parser.add_argument(
        "--tracking-uri",
        default=os.environ.get("MLFLOW_TRACKING_URI", "sqlite:///mlruns.db"),
        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI or sqlite:///mlruns.db)",
    )
    parser.add_argument("--filter", default="", help="MLflow search filter, e.g. \"tags.`bench.model` = 'mlp'\"")
    parser.add_argument("--out", default="reports", type=Path, help="output directory (default: reports)")
    parser.add_argument("--name", help="file stem of the reports (default: the experiment's name)")
    return parser.parse_args(argv)


def report_main(argv: list[str]) -> int:
    from bench.tracking import check_reachable, check_store, resolve_uri, sqlite_path

    args = parse_args(argv)
    uri = resolve_uri(args.tracking_uri)
    db = sqlite_path(uri)
    if db and not db.is_file():
        raise UsageError(f"no MLflow store at {str(db)!r}; run a sweep first or pass --tracking-uri")
    from bench.report import build_report

    try:
        check_reachable(uri)
        check_store(uri)
        check_out_dir(args.out, "--out")
        html, md = build_report(uri, args.experiment, args.out, args.filter, args.name)
    except (ValueError, OSError) as exc:
        raise UsageError(one_line(exc)) from exc
    print(f"reports: {html}\n         {md}")
    return 0
