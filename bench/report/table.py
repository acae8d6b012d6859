"""The tidy results table: one row per job run, failures included, read from MLflow in one paged query."""

from __future__ import annotations

import platform
import time

import pandas as pd

from bench import protocol
from bench.data import FACTS
from bench.data.meta import PREFIX as META_PREFIX
from bench.report import protocols
from bench.report.protocols import tagged

IDENTITY = {
    "tags.bench.dataset": "dataset",
    "tags.bench.dataset_variant": "dataset_variant",
    "tags.bench.model": "model",
    "tags.bench.variant": "variant",
    "tags.bench.family": "family",
    "tags.bench.protocol": "protocol",
    "tags.bench.seed": "seed",
    "tags.bench.fold": "fold",
    "tags.bench.outcome": "outcome",
    "tags.bench.error": "error",
    "tags.bench.run_key": "run_key",
    "tags.bench.git_commit": "git_commit",
    "tags.mlflow.parentRunId": "parent_run_id",
    "tags.mlflow.runName": "run_name",
}
COLUMNS = ["run_id", "status", "start_time", "end_time", *IDENTITY.values()]
LABELS = ("dataset_name", "model_name")  # a report's plain names beside its labels in ``dataset`` and ``model``
VARIANTS = {"model": "variant", "dataset": "dataset_variant"}  # the column that tells a configuration apart
RENAMED = {  # the MLP's curves, by the names runs recorded before
    "loss/train": "training/loss",
    "loss/val": "training/val_loss",
    "accuracy/train": "training/accuracy",
    "accuracy/val": "training/val_accuracy",
}
MODEL_IGNORED = ("params.model.random_state", "params.model.verbose")  # never tell two configurations apart
# the data's measured facts (rows, ...) follow from its settings: variants are named by the settings; runs recorded
# before the class counts moved to dataset.json had them as a param
DATASET_IGNORED = tuple(f"params.dataset.{key}" for key in (*FACTS, "class_counts"))
META = f"params.{META_PREFIX}"  # the data's meta-features (bench.data.meta): measured, numbers, never a variant
OLD_PREFIXES = tuple(f"metrics.{p}/" for p in ("grad_norm", "update_ratio", "dead_frac", "saturated_frac", "grad_rms"))
TRIALS = ["number", "state", "val_accuracy", "test_accuracy", "seconds"]  # of trials.csv; its params stay behind


def load_runs(uri: str, experiment: str, filter_string: str = "") -> pd.DataFrame:
    """Job runs of ``experiment`` as a tidy DataFrame; a rerun of a job replaces its earlier run.

    Raises ``ValueError`` naming the experiment when the store does not hold it, or the filter when MLflow rejects
    it.
    """
    import mlflow

    from bench.tracking import experiment_id

    client = mlflow.MlflowClient(tracking_uri=uri)
    found = experiment_id(uri, experiment)
    try:
        raw = runs_frame(client, found, filter_string)
    except mlflow.exceptions.MlflowException as exc:
        if not filter_string or exc.error_code != "INVALID_PARAMETER_VALUE":
            raise
        raise ValueError(f"invalid filter {filter_string!r}") from exc  # one_line adds MLflow's reason
    return tidy(raw)


def runs_frame(client, experiment: str, filter_string: str = "") -> pd.DataFrame:
    """Every run of an experiment as one row, in the columns ``mlflow.search_runs`` gives (``run_id``, ``status``,
    ``start_time``, ``end_time``, ``metrics.*``, ``params.*``, ``tags.*``), read page by page through the client
    of this store (the fluent ``mlflow.search_runs`` reads the process's global tracking URI)."""
    rows, token = [], None
    while True:
        page = client.search_runs([experiment], filter_string=filter_string, max_results=10_000, page_token=token)
        for run in page:
            rows.append(
                {
                    "run_id": run.info.run_id,
                    "status": run.info.status,
                    "start_time": run.info.start_time,
                    "end_time": run.info.end_time,
                    **{f"metrics.{k}": v for k, v in run.data.metrics.items()},
                    **{f"params.{k}": v for k, v in run.data.params.items()},
                    **{f"tags.{k}": v for k, v in run.data.tags.items()},
                }
            )
        token = page.token
        if not token:
            break
    frame = pd.DataFrame(rows)
    for column in ("start_time", "end_time"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
    return frame


def tidy(raw: pd.DataFrame) -> pd.DataFrame:
    """``mlflow.search_runs`` output -> identity columns, metrics by their own names, ``params.*`` kept."""
    if raw.empty or "tags.bench.run_key" not in raw:
        return pd.DataFrame(columns=COLUMNS)
    runs = raw[raw["tags.bench.run_key"].notna()].rename(columns=IDENTITY)  # parent sweep runs have no key
    runs = older_metric_names(runs)
    metrics = {c: c.removeprefix("metrics.") for c in runs.columns if c.startswith("metrics.")}
    runs = runs.rename(columns=metrics)
    for column in ("protocol", "fold", *VARIANTS.values()):  # tags that runs recorded before them lack
        if column not in runs:
            runs[column] = None
    keep = [c for c in COLUMNS if c in runs] + list(metrics.values())
    keep += [c for c in runs.columns if c.startswith("params.")]
    runs = runs[keep].copy()
    for column in [c for c in runs.columns if c.startswith(META)]:  # numbers, to correlate with results
        runs[column] = pd.to_numeric(runs[column], errors="coerce").astype(float)
    runs["seed"] = pd.to_numeric(runs["seed"], errors="coerce").astype("Int64")
    runs["fold"] = pd.to_numeric(runs["fold"], errors="coerce").astype("Int64")
    runs["protocol"] = runs["protocol"].fillna(protocol.DEFAULT).astype(str)
    finished_first = runs.assign(_done=runs["status"].eq("FINISHED")).sort_values(["_done", "start_time"])
    runs = finished_first.drop_duplicates("run_key", keep="last").drop(columns="_done").reset_index(drop=True)
    runs = older_variants(runs, "model", ignore=MODEL_IGNORED)
    return unbound_caps(older_variants(runs, "dataset", ignore=DATASET_IGNORED))


def unbound_caps(runs: pd.DataFrame) -> pd.DataFrame:
    """A row cap above the rows a dataset has keeps all of them: the run is the whole dataset, not a variant of it.
    A benchmark that caps every set at 1,500 rows labels only the sets it cut (``letter max_samples=1500``, plain
    ``german``)."""
    if "params.dataset.max_samples" not in runs or "params.dataset.rows" not in runs:
        return runs
    cap = pd.to_numeric(runs["params.dataset.max_samples"], errors="coerce")
    kept_all = pd.to_numeric(runs["params.dataset.rows"], errors="coerce").lt(cap)
    variant = runs.loc[kept_all, "dataset_variant"].astype(str)
    runs.loc[kept_all, "dataset_variant"] = variant.str.replace(r"(^| )max_samples=\S+", "", regex=True).str.strip()
    return runs


def older_metric_names(runs: pd.DataFrame) -> pd.DataFrame:
    """Runs recorded before the MLP's training metrics were named ``training/...``: their values under today's
    names, so that a report reads old and new runs alike."""
    from bench.metrics import MLP_SUMMARIES

    renamed = {f"metrics.{old}": f"metrics.{new}" for old, new in RENAMED.items()}
    renamed |= {f"metrics.{name.removeprefix('training/')}": f"metrics.{name}" for name in MLP_SUMMARIES}
    renamed |= {c: f"metrics.training/{c.removeprefix('metrics.')}" for c in runs if c.startswith(OLD_PREFIXES)}
    for old, new in renamed.items():
        if old in runs:
            runs[new] = runs[new].combine_first(runs[old]) if new in runs else runs[old]
            runs = runs.drop(columns=old)
    return runs


def designed(runs: pd.DataFrame) -> pd.DataFrame:
    """A designed sweep's runs (a claim's) labelled by what varies among them alone: ``dataset`` is
    ``classification noise_features=100`` where the sweep varies the noise and plain ``linear`` where it varies
    nothing of that set, whatever each changes from its config's defaults; ``model`` likewise. The plain names stay
    in ``model_name`` and ``dataset_name``."""
    runs = runs.copy()
    for column, variant in VARIANTS.items():
        runs[column] = runs[f"{column}_name"] if f"{column}_name" in runs else runs[column]
        runs[f"{column}_name"] = runs[column]
        runs[variant] = None
    runs = older_variants(older_variants(runs, "model", ignore=MODEL_IGNORED), "dataset", ignore=DATASET_IGNORED)
    for column, variant in VARIANTS.items():
        named = runs[variant].eq("")
        runs[column] = runs[column].astype(str).where(named, runs[column].astype(str) + " " + runs[variant])
    return runs


def metric_columns(table: pd.DataFrame) -> list[str]:
    """The tidy table's metric columns: everything that is neither identity, label nor ``params.*``."""
    return [c for c in table.columns if c not in COLUMNS and c not in LABELS and not c.startswith("params.")]


def older_variants(runs: pd.DataFrame, column: str, ignore: tuple[str, ...] = ()) -> pd.DataFrame:
    """Runs recorded before runs carried their variant: a model (or dataset) swept over its own parameters is told
    apart by the parameters that vary among those runs (``dropout=0.5 weight_decay=0.1``). Runs with a variant
    tag keep it, and their variant never depends on other runs."""
    target = VARIANTS[column]
    older = runs[target].isna()
    runs[target] = runs[target].astype(object).fillna("")
    prefix = f"params.{column}."
    params = [c for c in runs.columns if c.startswith(prefix) and c not in ignore and not c.startswith(META)]
    for _, group in runs[older].groupby(column):
        varying = [c for c in params if group[c].nunique() > 1]
        if varying:
            values = group[sorted(varying)].map(_short)
            runs.loc[group.index, target] = values.radd([f"{c.removeprefix(prefix)}=" for c in sorted(varying)]).agg(
                " ".join, axis=1
            )
    return runs


def labelled(table: pd.DataFrame) -> pd.DataFrame:
    """The table as a report shows it: ``model`` and ``dataset`` become labels with their variants
    (``svm C=10``), a tuned model's label says so (``svm tuned``), and the plain names move to ``model_name`` and
    ``dataset_name``. Each label is a function of its run alone; only a model run under both untuned protocols
    (holdout and cv) in one table names the protocol too (``svm cv``), since those results cannot be pooled."""
    if "model_name" in table or not {"model", "dataset"} <= set(table.columns):  # labelled already, or no runs
        return table
    table = table.copy()
    for column, variant in VARIANTS.items():
        table[f"{column}_name"] = table[column]
        if variant in table:
            suffix = table[variant].fillna("").astype(str)
            table[column] = table[column].astype(str).where(suffix.eq(""), table[column].astype(str) + " " + suffix)
    if "protocol" not in table:
        return table
    names, tuned = tagged(table)["protocol"], protocols.tuned(table)
    untuned = table[~tuned].assign(protocol=names).groupby("model")["protocol"].nunique()
    mixed = table["model"].map(untuned).gt(1) & ~tuned
    table.loc[mixed, "model"] = table.loc[mixed, "model"] + " " + names[mixed]
    table.loc[tuned, "model"] = table.loc[tuned, "model"] + " " + names[tuned]
    return table


def load_histories(uri: str, table: pd.DataFrame, limit: int = 6) -> dict[str, pd.DataFrame]:
    """Per-epoch ``history.csv`` of up to ``limit`` MLP runs, one per MLP variant and dataset (lowest seed), so
    a report costs at most ``limit`` artifact reads however many runs the experiment holds."""
    import tempfile

    import mlflow

    chosen = history_runs(table, limit)
    if chosen.empty:
        return {}
    client = mlflow.MlflowClient(tracking_uri=uri)
    histories = {}
    with tempfile.TemporaryDirectory() as tmp:
        for run in chosen.itertuples():
            try:
                path = client.download_artifacts(run.run_id, "history.csv", tmp)
            except Exception:  # an artifact store that lost a file costs a figure, not the report
                continue
            histories[history_label(run)] = pd.read_csv(path)
    return histories


def history_runs(table: pd.DataFrame, limit: int = 6) -> pd.DataFrame:
    """The MLP runs whose ``history.csv`` a report draws: one per MLP variant and dataset (lowest seed)."""
    if table.empty or "training/grad_ratio_first_last" not in table:
        return table.iloc[:0]
    mlp = table[table["status"].eq("FINISHED") & table["training/grad_ratio_first_last"].notna()]
    return mlp.sort_values(["model", "dataset", "seed"]).drop_duplicates(["model", "dataset"]).head(limit)


def history_label(run) -> str:
    return f"{run.model} on {run.dataset} (seed {run.seed})"


def load_trials(uri: str, table: pd.DataFrame) -> pd.DataFrame:
    """Every finished tuned run's ``trials.csv``, one row per trial with the run's identity: one artifact read per
    tuned run and no cap, since a tuning curve drawn from a sample of the runs would not be the benchmark's. A run
    whose file is gone is left out; the tuning section counts it."""
    import tempfile

    import mlflow

    identity = ["run_id", "dataset", "model", "family", "seed", "fold"]
    if table.empty or "protocol" not in table:
        return pd.DataFrame(columns=[*identity, *TRIALS])
    tuned = tuned_runs(table)
    client = mlflow.MlflowClient(tracking_uri=uri)
    frames = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, run in enumerate(tuned[identity].itertuples(index=False)):
            try:  # each run into its own folder: the files share one name
                path = client.download_artifacts(run.run_id, "trials.csv", f"{tmp}/{i}")
            except Exception:  # an artifact store that lost a file costs a run's curve, not the report
                continue
            trials = pd.read_csv(path, usecols=lambda c: c in TRIALS)
            frames.append(trials.assign(**run._asdict()))
    if not frames:
        return pd.DataFrame(columns=[*identity, *TRIALS])
    return pd.concat(frames, ignore_index=True)[[*identity, *TRIALS]]


def tuned_runs(table: pd.DataFrame) -> pd.DataFrame:
    """The finished tuned runs, whose ``trials.csv`` the tuning section reads."""
    return table[table["status"].eq("FINISHED") & protocols.tuned(table)]


def load_learning_curves(uri: str, table: pd.DataFrame, limit: int = 12) -> pd.DataFrame:
    """Learning curves (``learning_curve/*`` metrics, step = percent of the training split) of up to ``limit``
    runs, one per model and dataset (lowest seed): two metric-history queries per run, bounded."""
    import mlflow

    chosen = curve_runs(table, limit)
    if chosen.empty:
        return pd.DataFrame()
    client = mlflow.MlflowClient(tracking_uri=uri)
    rows = []
    for run in chosen.itertuples():
        for split in ("train", "test"):
            for point in client.get_metric_history(run.run_id, f"learning_curve/{split}_accuracy"):
                rows.append(
                    {
                        "dataset": run.dataset,
                        "model": run.model,
                        "family": run.family,
                        "split": split,
                        "percent": point.step,
                        "accuracy": point.value,
                    }
                )
    return pd.DataFrame(rows)


def curve_runs(table: pd.DataFrame, limit: int = 12) -> pd.DataFrame:
    """The runs whose learning curves a report draws: one per model and dataset (lowest seed)."""
    column = "learning_curve/test_accuracy"
    if table.empty or column not in table:
        return table.iloc[:0]
    measured = table[table["status"].eq("FINISHED") & table[column].notna()]
    return measured.sort_values(["dataset", "model", "seed"]).drop_duplicates(["dataset", "model"]).head(limit)


def _short(value: object) -> str:
    """``[64, 64, 64]`` -> ``3x64``: layer lists of equal widths read as depth x width."""
    text = str(value)
    widths = text.strip("[]").replace(" ", "").split(",")
    if text.startswith("[") and len(widths) > 1 and len(set(widths)) == 1 and widths[0].isdigit():
        return f"{len(widths)}x{widths[0]}"
    return text


RULES = "bench/report/claims/rules.py"


def rules_provenance(table: pd.DataFrame) -> dict[str, str]:
    """For a table with claim runs: the commit(s) that ran them, the commit of the rules file's last change, and
    whether the rules changed after the runs (the rules' commit not in the runs' history)."""
    from bench import environment

    if table.empty or "params.claim" not in table or "git_commit" not in table:
        return {}
    commits = table.loc[table["params.claim"].notna(), "git_commit"].dropna().value_counts()
    if commits.empty:
        return {}
    rules = environment.last_change(RULES)
    shown = ", ".join(f"{c[:12]} ({n} runs)" for c, n in commits.items()) if len(commits) > 1 else commits.index[0]
    facts = {"runs_commit": shown, "rules_commit": rules or "unknown"}
    before = [environment.is_ancestor(rules, c) for c in commits.index] if rules else [None]
    if all(b is True for b in before):
        facts["rules_changed"] = f"no: {RULES} last changed in {rules[:12]}, before every run"
    elif any(b is False for b in before):
        facts["rules_changed"] = (
            f"YES: {RULES} last changed in {rules[:12]}, after runs made at "
            f"{', '.join(c[:12] for c, b in zip(commits.index, before, strict=True) if b is False)}"
        )
    else:
        facts["rules_changed"] = "unknown: git cannot compare the runs' commits with the rules' last change"
    return facts


def report_context(uri: str, experiment: str) -> dict[str, str]:
    """Facts for the report's run summary: where the runs are, and what produced the report."""
    from bench import environment
    from bench.tracking.schema import redact

    info, libraries = environment.versions(), environment.LIBRARIES
    return {
        "experiment": experiment,
        "tracking_uri": redact(uri),
        "generated": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),  # the same on every machine's clock
        "bench_version": info["bench.version"],
        "git_commit": info["bench.git_commit"],
        "python": platform.python_version(),
        "platform": environment.platform_line(),
        "versions": ", ".join(f"{name} {environment.package_version(name, '(not installed)')}" for name in libraries),
    }
