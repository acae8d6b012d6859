"""``python -m bench export``: the report's tidy table, one row per run, as a Parquet or CSV file, so that results
can be analysed in pandas without MLflow, and the report rebuilt from it (``python -m bench report --from``)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from bench.cli.preflight import UsageError, check_out_dir
from bench.cli.store_args import Parser, add_store_arguments, checked_store
from bench.config import one_line
from bench.files import whole

FORMATS = {".parquet": "parquet", ".csv": "csv"}  # --out suffix -> format
DEFAULT_FORMAT = "parquet"  # keeps dtypes (Int64 seeds and folds, timestamps) that CSV loses
IDENTITY = (
    "run_id",
    "run_name",
    "dataset",
    "dataset_variant",
    "model",
    "variant",
    "family",
    "protocol",
    "seed",
    "fold",
    "status",
    "outcome",
    "error",
    "start_time",
    "end_time",
    "experiment",  # what a report rebuilt from the table (report --from) needs: its title, the runs' keys (one
    "run_key",  # per configuration across tables), their sweeps and commits
    "parent_run_id",
    "git_commit",
)
TUNED = "params.tuned."


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = Parser(
        prog="python -m bench export",
        description="Write the runs of an MLflow experiment as one table, one row per run, for pandas.",
    )
    add_store_arguments(parser)
    parser.add_argument(
        "--format", choices=tuple(FORMATS.values()), help="file format (default: from the --out suffix, else parquet)"
    )
    parser.add_argument("--out", type=Path, help="output file (default: reports/<experiment>.<format>)")
    return parser.parse_args(argv)


def destination(out: Path | None, fmt: str | None, experiment: str) -> tuple[Path, str]:
    """The file and its format: each follows from the other when only one is given; a suffix that names no
    format (``runs.xlsx``) or another format than ``--format`` is refused with one line."""
    suffix = out.suffix.lower() if out else ""
    named = FORMATS.get(suffix)
    if suffix and named is None and fmt is None:
        choices = ", ".join(FORMATS)
        raise UsageError(f"--out {str(out)!r}: unknown file format {suffix!r}; choose from: {choices} (or --format)")
    if named and fmt and named != fmt:
        raise UsageError(f"--out {str(out)!r} names a {named} file but --format is {fmt}")
    fmt = fmt or named or DEFAULT_FORMAT
    return (out or Path("reports") / f"{experiment}.{fmt}"), fmt


def export_table(table: pd.DataFrame, experiment: str | None = None) -> pd.DataFrame:
    """The tidy table in the export's column order: identity (with the ``experiment`` and what a report needs of
    the store's bookkeeping), tuned parameters, final metrics (the shared ones, then the MLP's, then the tuned +
    ensembled ones, then the rest by name), the other parameters; the plain-name labels (``params.*.name`` hold
    them) are left out."""
    from bench.metrics import ENSEMBLE, FINAL, MLP_SUMMARIES
    from bench.report.table import metric_columns

    table = table.copy() if experiment is None else table.assign(experiment=experiment)
    for column in IDENTITY:  # a tag no run carries (no failure: no error) is still a column, so files line up
        if column not in table:
            table[column] = pd.Series(None, index=table.index, dtype="str")
    # MLflow returns params and metrics in no fixed order: sorted, two exports of one schema line up
    tuned = {c: "tuned." + c.removeprefix(TUNED) for c in sorted(table.columns) if c.startswith(TUNED)}
    metrics = [c for c in metric_columns(table) if c not in IDENTITY]
    known = [m for m in (*FINAL, *MLP_SUMMARIES, *ENSEMBLE) if m in metrics]
    params = sorted(c for c in table.columns if c.startswith("params.") and c not in tuned)
    columns = [*IDENTITY, *tuned, *known, *sorted(set(metrics) - set(known)), *params]
    return table[columns].rename(columns=tuned).reset_index(drop=True)


def write(frame: pd.DataFrame, out: Path, fmt: str) -> None:
    """Whole or not at all: an interrupted export leaves no half-written table."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with whole(out) as partial:
        if fmt == "csv":
            frame.to_csv(partial, index=False)
        else:
            frame.to_parquet(partial, index=False, engine="pyarrow")


def export_main(argv: list[str]) -> int:
    args = parse_args(argv)
    out, fmt = destination(args.out, args.format, args.experiment)
    uri = checked_store(args.tracking_uri)
    from bench.report.carried import carry
    from bench.report.table import load_runs

    try:
        if out.is_dir():
            raise ValueError(f"--out {str(out)!r} is a directory; name a file, e.g. {str(out / f'runs.{fmt}')!r}")
        check_out_dir(out.parent, "the directory of --out")
        runs = load_runs(uri, args.experiment, args.filter)
        frame = carry(uri, runs, export_table(runs, args.experiment))
        write(frame, out, fmt)
    except (ValueError, OSError) as exc:
        raise UsageError(one_line(exc)) from exc
    print(f"export: {out} ({len(frame)} run{'' if len(frame) == 1 else 's'})")
    return 0
