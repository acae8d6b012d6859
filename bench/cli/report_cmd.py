"""``python -m bench report``: HTML and Markdown reports for any MLflow experiment."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.cli.preflight import UsageError, check_out_dir
from bench.cli.store_args import Parser, add_store_arguments, checked_store
from bench.config import one_line


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = Parser(
        prog="python -m bench report", description="Write HTML and Markdown reports for an MLflow experiment."
    )
    add_store_arguments(parser)
    parser.add_argument("--out", default="reports", type=Path, help="output directory (default: reports)")
    parser.add_argument("--name", help="file stem of the reports (default: the experiment's name)")
    return parser.parse_args(argv)


def report_main(argv: list[str]) -> int:
    args = parse_args(argv)
    uri = checked_store(args.tracking_uri)
    from bench.report import build_report

    try:
        check_out_dir(args.out, "--out")
        html, md = build_report(uri, args.experiment, args.out, args.filter, args.name)
    except (ValueError, OSError) as exc:
        raise UsageError(one_line(exc)) from exc
    print(f"reports: {html}\n         {md}")
    return 0
