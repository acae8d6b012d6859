"""One job of a sweep: load data, split, build the estimator, fit, evaluate, log. Every model family takes the
same path through ``run``."""

from __future__ import annotations

import atexit
import gc
import os
import signal
import threading
import time
import traceback
from numbers import Integral, Real
from typing import Any

import numpy as np
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from sklearn.metrics import confusion_matrix
from sklearn.pipeline import Pipeline

from bench import data as datasets
from bench import metrics, tracking

MODEL_KEYS = ("name", "family")  # beside ``_target_``: how reports name and group a model
HISTORY_ONLY = ("act_mean/", "act_std/")  # MLP history columns kept out of MLflow's metrics
LAST_EPOCH_ONLY = ("update_ratio/", "dead_frac/", "saturated_frac/")  # in MLflow at the last epoch only


class ConfigError(ValueError):
    """A job config that cannot run; the message is one line naming the bad value."""


def job_config(cfg: DictConfig) -> dict[str, Any]:
    """The resolved job config as plain data, without Hydra's own node."""
    return OmegaConf.to_container(cfg, resolve=True)


def build_source(dataset_cfg: DictConfig) -> datasets.Source:
    """The dataset config's source, validated; its own error, not Hydra's wrapper around it."""
    from hydra.errors import InstantiationException

    try:
        return instantiate(dataset_cfg, _convert_="all")
    except InstantiationException as exc:
        raise exc.__cause__ or exc from None


def build_model(model_cfg: DictConfig, data: datasets.Dataset | str) -> Pipeline:
    """The model config's estimator behind the data's preprocessing (or a scaler, by name), fitted together on
    the training split."""
    spec = {k: v for k, v in OmegaConf.to_container(model_cfg, resolve=True).items() if k not in MODEL_KEYS}
    return Pipeline([("scale", datasets.make_preprocessor(data)), ("model", instantiate(spec, _convert_="all"))])


def check(cfg: DictConfig) -> None:
    """Validate a job config without loading data or training; raise ``ConfigError`` with one line."""
    try:
        if not isinstance(cfg.seed, Integral) or isinstance(cfg.seed, bool) or cfg.seed < 0:
            raise ValueError(f"seed must be a non-negative int; got {cfg.seed!r}")
        if not isinstance(cfg.test_size, Real) or not 0 < cfg.test_size < 1:
            raise ValueError(f"test_size must be a number in (0, 1); got {cfg.test_size!r}")
        shares = cfg.learning_curve or []
        if not all(isinstance(f, Real) and 0 < f <= 1 for f in shares):
            raise ValueError(f"learning_curve must list training shares in (0, 1]; got {list(shares)!r}")
        if not isinstance(cfg.rerun, bool):
            raise ValueError(f"rerun must be true or false; got {cfg.rerun!r}")
        for key in MODEL_KEYS:
            if not isinstance(cfg.model.get(key), str):
                raise ValueError(f"model config needs a string '{key}'; got {cfg.model.get(key)!r}")
        source = build_source(cfg.dataset)
        estimator = build_model(cfg.model, source.scaler)[-1]
        if hasattr(estimator, "_validate_params"):
            estimator._validate_params()
    except Exception as exc:
        raise ConfigError(one_line(exc)) from exc


def check_data(dataset_cfg: DictConfig, seen: set[str]) -> None:
    """Read a user's file once before the sweep starts, so that an empty, unreadable or one-class file stops the
    command with one line instead of failing every job that uses it. ``seen`` holds the files already read."""
    source = build_source(dataset_cfg)
    if isinstance(source, datasets.File) and repr(source) not in seen:
        seen.add(repr(source))
        try:
            source.load()
        except Exception as exc:
            raise ConfigError(one_line(exc)) from exc


def one_line(exc: BaseException) -> str:
    """The first line of an exception and of its causes: what a user needs, without the traceback."""
    parts = []
    while exc is not None:
        text = str(exc).strip().splitlines()
        if text and text[0] not in parts:
            parts.append(text[0])
        exc = exc.__cause__
    return ": ".join(parts) or "unknown error"


def run(cfg: DictConfig) -> dict[str, float]:
    """Run one job and record it as a child run of the current sweep; returns its final metrics.

    A finished run with the same run key is reused unless ``rerun=true``. An exception in the job is recorded
    as a FAILED run with ``bench.outcome=error`` and does not propagate, so the rest of the sweep goes on.
    """
    import pandas as pd

    settle_memory()
    job = job_config(cfg)
    store = tracking.open_store(tracking.resolve_uri(cfg.tracking.uri, _cwd()), cfg.tracking.experiment)
    key = tracking.run_key(job)
    label = f"{cfg.dataset.name}/{cfg.model.name}/seed={cfg.seed}"
    started = time.perf_counter()
    if not cfg.rerun and (done := store.find_finished(key)) is not None:
        _report_line(cfg, f"skipped, done in run {done.info.run_id[:8]} (rerun=true repeats it)", started)
        return dict(done.data.metrics)

    tags = {
        "bench.run_key": key,
        "bench.dataset": cfg.dataset.name,
        "bench.model": cfg.model.name,
        "bench.family": cfg.model.family,
        "bench.seed": str(cfg.seed),
        **tracking.versions(),
    }
    if parent := tracking.parent_run_id():
        tags["mlflow.parentRunId"] = parent
    run_id = store.start_run(label, tags)
    interrupts = NotedInterrupts()
    try:
        check(cfg)
        data = build_source(cfg.dataset).load()
        X_train, X_test, y_train, y_test = datasets.split(data, cfg.test_size, cfg.seed)
        model = build_model(cfg.model, data)
        if type(model[-1]).__module__ == "bench.mlp":
            import torch  # noqa: F401  (bench.mlp imports it lazily; keep the one-off import out of fit time)
        fit_time, peak_mb = metrics.timed_fit(lambda: model.fit(X_train, y_train))
        result, test_pred = metrics.scores(model, X_train, y_train, X_test, y_test)
        result.update(
            fit_time_s=fit_time,
            peak_memory_mb=peak_mb,
            predict_latency_us=metrics.predict_latency_us(model, X_test),
            model_size_bytes=metrics.model_size_bytes(model),
        )
        estimator = model[-1]
        history = getattr(estimator, "history_", [])
        if history:
            result.update(
                grad_ratio_first_last=estimator.grad_ratio_first_last_,
                best_epoch=estimator.best_epoch_,
                epochs_run=estimator.n_epochs_,
                epochs_to_target=estimator.epochs_to_target_,
                seconds_to_target=estimator.seconds_to_target_,
            )
        outcome = "diverged" if getattr(estimator, "diverged_", False) else "ok"
        outcome_tags = {"bench.outcome": outcome}
        if outcome == "diverged":
            outcome_tags["bench.diverged_epoch"] = str(estimator.n_epochs_)
        labels = model.classes_
        files = {
            # a tracking URI may carry a password: the artifact shows it redacted, as params leave it out
            "config.yaml": OmegaConf.to_yaml(
                {**job, "tracking": {**job["tracking"], "uri": tracking.redact(str(job["tracking"]["uri"]))}}
            ),
            "confusion_matrix.csv": pd.DataFrame(
                confusion_matrix(y_test, test_pred, labels=labels), index=labels, columns=labels
            ).to_csv(index_label="true\\predicted"),
        }
        if history:
            files["history.csv"] = pd.DataFrame(history).to_csv(index=False)
        store.log(run_id, result, _curves(history), {**data.facts(), **_params(job)}, outcome_tags)
        if cfg.learning_curve:
            curve = metrics.learning_curve(model, X_train, y_train, X_test, y_test, cfg.learning_curve, cfg.seed)
            store.log(run_id, curves=curve, step="percent")
        store.log_dataset(run_id, data.name, data.X, data.y, repr(data.source), data.digest)
        store.log_texts(run_id, files)
        if cfg.tracking.log_model:
            _log_model(store, run_id, model, X_test[:5])
        store.end_run(run_id)
    except (KeyboardInterrupt, Exception) as exc:
        if isinstance(exc, KeyboardInterrupt) or interrupts.seen:  # Ctrl-C: the run is over, not failed; stop
            store.end_run(run_id, "KILLED")
            if parent:
                store.end_run(parent, "KILLED")
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise KeyboardInterrupt from exc
        message = one_line(exc)[:500]  # any other error is recorded as data; the sweep goes on
        store.log(
            run_id,
            tags={"bench.outcome": "error", "bench.error": message, "bench.traceback": traceback.format_exc()[-4000:]},
        )
        store.end_run(run_id, "FAILED")
        _report_line(cfg, f"FAILED: {message}", started)
        return {}
    finally:
        interrupts.restore()
    diverged = f"  DIVERGED at epoch {outcome_tags['bench.diverged_epoch']}" if outcome == "diverged" else ""
    note = f"acc {result['test_accuracy']:.3f}{diverged}"
    _report_line(cfg, f"{note}  fit {fit_time:.2f}s", started)
    return result


class NotedInterrupts:
    """From creation until ``restore()``: a Ctrl-C (SIGINT) still raises KeyboardInterrupt, and is also noted in
    ``seen``. Library code may turn that KeyboardInterrupt into another exception (OmegaConf does when it arrives in
    the middle of building a config), and the job must still stop as interrupted, not go on as failed. Signal
    handlers belong to the main thread: elsewhere (a Ray actor's thread) nothing is installed."""

    def __init__(self) -> None:
        self.seen, self.previous = False, None
        current = signal.getsignal(signal.SIGINT)
        if threading.current_thread() is threading.main_thread() and callable(current):
            self.previous = signal.signal(signal.SIGINT, self._note)

    def _note(self, signum: int, frame: Any) -> None:
        self.seen = True
        self.previous(signum, frame)

    def restore(self) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
            self.previous = None


def settle_memory() -> None:
    """Collect the garbage earlier jobs left, then move every object still alive (modules, the store, caches) out
    of the cyclic garbage collector's sight. With torch, scikit-learn and MLflow loaded, a process holds millions
    of objects, and each full collection walked them all: pauses of up to half a second, at moments such as a
    timed fit or a tracking call. New objects are collected as before; after the first job, collecting here only
    looks at what the previous job created. At exit the objects are handed back to the collector, so that what
    only it can free is finalized as before (the store's SQLite connections then close, which folds the
    write-ahead log into the database file)."""
    gc.collect()
    gc.freeze()
    atexit.unregister(gc.unfreeze)  # once, however many jobs
    atexit.register(gc.unfreeze)


def _curves(history: list[dict[str, float]]) -> list[dict[str, float]]:
    """The history's curves for MLflow: every epoch of the losses, accuracies and gradient norms, which runs are
    compared on; the other per-layer diagnostics at the last epoch only, so that the runs table still shows them
    (each logged value costs MLflow a row, and their full curves are read from ``history.csv``). Activation means
    and stds stay in ``history.csv`` only."""
    last = len(history) - 1
    return [
        {
            k: v
            for k, v in record.items()
            if not k.startswith(HISTORY_ONLY) and (i == last or not k.startswith(LAST_EPOCH_ONLY))
        }
        for i, record in enumerate(history)
    ]


def _params(job: dict[str, Any]) -> dict[str, str]:
    return tracking.flatten({k: v for k, v in job.items() if k not in tracking.KEY_EXCLUDED})


def _log_model(store: tracking.Store, run_id: str, model: Pipeline, example: np.ndarray) -> None:
    import mlflow.sklearn

    with _active(store, run_id):
        # cloudpickle: skops refuses the custom types inside our pipelines (trees, the torch network)
        mlflow.sklearn.log_model(model, name="model", input_example=example, serialization_format="cloudpickle")


def _active(store: tracking.Store, run_id: str):
    import mlflow

    mlflow.set_tracking_uri(store.uri)
    return mlflow.start_run(run_id=run_id)


def _cwd() -> str | None:
    from hydra.core.hydra_config import HydraConfig

    return HydraConfig.get().runtime.cwd if HydraConfig.initialized() else None


def _position() -> str:
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized() or HydraConfig.get().job.get("num") is None:
        return ""
    total = os.environ.get(tracking.TOTAL_ENV, "?")
    return f"[{HydraConfig.get().job.num + 1:>{len(total)}}/{total}] "


def _report_line(cfg: DictConfig, text: str, started: float) -> None:
    print(
        f"{_position()}{cfg.dataset.name:<14} {cfg.model.name:<14} seed={cfg.seed:<3} {_swept()}{text}  "
        f"({time.perf_counter() - started:.1f}s)",
        flush=True,
    )


def _swept() -> str:
    """The job's other overrides (``model.lr=0.1 ...``): what tells apart jobs of the same dataset and model."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return ""
    fixed = ("dataset=", "model=", "seed=", "experiment=", "tracking.", "report.", "rerun=", "hydra")
    extra = [o.removeprefix("model.") for o in HydraConfig.get().overrides.task if not o.startswith(fixed)]
    return " ".join(extra) + "  " if extra else ""
