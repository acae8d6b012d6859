"""Render the tidy per-run results table as a self-contained HTML report and a GitHub Markdown report.

The summary tables are computed once, as numbers, by :func:`build_sections`; they are then formatted
once into display tables (strings plus a "best" mask) and rendered twice, by a jinja2 template
(autoescaped) and by ``DataFrame.to_markdown``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from bench.metrics import FINAL, MLP_SUMMARIES
from bench.report import plots
from bench.report.claims import NO_EVIDENCE, judge_all
from bench.report.stats import compare, interval95

KEYS = ["dataset", "model"]
TEXT_COLUMNS = ["run_id", "status", "outcome", "error", "dataset", "model", "family"]
METRIC_COLUMNS = ["seed", *FINAL, *MLP_SUMMARIES]
MLP_PARAMS = {"params.model.activation": "Activation", "params.model.hidden_layer_sizes": "Hidden layers"}
VANISHING_RATIO = 0.1
CONTEXT_LABELS = {
    "experiment": "Experiment",
    "tracking_uri": "Tracking URI",
    "generated": "Generated",
    "bench_version": "bench version",
    "git_commit": "Git commit",
    "python": "Python",
    "platform": "Platform",
    "versions": "Library versions",
}
DASH = "—"
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

Fmt = Callable[[Any], str]


# ---------------------------------------------------------------------------------------------------------
# Numbers: the summary tables


def _prepare(table: pd.DataFrame) -> pd.DataFrame:
    """Copy with every expected column present, metrics numeric, and `failed` / `diverged` flags."""
    t = table.copy()
    for col in TEXT_COLUMNS:
        if col not in t:
            t[col] = pd.Series(pd.NA, index=t.index, dtype=object)
    for col in METRIC_COLUMNS:
        t[col] = pd.to_numeric(t[col], errors="coerce") if col in t else float("nan")
    t["overfit_gap"] = t["overfit_gap"].fillna(t["train_accuracy"] - t["test_accuracy"])
    t["failed"] = ~t["status"].eq("FINISHED") | t["outcome"].eq("error")
    t["diverged"] = ~t["failed"] & t["outcome"].eq("diverged")
    return t


def _order_by(frame: pd.DataFrame, order: list[str], first: list[str] | None = None) -> pd.DataFrame:
    """Sort rows by `first` columns, then by model in the given order (unknown models last)."""
    rank = frame["model"].map({m: i for i, m in enumerate(order)}).fillna(len(order))
    keys = [*(first or []), "_order", "model"]
    ordered = frame.assign(_order=rank).sort_values(keys, kind="stable")
    return ordered.drop(columns="_order").reset_index(drop=True)


def _leaderboard(ok: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per dataset x model accuracy stats with a `best` flag, and models by mean rank over datasets."""
    lb = (
        ok.groupby(KEYS)
        .agg(
            n=("test_accuracy", "count"),
            test_accuracy_mean=("test_accuracy", "mean"),
            test_accuracy_std=("test_accuracy", "std"),
            test_accuracy_ci95=("test_accuracy", interval95),
            test_balanced_accuracy_mean=("test_balanced_accuracy", "mean"),
            test_f1_macro_mean=("test_f1_macro", "mean"),
            test_log_loss_mean=("test_log_loss", "mean"),
            diverged=("diverged", "sum"),
        )
        .reset_index()
    )
    per_dataset = lb.groupby("dataset")["test_accuracy_mean"]
    lb["best"] = lb["test_accuracy_mean"].eq(per_dataset.transform("max"))
    lb["rank"] = per_dataset.rank(ascending=False, method="average")
    ranks = lb.groupby("model").agg(mean_rank=("rank", "mean"), datasets=("dataset", "nunique")).reset_index()
    ranks = ranks.sort_values(["mean_rank", "model"], na_position="last").reset_index(drop=True)
    return _order_by(lb.drop(columns="rank"), list(ranks["model"]), ["dataset"]), ranks


def _gradients(ok: pd.DataFrame) -> pd.DataFrame:
    """Per MLP configuration and dataset: mean first/last gradient-norm ratio and epochs."""
    rows = ok[ok["grad_ratio_first_last"].notna()]
    config = ["model", *(p for p in MLP_PARAMS if p in rows)]
    rows = rows.assign(**{p: rows[p].fillna(DASH).astype(str) for p in config[1:]})
    return (
        rows.groupby([*config, "dataset"])
        .agg(
            runs=("grad_ratio_first_last", "count"),
            grad_ratio_first_last=("grad_ratio_first_last", "mean"),
            epochs_run=("epochs_run", "mean"),
            best_epoch=("best_epoch", "mean"),
        )
        .reset_index()
    )


def build_sections(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Compute the report's summary tables (numeric, unformatted) from the tidy per-run table.

    Parameters
    ----------
    table
        One row per MLflow run (see the module's callers for the column contract). Missing metric
        columns are treated as all-NaN. Runs with ``status != "FINISHED"`` or ``outcome == "error"``
        are failures and only appear in ``"failures"``; diverged runs are kept as results.

    Returns
    -------
    dict[str, pandas.DataFrame]
        ``summary`` (item, value counts); ``leaderboard`` (dataset x model: n, test accuracy mean/std,
        balanced accuracy / macro F1 / log-loss means, diverged count, ``best`` flag per dataset);
        ``model_rank`` (model, mean_rank, datasets; best first); ``cost`` (per model medians);
        ``cost_by_dataset`` (dataset x model mean fit time); ``overfit`` (dataset x model mean
        train/test accuracy and gap); ``overfit_by_model`` (mean gap, largest first); ``gradients``
        (per MLP configuration x dataset); ``failures`` (one row per failed run).
        Tables with models are ordered by ``model_rank``.
    """
    t = _prepare(table)
    ok = t[~t["failed"]]
    leaderboard, ranks = _leaderboard(ok)
    order = list(ranks["model"])
    summary = pd.DataFrame(
        {
            "item": ["Runs", "Datasets", "Models", "Seeds", "Finished", "Failed", "Diverged"],
            "value": [
                len(t),
                t["dataset"].nunique(),
                t["model"].nunique(),
                t["seed"].nunique(),
                int(t["status"].eq("FINISHED").sum()),
                int(t["failed"].sum()),
                int(t["diverged"].sum()),
            ],
        }
    )
    cost = (
        ok.assign(model_size_kb=ok["model_size_bytes"] / 1024)
        .groupby("model")
        .agg(
            runs=("run_id", "count"),
            fit_time_s=("fit_time_s", "median"),
            predict_time_s=("predict_time_s", "median"),
            predict_latency_us=("predict_latency_us", "median"),
            peak_memory_mb=("peak_memory_mb", "median"),
            model_size_kb=("model_size_kb", "median"),
        )
        .reset_index()
    )
    by_cell = ok.groupby(KEYS)
    cost_by_dataset = by_cell.agg(fit_time_s=("fit_time_s", "mean")).reset_index()
    overfit = by_cell[["train_accuracy", "test_accuracy", "overfit_gap"]].mean().reset_index()
    overfit_by_model = ok.groupby("model").agg(overfit_gap=("overfit_gap", "mean")).reset_index()
    failures = t.loc[t["failed"], ["run_id", "dataset", "model", "seed", "status", "outcome", "error"]]
    failures = failures.sort_values(["dataset", "model", "seed"], na_position="last")
    return {
        "summary": summary,
        "leaderboard": leaderboard,
        "model_rank": ranks,
        "cost": _order_by(cost, order),
        "cost_by_dataset": _order_by(cost_by_dataset, order, ["dataset"]),
        "overfit": _order_by(overfit, order, ["dataset"]),
        "overfit_by_model": overfit_by_model.sort_values(
            "overfit_gap", ascending=False, na_position="last"
        ).reset_index(drop=True),
        "gradients": _gradients(ok),
        "failures": failures.reset_index(drop=True),
    }


# ---------------------------------------------------------------------------------------------------------
# Display: strings, formatted once for both outputs


def _missing(x: Any) -> bool:
    return bool(pd.api.types.is_scalar(x) and pd.isna(x))


def _text(x: Any) -> str:
    return DASH if _missing(x) else " ".join(str(x).split())


def _acc(x: Any) -> str:
    return DASH if _missing(x) else f"{x:.3f}"


def _sig(x: Any) -> str:
    """Three significant digits; thousands shown whole with separators."""
    if _missing(x):
        return DASH
    return f"{x:,.0f}" if abs(x) >= 999.5 else f"{x:.3g}"


def _int(x: Any) -> str:
    return DASH if _missing(x) else f"{int(x):d}"


def _pm(mean: Any, std: Any) -> str:
    return _acc(mean) if _missing(std) or _missing(mean) else f"{mean:.3f} ± {std:.3f}"


@dataclass
class _Table:
    header: list[str]
    numeric: list[bool]
    rows: list[list[str]]
    bold: list[list[bool]]
    caption: str = ""
    empty: str = "No data."

    def html_rows(self) -> list[list[tuple[str, str]]]:
        """Rows of (text, css class)."""
        return [
            [
                (text, " ".join(c for c, on in (("num", num), ("best", b)) if on))
                for text, num, b in zip(row, self.numeric, bold, strict=True)
            ]
            for row, bold in zip(self.rows, self.bold, strict=True)
        ]

    def markdown(self) -> str:
        rows = [
            [_md(f"**{text}**" if b else text) for text, b in zip(row, bold, strict=True)]
            for row, bold in zip(self.rows, self.bold, strict=True)
        ]
        frame = pd.DataFrame(rows, columns=[_md(h) for h in self.header])
        align = ["right" if num else "left" for num in self.numeric]
        return frame.to_markdown(index=False, colalign=align, disable_numparse=True)


@dataclass
class _Figure:
    key: str  # file stem beside the Markdown report
    caption: str
    svg: str


@dataclass
class _Section:
    id: str
    title: str
    tables: list[_Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lead: list[str] = field(default_factory=list)  # paragraphs above the tables (a claim's verdict)
    figures: list[_Figure] = field(default_factory=list)

    def add_figure(self, key: str, caption: str, svg: str | None) -> None:
        if svg:
            self.figures.append(_Figure(key, caption, svg))


def _table(
    frame: pd.DataFrame,
    columns: Mapping[str, tuple[str, Fmt | None]],
    caption: str = "",
    bold: pd.DataFrame | None = None,
    empty: str = "No data.",
) -> _Table:
    """Format `frame` for display. `columns`: source column -> (header, formatter); a column with a
    formatter is numeric (right-aligned), one without is text. `bold`: boolean mask by source column."""
    cols = [c for c in columns if c in frame]
    fmts = [columns[c][1] or _text for c in cols]
    rows = [[f(v) for f, v in zip(fmts, rec, strict=True)] for rec in frame[cols].itertuples(index=False)]
    mask = pd.DataFrame(False, index=frame.index, columns=cols)
    if bold is not None:
        mask = bold.reindex(index=frame.index, columns=cols).eq(True)
    return _Table(
        [columns[c][0] for c in cols],
        [columns[c][1] is not None for c in cols],
        rows,
        mask.to_numpy(dtype=bool).tolist(),
        caption,
        empty,
    )


def _wide(long: pd.DataFrame, values: pd.Series, order: list[str]) -> pd.DataFrame:
    """Datasets as rows, models as columns (in `order`)."""
    wide = long.assign(_v=values).pivot(index="dataset", columns="model", values="_v")
    return wide.reindex(columns=[m for m in order if m in wide.columns]).sort_index()


def _summary_section(s: Mapping[str, pd.DataFrame], context: Mapping[str, str]) -> _Section:
    keys = [*(k for k in CONTEXT_LABELS if k in context), *(k for k in context if k not in CONTEXT_LABELS)]
    facts = pd.DataFrame(
        {
            "fact": [CONTEXT_LABELS.get(k, k.replace("_", " ").capitalize()) for k in keys],
            "value": [context[k] for k in keys],
        }
    )
    section = _Section("summary", "Run summary")
    if keys:
        section.tables.append(_table(facts, {"fact": ("Fact", None), "value": ("Value", None)}, "Context"))
    section.tables.append(_table(s["summary"], {"item": ("Item", None), "value": ("Count", _int)}, "Counts"))
    section.notes.append("Failed: not FINISHED, or outcome “error”. Diverged runs count as results.")
    return section


def _leaderboard_section(s: Mapping[str, pd.DataFrame]) -> _Section:
    lb, ranks = s["leaderboard"], s["model_rank"]
    order = list(ranks["model"])
    cells = [
        _pm(m, sd) + (" †" if d else "")
        for m, sd, d in zip(lb["test_accuracy_mean"], lb["test_accuracy_std"], lb["diverged"], strict=True)
    ]
    wide = _wide(lb, pd.Series(cells, index=lb.index, dtype=object), order)
    best = _wide(lb, lb["best"], order).reset_index()
    columns = {"dataset": ("Dataset", None), **{m: (m, _text) for m in wide.columns}}
    empty = "No successful runs."
    section = _Section(
        "leaderboard",
        "Leaderboard",
        [
            _table(
                wide.reset_index(),
                columns,
                "Test accuracy, mean ± std over seeds (best per dataset in bold)",
                best,
                empty,
            ),
            _table(
                lb.assign(
                    acc=[_pm(m, sd) for m, sd in zip(lb["test_accuracy_mean"], lb["test_accuracy_std"], strict=True)]
                ),
                {
                    "dataset": ("Dataset", None),
                    "model": ("Model", None),
                    "n": ("Seeds", _int),
                    "acc": ("Test accuracy", _text),
                    "test_accuracy_ci95": ("95% CI ±", _acc),
                    "test_balanced_accuracy_mean": ("Balanced accuracy", _acc),
                    "test_f1_macro_mean": ("Macro F1", _acc),
                    "test_log_loss_mean": ("Log loss", _acc),
                    "diverged": ("Diverged", _int),
                },
                "All metrics (means over seeds)",
                pd.DataFrame({"acc": lb["best"]}),
                empty,
            ),
        ],
    )
    if len(ranks):
        section.notes.append(
            "Models are ordered by mean accuracy rank across datasets: "
            + ", ".join(f"{m} ({_sig(r)})" for m, r in zip(ranks["model"], ranks["mean_rank"], strict=True))
            + "."
        )
    if n := int(lb["diverged"].sum()):
        section.notes.append(f"{n} diverged run(s) are included in these results (cells marked †).")
    return section


def _cost_section(s: Mapping[str, pd.DataFrame]) -> _Section:
    order = list(s["model_rank"]["model"])
    by_dataset = s["cost_by_dataset"]
    wide = _wide(by_dataset, by_dataset["fit_time_s"], order)
    return _Section(
        "cost",
        "Cost",
        [
            _table(
                s["cost"],
                {
                    "model": ("Model", None),
                    "runs": ("Runs", _int),
                    "fit_time_s": ("Fit time (s)", _sig),
                    "predict_time_s": ("Predict time (s)", _sig),
                    "predict_latency_us": ("Latency (µs/sample)", _sig),
                    "peak_memory_mb": ("Peak memory (MB)", _sig),
                    "model_size_kb": ("Model size (KB)", _sig),
                },
                "Per model, medians over datasets and seeds",
            ),
            _table(
                wide.reset_index(),
                {"dataset": ("Dataset", None), **{m: (m, _sig) for m in wide.columns}},
                "Mean fit time (s) per dataset",
            ),
        ],
    )


def _overfit_section(s: Mapping[str, pd.DataFrame]) -> _Section:
    by_model = s["overfit_by_model"]
    section = _Section(
        "overfitting",
        "Overfitting",
        [
            _table(
                s["overfit"],
                {
                    "dataset": ("Dataset", None),
                    "model": ("Model", None),
                    "train_accuracy": ("Train accuracy", _acc),
                    "test_accuracy": ("Test accuracy", _acc),
                    "overfit_gap": ("Gap (train − test)", _acc),
                },
                "Means over seeds",
            ),
            _table(by_model, {"model": ("Model", None), "overfit_gap": ("Mean gap", _acc)}, "Per model"),
        ],
    )
    top = by_model.dropna(subset=["overfit_gap"])
    if len(top):
        model, gap = top.iloc[0]["model"], _acc(top.iloc[0]["overfit_gap"])
        section.notes.append(f"{model} has the largest mean overfit gap ({gap}, train − test accuracy).")
    return section


def _gradient_section(s: Mapping[str, pd.DataFrame]) -> _Section:
    grads = s["gradients"]
    section = _Section("gradients", "Gradient flow (MLP)")
    if grads.empty:
        section.notes.append("No MLP runs with gradient statistics.")
        return section
    section.tables.append(
        _table(
            grads,
            {
                "model": ("Model", None),
                **{p: (label, None) for p, label in MLP_PARAMS.items()},
                "dataset": ("Dataset", None),
                "runs": ("Runs", _int),
                "grad_ratio_first_last": ("Grad ratio first/last", _sig),
                "epochs_run": ("Epochs run", _sig),
                "best_epoch": ("Best epoch", _sig),
            },
            "Means over seeds",
        )
    )
    low = int(grads["grad_ratio_first_last"].lt(VANISHING_RATIO).sum())
    section.notes.append(
        f"Ratios far below 1 (e.g. under {VANISHING_RATIO}) mean the first layer learns much more slowly "
        f"than the last (vanishing gradients); {low} of {len(grads)} configuration/dataset rows "
        f"are below {VANISHING_RATIO}."
    )
    return section


def _failure_section(s: Mapping[str, pd.DataFrame]) -> _Section:
    failures = s["failures"]
    section = _Section("failures", "Failures")
    if failures.empty:
        section.notes.append("No failures.")
    else:
        section.tables.append(
            _table(
                failures,
                {
                    "run_id": ("Run ID", None),
                    "dataset": ("Dataset", None),
                    "model": ("Model", None),
                    "seed": ("Seed", _int),
                    "status": ("Status", None),
                    "outcome": ("Outcome", None),
                    "error": ("Error", None),
                },
            )
        )
    return section


def _statistics_section(ok: pd.DataFrame) -> _Section:
    result = compare(ok)
    section = _Section("statistics", "Statistical comparison across datasets")
    section.notes.extend(result.reading())
    if not result.ok:
        return section
    ranks = result.ranks.rename("mean_rank").rename_axis("model").reset_index()
    section.tables.append(
        _table(ranks, {"model": ("Model", None), "mean_rank": ("Average rank", _sig)}, "Average rank (1 = best)")
    )
    pairs = result.pairwise_p.reindex(index=result.ranks.index, columns=result.ranks.index)
    section.tables.append(
        _table(
            pairs.rename_axis("model").reset_index(),
            {"model": ("Model", None), **{m: (m, _sig) for m in pairs.columns}},
            "Nemenyi post-hoc p-values (below 0.05: significantly different)",
            pairs.lt(0.05).reset_index(drop=True).reindex(columns=pairs.columns),
        )
    )
    section.add_figure("critical_difference", "Critical-difference diagram", plots.critical_difference(result))
    return section


def _claims_sections(table: pd.DataFrame) -> list[_Section]:
    """The claims overview (every report has one), then one section per claim where any claim was tested."""
    judged = judge_all(table)
    overview = _Section("claims", "Claims")
    rows = pd.DataFrame(
        {
            "number": [str(i) for i in range(1, len(judged) + 1)],
            "claim": [claim.title for claim, _ in judged],
            "verdict": [evidence.verdict for _, evidence in judged],
            "evidence": [evidence.sentence for _, evidence in judged],
        }
    )
    overview.tables.append(
        _table(
            rows,
            {
                "number": ("#", None),
                "claim": ("Claim", None),
                "verdict": ("Verdict", None),
                "evidence": ("Evidence", None),
            },
            "The article's claims and what this experiment says",
            pd.DataFrame({"verdict": [e.verdict != NO_EVIDENCE for _, e in judged]}),
        )
    )
    overview.notes.append(
        "Each verdict follows from a rule fixed before the sweeps ran (below, and in conf/experiment/claims/): "
        "supported, not supported or mixed. python -m bench experiment=claims runs the sweeps of all eight."
    )
    if all(e.verdict == NO_EVIDENCE for _, e in judged):
        return [overview]
    sections = [overview]
    for i, (claim, evidence) in enumerate(judged, 1):
        section = _Section(f"claim-{claim.name}", f"Claim {i}: {claim.title}")
        section.lead.append(f"Verdict: {evidence.verdict}. {evidence.sentence}")
        section.notes += [
            f"Claim: {claim.statement}",
            f"Measured: {claim.measure}",
            f"Rule (fixed before running): {claim.rule}",
        ]
        if evidence.runs:
            section.notes.append(
                f"Evidence: {evidence.runs} runs over {evidence.seeds} seeds "
                f"(experiment=claims/{', experiment=claims/'.join(claim.sweeps)})."
            )
        if not evidence.table.empty:
            frame = evidence.table.astype(str)
            section.tables.append(
                _table(
                    frame,
                    {c: (c, _text if c in evidence.numeric else None) for c in frame.columns},
                    "The numbers behind the verdict",
                )
            )
        for j, (caption, svg) in enumerate(evidence.figures):
            section.add_figure(f"claim_{claim.name}_{j}", caption, svg)
        sections.append(section)
    return sections


def _display(
    table: pd.DataFrame, context: Mapping[str, str], histories: Mapping[str, pd.DataFrame], curves: pd.DataFrame
) -> list[_Section]:
    has_claims = "params.claim" in table and table["params.claim"].notna().any()
    if has_claims and {"model_name", "dataset_name"} <= set(table.columns):
        # count models and datasets by name: the claims vary their settings, which would make each a variant
        sections = build_sections(table.assign(model=table["model_name"], dataset=table["dataset_name"]))
    else:
        sections = build_sections(table)
    summary = _summary_section(sections, context)
    if table.empty:
        summary.notes.insert(0, "No runs found.")
        return [summary, *_claims_sections(table)]
    claims = _claims_sections(table)
    failures = _failure_section(sections)
    if has_claims:
        # the claims' sweeps vary every setting at once: leaderboards and the like show only the other runs
        table = table[table["params.claim"].isna()]
        if table.empty:
            return [summary, *claims, failures]
        sections = build_sections(table)
    prepared = _prepare(table)
    ok = prepared[~prepared["failed"]]
    order = list(sections["model_rank"]["model"])
    leaderboard, cost, overfit = _leaderboard_section(sections), _cost_section(sections), _overfit_section(sections)
    gradients = _gradient_section(sections)
    cost.add_figure("pareto", "Test accuracy against fit time, with the Pareto front", plots.pareto(ok))
    overfit.add_figure("overfit_gap", "Train-test gap per dataset and model", plots.overfit_bars(ok, order))
    overfit.add_figure("mlp_loss", "MLP training and validation loss per epoch", plots.loss_curves(histories))
    overfit.add_figure(
        "learning_curves", "Learning curves: accuracy against training data", plots.learning_curves(curves)
    )
    gradients.add_figure("gradient_ratio_depth", "Gradient ratio against depth", plots.ratio_by_depth(ok))
    gradients.add_figure("gradient_heatmaps", "Per-layer gradient norm per epoch", plots.gradient_heatmaps(histories))
    return [summary, leaderboard, _statistics_section(ok), cost, overfit, gradients, *claims, failures]


# ---------------------------------------------------------------------------------------------------------
# Output


def _md(text: str) -> str:
    """Escape what would break a Markdown table cell or be taken as raw HTML."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _markdown(title: str, sections: list[_Section], images: Path) -> str:
    """Markdown with pipe tables; figures are written as SVG files into ``images`` and linked relatively."""
    lines = [f"# {_md(title)}", ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        for paragraph in section.lead:
            lines += [_md(paragraph), ""]
        for t in section.tables:
            if t.caption:
                lines += [f"### {_md(t.caption)}", ""]
            lines += [t.markdown() if t.rows else f"_{t.empty}_", ""]
        for note in section.notes:
            lines += [_md(note), ""]
        for figure in section.figures:
            images.mkdir(exist_ok=True)
            (images / f"{figure.key}.svg").write_text(figure.svg, encoding="utf-8")
            lines += [f"![{_md(figure.caption)}]({images.name}/{figure.key}.svg)", ""]
    return "\n".join(lines)


def write_reports(
    table: pd.DataFrame,
    out_dir: Path,
    name: str,
    context: Mapping[str, str],
    histories: Mapping[str, pd.DataFrame] | None = None,
    learning_curves: pd.DataFrame | None = None,
) -> tuple[Path, Path]:
    """Write ``out_dir/<name>.html`` (self-contained) and ``out_dir/<name>.md`` from the tidy table.

    Parameters
    ----------
    table
        The tidy per-run table (one row per MLflow run); may be empty.
    out_dir
        Folder to write into; created if missing.
    name
        File stem of both reports; characters other than letters, digits, ``.``, ``-``, ``_`` become ``_``.
    context
        Run-summary facts as strings (``experiment``, ``tracking_uri``, ``generated``,
        ``bench_version``, ``git_commit``, ``python``, ``platform``, ``versions``, or any other key);
        shown in the run summary, escaped.
    histories
        Per-epoch histories (``history.csv`` as DataFrames) of a few MLP runs, keyed by a display label:
        drawn as loss curves and gradient heatmaps.
    learning_curves
        Long table (dataset, model, family, split, percent, accuracy) of measured learning curves, if any.

    Returns
    -------
    tuple[pathlib.Path, pathlib.Path]
        Paths of the HTML and the Markdown report.
    """
    context = {k: str(v) for k, v in context.items()}
    sections = _display(table, context, histories or {}, pd.DataFrame() if learning_curves is None else learning_curves)
    title = "Benchmark report" + (f": {context['experiment']}" if context.get("experiment") else "")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", name).strip("._") or "report"  # e.g. MLflow's "/Shared/exp"
    html_path, md_path = out_dir / f"{stem}.html", out_dir / f"{stem}.md"
    html_path.write_text(
        TEMPLATES.get_template("report.html.j2").render(title=title, sections=sections), encoding="utf-8"
    )
    md_path.write_text(_markdown(title, sections, out_dir / f"{stem}_files"), encoding="utf-8")
    return html_path, md_path
