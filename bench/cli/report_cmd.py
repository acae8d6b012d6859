"""``python -m bench report``: HTML and Markdown reports for any MLflow experiment, or for tables that
``python -m bench export`` wrote (``--from``), without MLflow."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.cli.preflight import UsageError, check_out_dir
from bench.cli.store_args import Parser, add_store_arguments, checked_store
from bench.config import one_line

DEFAULT_EXPERIMENT = "bench"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = Parser(
        prog="python -m bench report",
        description="Write HTML and Markdown reports for an MLflow experiment, or for exported tables (--from).",
    )
    add_store_arguments(parser)
    parser.set_defaults(experiment=None)  # with --from: the tables' own experiment unless one is named
    parser.add_argument(
        "--from",
        dest="tables",
        nargs="+",
        type=Path,
        metavar="TABLE",
        help="build the report from tables written by `python -m bench export` (.parquet or .csv; several: one run "
        "per run key, the latest finished) instead of an MLflow store",
    )
    parser.add_argument("--out", default="reports", type=Path, help="output directory (default: reports)")
    parser.add_argument("--name", help="file stem of the reports (default: the experiment's name)")
    return parser.parse_args(argv)


def report_main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.tables:
        return report_from(args)
    uri = checked_store(args.tracking_uri)
    from bench.report import build_report

    experiment = args.experiment or DEFAULT_EXPERIMENT
    try:
        check_out_dir(args.out, "--out")
        html, md = build_report(uri, experiment, args.out, args.filter, args.name)
    except (ValueError, OSError) as exc:
        raise UsageError(one_line(exc)) from exc
    print(f"reports: {html}\n         {md}")
    return 0


def report_from(args: argparse.Namespace) -> int:
    """The report of exported tables: no store is read, so no store argument but the experiment's name applies."""
    if args.filter:
        raise UsageError("--filter selects runs in an MLflow store; with --from, every run of the tables is reported")
    from bench.report.stored import build_from_tables

    try:
        check_out_dir(args.out, "--out")
        html, md, lines = build_from_tables(args.tables, args.out, args.name, args.experiment)
    except (ValueError, OSError) as exc:
        raise UsageError(one_line(exc)) from exc
    print("\n".join(lines))
    print(f"reports: {html}\n         {md}")
    return 0
