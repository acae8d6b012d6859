"""The MLflow store: one experiment in one tracking store, its SQLite settings, and writes retried where parallel
jobs collide.

Everything goes through an explicit ``MlflowClient`` (no global active run), so jobs in other processes and
other launchers log the same way. Values are written in batches: on SQLite each call is a transaction.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import socket
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from bench import _compat
from bench.timing import timed
from bench.tracking.schema import file_name, owner, redact, started

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


def sqlite_path(uri: str) -> Path | None:
    return Path(uri[len("sqlite:///") :]) if uri.startswith("sqlite:///") else None


def _alive(pid: int, started_at: str = "") -> bool:
    """Whether the process that recorded ``pid`` (and, where recorded, its start time) still runs: a pid the system
    gave to another process since is not it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        pass
    return not started_at or started(pid) in ("", started_at)


TRANSIENT = ("database is locked",)  # SQLite: another job holds the write lock
# two jobs logging the same dataset at once both try to insert it; the second attempt finds it there
DATASET_RACE = ("database is locked", "UNIQUE constraint failed: datasets.")
UNREACHABLE = (  # a tracking server that is down, restarting or overloaded, as requests and MLflow word it
    "Connection refused",
    "Max retries exceeded",
    "Connection aborted",
    "Connection reset",
    "Read timed out",
    "RemoteDisconnected",
    "Failed to establish",
    "Bad Gateway",
    "Service Unavailable",
    "Gateway Time",
)
FULL = ("database or disk is full", "No space left on device")
NOTICE_S = 10.0  # while waiting for a server, a line this often


class StoreUnavailable(BaseException):
    """The store takes nothing more: a tracking server that did not answer within ``tracking.timeout_s``, or a
    full disk. Like Ctrl-C it ends the sweep (no error handler of a job or library can take it for the job's
    own failure, which it could not record anyway); ``run_key`` names the run being recorded when it struck."""

    def __init__(self, message: str, run_key: str | None = None) -> None:
        super().__init__(message)
        self.run_key = run_key


def unavailable(exc: BaseException) -> str | None:
    """``"full"`` or ``"unreachable"`` for the errors that mean the store cannot take a call, else None."""
    text = str(exc)
    if getattr(exc, "errno", None) == errno.ENOSPC or any(t in text for t in FULL):
        return "full"
    return "unreachable" if any(t in text for t in UNREACHABLE) else None


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


@contextlib.contextmanager
def creating(db: Path | None) -> Iterator[None]:
    """Within: this process alone creates or opens the SQLite store ``db`` (an exclusive lock on ``<db>.lock``
    beside it, waited for): the sweeps and jobs that start at once on a new store create its tables once."""
    if db is None:
        yield
        return
    import fcntl

    with contextlib.ExitStack() as stack:
        try:
            lock = stack.enter_context(open(db.with_name(db.name + ".lock"), "a"))
        except OSError:  # a folder no one here may write to: no one here creates a store in it either
            lock = None
        if lock is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released as the file closes
        yield


class Store:
    """One MLflow experiment in one tracking store, created (and migrated) on first use. Every call waits out a
    tracking server that does not answer for up to ``timeout_s`` (saying so every ``NOTICE_S``), then raises
    ``StoreUnavailable``; so does a full disk, at once."""

    def __init__(self, uri: str, experiment: str, timeout_s: float = 60.0):
        from mlflow.tracking import MlflowClient

        self.uri, self.experiment, self.timeout_s = uri, experiment, timeout_s
        self._artifact_uris: dict[str, str] = {}  # run id -> artifact URI, known from the run's creation
        db = sqlite_path(uri)
        if db is not None:
            db.parent.mkdir(parents=True, exist_ok=True)
        # MLflow creates and migrates a store's tables on first use, and two processes doing it at once collide
        with creating(db):
            if db is not None:
                write_ahead_log(db)
            self.client = MlflowClient(tracking_uri=uri)
            self.experiment_id = self._experiment_id()

    def _experiment_id(self) -> str:
        from mlflow.exceptions import MlflowException

        found = self._call(self.client.get_experiment_by_name, self.experiment)
        if found is not None:
            if found.lifecycle_stage == "deleted":
                raise ValueError(
                    f"experiment {self.experiment!r} is deleted in {self.uri}; restore it or "
                    f"choose another tracking.experiment"
                )
            self._tag_experiment(found.experiment_id, found.tags)  # one made by an earlier bench lacks them
            return found.experiment_id
        db = sqlite_path(self.uri)
        location = (db.parent / "mlartifacts" / file_name(self.experiment)).as_uri() if db else None
        try:
            experiment_id = self._call(self.client.create_experiment, self.experiment, artifact_location=location)
        except MlflowException:  # another process created it first
            return self.client.get_experiment_by_name(self.experiment).experiment_id
        self._tag_experiment(experiment_id, {})
        return experiment_id

    def _tag_experiment(self, experiment_id: str, tags: Mapping[str, str]) -> None:
        """What the MLflow UI shows of the experiment: a model-training experiment, and what its runs are; a
        description someone wrote is kept."""
        for key, value in {**EXPERIMENT_TAGS, "mlflow.note.content": DESCRIPTION}.items():
            if key not in tags:
                self._call(self.client.set_experiment_tag, experiment_id, key, value)

    def _call(self, function: Any, *args: Any, transient: tuple[str, ...] = TRANSIENT, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)`` against the store: retried at once where parallel jobs collide
        (``transient``), waited for where the server is unreachable, ``StoreUnavailable`` where it cannot be."""
        attempt, started, noted = 0, time.monotonic(), 0.0
        while True:
            try:
                return function(*args, **kwargs)
            except Exception as exc:
                kind, waited = unavailable(exc), time.monotonic() - started
                if kind == "full":
                    where = sqlite_path(self.uri) or "the store"
                    raise StoreUnavailable(f"no space left on the disk holding {str(where)!r}") from None
                if kind == "unreachable":
                    if waited >= self.timeout_s:
                        raise StoreUnavailable(
                            f"the tracking server at {redact(self.uri)} did not answer for {self.timeout_s:g} s "
                            f"(tracking.timeout_s)"
                        ) from None
                    if waited - noted >= NOTICE_S:
                        noted = waited
                        print(
                            f"waiting for the tracking server at {redact(self.uri)}: {waited:.0f} s of "
                            f"{self.timeout_s:g} s",
                            file=sys.stderr,
                            flush=True,
                        )
                    time.sleep(min(1.0, max(self.timeout_s - waited, 0.01)))
                    continue
                if not any(text in str(exc) for text in transient) or attempt == 9:
                    raise
                time.sleep(0.02 * 2**attempt)
                attempt += 1

    # -- runs ----------------------------------------------------------------------------------------------
    @timed("tracking")
    def start_run(self, name: str, tags: Mapping[str, str]) -> str:
        tags = {**tags, **owner()}
        info = self._call(self.client.create_run, self.experiment_id, run_name=name, tags=tags).info
        self._artifact_uris[info.run_id] = info.artifact_uri
        return info.run_id

    @timed("tracking")
    def reap_interrupted(self) -> list[str]:
        """Mark KILLED the RUNNING runs that a process on this host started and that process is gone (a sweep
        killed with SIGKILL, a reboot): they would otherwise stay RUNNING forever. Runs of other hosts are left
        alone, since their processes cannot be seen from here."""
        running = self._call(
            self.client.search_runs,
            [self.experiment_id],
            filter_string="attributes.status = 'RUNNING'",
            max_results=50_000,
        )
        host, reaped = socket.gethostname(), []
        for run in running:
            tags = run.data.tags
            if (
                tags.get("bench.host") == host
                and tags.get("bench.pid", "").isdigit()
                and not _alive(int(tags["bench.pid"]), tags.get("bench.pid_started", ""))
            ):
                self.end_run(run.info.run_id, "KILLED")
                reaped.append(run.info.run_name)
        return reaped

    @timed("tracking")
    def find_finished(self, key: str):
        """The latest finished run with this run key, or None."""
        runs = self._call(
            self.client.search_runs,
            [self.experiment_id],
            filter_string=f"tags.`bench.run_key` = '{key}' and attributes.status = 'FINISHED'",
            max_results=1,
            order_by=["attributes.start_time DESC"],
        )
        return runs[0] if runs else None

    @timed("tracking")
    def children(self, parent_run_id: str):
        return self._call(
            self.client.search_runs,
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
        self._call(
            self.client.log_batch, run_id, metrics=values[:head], params=param_list[:BATCH_PARAMS], tags=tag_list
        )
        for i in range(head, len(values), BATCH_METRICS):
            self._call(self.client.log_batch, run_id, metrics=values[i : i + BATCH_METRICS])
        for i in range(BATCH_PARAMS, len(param_list), BATCH_PARAMS):
            self._call(self.client.log_batch, run_id, params=param_list[i : i + BATCH_PARAMS])

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
        self._call(self.client.log_inputs, run_id, entity, transient=DATASET_RACE)

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
                self._call(self.client.log_artifacts, run_id, folder)
            else:
                self._call(_compat.artifact_repository(location, self.uri).log_artifacts, folder)

    @timed("tracking")
    def log_model(self, run_id: str, model: Any, example: Any) -> None:
        """The fitted pipeline as an MLflow model of the run. MLflow logs models only through its fluent API, which
        reads a process-wide tracking URI and active run: both are set for the call and restored after it."""
        import mlflow
        import mlflow.sklearn

        previous = mlflow.get_tracking_uri()
        mlflow.set_tracking_uri(self.uri)
        try:
            with mlflow.start_run(run_id=run_id):
                # cloudpickle: skops refuses the custom types inside our pipelines (trees, the torch network)
                mlflow.sklearn.log_model(model, name="model", input_example=example, serialization_format="cloudpickle")
        finally:
            mlflow.set_tracking_uri(previous)

    @timed("tracking")
    def end_run(self, run_id: str, status: str = "FINISHED") -> None:
        self._call(self.client.set_terminated, run_id, status)
        self._artifact_uris.pop(run_id, None)


@functools.lru_cache(maxsize=8)
def open_store(uri: str, experiment: str, timeout_s: float = 60.0) -> Store:
    """The process's ``Store`` for this URI and experiment: jobs of a sweep share one client and one lookup."""
    return Store(uri, experiment, timeout_s)
