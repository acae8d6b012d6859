"""What a report reads beyond the runs' rows, carried in the exported table so that a report rebuilt from it
(``python -m bench report --from``) is the one MLflow gives: each finished tuned run's ``trials.csv``, and the
``history.csv`` and learning curves of the few runs a report draws, as text cells of that run's row.

The cells hold the artifacts' own text (the learning curves, which are metric histories, as JSON), read back as
the store's files are read, so that no number passes through another format on the way."""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bench.report.table import TRIALS, curve_runs, history_label, history_runs, labelled, tuned_runs

TRIALS_CELL, HISTORY_CELL, CURVE_CELL = "artifact.trials.csv", "artifact.history.csv", "artifact.learning_curve.json"
CELLS = (TRIALS_CELL, HISTORY_CELL, CURVE_CELL)
IDENTITY = ["run_id", "dataset", "model", "family", "seed", "fold"]  # of each trial, as load_trials gives it
SPLITS = ("train", "test")


def carry(uri: str, runs: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (the exported rows of ``runs``, by ``run_id``) with the three artifact columns: the runs a report
    built from ``runs`` reads, each cell empty where the store has no such file (the report leaves it out alike)."""
    import mlflow

    table = labelled(runs)
    client = mlflow.MlflowClient(tracking_uri=uri)
    cells: dict[str, dict[str, str]] = {name: {} for name in CELLS}
    with tempfile.TemporaryDirectory() as tmp:
        for i, run_id in enumerate(tuned_runs(table)["run_id"] if "protocol" in table else []):
            if (text := _artifact(client, run_id, "trials.csv", Path(tmp, f"t{i}"))) is not None:
                cells[TRIALS_CELL][run_id] = text
        for i, run_id in enumerate(history_runs(table)["run_id"]):
            if (text := _artifact(client, run_id, "history.csv", Path(tmp, f"h{i}"))) is not None:
                cells[HISTORY_CELL][run_id] = text
    for run_id in curve_runs(table)["run_id"]:
        points = {s: client.get_metric_history(run_id, f"learning_curve/{s}_accuracy") for s in SPLITS}
        cells[CURVE_CELL][run_id] = json.dumps({s: [[p.step, p.value] for p in ps] for s, ps in points.items()})
    frame = frame.copy()
    for name, by_run in cells.items():
        frame[name] = frame["run_id"].map(by_run).astype(object)
    return frame


def _artifact(client, run_id: str, name: str, folder: Path) -> str | None:
    """The text of one run's artifact, None where the store lost it (as the report's own reads skip it)."""
    try:
        return Path(client.download_artifacts(run_id, name, str(folder))).read_text(encoding="utf-8")
    except Exception:
        return None


@dataclass
class Unpacked:
    """A table read back: the runs as :func:`bench.report.table.load_runs` gives them and what the report reads
    beside them, as :func:`bench.report.build_report` reads them from MLflow."""

    table: pd.DataFrame
    histories: dict[str, pd.DataFrame] = field(default_factory=dict)
    curves: pd.DataFrame = field(default_factory=pd.DataFrame)
    trials: pd.DataFrame = field(default_factory=pd.DataFrame)
    missing: list[str] = field(default_factory=list)  # what the report leaves out, for want of a cell


def unpack(table: pd.DataFrame) -> Unpacked:
    """The runs without the artifact columns, and the histories, learning curves and trials those held."""
    cells = {name: table[name] if name in table else pd.Series(None, index=table.index, dtype=object) for name in CELLS}
    shown = labelled(table.drop(columns=[c for c in CELLS if c in table]))
    out = Unpacked(shown)
    chosen = history_runs(shown)
    for run in chosen.itertuples():
        if isinstance(text := cells[HISTORY_CELL][run.Index], str):
            out.histories[history_label(run)] = pd.read_csv(io.StringIO(text))
    out.curves = _curves(curve_runs(shown), cells[CURVE_CELL])
    tuned = tuned_runs(shown) if "protocol" in shown else shown.iloc[:0]
    out.trials = _trials(tuned, cells[TRIALS_CELL])
    lacking = {
        ("trials.csv", "the tuning curves"): _lacking(tuned, cells[TRIALS_CELL]),
        ("history.csv", "the MLP loss curves and gradient heatmaps"): _lacking(chosen, cells[HISTORY_CELL]),
        ("learning_curve/* histories", "the learning curves"): _lacking(curve_runs(shown), cells[CURVE_CELL]),
    }
    out.missing = [f"{what} of {n} ({used})" for (what, used), n in lacking.items() if n]
    return out


def _lacking(runs: pd.DataFrame, cells: pd.Series) -> str:
    """'' where every run has its cell, else how many lack it: '2 of 6 runs'."""
    n = int(cells.reindex(runs.index).isna().sum())
    return f"{n} of {len(runs)} run{'' if len(runs) == 1 else 's'}" if n else ""


def _curves(runs: pd.DataFrame, cells: pd.Series) -> pd.DataFrame:
    """The long table :func:`bench.report.table.load_learning_curves` builds, from the JSON cells."""
    rows = []
    for run in runs.itertuples():
        if not isinstance(text := cells[run.Index], str):
            continue
        points: Mapping[str, list] = json.loads(text)
        for split in SPLITS:
            for step, value in points.get(split, []):
                identity = {"dataset": run.dataset, "model": run.model, "family": run.family}
                rows.append({**identity, "split": split, "percent": step, "accuracy": value})
    return pd.DataFrame(rows)


def _trials(runs: pd.DataFrame, cells: pd.Series) -> pd.DataFrame:
    """The table :func:`bench.report.table.load_trials` builds, from the ``trials.csv`` cells."""
    frames = []
    for index, run in zip(runs.index, runs[IDENTITY].itertuples(index=False), strict=True):
        if isinstance(text := cells[index], str):
            trials = pd.read_csv(io.StringIO(text), usecols=lambda c: c in TRIALS)
            frames.append(trials.assign(**run._asdict()))
    if not frames:
        return pd.DataFrame(columns=[*IDENTITY, *TRIALS])
    return pd.concat(frames, ignore_index=True)[[*IDENTITY, *TRIALS]]
