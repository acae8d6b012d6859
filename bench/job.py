"""One job of a sweep: ``run(cfg)`` = ``prepare`` -> ``fit_and_score`` -> ``record``, the same path for every
model family. An estimator with training diagnostics reports them through ``bench.metrics.Diagnosed``."""

from __future__ import annotations

import contextlib
import os
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

import numpy as np
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from sklearn.pipeline import Pipeline

from bench import _compat, capped, metrics, process, progress, protocol, studies, targets, timing, tracking, tuning
from bench import data as datasets
from bench.config import PARENT_ENV, ConfigError, one_line
from bench.data import meta

MODEL_KEYS = ("name", "family")  # beside ``_target_``: how reports name and group a model
LOADED: OrderedDict[str, datasets.Dataset] = OrderedDict()  # this process's datasets, shared by its jobs


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
        targets.check("dataset", cfg.dataset.get("_target_"))  # before anything is built from either config
        targets.check("model", cfg.model.get("_target_"), cfg.get("allowed_modules") or ())
        protocol.check(cfg.protocol)
        source = build_source(cfg.dataset)
        estimator = build_model(cfg.model, source.scaler)[-1]
        if protocol.tunes(cfg.protocol):
            space = space_name(cfg)
            tuning.check_space(tuning.load_space(space, named=space != cfg.model.name), estimator, space)
        _compat.validate_params(estimator)  # scikit-learn checks constructor arguments only when fitting
    except Exception as exc:
        raise ConfigError(one_line(exc)) from exc


def check_data(cfg: DictConfig, seen: set[str]) -> None:
    """Before the sweep starts, what each job would meet with its data: a dataset or a network that cannot fit in
    ``max_memory_gb`` (refused before the data is made), a file that is empty, unreadable or one-class, a class
    too small for the split (one row) or the folds. The data is read once per process (``LOADED``); ``seen``
    holds the checks already made."""
    from bench.process import memory_limit_bytes

    limit, source = memory_limit_bytes(cfg.get("max_memory_gb")), build_source(cfg.dataset)
    model = build_model(cfg.model, source.scaler)[-1]
    key = repr((source, cfg.protocol.get("folds"), model.get_params(deep=False)))
    if key in seen:
        return
    seen.add(key)
    try:
        if (need := source.memory_bytes()) > limit:
            raise ValueError(f"dataset {source.name!r} needs about {gigabytes(need)} in memory, {over(limit)}")
        data = datasets.load_once(source, LOADED)
        label, count = min(data.class_counts.items(), key=lambda item: item[1])
        needed, split = protocol.of(cfg.protocol).rows_per_class(cfg.protocol)
        if count < needed:
            rows = "row" if count == 1 else "rows"
            raise ValueError(f"dataset {source.name!r}: class {label!r} has {count} {rows}; {split} needs {needed}")
        if hasattr(model, "memory_bytes"):
            need = model.memory_bytes(len(data.y), data.X.shape[1], data.n_classes)
            if need > limit:
                raise ValueError(f"the network needs about {gigabytes(need)} to train, {over(limit)}")
    except Exception as exc:
        raise ConfigError(one_line(exc)) from exc


def gigabytes(size: float) -> str:
    size /= 2**30
    return f"{size:.2g} GB" if size < 1 else f"{size:,.1f} GB"


def over(limit: float) -> str:
    return f"over the {gigabytes(limit)} a job may take (max_memory_gb; set it to allow more)"


def space_name(cfg: DictConfig) -> str:
    """The search space of a tuned job: ``protocol.search_space`` where set, else the model's own."""
    return cfg.protocol.get("search_space") or cfg.model.name


@dataclass
class Prepared:
    """A job ready to fit: its config, its data split, and the unfitted pipeline. ``X_train`` is what the model is
    fitted on: the whole training part, or its fit part when ``protocol.validation_fraction`` holds out
    ``X_val``."""

    cfg: DictConfig
    data: datasets.Dataset
    X_train: Any
    X_test: Any
    y_train: np.ndarray
    y_test: np.ndarray
    model: Pipeline
    fold: int | None = None  # None: the holdout split
    X_val: Any = None
    y_val: np.ndarray | None = None
    meta: dict[str, str] = field(default_factory=dict)  # the data's meta-features as params (bench.data.meta)


@dataclass
class Result:
    """What a fitted job measured: the final metrics, the test predictions, the estimator's training summary
    (where it has one) and the learning curve (where the job asks for one)."""

    metrics: dict[str, float]
    test_pred: np.ndarray | None  # None: the fit timed out
    summary: metrics.TrainingSummary | None = None
    learning_curve: list[dict[str, float]] = field(default_factory=list)
    tuning: tuning.Tuning | None = None
    timed_out: bool = False  # the fit ran past protocol.fit_timeout_s: no model, no scores, the cap as its cost

    @property
    def tags(self) -> dict[str, str]:
        if self.timed_out:
            return {"bench.outcome": "timeout"}
        return dict(self.summary.tags) if self.summary else {"bench.outcome": "ok"}


@timing.timed("prepare")
def prepare(cfg: DictConfig, fold: int | None = None) -> Prepared:
    """The job's fold ready to fit, its config checked; its data read once per process (``LOADED``), their
    meta-features measured once (``bench.data.meta``: per process, and in a file beside the store)."""
    check(cfg)
    data = datasets.load_once(build_source(cfg.dataset), LOADED)
    found = meta.params(meta.measure(data, meta.folder(cfg.tracking.uri, hydra_cwd())))
    X_train, X_test, y_train, y_test = protocol.split(data, cfg.protocol, fold, cfg.test_size, cfg.seed)
    X_val = y_val = None
    if (share := protocol.validation_share(cfg.protocol)) is not None:
        X_train, X_val, y_train, y_val = protocol.validation_split(X_train, y_train, share, cfg.seed, fold)
    model = build_model(cfg.model, data)
    if isinstance(model[-1], metrics.Diagnosed):
        model[-1].preload()  # a one-off import (torch) is not the model's fit time
    return Prepared(cfg, data, X_train, X_test, y_train, y_test, model, fold, X_val, y_val, found)


def fit_and_score(job: Prepared, study: Any = None, shown: progress.JobProgress | None = None) -> Result:
    """Fit and measure; under ``protocol=tuned`` first choose the model's config inside the training part (in
    ``study``, or a study of this process alone). ``shown``: the job's progress, told each step and epoch."""
    model, tuned = job.model, None
    shown = shown or progress.JobProgress("", live=False)
    if protocol.tunes(job.cfg.protocol):
        shown.doing(f"tuning (default + {job.cfg.protocol.n_trials} trials)")
        pruner = job.cfg.protocol.get("pruner", "none")
        seed = protocol.split_seed(job.cfg.seed, job.fold)
        study = study or studies.open_study(None, "", seed, fresh=True, pruner=pruner)
        split = (job.X_train, job.X_test, job.y_train, job.y_test)
        space = space_name(job.cfg)
        tuned = tuning.tune(model, split, job.cfg.protocol, tuning.load_space(space), study)
        model.set_params(**{f"model__{name}": value for name, value in tuned.best.items()})
    if (cap := job.cfg.protocol.get("fit_timeout_s")) is None:
        shown.doing("fit")
        fit_params = {"model__on_epoch": shown.epoch} if reports_epochs(model[-1]) else {}
        fit_time, peak_mb = metrics.timed_fit(lambda: model.fit(job.X_train, job.y_train, **fit_params))
    else:
        shown.doing(f"fit (capped at {cap:g} s)")
        try:
            model, fit_time, peak_mb = capped.fit(model, job.X_train, job.y_train, cap)
        except capped.FitTimeout:
            timed_out = {"fit_time_s": float(cap), **(tuned.metrics if tuned else {})}
            return Result(timed_out, None, None, [], tuned, True)
        job.model = model  # the child's fitted copy: what the run's artifacts describe
    shown.doing("scoring")
    scores, test_pred = metrics.scores(model, job.X_train, job.y_train, job.X_test, job.y_test)
    if job.X_val is not None:
        scores.update(metrics.validation_scores(model, job.X_val, job.y_val))
    latency = metrics.predict_latency_us(model, job.X_test)
    size = metrics.model_size_bytes(model)
    scores.update(fit_time_s=fit_time, peak_memory_mb=peak_mb, predict_latency_us=latency, model_size_bytes=size)
    summary = model[-1].training_summary() if isinstance(model[-1], metrics.Diagnosed) else None
    if summary is not None:
        scores.update(summary.metrics)
    if tuned is not None:
        if rounds := job.cfg.protocol.get("ensemble", 0):  # tuned + ensembled: members refitted as the tuned one
            from bench import ensembled

            shown.doing(f"ensemble of {rounds} picks")
            split = (job.X_train, job.X_test, job.y_train, job.y_test)
            tuned.ensemble = ensembled.ensemble(model, split, tuned.candidates, tuned.configs, rounds)
        scores.update(tuned.metrics)
    curve = []
    if job.cfg.learning_curve:
        split = (job.X_train, job.y_train, job.X_test, job.y_test)
        curve = metrics.learning_curve(model, *split, job.cfg.learning_curve, job.cfg.seed)
    return Result(scores, test_pred, summary, curve, tuned)


def reports_epochs(estimator: Any) -> bool:
    """Whether the estimator's ``fit`` takes an ``on_epoch`` callback (the MLP): its epochs can be shown."""
    import inspect

    return "on_epoch" in inspect.signature(type(estimator).fit).parameters


def params(job: dict[str, Any]) -> dict[str, str]:
    """The run's params: the flattened job config without output settings."""
    return tracking.flatten({k: v for k, v in job.items() if k not in tracking.KEY_EXCLUDED})


def artifacts(job: dict[str, Any], prepared: Prepared, result: Result) -> dict[str, str]:
    """The run's text artifacts by path: the resolved config, the confusion matrix, the training history."""
    import pandas as pd
    from sklearn.metrics import confusion_matrix

    # a tracking URI may carry a password: the artifact shows it redacted, as params leave it out
    shown = {**job, "tracking": {**job["tracking"], "uri": tracking.redact(str(job["tracking"]["uri"]))}}
    files = {"config.yaml": OmegaConf.to_yaml(shown), "dataset.json": prepared.data.card()}
    if not result.timed_out:  # a fit killed at its cap left no model to predict with
        labels = prepared.model.classes_
        matrix = confusion_matrix(prepared.y_test, result.test_pred, labels=labels)
        table = pd.DataFrame(matrix, index=labels, columns=labels)
        files["confusion_matrix.csv"] = table.to_csv(index_label="true\\predicted")
    if result.summary is not None:
        files["history.csv"] = pd.DataFrame(result.summary.history).to_csv(index=False)
    if result.tuning is not None:
        files["trials.csv"] = result.tuning.trials.to_csv(index=False)
    return files


def record(store: tracking.Store, run_id: str, job: dict[str, Any], prepared: Prepared, result: Result) -> None:
    """Everything the run keeps: metrics and curves, params, tags, the data as its input, artifacts."""
    data, curves = prepared.data, result.summary.curves if result.summary else []
    tuned = result.tuning.params if result.tuning else {}
    store.log(run_id, result.metrics, curves, {**data.facts(), **prepared.meta, **params(job), **tuned}, result.tags)
    if result.learning_curve:
        store.log(run_id, curves=result.learning_curve, step="percent")
    if result.tuning is not None:
        store.log(run_id, curves=result.tuning.curves, step="trial")
    store.log_dataset(run_id, data.name, data.X, data.y, repr(data.source), data.digest)
    store.log_texts(run_id, artifacts(job, prepared, result))
    if prepared.cfg.tracking.log_model and not result.timed_out:
        store.log_model(run_id, prepared.model, prepared.X_test[:5])


def run(cfg: DictConfig) -> dict[str, float]:
    """Run one job, one child run of the current sweep per fold of its protocol; returns its final metrics (the
    mean over folds).

    A finished run with the same run key is reused unless ``rerun=true``. An exception in the job is recorded
    as a FAILED run with ``bench.outcome=error`` and does not propagate, so the rest of the sweep goes on.
    """
    with timing.job({"dataset": cfg.dataset.get("name"), "model": cfg.model.get("name"), "seed": cfg.get("seed")}):
        job = job_config(cfg)
        uri, timeout = tracking.resolve_uri(cfg.tracking.uri, hydra_cwd()), cfg.tracking.get("timeout_s", 60)
        store = tracking.open_store(uri, cfg.tracking.experiment, timeout)
        try:
            folds = protocol.folds(job["protocol"])
        except (KeyError, TypeError):  # a protocol that cannot say its folds: the job's check records why
            folds = [None]
        results = [found for fold in folds if (found := run_fold(cfg, job, store, fold))]
    return {key: float(np.mean([r[key] for r in results if key in r])) for key in results[0]} if results else {}


def run_fold(cfg: DictConfig, job: dict[str, Any], store: tracking.Store, fold: int | None) -> dict[str, float]:
    key = tracking.run_key(job if fold is None else {**job, "fold": fold})
    try:
        with progress.job_progress(cfg, fold, cfg.model.get("max_epochs")) as shown:
            scores, line = record_fold(cfg, job, store, fold, key, shown)
    except tracking.StoreUnavailable as exc:  # nothing more can be recorded: the sweep stops, naming this run
        exc.run_key = exc.run_key or key
        raise
    shown.done(line)
    return scores


def record_fold(
    cfg: DictConfig, job: dict[str, Any], store: tracking.Store, fold: int | None, key: str, shown: Any
) -> tuple[dict[str, float], str]:
    """The fold's run, recorded (or the finished run found with ``key``): its metrics and its one line; ``shown``:
    the fold's ``progress.JobProgress``."""
    done = None if cfg.rerun else store.find_finished(key)
    if done is not None:
        return dict(done.data.metrics), f"skipped, done in run {done.info.run_id[:8]} (rerun=true repeats it)"
    parent = os.environ.get(PARENT_ENV) or None
    tags = tracking.job_tags(job, key, parent, fold, variants(job))
    run_id = store.start_run(tracking.run_name(job, fold), tags)
    interrupts, owner = process.NotedInterrupts(), contextlib.ExitStack()
    try:
        prepared = prepare(cfg, fold)
        study = None
        if protocol.tunes(cfg.protocol):
            path = studies.study_path(studies.storage_dir(store.uri, store.experiment, hydra_cwd()), key)
            owner.enter_context(studies.owned(path, key))  # one process at a time works on a study
            seed, pruner = protocol.split_seed(cfg.seed, fold), cfg.protocol.get("pruner", "none")
            study = studies.open_study(path, key, seed, fresh=cfg.rerun, pruner=pruner)
        result = fit_and_score(prepared, study, shown)
        owner.close()
        shown.doing("recording")
        record(store, run_id, job, prepared, result)
        store.end_run(run_id)
    except (KeyboardInterrupt, Exception) as exc:
        if isinstance(exc, KeyboardInterrupt) or interrupts.seen:  # Ctrl-C: the run is over, not failed; stop
            for ended in (run_id, parent) if parent else (run_id,):
                store.end_run(ended, "KILLED")
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise KeyboardInterrupt from exc
        message = one_line(exc)[:500]  # any other error is recorded as data; the sweep goes on
        failure = {"bench.outcome": "error", "bench.error": message, "bench.traceback": traceback.format_exc()[-4000:]}
        store.log(run_id, tags=failure)
        store.end_run(run_id, "FAILED")
        return {}, f"FAILED: {message}"
    finally:
        owner.close()
        interrupts.restore()
    tags, scores = result.tags, result.metrics
    if result.timed_out:
        return scores, f"TIMEOUT after {scores['fit_time_s']:g} s"
    diverged = f"  DIVERGED at epoch {tags['bench.diverged_epoch']}" if tags["bench.outcome"] == "diverged" else ""
    return scores, f"acc {scores['test_accuracy']:.3f}{diverged}  fit {scores['fit_time_s']:.2f}s"


def variants(job: dict[str, Any]) -> dict[str, str]:
    """What the job's model and dataset change from the config files they are named after: ``{"model": "C=10"}``.
    A config of one's own that extends ``svm`` and keeps its name is ``svm`` with its changes as the variant; a
    name that is no config's is compared with the config the job chose."""
    from bench.config import chosen, group_defaults

    found = {}
    for group in ("model", "dataset"):
        name = str(job[group].get("name"))
        defaults = group_defaults(group, name) or group_defaults(group, chosen(group) or name)
        found[group] = tracking.variant(job[group], defaults)
    return found


def hydra_cwd() -> str | None:
    from hydra.core.hydra_config import HydraConfig

    return HydraConfig.get().runtime.cwd if HydraConfig.initialized() else None
