"""The MLflow store: one experiment in one tracking store, its SQLite settings, and writes retried where parallel
jobs collide.

Everything goes through an explicit ``MlflowClient`` (no global active run), so jobs in other processes and
other launchers log the same way. Values are written in batches: on SQLite each call is a transaction.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from bench import _compat
from bench.timing import timed
from bench.tracking.schema import owner, redact

BATCH_METRICS, BATCH_PARAMS = 1000, 100  # MLflow's log_batch limits
EXPERIMENT_TAGS = {"mlflow.experimentKind": "custom_model_development"}  # model training, not GenAI traces
DESCRIPTION = """**bench**: when does a neural network trained by backpropagation beat decision trees, SVMs and
k-NN, at what cost, and why does it fail when it fails?

- Each sweep is a parent run `sweep-<date>-<time>` holding its command, counts, and the leaderboard of its runs
  (artifact `leaderboard.md`); each job is a child run `<dataset>/<model>/seed=<s>` (`/fold=<f>` under
  cross-validation). Expand a sweep to see its jobs; select runs of several models and press *Compare*.
- Every family logs the same final metrics: `test_accuracy`, `train_accuracy`, `overfit_gap`, `fit_time_s`,
  `predict_latency_us`, ... The MLP adds `training/*`: per-epoch loss, validation accuracy and per-layer gradient
  norms (line charts), and summaries such as `training/grad_ratio_first_last` (far below 1: vanishing gradients).
- Tags `bench.model`, `bench.variant` (what a run changes from its model config), `bench.dataset`, `bench.seed`,
  `bench.protocol` group and filter runs.
"""


def resolve_uri(uri: str, base: str | os.PathLike | None = None) -> str:
    """Make a relative ``sqlite:///file`` URI absolute against ``base`` (default: the working directory)."""
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri.startswith(prefix + "/"):
        return prefix + str((Path(base or os.getcwd()) / uri[len(prefix) :]).resolve())
    return uri


def check_reachable(uri: str, timeout: float = 5.0) -> None:
    """For a tracking server, fail in seconds with one line instead of MLflow's minutes of retries."""
    if not uri.startswith(("http://", "https://")):
        return
    import base64
    import urllib.error
    import urllib.request
    from urllib.parse import unquote, urlsplit, urlunsplit

    # urllib takes ``user:password@`` for part of the host name: the credentials go in a header instead
    parts = urlsplit(uri)
    request = urllib.request.Request(
        f"{urlunsplit(parts._replace(netloc=parts.netloc.rpartition('@')[2])).rstrip('/')}/health"
    )
    if parts.username is not None:
        token = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        request.add_header("Authorization", "Basic " + base64.b64encode(token.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return
    except urllib.error.HTTPError:
        return  # it answers; authentication or routing is MLflow's to report
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ValueError(f"cannot reach the MLflow tracking server at {redact(uri)}: {reason}") from None


def check_store(uri: str) -> None:
    """An existing SQLite store must be a sound database: one line instead of MLflow's traceback, and the file is
    opened read-only, so a damaged store is left as it was for recovery."""
    import sqlite3
    from contextlib import closing

    db = sqlite_path(uri)
    if db is None or not db.exists():
        return
    try:
        with closing(sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True, timeout=30)) as connection:
            problem = connection.execute("pragma quick_check(1)").fetchone()[0]
    except sqlite3.Error as exc:
        problem = str(exc)
    if problem != "ok":
        raise ValueError(
            f"tracking store {str(db)!r} is not a readable SQLite database ({problem}); "
            f"move it aside or choose another tracking.uri"
        )


def experiment_id(uri: str, name: str) -> str:
    """The id of an existing experiment; ``ValueError`` naming the experiments there otherwise."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    found = client.get_experiment_by_name(name)
    if found is None or found.lifecycle_stage == "deleted":
        names = sorted(e.name for e in client.search_experiments())
        raise ValueError(f"unknown experiment {name!r} in {redact(uri)}; choose from: {', '.join(names) or 'none'}")
    return found.experiment_id


def sqlite_path(uri: str) -> Path | None:
    return Path(uri[len("sqlite:///") :]) if uri.startswith("sqlite:///") else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


TRANSIENT = ("database is locked",)  # SQLite: another job holds the write lock
# two jobs logging the same dataset at once both try to insert it; the second attempt finds it there
DATASET_RACE = ("database is locked", "UNIQUE constraint failed: datasets.")


def _retry(call, *args, transient: tuple[str, ...] = TRANSIENT, **kwargs):
    """Call an MLflow write, retrying on errors that parallel jobs cause and time resolves."""
    for attempt in range(10):
        try:
            return call(*args, **kwargs)
        except Exception as exc:
            if not any(text in str(exc) for text in transient) or attempt == 9:
                raise
            time.sleep(0.02 * 2**attempt)


def write_ahead_log(db: Path) -> None:
    """Put the SQLite file in WAL mode (it stays in it): a commit then appends to the log instead of rewriting
    pages through a rollback journal, which halves the cost of logging a run, and readers no longer block the
    writer of parallel jobs. Best effort: a file another process holds locked keeps its mode this time."""
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(db, timeout=1)) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error:
        pass


class Store:
    """One MLflow experiment in one tracking store, created (and migrated) on first use."""

    def __init__(self, uri: str, experiment: str):
        from mlflow.tracking import MlflowClient

        self.uri, self.experiment = uri, experiment
        if (db := sqlite_path(uri)) is not None:
            db.parent.mkdir(parents=True, exist_ok=True)
            write_ahead_log(db)
        self.client = MlflowClient(tracking_uri=uri)
        self._artifact_uris: dict[str, str] = {}  # run id -> artifact URI, known from the run's creation
        self.experiment_id = self._experiment_id()

    def _experiment_id(self) -> str:
        from mlflow.exceptions import MlflowException

        found = self.client.get_experiment_by_name(self.experiment)
        if found is not None:
            if found.lifecycle_stage == "deleted":
                raise ValueError(
                    f"experiment {self.experiment!r} is deleted in {self.uri}; restore it or "
                    f"choose another tracking.experiment"
                )
            self._tag_experiment(found.experiment_id, found.tags)  # one made by an earlier bench lacks them
            return found.experiment_id
        db = sqlite_path(self.uri)
        location = (db.parent / "mlartifacts" / self.experiment).as_uri() if db else None
        try:
            experiment_id = self.client.create_experiment(self.experiment, artifact_location=location)
        except MlflowException:  # another process created it first
            return self.client.get_experiment_by_name(self.experiment).experiment_id
        self._tag_experiment(experiment_id, {})
        return experiment_id

    def _tag_experiment(self, experiment_id: str, tags: Mapping[str, str]) -> None:
        """What the MLflow UI shows of the experiment: a model-training experiment, and what its runs are; a
        description someone wrote is kept."""
        for key, value in {**EXPERIMENT_TAGS, "mlflow.note.content": DESCRIPTION}.items():
            if key not in tags:
                _retry(self.client.set_experiment_tag, experiment_id, key, value)

    # -- runs ----------------------------------------------------------------------------------------------
    @timed("tracking")
    def start_run(self, name: str, tags: Mapping[str, str]) -> str:
        tags = {**tags, **owner()}
        info = _retry(self.client.create_run, self.experiment_id, run_name=name, tags=tags).info
        self._artifact_uris[info.run_id] = info.artifact_uri
        return info.run_id

    @timed("tracking")
    def reap_interrupted(self) -> list[str]:
        """Mark KILLED the RUNNING runs that a process on this host started and that process is gone (a sweep
        killed with SIGKILL, a reboot): they would otherwise stay RUNNING forever. Runs of other hosts are left
        alone, since their processes cannot be seen from here."""
        running = self.client.search_runs(
            [self.experiment_id], filter_string="attributes.status = 'RUNNING'", max_results=50_000
        )
        host, reaped = socket.gethostname(), []
        for run in running:
            tags = run.data.tags
            if (
                tags.get("bench.host") == host
                and tags.get("bench.pid", "").isdigit()
                and not _alive(int(tags["bench.pid"]))
            ):
                self.end_run(run.info.run_id, "KILLED")
                reaped.append(run.info.run_name)
        return reaped

    @timed("tracking")
    def find_finished(self, key: str):
        """The latest finished run with this run key, or None."""
        runs = self.client.search_runs(
            [self.experiment_id],
            filter_string=f"tags.`bench.run_key` = '{key}' and attributes.status = 'FINISHED'",
            max_results=1,
            order_by=["attributes.start_time DESC"],
        )
        return runs[0] if runs else None

    @timed("tracking")
    def children(self, parent_run_id: str):
        return self.client.search_runs(
            [self.experiment_id],
            filter_string=f"tags.`mlflow.parentRunId` = '{parent_run_id}'",
            max_results=50_000,
        )

    @timed("tracking")
    def log(
        self,
        run_id: str,
        metrics: Mapping[str, float] = {},
        curves: Iterable[Mapping[str, float]] = (),
        params: Mapping[str, str] = {},
        tags: Mapping[str, str] = {},
        step: str = "epoch",
    ) -> None:
        """Final metrics (step 0), curves (step = ``record[step]``, timestamp from ``record["time_s"]`` where
        present), params and tags, in as few ``log_batch`` calls as MLflow's limits allow."""
        from mlflow.entities import Metric, Param, RunTag

        now = int(time.time() * 1000)
        values = [Metric(k, float(v), now, 0) for k, v in metrics.items() if v is not None]
        curves = list(curves)
        origin = now - int(1000 * curves[-1].get("time_s", 0)) if curves else now
        for record in curves:
            stamp, at = origin + int(1000 * record.get("time_s", 0)), int(record[step])
            values += [Metric(k, float(v), stamp, at) for k, v in record.items() if k not in (step, "time_s")]
        param_list = [Param(k, v) for k, v in params.items()]
        tag_list = [RunTag(k, str(v)) for k, v in tags.items()]
        head = BATCH_METRICS - min(len(param_list), BATCH_PARAMS) - len(tag_list)
        _retry(self.client.log_batch, run_id, metrics=values[:head], params=param_list[:BATCH_PARAMS], tags=tag_list)
        for i in range(head, len(values), BATCH_METRICS):
            _retry(self.client.log_batch, run_id, metrics=values[i : i + BATCH_METRICS])
        for i in range(BATCH_PARAMS, len(param_list), BATCH_PARAMS):
            _retry(self.client.log_batch, run_id, params=param_list[i : i + BATCH_PARAMS])

    @timed("tracking")
    def log_dataset(self, run_id: str, name: str, X, y, source: str, digest: str | None = None) -> None:
        """Record the data as the run's input (``mlflow.log_input`` semantics): name, schema, source and digest,
        by default a hash of the content, or ``digest`` (a file's own hash) when given."""
        import mlflow.data
        from mlflow.data.code_dataset_source import CodeDatasetSource
        from mlflow.entities import DatasetInput, InputTag

        origin = CodeDatasetSource({"bench.source": source})
        if hasattr(X, "columns"):  # a table with its own column names and types
            dataset = mlflow.data.from_pandas(X.assign(**{"bench.target": y}), origin, "bench.target", name, digest)
        else:
            dataset = mlflow.data.from_numpy(X, origin, y, name, digest)
        context = [InputTag("mlflow.data.context", "train")]
        entity = [DatasetInput(_compat.dataset_entity(dataset), tags=context)]
        _retry(self.client.log_inputs, run_id, entity, transient=DATASET_RACE)

    @timed("tracking")
    def log_texts(self, run_id: str, files: Mapping[str, str]) -> None:
        """Text files as the run's artifacts, in one upload. A run this store created uploads straight to its
        artifact location; MLflow's client would first read the whole run back to find it."""
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            for path, text in files.items():
                (Path(folder) / path).parent.mkdir(parents=True, exist_ok=True)
                (Path(folder) / path).write_text(text, encoding="utf-8")
            if (location := self._artifact_uris.get(run_id)) is None:
                _retry(self.client.log_artifacts, run_id, folder)
            else:
                _compat.artifact_repository(location, self.uri).log_artifacts(folder)

    @timed("tracking")
    def end_run(self, run_id: str, status: str = "FINISHED") -> None:
        _retry(self.client.set_terminated, run_id, status)
        self._artifact_uris.pop(run_id, None)


@functools.lru_cache(maxsize=8)
def open_store(uri: str, experiment: str) -> Store:
    """The process's ``Store`` for this URI and experiment: jobs of a sweep share one client and one lookup."""
    return Store(uri, experiment)
