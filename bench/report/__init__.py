"""MLflow runs -> one tidy table -> HTML and Markdown reports (pure functions of the table)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench.report.table import (
    labelled,
    load_histories,
    load_learning_curves,
    load_runs,
    load_trials,
    report_context,
    rules_provenance,
)


def build_report(
    uri: str,
    experiment: str,
    out_dir: Path,
    filter_string: str = "",
    name: str | None = None,
    table: pd.DataFrame | None = None,
) -> tuple[Path, Path]:
    """Write ``<out_dir>/<name>.html`` and ``.md`` (``name`` defaults to the experiment's) for one MLflow
    experiment; returns both paths. ``table``: the experiment's runs as :func:`load_runs` gives them, where the
    caller has read them already."""
    from bench.report.render import write_reports

    table = labelled(load_runs(uri, experiment, filter_string) if table is None else table)
    histories = load_histories(uri, table)
    curves = load_learning_curves(uri, table)
    trials = load_trials(uri, table)
    context = {**report_context(uri, experiment), **rules_provenance(table)}
    if filter_string:
        context["filter"] = filter_string
    return write_reports(table, Path(out_dir), name or experiment, context, histories, curves, trials)


__all__ = ["build_report", "load_runs"]
