"""Equal-budget tuning inside a training fold (``protocol=tuned``): the model's default config as trial 0, then
``n_trials`` configs of ``conf/search_space/<model>.yaml`` drawn by Optuna's seeded TPE sampler, each fitted on the
inner training part and scored on the inner validation part. The outer test fold takes no part in the choice: a
trial's test accuracy is kept only to draw how the test score of the best-so-far choice moves with the budget.

The study lives in a journal file beside the tracking store, named by the fold's run key, so that an interrupted
job resumes its trials instead of starting over. Trials run inside the job's process: no config composition and no
MLflow run per trial. The MLP reports its validation accuracy every epoch, and ``protocol.pruner`` stops its losing
trials early; ``protocol.n_jobs`` runs the trials in worker processes that share the study. With ``protocol.ensemble=K``
every trial also keeps its validation probabilities, from which ``bench.ensembled`` builds the tuned + ensembled
result.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from bench import ensembled, studies, timing
from bench.config import CONFIG_DIR

SPACES = CONFIG_DIR / "search_space"
LAYERS = "hidden_layer_sizes"  # the one composite range: depth hidden layers of one width


def load_space(model: str, named: bool = False) -> dict[str, dict[str, Any]]:
    """``conf/search_space/<model>.yaml``; ``named``: the name came from ``protocol.search_space``, not the model."""
    path = SPACES / f"{model}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in SPACES.glob("*.yaml"))
        if named:
            where = f"conf/search_space/{model}.yaml"
            raise ValueError(f"unknown protocol.search_space={model!r} ({where}); choose from: {', '.join(known)}")
        raise ValueError(
            f"no search space for model {model!r} (conf/search_space/{model}.yaml); models with one: {', '.join(known)}"
        )
    return OmegaConf.to_container(OmegaConf.load(path), resolve=True) or {}


def check_space(space: Mapping[str, Any], estimator: Any, model: str) -> None:
    """One line naming the file and the bad range, before anything trains."""
    where, known = f"conf/search_space/{model}.yaml", sorted(estimator.get_params(deep=False))
    for name, spec in space.items():
        if name not in known:
            raise ValueError(
                f"{where}: unknown parameter {name!r} of {type(estimator).__name__}; choose from: {', '.join(known)}"
            )
        if not isinstance(spec, Mapping):
            raise ValueError(f"{where}: {name} needs low/high, choices or depth/width; got {spec!r}")
        if "choices" in spec:
            if not spec["choices"]:
                raise ValueError(f"{where}: {name} has no choices")
            continue
        pairs = (
            [spec.get("depth"), spec.get("width")]
            if name == LAYERS and "depth" in spec
            else [[spec.get("low"), spec.get("high")]]
        )
        for low, high in (pair if isinstance(pair, list) and len(pair) == 2 else (None, None) for pair in pairs):
            if not all(isinstance(v, Real) and not isinstance(v, bool) for v in (low, high)):
                raise ValueError(f"{where}: {name} needs numeric bounds; got {dict(spec)!r}")
            if low > high:
                raise ValueError(f"{where}: {name} has reversed bounds: low {low} > high {high}")
            if spec.get("log") and low <= 0:
                raise ValueError(f"{where}: {name} is log-scaled but its low bound {low} is not positive")


def suggest(trial: Any, space: Mapping[str, Any]) -> dict[str, Any]:
    """One config of the space, drawn through ``trial``."""
    params = {}
    for name, spec in space.items():
        log = bool(spec.get("log", False))
        if "choices" in spec:
            params[name] = trial.suggest_categorical(name, list(spec["choices"]))
        elif name == LAYERS and "depth" in spec:
            depth = trial.suggest_int("depth", *spec["depth"])
            params[name] = [trial.suggest_int("width", *spec["width"], log=log)] * depth
        elif isinstance(spec["low"], Integral) and isinstance(spec["high"], Integral):
            params[name] = trial.suggest_int(name, spec["low"], spec["high"], log=log)
        else:
            params[name] = trial.suggest_float(name, float(spec["low"]), float(spec["high"]), log=log)
    return params


class TrialTimeout(RuntimeError):
    """A trial over ``protocol.trial_timeout_s``: recorded as failed, so never chosen."""


@dataclass
class Tuning:
    """A finished search: the chosen config and every trial."""

    best: dict[str, Any]  # the chosen config's params ({}: the default config won)
    trials: pd.DataFrame  # per trial: number, state, params, val/test accuracy, seconds, timed_out, pruned_epoch
    time_s: float  # wall time of the search in this process
    work_s: float  # the trials' own fit and score time
    defaults: dict[str, Any] = field(default_factory=dict)  # the model's own values of the searched params
    candidates: ensembled.Candidates | None = None  # protocol.ensemble > 0: what an ensemble is chosen from
    ensemble: ensembled.Ensembled | None = None  # protocol.ensemble > 0: the tuned + ensembled result

    @property
    def metrics(self) -> dict[str, float]:
        return {
            "tuning_trials": float(len(self.trials)),
            "tuning_time_s": self.time_s,
            "tuning_work_s": self.work_s,
            "tuning_best_val_accuracy": float(self.trials["val_accuracy"].max()),
            "tuning_trials_timed_out": float(self.trials["timed_out"].sum()) if "timed_out" in self.trials else 0.0,
            "tuning_trials_pruned": float(self.trials["state"].eq("PRUNED").sum()),
            **(self.ensemble.metrics if self.ensemble else {}),
        }

    @property
    def curves(self) -> list[dict[str, float]]:
        """Per trial, the validation accuracy of the best config so far and that config's test accuracy."""
        values = self.trials["val_accuracy"].fillna(-np.inf).to_numpy()
        records, best = [], None
        for i, value in enumerate(values):
            if best is None or value > values[best]:
                best = i
            record = {"trial": i, "tuning/best_val_accuracy": values[best]}
            if np.isfinite(values[best]):
                record["tuning/best_test_accuracy"] = self.trials["test_accuracy"].iloc[best]
            records.append(record)
        return records

    @property
    def params(self) -> dict[str, str]:
        members = {"tuned.ensemble_members": self.ensemble.param} if self.ensemble else {}
        return {**{f"tuned.{name}": str(value) for name, value in self.best.items()}, **members}

    @property
    def configs(self) -> dict[int, dict[str, Any]]:
        """Every trial's whole config by trial number: its params over the model's own values."""
        numbers, params = self.trials["number"], self.trials["params"]
        return {int(n): {**self.defaults, **p} for n, p in zip(numbers, params, strict=True)}


class Objective:
    """A trial: the pipeline with the trial's params, fitted on the inner training part and scored on the inner
    validation part (and on test, for the tuning curve only); ``keep``: it keeps its validation probabilities for
    an ensemble (``bench.ensembled.kept``). Picklable, so that worker processes run it too."""

    def __init__(
        self, pipeline: Any, parts: tuple, space: Mapping[str, Any], cap: float | None, keep: bool = False
    ) -> None:
        self.pipeline, self.parts, self.space, self.cap, self.keep = pipeline, parts, space, cap, keep
        self.reports = "on_epoch" in inspect.signature(type(pipeline[-1]).fit).parameters

    def evaluate(self, params: Mapping[str, Any], trial: Any = None) -> dict[str, Any]:
        from sklearn.base import clone

        X_fit, y_fit, X_val, y_val, X_test, y_test = self.parts
        model = clone(self.pipeline).set_params(**{f"model__{k}": v for k, v in params.items()})
        start = time.perf_counter()
        epochs = {"model__on_epoch": self._reporter(trial, start)} if trial and self.reports else {}
        try:
            model.fit(X_fit, y_fit, **epochs)
        finally:  # a pruned trial's fit is work the search did
            if trial is not None:
                trial.set_user_attr("seconds", time.perf_counter() - start)
        val = float(np.mean(model.predict(X_val) == y_val))
        test = float(np.mean(model.predict(X_test) == y_test))
        kept = ensembled.kept(model, X_val) if self.keep else {}
        return {"val_accuracy": val, "test_accuracy": test, "seconds": time.perf_counter() - start, **kept}

    def _reporter(self, trial: Any, start: float) -> Any:
        import optuna

        def on_epoch(epoch: int, record: Mapping[str, float]) -> None:
            # a trial past the cap stops at the end of its epoch instead of training on only to be discarded: the
            # cap every family's trials are held to, checked when they return, here at less cost
            if self.cap is not None and time.perf_counter() - start > self.cap:
                trial.set_user_attr("timed_out", True)
                raise TrialTimeout(f"trial {trial.number} passed the {self.cap}s cap at epoch {epoch}")
            # the estimator's own validation part, inside the trial's training part: never the outer test fold
            if "training/val_accuracy" in record:
                trial.report(record["training/val_accuracy"], epoch)
                if trial.should_prune():
                    trial.set_user_attr("pruned_epoch", epoch)
                    raise optuna.TrialPruned(f"trial {trial.number} pruned at epoch {epoch}")

        return on_epoch

    def __call__(self, trial: Any) -> float:
        # Optuna fails a trial that a Ctrl-C stops anywhere in here (drawing its params, fitting, or keeping its
        # scores): noted as interrupted, it does not count toward the budget, and a resumed study draws again
        try:
            return self._trial(trial)
        except KeyboardInterrupt:
            studies.interrupted_trial(trial)
            raise

    def _trial(self, trial: Any) -> float:
        params = suggest(trial, self.space)
        trial.set_user_attr("params", {k: _plain(v) for k, v in params.items()})
        scores = self.evaluate(params, trial)
        for key, value in scores.items():
            trial.set_user_attr(key, value)
        # a scikit-learn fit cannot be stopped midway in this process: the cap is checked when the trial returns,
        # so that no family wins by a config that overruns the budget every other family keeps to
        if self.cap is not None and scores["seconds"] > self.cap:
            trial.set_user_attr("timed_out", True)
            raise TrialTimeout(f"trial {trial.number} took {scores['seconds']:.1f}s, over the {self.cap}s cap")
        return scores["val_accuracy"]


@timing.timed("tuning")
def tune(pipeline: Any, split: tuple, protocol: Mapping[str, Any], space: Mapping[str, Any], study: Any) -> Tuning:
    """Search ``space`` for the pipeline's model on the training part of ``split`` (``X_train, X_test, y_train,
    y_test``) within ``study``; the test part is scored for the tuning curve only. ``protocol.n_jobs`` > 1 runs
    the trials in that many worker processes sharing the study."""
    from sklearn.model_selection import train_test_split

    X_train, X_test, y_train, y_test = split
    seed = int(study.user_attrs.get("seed", 0))
    X_fit, X_val, y_fit, y_val = train_test_split(
        X_train, y_train, test_size=protocol["validation_fraction"], random_state=seed, stratify=y_train
    )
    started = time.perf_counter()
    keep = int(protocol.get("ensemble", 0)) > 0
    parts = (X_fit, y_fit, X_val, y_val, X_test, y_test)
    objective = Objective(pipeline, parts, space, protocol.get("trial_timeout_s"), keep)
    # the budget: the default config (trial 0, outside the space) and n_trials more that ended; trials an
    # interrupted process left unfinished are drawn again
    done = studies.counted(study)
    default = not studies.has_default(done)
    remaining = max(protocol["n_trials"] + 1 - len(done) - default, 0)
    if (n_jobs := int(protocol.get("n_jobs", 1))) > 1:
        parallel(study, objective, remaining, n_jobs, seed, protocol.get("pruner", "none"), default)
    else:
        if default:
            add_default(study, objective.evaluate({}))
        if remaining:
            study.optimize(objective, n_trials=remaining, catch=(Exception,))
    defaults = {name: _plain(pipeline[-1].get_params()[name]) for name in space}
    trials = studies.counted(study)
    tuned = summarize(trials, defaults, time.perf_counter() - started)
    tuned.candidates = ensembled.candidates(trials, y_val) if keep else None
    return tuned


def add_default(study: Any, scores: Mapping[str, Any]) -> None:
    import optuna

    study.add_trial(optuna.trial.create_trial(value=scores["val_accuracy"], user_attrs=dict(scores)))


def parallel(
    study: Any, objective: Objective, n_trials: int, n_jobs: int, seed: int, pruner: str, default: bool
) -> None:
    """``n_trials`` more trials of ``study`` (and trial 0, the default config, where ``default``) run by ``n_jobs``
    worker processes at once over one shared journal, so that each trial's sampler sees every finished trial; the
    new trials are then added to ``study``. A task is one trial, handed to whichever worker is free: the default
    config's fit often costs more than a trial's, and a worker that ran it would otherwise finish its share last.
    Processes, not threads: the MLP's training loop is Python, and threads would share one interpreter lock. The
    workers are joblib's loky workers, as ``Parallel`` keeps them: started once per process, kept across jobs,
    shared with any other joblib call in the process."""
    import optuna
    from joblib import Parallel, delayed

    with contextlib.ExitStack() as stack:
        journal, name = journal_of(study), study.study_name
        if journal is None:  # a study in memory: its workers share a journal of their own, copied back at the end
            journal = str(Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-trials-"))) / "trials")
            shared = optuna.create_study(storage=studies.journal(journal), study_name=name, direction="maximize")
            shared.add_trials(study.trials)
        known = len(study.trials)
        tasks = [delayed(_work)(objective)] if default else []
        tasks += [delayed(_work)(objective, journal, name, 1000 * seed + i + 1, pruner) for i in range(n_trials)]
        scores = Parallel(n_jobs=n_jobs, backend="loky", batch_size=1)(tasks)
        if default:
            add_default(study, scores[0])
        if journal_of(study) is None:
            study.add_trials(shared.get_trials(deepcopy=False)[known:])


def journal_of(study: Any) -> str | None:
    """The journal file a study lives in (its workers write their trials straight into it), None in memory."""
    return study.user_attrs.get(studies.JOURNAL)


def _work(objective: Objective, journal: str | None = None, name: str = "", seed: int = 0, pruner: str = "none") -> Any:
    """One task of a worker, with one torch and one BLAS thread (two workers on two cores): a trial of study
    ``name`` in ``journal``, its sampler seeded by ``seed``, or the default config's scores where ``journal`` is
    None."""
    import optuna
    from threadpoolctl import threadpool_limits

    from bench import process

    process.setup()  # a worker process: bench's settings, as in the job's own
    process.die_with_parent()  # and it ends with the job that started it
    if "torch" in sys.modules or objective.reports:
        import torch

        torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        if journal is None:
            return objective.evaluate({})
        sampler = optuna.samplers.TPESampler(seed=seed)
        study = optuna.load_study(
            study_name=name, storage=studies.journal(journal), sampler=sampler, pruner=studies.make_pruner(pruner)
        )
        study.optimize(objective, n_trials=1, catch=(Exception,))


def summarize(trials: list[Any], defaults: Mapping[str, Any], time_s: float) -> Tuning:
    """The trials as a table and the winner: the first trial reaching the best validation score, so the default
    config (trial 0) wins a tie; its params are the space's, the default's where the trial left one unset."""
    rows = [
        {
            "number": t.number,
            "state": t.state.name,
            "params": t.user_attrs.get("params", {}),
            # a pruned trial's value is its last epoch's report, on other rows: it is never a candidate
            "val_accuracy": t.value if t.state.name == "COMPLETE" and t.value is not None else np.nan,
            "test_accuracy": t.user_attrs.get("test_accuracy", np.nan),
            "seconds": t.user_attrs.get("seconds", np.nan),
            "timed_out": bool(t.user_attrs.get("timed_out", False)),
            "pruned_epoch": t.user_attrs.get("pruned_epoch", np.nan),
        }
        for t in trials
    ]
    table = pd.DataFrame(rows)
    best = int(table["val_accuracy"].fillna(-np.inf).to_numpy().argmax())
    work = float(table["seconds"].fillna(0).sum())
    return Tuning({**defaults, **table["params"].iloc[best]}, table, time_s, work, dict(defaults))


def _plain(value: Any) -> Any:
    """A value as JSON and MLflow show it: layer widths as a list of ints."""
    return [int(v) for v in value] if isinstance(value, list | tuple) else value
