"""What a sweep leaves behind when it ends: its parent run filled in (the command, counts a user can sort sweeps
by, a description, the leaderboard of its runs as an artifact), the reports, and the lines that say where
everything is."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig

from bench.plan import Plan
from bench.tracking import Store, redact

UI_QUERY = "runs?workflowType=machine_learning"  # the MLflow UI's model-training view of an experiment's runs


def parent_params(config: DictConfig, plan: Plan | None) -> dict[str, str]:
    """The parent run's params: what the sweep was asked to do."""
    launcher = str(config.hydra.get("launcher", {}).get("_target_", "")).rpartition(".")[2]
    params = {"sweep.launcher": launcher or "unknown", "sweep.experiment": str(config.tracking.experiment)}
    if plan is not None:
        params |= {
            "sweep.command": plan.command,
            "sweep.jobs": str(plan.jobs),
            "sweep.runs": str(len(plan.keys)),
            "sweep.protocol": ", ".join(plan.protocols),
            "sweep.rerun": str(plan.rerun).lower(),
        }
    return params


def sweep_runs(table: pd.DataFrame, keys: set[str]) -> pd.DataFrame:
    """The sweep's own runs among the experiment's: those it made, and the finished runs it reused."""
    return table[table["run_key"].isin(keys)] if not table.empty else table


def leaderboard(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean test accuracy per dataset and model (labelled with its variant) over the runs that scored."""
    from bench.report.summaries import prepare, scored
    from bench.report.table import labelled

    ok = scored(prepare(labelled(runs))) if not runs.empty else runs
    if ok.empty:
        return pd.DataFrame()
    board = ok.pivot_table(index="dataset", columns="model", values="test_accuracy", aggfunc="mean")
    return board.round(3).rename_axis(index="dataset", columns=None)


def counts(children: list, own: pd.DataFrame, plan: Plan | None, elapsed: float) -> dict[str, float]:
    """The parent's metrics: runs made now, reused, failed, diverged and timed out, wall time, and the sweep's
    mean test accuracy and total fit time, by which sweeps can be sorted in the MLflow UI."""
    outcome = [r.data.tags.get("bench.outcome") for r in children]
    failed = sum(r.info.status != "FINISHED" or o == "error" for r, o in zip(children, outcome, strict=True))
    found = {
        "runs_made": len(children),
        "runs_failed": failed,
        "runs_diverged": outcome.count("diverged"),
        "runs_timed_out": outcome.count("timeout"),
        "wall_time_s": round(elapsed, 3),
    }
    if plan is not None:
        found["runs_planned"] = len(plan.keys)
        found["runs_reused"] = max(len(set(plan.keys)) - len(children), 0)
    scored = own[own["status"].eq("FINISHED")] if not own.empty else own
    for metric, how in (("test_accuracy", "mean"), ("fit_time_s", "sum")):
        if not scored.empty and metric in scored and scored[metric].notna().any():
            found[f"{metric}_{how}"] = float(getattr(scored[metric], how)())
    return found


def note(plan: Plan | None, found: dict[str, float]) -> str:
    """The parent run's description in the MLflow UI (Markdown)."""
    from bench.report.format import counted

    command = f"`{plan.command}`" if plan else "a sweep started outside `python -m bench`"
    reused = f", {int(found['runs_reused'])} reused from earlier sweeps" if found.get("runs_reused") else ""
    lines = [
        f"**Sweep** {command}",
        "",
        f"{counted(int(found['runs_made']), 'run')} made{reused}, {int(found['runs_failed'])} failed."
        + (f" Protocol: {', '.join(plan.protocols)}." if plan else ""),
        "",
        "Each job is a child run named `<dataset>/<model>/seed=<s>`; the leaderboard of the sweep's runs (mean test "
        "accuracy per dataset and model) is this run's artifact `leaderboard.md`.",
    ]
    return "\n".join(lines)


def record_sweep(store: Store, parent: str, plan: Plan | None, elapsed: float, out: Path | None) -> bool:
    """Fill in and close the parent run, print the sweep's summary, write the reports into ``out`` (None: no
    reports); False where a run failed or the reports could not be written."""
    from bench.report.format import counted
    from bench.report.table import load_runs

    children = store.children(parent)
    table = load_runs(store.uri, store.experiment)
    keys = set(plan.keys) if plan else {r.data.tags.get("bench.run_key") for r in children}
    own = sweep_runs(table, keys)
    found = counts(children, own, plan, elapsed)
    board = leaderboard(own)
    files = {"leaderboard.md": board.to_markdown() if not board.empty else "No runs scored.\n"}
    if not board.empty:
        files["leaderboard.csv"] = board.to_csv()
    if plan is not None:
        files["sweep.json"] = json.dumps(plan.record(), indent=2)
    store.log(parent, metrics=found, tags={"mlflow.note.content": note(plan, found)})
    store.log_texts(parent, files)
    failed = [r for r in children if r.info.status != "FINISHED"]
    store.end_run(parent, "FAILED" if failed else "FINISHED")
    reused = f"; {counted(found['runs_reused'], 'run')} reused from earlier sweeps" if found.get("runs_reused") else ""
    late = f", {int(found['runs_timed_out'])} timed out" if found["runs_timed_out"] else ""
    print(f"\n{counted(len(children), 'run')} in {elapsed:.0f}s, {len(failed)} failed{late}{reused}")
    for run in failed:
        print(f"  FAILED {run.info.run_name}: {run.data.tags.get('bench.error', run.info.status)}")
    written = out is None or write_reports(store, out, table)
    where(store)
    return not failed and written


def all_recorded(plan: Plan) -> Store | None:
    """The store, where every run of the plan has a finished run in it and the plan does not ask to rerun them:
    such a sweep has nothing to run and makes no parent run. None otherwise."""
    from bench.tracking import open_store, resolve_uri, sqlite_path

    uri = resolve_uri(plan.uri)
    if plan.rerun or ((db := sqlite_path(uri)) is not None and not db.exists()):
        return None
    store = open_store(uri, plan.experiment)
    return store if all(store.find_finished(key) is not None for key in dict.fromkeys(plan.keys)) else None


def nothing_to_run(store: Store, plan: Plan) -> None:
    """A sweep whose runs are all recorded: say so, write the reports, say where everything is."""
    from bench.report.format import counted

    runs = counted(len(set(plan.keys)), "run")
    print(
        f"nothing to run: all {runs} of this sweep are recorded in experiment '{store.experiment}' "
        "(rerun=true repeats them)"
    )
    if plan.report_dir is not None:
        write_reports(store, Path(plan.report_dir))
    where(store)


def write_reports(store: Store, out: Path, table: pd.DataFrame | None = None) -> bool:
    """The experiment's reports into ``out``; False, with one line, where they cannot be written (the runs are
    recorded; ``python -m bench report --out DIR`` writes them later)."""
    from bench.report import build_report

    try:
        html, md = build_report(store.uri, store.experiment, out, table=table)
    except OSError as exc:
        print(f"error: cannot write the reports to {str(out)!r}: {exc.strerror or exc}", flush=True)
        return False
    print(f"reports: {html}\n         {md}")
    return True


def where(store: Store) -> None:
    """The store, and the command that opens its runs in the MLflow UI."""
    print(f"store:   {redact(store.uri)}")
    print(f"compare: {ui_command(store)}", flush=True)


def ui_command(store: Store) -> str:
    """A command that works as printed, from any shell: this Python's own path (a virtual environment's too)."""
    if store.uri.startswith(("http://", "https://")):
        return f"open {ui_url(redact(store.uri), store.experiment_id)}"
    return shlex.join(
        [sys.executable, "-m", "bench", "ui", "--tracking-uri", store.uri, "--experiment", store.experiment]
    )


def ui_url(base: str, experiment_id: str) -> str:
    """The experiment's runs in the MLflow UI, in its model-training view (the UI opens on GenAI otherwise)."""
    return f"{base.rstrip('/')}/#/experiments/{experiment_id}/{UI_QUERY}"
