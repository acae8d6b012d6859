"""Render the tidy per-run results table as a self-contained HTML report and a GitHub Markdown report.

The summary tables are computed once, as numbers, by :func:`bench.report.summaries.build_sections`; they are then
formatted once into display tables (strings plus a "best" mask, :mod:`bench.report.sections`) and rendered twice,
by a jinja2 template (autoescaped) and by ``DataFrame.to_markdown``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import jinja2
import pandas as pd

from bench.files import whole
from bench.report.display import Section, escape_markdown
from bench.report.format import counted, duration
from bench.report.parts import Inputs, comparison_sections
from bench.report.protocols import describe
from bench.report.sections import (
    claims_sections,
    failure_section,
    summary_section,
)
from bench.report.summaries import build_sections
from bench.report.table import labelled
from bench.tracking.schema import file_name

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def report_sections(
    table: pd.DataFrame,
    context: Mapping[str, str],
    histories: Mapping[str, pd.DataFrame],
    curves: pd.DataFrame,
    trials: pd.DataFrame | None = None,
) -> list[Section]:
    """Every section of the report, in order, with its figures: the answer first (for the claims' runs, their
    verdicts), then the run summary and the details."""
    table = labelled(table)
    facts = {k: v for k, v in provenance(table).items() if not (k == "commits" and "runs_commit" in context)}
    context = {**context, "scope": scope(table, context), **facts}  # the claims name their runs' commits
    has_claims = "params.claim" in table and table["params.claim"].notna().any()
    if has_claims and {"model_name", "dataset_name"} <= set(table.columns):
        # count models and datasets by name: the claims vary their settings, which would make each a variant
        summaries = build_sections(table.assign(model=table["model_name"], dataset=table["dataset_name"]))
    else:
        summaries = build_sections(table)
    summary = summary_section(summaries, context, protocol=describe(table))
    if table.empty:
        summary.notes.insert(0, "No runs found.")
        return [summary, *claims_sections(table)]
    overview, *claims = claims_sections(table)
    failures = failure_section(summaries)
    if has_claims:
        # the claims' sweeps vary every setting at once: leaderboards and the like show only the other runs
        table = table[table["params.claim"].isna()]
        if table.empty:
            return [overview, summary, *claims, failures]
    trials = pd.DataFrame() if trials is None else trials
    answer, *details = comparison_sections(Inputs(table, histories, curves, trials))
    return [answer, summary, *details, overview, *claims, failures]


def scope(table: pd.DataFrame, context: Mapping[str, str]) -> str:
    """What the report covers: the experiment's runs (the latest of each configuration), how many, from how many
    sweeps, and the filter that chose them."""
    sweeps = table["parent_run_id"].nunique() if "parent_run_id" in table else 0
    where = f" of experiment {context['experiment']!r}" if context.get("experiment") else ""
    chosen = f" matching {context['filter']!r}" if context.get("filter") else ""
    found = f"{counted(len(table), 'run')}" + (f" from {counted(sweeps, 'sweep')}" if sweeps else "")
    return f"every run{where}{chosen}, the latest of each configuration: {found}"


def provenance(table: pd.DataFrame) -> dict[str, str]:
    """When the runs ran (the wall time from the first start to the last end) and at which commits, where the runs
    carry their times and commits."""
    facts = {}
    if {"start_time", "end_time"} <= set(table.columns):
        start, end = pd.to_datetime(table["start_time"], utc=True), pd.to_datetime(table["end_time"], utc=True)
        if start.notna().any() and end.notna().any():
            first, last = start.min(), end.max()
            until = f"{last:%H:%M}" if last.date() == first.date() else f"{last:%Y-%m-%d %H:%M}"
            took = duration((last - first).total_seconds())
            facts["wall_time"] = (
                f"{took}, from the first run's start to the last one's end ({first:%Y-%m-%d %H:%M} to {until} UTC)"
            ) + _while_sweeps_ran(table.assign(start=start, end=end), (last - first).total_seconds())
    commits = table["git_commit"].dropna().value_counts() if "git_commit" in table else pd.Series(dtype=int)
    if len(commits):
        facts["commits"] = ", ".join(f"{c} ({counted(n, 'run')})" for c, n in commits.items())
    return facts


def _while_sweeps_ran(runs: pd.DataFrame, span_s: float) -> str:
    """Where the runs came from several sweeps with idle time between them: how long sweeps were running (each
    sweep from its first run's start to its last one's end, overlaps counted once)."""
    if "parent_run_id" not in runs or runs["parent_run_id"].nunique() < 2:
        return ""
    spans = runs.groupby("parent_run_id").agg(start=("start", "min"), end=("end", "max")).dropna().sort_values("start")
    reach = spans["end"].cummax().shift()  # the latest end of the sweeps before: time up to it is counted already
    begin = spans["start"].where(reach.isna() | spans["start"].ge(reach), reach)
    busy = (spans["end"] - begin).clip(lower=pd.Timedelta(0)).sum().total_seconds()
    if busy >= 0.9 * span_s:  # sweeps back to back: the span says it
        return ""
    return f"; its {len(spans)} sweeps ran for {duration(busy)} of it"


def markdown_report(title: str, sections: list[Section], images: Path) -> str:
    """Markdown with pipe tables; figures are written as SVG files into ``images`` and linked relatively."""
    lines = [f"# {escape_markdown(title)}", ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        for paragraph in section.lead:
            lines += [escape_markdown(paragraph), ""]
        for t in section.tables:
            if t.caption:
                lines += [f"### {escape_markdown(t.caption)}", ""]
            lines += [t.markdown() if t.rows else f"_{t.empty}_", ""]
        for note in section.notes:
            lines += [escape_markdown(note), ""]
        for figure in section.figures:
            images.mkdir(exist_ok=True)
            write_whole(images / f"{figure.key}.svg", figure.svg)
            lines += [f"![{escape_markdown(figure.caption)}]({images.name}/{figure.key}.svg)", ""]
    return "\n".join(lines)


def write_whole(path: Path, text: str) -> None:
    with whole(path) as partial:
        partial.write_text(text, encoding="utf-8")


def write_reports(
    table: pd.DataFrame,
    out_dir: Path,
    name: str,
    context: Mapping[str, str],
    histories: Mapping[str, pd.DataFrame] | None = None,
    learning_curves: pd.DataFrame | None = None,
    trials: pd.DataFrame | None = None,
) -> tuple[Path, Path]:
    """Write ``out_dir/<name>.html`` (self-contained) and ``out_dir/<name>.md`` from the tidy table.

    Parameters
    ----------
    table
        The tidy per-run table (one row per MLflow run); may be empty.
    out_dir
        Folder to write into; created if missing.
    name
        File stem of both reports, through the one file-name rule (``bench.tracking.file_name``): never a path.
    context
        Run-summary facts as strings (``experiment``, ``tracking_uri``, ``generated``,
        ``bench_version``, ``git_commit``, ``python``, ``platform``, ``versions``, or any other key);
        shown in the run summary, escaped.
    histories
        Per-epoch histories (``history.csv`` as DataFrames) of a few MLP runs, keyed by a display label:
        drawn as loss curves and gradient heatmaps.
    learning_curves
        Long table (dataset, model, family, split, percent, accuracy) of measured learning curves, if any.
    trials
        Every tuned run's trials (:func:`bench.report.table.load_trials`): drawn as tuning curves.

    Returns
    -------
    tuple[pathlib.Path, pathlib.Path]
        Paths of the HTML and the Markdown report.
    """
    context = {k: str(v) for k, v in context.items()}
    curves = pd.DataFrame() if learning_curves is None else learning_curves
    sections = report_sections(table, context, histories or {}, curves, trials)
    title = "Benchmark report" + (f": {context['experiment']}" if context.get("experiment") else "")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = file_name(name, "report")  # an experiment's name, e.g. MLflow's "/Shared/exp", never a path
    html_path, md_path = out_dir / f"{stem}.html", out_dir / f"{stem}.md"
    write_whole(html_path, TEMPLATES.get_template("report.html.j2").render(title=title, sections=sections))
    write_whole(md_path, markdown_report(title, sections, out_dir / f"{stem}_files"))
    return html_path, md_path
