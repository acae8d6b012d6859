"""Reports from exported tables (``python -m bench report --from TABLE ...``): the tables written by
``python -m bench export``, from one machine or several, read back into the table MLflow gives, so that the report is
the one its runs' store would give, without the store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bench.report.carried import CELLS, unpack
from bench.report.table import COLUMNS, rules_provenance

FORMATS = (".parquet", ".csv")
REQUIRED = ("run_id", "run_key", "status", "start_time", "dataset", "model", "family", "seed")
TEXT = ("run_id", "run_name", "dataset", "dataset_variant", "model", "variant", "family", "protocol", "status")
TEXT += ("outcome", "error", "experiment", "run_key", "parent_run_id", "git_commit", *CELLS)
OPTIONAL = ("outcome", "error", "run_name", "git_commit", "parent_run_id")  # tags only some stores' runs carry
TUNED = "tuned."  # the export's name for ``params.tuned.*``


@dataclass
class Runs:
    """The runs of several tables, one per run key, and what reading them found."""

    table: pd.DataFrame
    rows: int  # before duplicates were dropped
    experiments: list[str]

    @property
    def dropped(self) -> int:
        return self.rows - len(self.table)


def read_table(path: Path) -> pd.DataFrame:
    """One exported table, in the dtypes the export wrote; a ``ValueError`` in one line naming the file where it
    is missing, of another format, unreadable, or lacks a column the report needs."""
    suffix = path.suffix.lower()
    if path.is_dir():
        raise ValueError(f"--from {str(path)!r} is a directory; name a table written by `python -m bench export`")
    if suffix not in FORMATS:
        found = repr(suffix) if suffix else "no suffix"
        raise ValueError(f"--from {str(path)!r}: unknown table format ({found}); choose from: {', '.join(FORMATS)}")
    if not path.is_file():
        raise ValueError(f"--from {str(path)!r}: no such file")
    try:
        frame = pd.read_parquet(path) if suffix == ".parquet" else _read_csv(path)
    except Exception as exc:  # pyarrow's and pandas' many parse errors: all say the file is not a table
        raise ValueError(f"--from {str(path)!r} cannot be read as {suffix[1:]}") from exc  # one_line adds why
    if missing := [c for c in REQUIRED if c not in frame]:
        raise ValueError(
            f"--from {str(path)!r} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}: "
            "write it with `python -m bench export`"
        )
    return frame


def _read_csv(path: Path) -> pd.DataFrame:
    """Text as text (a param ``None`` stays ``'None'``; only an empty cell is missing), numbers as the export wrote
    them (pandas 3 parses floats back exactly), seeds, folds and times as the export's Parquet has them."""
    header = pd.read_csv(path, nrows=0).columns
    text = {c: "str" for c in header if c in TEXT or c.startswith(("params.", TUNED))}
    frame = pd.read_csv(path, dtype=text, keep_default_na=False, na_values=[""])
    for column in ("start_time", "end_time"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    for column in ("seed", "fold"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    return frame


def as_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """An exported table as :func:`bench.report.table.load_runs` gives its runs: tuned params by their MLflow
    names, and a tag no run carried no column, as in MLflow's answer."""
    frame = frame.rename(columns={c: "params." + c for c in frame.columns if c.startswith(TUNED)})
    empty = [c for c in OPTIONAL if c in frame and frame[c].isna().all()]
    frame = frame.drop(columns=[*empty, "experiment"], errors="ignore")
    for column in ("variant", "dataset_variant"):  # a CSV reads the default's '' as missing
        frame[column] = frame[column].astype(object).fillna("") if column in frame else ""
    first = [c for c in COLUMNS if c in frame]
    return frame[first + [c for c in frame.columns if c not in first]]


def read_runs(paths: list[Path]) -> Runs:
    """Every table's runs, one per run key: the latest finished run where the key has one, else the latest run
    (as a store keeps a rerun's run over the earlier one); ties go to the row with the most values, then to the
    later run id, so that the tables' order never matters."""
    frames = [read_table(Path(p)) for p in paths]
    experiments = []
    for frame in frames:
        if "experiment" in frame:
            experiments += [e for e in frame["experiment"].dropna().unique() if e not in experiments]
    both = pd.concat([f for f in frames if not f.empty] or frames[:1], ignore_index=True)
    rows = len(both)
    both = both.assign(
        _done=both["status"].eq("FINISHED"),
        _key=both["run_key"].fillna(both["run_id"]),
        _filled=both.notna().sum(axis=1),
    )
    order = both.sort_values(["_done", "start_time", "_filled", "run_id"], kind="stable")
    kept = order.drop_duplicates("_key", keep="last").drop(columns=["_done", "_key", "_filled"])
    return Runs(as_runs(kept.reset_index(drop=True)), rows, experiments)


def build_from_tables(
    paths: list[Path], out_dir: Path, name: str | None = None, experiment: str | None = None
) -> tuple[Path, Path, list[str]]:
    """Write the report of the runs in ``paths`` as :func:`bench.report.build_report` writes the store's; returns
    both paths and what to tell the user: where the runs came from, and what the report had to leave out."""
    from bench.report.render import write_reports
    from bench.report.table import report_context

    runs = read_runs(paths)
    unpacked = unpack(runs.table)
    experiment = experiment or ", ".join(runs.experiments) or Path(paths[0]).stem
    context = report_context("", experiment)
    del context["tracking_uri"]
    context["tables"] = source(paths, runs)
    if unpacked.missing:
        context["left_out"] = "; ".join(unpacked.missing) + ": not in the tables"  # one line, here and printed
    context |= rules_provenance(unpacked.table)
    table, trials = unpacked.table, unpacked.trials
    html, md = write_reports(table, out_dir, name or experiment, context, unpacked.histories, unpacked.curves, trials)
    lines = [f"from:    {context['tables']}"]
    if unpacked.missing:
        lines.append(f"left out: {context['left_out']}")
    return html, md, lines


def source(paths: list[Path], runs: Runs) -> str:
    """``a.parquet, b.csv: 14 rows, 7 runs (7 duplicates dropped: ...)``: the files and what their rows became."""
    from bench.report.format import counted

    found = f"{counted(runs.rows, 'row')}, {counted(len(runs.table), 'run')}"
    if runs.dropped:
        found += f" ({counted(runs.dropped, 'duplicate')} dropped: one run per run key, the latest finished)"
    return f"{', '.join(str(p) for p in paths)}: {found}"
