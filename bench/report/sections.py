"""The report's sections, from the summary tables (:func:`bench.report.summaries.build_sections`) to display tables
and notes; the figures are added by :mod:`bench.report.render`."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from bench.report.claims import designs_run, judge_all
from bench.report.claims.rules import INCONCLUSIVE, INCONCLUSIVE_RULE, NO_EVIDENCE, NOISE_FACTOR, VANISHING_RATIO
from bench.report.display import Section, display_table
from bench.report.format import DASH, accuracy, cell, counted, integer, mean_std, number, significant, text

# render takes every section from here
from bench.report.stats.section import statistics_section as statistics_section
from bench.report.summaries import MLP_PARAMS

CONTEXT_LABELS = {
    "scope": "Scope",
    "wall_time": "Wall time",
    "commits": "Git commit (runs)",
    "experiment": "Experiment",
    "protocol": "Protocol",
    "tracking_uri": "Tracking URI",
    "generated": "Generated",
    "bench_version": "bench version",
    "git_commit": "Git commit (report)",
    "runs_commit": "Git commit (the claims' runs)",
    "rules_commit": "Claims rules' last change",
    "rules_changed": "Rules changed after the runs",
    "python": "Python",
    "platform": "Platform",
    "versions": "Library versions",
}


def _datasets_by_models(long: pd.DataFrame, values: pd.Series, order: list[str]) -> pd.DataFrame:
    """Datasets as rows, models as columns (in `order`)."""
    wide = long.assign(_v=values).pivot(index="dataset", columns="model", values="_v")
    return wide.reindex(columns=[m for m in order if m in wide.columns]).sort_index()


def summary_section(s: Mapping[str, pd.DataFrame], context: Mapping[str, str], *, protocol: str = "") -> Section:
    """The context (with ``protocol``, the runs' protocols in words: what every number below means) and counts."""
    context = {**context, "protocol": protocol} if protocol else context
    keys = [*(k for k in CONTEXT_LABELS if k in context), *(k for k in context if k not in CONTEXT_LABELS)]
    facts = pd.DataFrame(
        {
            "fact": [CONTEXT_LABELS.get(k, k.replace("_", " ").capitalize()) for k in keys],
            "value": [context[k] for k in keys],
        }
    )
    section = Section("summary", "Run summary")
    if keys:
        section.tables.append(display_table(facts, {"fact": ("Fact", None), "value": ("Value", None)}, "Context"))
    section.tables.append(display_table(s["summary"], {"item": ("Item", None), "value": ("Count", integer)}, "Counts"))
    section.notes.append("Failed: not FINISHED, or outcome “error”. Diverged runs count as results.")
    return section


def leaderboard_section(s: Mapping[str, pd.DataFrame], *, over: str = "over seeds", count: str = "Seeds") -> Section:
    """Accuracy per dataset and model; ``over`` says what a mean is over (``over folds``) and ``count`` heads the
    number of runs behind it."""
    lb, ranks = s["leaderboard"], s["model_rank"]
    order = list(ranks["model"])
    means = [mean_std(m, sd) for m, sd in zip(lb["test_accuracy_mean"], lb["test_accuracy_std"], strict=True)]
    cells = [mean + (" †" if d else "") for mean, d in zip(means, lb["diverged"], strict=True)]
    wide = _datasets_by_models(lb, pd.Series(cells, index=lb.index, dtype=object), order)
    best = _datasets_by_models(lb, lb["best"], order).reset_index()
    columns = {"dataset": ("Dataset", None), **{m: (m, text) for m in wide.columns}}
    empty = "No successful runs."
    all_metrics = {
        "dataset": ("Dataset", None),
        "model": ("Model", None),
        "n": (count, integer),
        "acc": ("Test accuracy", text),
        "test_accuracy_ci95": ("95% CI ± (corrected)", accuracy),
        "test_balanced_accuracy_mean": ("Balanced accuracy", accuracy),
        "test_f1_macro_mean": ("Macro F1", accuracy),
        "test_log_loss_mean": ("Log loss", accuracy),
        "diverged": ("Diverged", integer),
    }
    caption = f"Test accuracy, mean ± std {over} (best per dataset in bold)"
    section = Section(
        "leaderboard",
        "Leaderboard",
        [
            display_table(wide.reset_index(), columns, caption, bold=best, empty=empty),
            display_table(
                lb.assign(acc=means),
                all_metrics,
                f"All metrics (means {over})",
                bold=pd.DataFrame({"acc": lb["best"]}),
                empty=empty,
            ),
        ],
    )
    section.notes.append(
        "95% CI: the t interval of the mean over the splits with the corrected resampled variance (1/J + "
        "n_test/n_train), since the splits' training sets overlap; it says how far another draw of the splits could "
        "move the mean, not how far apart two models are (the statistics section tests that)."
    )
    if len(ranks):
        section.notes.append(
            "Models are ordered by mean accuracy rank across datasets: "
            + ", ".join(f"{m} ({number(r)})" for m, r in zip(ranks["model"], ranks["mean_rank"], strict=True))
            + "."
        )
    if n := int(lb["diverged"].sum()):
        are = "is" if n == 1 else "are"
        section.notes.append(f"{counted(n, 'diverged run')} {are} included in these results (cells marked †).")
    if n := len(s.get("timed_out", ())):
        cells = ", ".join(sorted({f"{r.model} on {r.dataset}" for r in s["timed_out"].itertuples()}))
        section.notes.append(
            f"{counted(n, 'run')} timed out (fit over protocol.fit_timeout_s) and have no accuracy: {cells}; "
            "they are counted in the run summary, not in these results."
        )
    return section


def cost_section(s: Mapping[str, pd.DataFrame]) -> Section:
    order = list(s["model_rank"]["model"])
    by_dataset = s["cost_by_dataset"]
    wide = _datasets_by_models(by_dataset, by_dataset["fit_time_s"], order)
    per_model = {
        "model": ("Model", None),
        "runs": ("Runs", integer),
        "fit_time_s": ("Fit time (s)", number),
        "predict_time_s": ("Predict time (s)", number),
        "predict_latency_us": ("Latency (µs/sample)", number),
        "peak_memory_mb": ("Peak memory (MB)", number),
        "model_size_kb": ("Model size (KB)", number),
    }
    return Section(
        "cost",
        "Cost",
        [
            display_table(s["cost"], per_model, "Per model, medians over datasets and seeds"),
            display_table(
                wide.reset_index(),
                {"dataset": ("Dataset", None), **{m: (m, number) for m in wide.columns}},
                "Mean fit time (s) per dataset",
            ),
        ],
    )


def overfit_section(s: Mapping[str, pd.DataFrame]) -> Section:
    by_model = s["overfit_by_model"]
    per_cell = {
        "dataset": ("Dataset", None),
        "model": ("Model", None),
        "train_accuracy": ("Train accuracy", accuracy),
        "test_accuracy": ("Test accuracy", accuracy),
        "overfit_gap": ("Gap (train − test)", accuracy),
    }
    section = Section(
        "overfitting",
        "Overfitting",
        [
            display_table(s["overfit"], per_cell, "Means over seeds"),
            display_table(by_model, {"model": ("Model", None), "overfit_gap": ("Mean gap", accuracy)}, "Per model"),
        ],
    )
    top = by_model.dropna(subset=["overfit_gap"])
    if len(top):
        model, gap = top.iloc[0]["model"], accuracy(top.iloc[0]["overfit_gap"])
        section.notes.append(f"{model} has the largest mean overfit gap ({gap}, train − test accuracy).")
    return section


def gradient_section(s: Mapping[str, pd.DataFrame]) -> Section:
    grads = s["gradients"]
    section = Section("gradients", "Gradient flow (MLP)")
    if grads.empty:
        section.notes.append("No MLP runs with gradient statistics.")
        return section
    columns = {
        "model": ("Model", None),
        **{p: (label, None) for p, label in MLP_PARAMS.items()},
        "dataset": ("Dataset", None),
        "runs": ("Runs", integer),
        "grad_ratio_first_last": ("Grad ratio first/last", number),
        "epochs_run": ("Epochs run", number),
        "best_epoch": ("Best epoch", number),
    }
    section.tables.append(display_table(grads, columns, "Means over seeds"))
    low = int(grads["grad_ratio_first_last"].lt(VANISHING_RATIO).sum())
    section.notes.append(
        f"Ratios far below 1 (e.g. under {VANISHING_RATIO}) mean the first hidden layer learns much more slowly "
        f"than the last (vanishing gradients); {low} of {len(grads)} configuration/dataset rows "
        f"are below {VANISHING_RATIO}."
    )
    return section


def failure_section(s: Mapping[str, pd.DataFrame]) -> Section:
    failures = s["failures"]
    section = Section("failures", "Failures")
    if failures.empty:
        section.notes.append("No failures.")
        return section
    columns = {
        "run_id": ("Run ID", None),
        "dataset": ("Dataset", None),
        "model": ("Model", None),
        "seed": ("Seed", integer),
        "status": ("Status", None),
        "outcome": ("Outcome", None),
        "error": ("Error", None),
    }
    section.tables.append(display_table(failures, columns))
    return section


QUICK = (
    "These runs are the quick design (experiment=claims_quick): the claims' sweeps on less data, fewer points, "
    "folds and seeds, to check that every sweep and judge runs. Its verdicts are not the article's answer: "
    "python -m bench experiment=claims runs the full design."
)


def _claims_overview(judged: list, designs: list[str]) -> Section:
    overview = Section("claims", "Claims")
    if "claims_quick" in designs:
        overview.lead.append(QUICK)
    rows = pd.DataFrame(
        {
            "number": [str(i) for i in range(1, len(judged) + 1)],
            "claim": [claim.title for claim, _ in judged],
            "verdict": [evidence.verdict for _, evidence in judged],
            "evidence": [evidence.sentence for _, evidence in judged],
        }
    )
    columns = {
        "number": ("#", None),
        "claim": ("Claim", None),
        "verdict": ("Verdict", None),
        "evidence": ("Evidence", None),
    }
    overview.tables.append(
        display_table(
            rows,
            columns,
            "The article's claims and what this experiment says",
            bold=pd.DataFrame({"verdict": [e.verdict != NO_EVIDENCE for _, e in judged]}),
        )
    )
    overview.notes.append(
        "Each verdict follows from a rule fixed before the sweeps ran (below, and in conf/experiment/claims/): "
        f"supported, not supported, mixed or {INCONCLUSIVE}. {INCONCLUSIVE_RULE} Noise is the corrected resampled "
        "standard error (Nadeau and Bengio: the splits' training sets overlap). python -m bench experiment=claims "
        "runs the sweeps of all eight."
    )
    return overview


def _checks_table(checks) -> object:
    """Each quantity the rule compares with a threshold, against its split noise."""
    rows = pd.DataFrame(
        {
            "part": [c.label for c in checks],
            "measured": [significant(c.value, 3) for c in checks],
            "threshold": [significant(c.threshold, 3) for c in checks],
            "noise": [significant(c.noise, 2) for c in checks],
            "n": [str(c.n) for c in checks],
            "above": [DASH if c.threshold == 0 else cell(c.above_noise) for c in checks],
            "stable": [cell(c.stable) for c in checks],
        }
    )
    columns = {
        "part": ("Quantity", None),
        "measured": ("Measured", text),
        "threshold": ("Threshold", text),
        "noise": ("Noise (corrected standard error)", text),
        "n": ("Replicates", text),
        "above": (f"Threshold above {NOISE_FACTOR:g} x noise", None),
        "stable": (f"Measured over {NOISE_FACTOR:g} x noise from threshold", None),
    }
    return display_table(rows, columns, "The rule's quantities against their split noise")


def claims_sections(table: pd.DataFrame) -> list[Section]:
    """The claims overview (every report has one), then one section per claim where any claim was tested."""
    judged = judge_all(table)
    overview = _claims_overview(judged, designs_run(table))
    if all(e.verdict == NO_EVIDENCE for _, e in judged):
        return [overview]
    sections = [overview]
    for i, (claim, evidence) in enumerate(judged, 1):
        section = Section(f"claim-{claim.name}", f"Claim {i}: {claim.title}")
        section.lead.append(f"Verdict: {evidence.verdict}. {evidence.sentence}")
        section.notes += [
            f"Claim: {claim.statement}",
            f"Measured: {claim.measure}",
            f"Rule (fixed before running): {claim.rule}",
        ]
        if evidence.runs:
            section.notes.append(
                f"Evidence: {counted(evidence.runs, 'run')} over {counted(evidence.seeds, 'seed')} "
                f"(experiment=claims/{', experiment=claims/'.join(claim.sweeps)})."
            )
        if not evidence.table.empty:
            frame = evidence.table.astype(str)
            columns = {c: (c, text if c in evidence.numeric else None) for c in frame.columns}
            section.tables.append(display_table(frame, columns, "The numbers behind the verdict"))
        if evidence.checks:
            section.tables.append(_checks_table(evidence.checks))
        for j, (caption, svg) in enumerate(evidence.figures):
            section.add_figure(f"claim_{claim.name}_{j}", caption, svg)
        sections.append(section)
    return sections
