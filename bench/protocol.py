"""What a result means: how a job's data is split into the part a model learns from and the part it is tested on.

Each protocol is an object in ``PROTOCOLS``, the one place that knows its name: it checks its settings (the job's
``protocol`` config), names its folds, splits the data, says whether it tunes, and describes itself to reports
(in words, what its repeated runs are, and the n_test/n_train ratio its noise estimates need). Adding a protocol
is a subclass here (or anywhere, passed to ``register``) and a file in ``conf/protocol/``.

``holdout``: one stratified split per seed. ``cv``: repeated stratified k-fold, one run per fold, the same folds for
every model (the seed fixes them). ``tuned``: the folds of ``cv``, each model's hyperparameters chosen inside each
training fold (``bench.tuning``).

Options beside a protocol's own keys, read with a default so that configs without them keep their run keys:
``validation_fraction`` under holdout and cv (a validation part inside the training part, on which any value a
study picks is picked), ``fit_timeout_s`` (a cap on the job's fit, ``bench.capped``), and under tuned
``search_space`` (a file of ``conf/search_space/`` other than the model's own), ``pruner``, ``n_jobs`` and
``ensemble`` (K > 0: also a tuned + ensembled result, ``bench.ensembled``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np

from bench import data as datasets
from bench.data import Dataset

PRUNERS = ("none", "median", "hyperband")  # bench.tuning.make_pruner's
MAX_FOLDS = 10_000  # runs one job may make: folds x repeats
DEFAULT_TEST_SIZE = 0.25  # conf/config.yaml's test_size, for runs that predate the param


def split_seed(seed: int, fold: int | None) -> int:
    """The seed of whatever is drawn inside a fold's training part (its validation split, its tuning study): the
    same for every model of a seed and fold, different for every fold."""
    return 1000 * seed + (fold or 0)


class Protocol:
    """A way of splitting a job's data; the base of every protocol. A protocol's report facts are read from a
    run's params (``params.protocol.*``), which is all a table of runs holds."""

    name = ""
    tunes = False  # whether a model's config is chosen inside each training part
    unit = "seeds"  # what its repeated runs of one dataset and model are, in a report's words
    settings: tuple[str, ...] = ("params.test_size",)  # the params that say what it did

    def check(self, settings: Mapping[str, Any]) -> None:
        """One line naming the bad value; options every protocol shares are checked here."""
        timeout = settings.get("fit_timeout_s")
        if timeout is not None and not _positive(timeout):
            raise ValueError(f"protocol.fit_timeout_s must be a positive number of seconds or null; got {timeout!r}")
        space = settings.get("search_space")
        if space is not None and (not self.tunes or not isinstance(space, str) or not space):
            raise ValueError(
                f"protocol.search_space must name a file of conf/search_space/ under protocol=tuned; got {space!r}"
            )
        if not self.tunes and (share := settings.get("validation_fraction")) is not None:
            _share(share)
        if not self.tunes and (rounds := settings.get("ensemble")) is not None:
            raise ValueError(f"protocol.ensemble ensembles a search's trials: it needs protocol=tuned; got {rounds!r}")

    def folds(self, settings: Mapping[str, Any]) -> list[int | None]:
        """The job's folds, known before any data is read: ``[None]`` for a single split."""
        return [None]

    def rows_per_class(self, settings: Mapping[str, Any]) -> tuple[int, str]:
        """The rows every class needs for its splits, and the split in words: a stratified split puts a row of
        every class on each side."""
        return 2, "a stratified train/test split"

    def split(self, data: Dataset, settings: Mapping[str, Any], fold: int | None, test_size: float, seed: int):
        """``X_train, X_test, y_train, y_test`` of one fold."""
        return datasets.split(data, test_size, seed)

    def validation_share(self, settings: Mapping[str, Any]) -> float | None:
        """The share of the training part held out for validation (None: none); a protocol that tunes keeps its
        own inner split for its trials."""
        return None if self.tunes else settings.get("validation_fraction")

    def test_ratio(self, params: Mapping[str, float]) -> float:
        """n_test/n_train of its splits, from a run's params (``test_size`` or ``protocol.folds``): what the
        corrected resampled variance adds for overlapping training sets (Nadeau and Bengio)."""
        test_size = params.get("params.test_size", math.nan)
        test_size = DEFAULT_TEST_SIZE if math.isnan(test_size) else test_size
        return test_size / (1 - test_size)

    def describe(self, params: Mapping[str, float]) -> str:
        """The protocol in words, from one run's params: ``holdout (one stratified split per seed, ...)``."""
        test = params.get("params.test_size", math.nan)
        parts = ["one stratified split per seed" + ("" if math.isnan(test) else f", test size {test:.3g}")]
        return self._named(parts + self._validation(params))

    def _validation(self, params: Mapping[str, float]) -> list[str]:
        share = params.get("params.protocol.validation_fraction", math.nan)
        if math.isnan(share):
            return []
        if self.tunes:
            return [f"{share:.3g} of each training fold for validation"]
        return [f"{share:.3g} of the training part held out for validation"]

    def _named(self, parts: list[str]) -> str:
        return self.name + (f" ({', '.join(parts)})" if parts else "")


class Holdout(Protocol):
    name = "holdout"


class CrossValidation(Protocol):
    """Repeated stratified k-fold: the same folds for every model of a seed."""

    name = "cv"
    unit = "folds"
    settings = ("params.protocol.folds", "params.protocol.repeats")

    def check(self, settings: Mapping[str, Any]) -> None:
        super().check(settings)
        _count(settings, "folds", 2)
        _count(settings, "repeats", 1)
        if (runs := settings["folds"] * settings["repeats"]) > MAX_FOLDS:
            raise ValueError(f"protocol.folds x protocol.repeats = {runs:,} runs per job; at most {MAX_FOLDS:,}")

    def folds(self, settings: Mapping[str, Any]) -> list[int | None]:
        return list(range(settings["folds"] * settings["repeats"]))

    def rows_per_class(self, settings: Mapping[str, Any]) -> tuple[int, str]:
        return settings["folds"], f"protocol.folds={settings['folds']}"

    def split(self, data: Dataset, settings: Mapping[str, Any], fold: int | None, test_size: float, seed: int):
        from sklearn.model_selection import RepeatedStratifiedKFold

        k, y = settings["folds"], data.y
        if (smallest := data.class_counts and min(data.class_counts.values())) < k:
            raise ValueError(f"protocol.folds={k} needs {k} rows of every class; the smallest class has {smallest}")
        splitter = RepeatedStratifiedKFold(n_splits=k, n_repeats=settings["repeats"], random_state=seed)
        train, test = next(s for i, s in enumerate(splitter.split(np.zeros(len(y)), y)) if i == fold)
        X = data.X.iloc if hasattr(data.X, "iloc") else data.X
        return X[train], X[test], y[train], y[test]

    def test_ratio(self, params: Mapping[str, float]) -> float:
        folds = params.get("params.protocol.folds", math.nan)
        return 1 / (folds - 1) if folds > 1 else math.nan

    def describe(self, params: Mapping[str, float]) -> str:
        folds, repeats = params.get("params.protocol.folds", math.nan), params.get("params.protocol.repeats", 1.0)
        parts = []
        if not math.isnan(folds):
            cv = f"{int(folds)}-fold stratified CV"
            parts.append(cv if math.isnan(repeats) or repeats == 1 else f"{cv} repeated {int(repeats)} times")
        parts += self._tuning(params)
        return self._named(parts + self._validation(params))

    def _tuning(self, params: Mapping[str, float]) -> list[str]:
        return []


class Tuned(CrossValidation):
    """The folds of cv; inside each training fold the model's config is chosen by an equal-budget search."""

    name = "tuned"
    tunes = True
    settings = (*CrossValidation.settings, "params.protocol.n_trials", "params.protocol.ensemble")

    def check(self, settings: Mapping[str, Any]) -> None:
        super().check(settings)
        _count(settings, "n_trials", 0)
        timeout = settings.get("trial_timeout_s")
        if timeout is not None and not _positive(timeout):
            raise ValueError(f"protocol.trial_timeout_s must be a positive number of seconds or null; got {timeout!r}")
        _share(settings.get("validation_fraction"))
        _count(settings, "n_jobs", 1, default=1)
        _count(settings, "ensemble", 0, default=0)
        if (pruner := settings.get("pruner", "none")) not in PRUNERS:
            raise ValueError(f"unknown protocol.pruner={pruner!r}; choose from: {', '.join(PRUNERS)}")

    def _tuning(self, params: Mapping[str, float]) -> list[str]:
        trials = params.get("params.protocol.n_trials", math.nan)
        rounds = params.get("params.protocol.ensemble", math.nan)
        ensemble = [f"ensembles of {int(rounds)} picks"] if rounds > 0 else []  # NaN > 0 is False: none asked
        return ([] if math.isnan(trials) else [f"default + {int(trials)} trials per model"]) + ensemble


PROTOCOLS: dict[str, Protocol] = {p.name: p for p in (Holdout(), CrossValidation(), Tuned())}
DEFAULT = "holdout"  # the protocol of runs recorded before runs carried one


def register(protocol: Protocol) -> None:
    """Add a protocol (a subclass of ``Protocol`` with its own ``name``) beside bench's own; its config file in
    ``conf/protocol/`` sets ``name`` to the same."""
    PROTOCOLS[protocol.name] = protocol


def get(name: Any) -> Protocol:
    """The protocol of this name; one line naming the choices for any other."""
    if name not in PROTOCOLS:
        raise ValueError(f"unknown protocol {name!r}; choose from: {', '.join(PROTOCOLS)}")
    return PROTOCOLS[name]


def known(name: Any) -> Protocol:
    """For reports: the protocol a run names, or a bare one that describes itself by name (a table from a bench
    that had another)."""
    if name in PROTOCOLS:
        return PROTOCOLS[name]
    bare = Protocol()
    bare.name = str(name)
    return bare


def of(settings: Mapping[str, Any]) -> Protocol:
    return get(settings.get("name"))


def check(settings: Mapping[str, Any]) -> None:
    of(settings).check(settings)


def folds(settings: Mapping[str, Any]) -> list[int | None]:
    return of(settings).folds(settings)


def tunes(settings: Mapping[str, Any]) -> bool:
    return of(settings).tunes


def split(data: Dataset, settings: Mapping[str, Any], fold: int | None, test_size: float, seed: int) -> tuple:
    """``X_train, X_test, y_train, y_test`` of one fold (``fold=None``: the holdout split of ``test_size``)."""
    return of(settings).split(data, settings, fold, test_size, seed)


def validation_share(settings: Mapping[str, Any]) -> float | None:
    return of(settings).validation_share(settings)


def validation_split(X_train: Any, y_train: np.ndarray, share: float, seed: int, fold: int | None) -> tuple:
    """``X_fit, X_val, y_fit, y_val``: a stratified share of the training part held out for validation, the same
    for every model of a seed and fold, so that a value chosen on it is chosen on the same rows for all."""
    from sklearn.model_selection import train_test_split

    return train_test_split(X_train, y_train, test_size=share, random_state=split_seed(seed, fold), stratify=y_train)


def _positive(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and value > 0


def _share(share: Any) -> None:
    if not isinstance(share, Real) or isinstance(share, bool) or not 0 < share < 1:
        raise ValueError(f"protocol.validation_fraction must be a number in (0, 1); got {share!r}")


def _count(settings: Mapping[str, Any], key: str, least: int, default: Any = None) -> None:
    value = settings.get(key, default)
    if not isinstance(value, Integral) or isinstance(value, bool) or value < least:
        raise ValueError(f"protocol.{key} must be an int >= {least}; got {value!r}")
