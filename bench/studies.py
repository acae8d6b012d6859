"""A fold's tuning study: where it lives (a journal file of its own, in a folder beside the store named by the
experiment), who may work on it (one process at a time: a lock beside the journal), and which of its trials count
toward the budget (those that ended: never the ones an interrupted process left behind, RUNNING after a SIGKILL or
failed by a Ctrl-C). A damaged journal is found before a sweep starts, named, and set aside by ``rerun=true``."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

INTERRUPTED = "interrupted"  # a study's user attr: numbers of the trials that an interrupted process left unfinished;
# a trial's user attr (True): the trial a Ctrl-C stopped in the worker that ran it
JOURNAL = "journal"  # a study's user attr: the journal file it lives in, where its worker processes find it


def storage_dir(tracking_uri: str, experiment: str, cwd: str | Path | None) -> Path:
    """The experiment's journals: beside a SQLite store, else in the launch directory, in a folder named after the
    experiment by the one file-name rule (``bench.tracking.file_name``), so that no name reaches outside it."""
    from bench.tracking import file_name, sqlite_path

    db = sqlite_path(tracking_uri)
    return (db.parent if db else Path(cwd or ".")) / "optuna" / file_name(experiment)


def study_path(folder: Path, name: str) -> Path:
    """A study's own journal in ``folder``: Optuna reads a journal whole to open any study in it, so one file per
    study keeps opening a study as fast at the thousandth job as at the first."""
    from bench.tracking import file_name

    return folder / f"{file_name(name)}.journal"


def journals(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.journal")) if folder.is_dir() else []


def journal(path: str | Path) -> Any:
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    return JournalStorage(JournalFileBackend(str(path)))


def check_journal(path: Path) -> None:
    """A journal that exists must read back whole: text, one JSON record per line, the last line ended (a write
    cut short leaves it unended, and the next record appended to it makes a line Optuna cannot read). Otherwise
    ``ValueError`` naming the file and the line (Optuna's own error names neither)."""
    import json

    if not path.is_file():
        return
    data = path.read_bytes()
    problem = ""
    if data and not data.endswith(b"\n"):
        problem = f"its last line, line {len(data.splitlines())}, is cut short"
    else:
        try:
            lines = data.decode("utf-8").splitlines()
        except UnicodeDecodeError:
            lines, problem = [], "it is not text"
        for number, line in enumerate(lines, 1):
            try:
                json.loads(line)
            except ValueError:
                problem = f"line {number} is not a journal record"
                break
    if problem:
        raise ValueError(
            f"the tuning journal {str(path)!r} is damaged ({problem}); rerun=true sets it aside and starts its "
            f"studies afresh"
        )


def set_aside(path: Path) -> Path:
    """Move a damaged journal out of the way, keeping it for inspection; returns where it went."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    os.replace(path, aside)
    return aside


@contextlib.contextmanager
def owned(path: Path | None, name: str) -> Iterator[None]:
    """Within: this process alone works on study ``name`` of the journal at ``path``, waited for: two sweeps of the
    same jobs never draw one study's trials twice. The lock is a byte of one file beside the journal, at an offset
    given by the study's name, so that studies sharing a journal are still owned apart. In memory
    (``path`` None): no lock is needed."""
    if path is None:
        yield
        return
    import hashlib

    path.parent.mkdir(parents=True, exist_ok=True)
    offset = int.from_bytes(hashlib.sha256(name.encode()).digest()[:5], "big")  # one byte in 2^40
    with open(path.with_name(f"{path.name}.locks"), "a") as lock:
        fcntl.lockf(lock, fcntl.LOCK_EX, 1, offset)
        try:
            yield
        finally:
            fcntl.lockf(lock, fcntl.LOCK_UN, 1, offset)


def make_pruner(name: str) -> Any:
    """Optuna's pruner for ``protocol.pruner``: it stops a trial whose epochs report a losing validation accuracy.
    Only estimators whose ``fit`` takes ``on_epoch`` (the MLP) report; every other trial runs to its end."""
    import optuna

    if name == "median":  # below the finished trials' median at the same epoch, once 5 finished, from epoch 5
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=5)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=5, reduction_factor=3)
    return optuna.pruners.NopPruner()


def open_study(path: Path | None, name: str, seed: int, fresh: bool, pruner: str = "none") -> Any:
    """The fold's study, created or resumed from the journal at ``path`` (None: in memory only); ``fresh`` drops
    earlier trials (``rerun=true``); ``pruner`` one of ``bench.protocol.PRUNERS``. Call it while owning the study
    (``owned``): trials still RUNNING then belong to a process that is gone, and are closed as interrupted."""
    import optuna

    storage = None
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        storage = journal(path)
    if storage is not None and fresh and name in optuna.get_all_study_names(storage):
        optuna.delete_study(study_name=name, storage=storage)
    sampler = optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(
        study_name=name or None,
        storage=storage,
        sampler=sampler,
        pruner=make_pruner(pruner),
        direction="maximize",
        load_if_exists=True,
    )
    study.set_user_attr("seed", seed)
    if path is not None:
        study.set_user_attr(JOURNAL, str(path))
    close_abandoned(study)
    return study


def close_abandoned(study: Any) -> None:
    """Trials an interrupted process left RUNNING: closed as failed and noted as interrupted, so that they neither
    count toward the budget nor stay open."""
    from optuna.trial import TrialState

    left = [t.number for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))]
    for number in left:
        study.tell(number, state=TrialState.FAIL)
    if left:
        interrupted(study, left)


def interrupted(study: Any, numbers: list[int]) -> None:
    """Note trials ``numbers`` as interrupted in the study's own list: a read and a write, so only the process that
    owns the study calls it (``owned``); a worker notes its own trial with ``interrupted_trial``."""
    known = list(study.user_attrs.get(INTERRUPTED, []))
    study.set_user_attr(INTERRUPTED, sorted({*known, *numbers}))


def interrupted_trial(trial: Any) -> None:
    """Note a running trial as interrupted on the trial itself: workers interrupted at once (a Ctrl-C reaches the
    whole process group) each write their own trial, where writes to one study-wide list would overwrite each
    other."""
    trial.set_user_attr(INTERRUPTED, True)


def counted(study: Any) -> list[Any]:
    """The trials that count toward the budget: every one that ended (completed, pruned, or failed by its own
    error), not those an interrupted process left unfinished."""
    lost = set(study.user_attrs.get(INTERRUPTED, []))
    return [
        t
        for t in study.get_trials(deepcopy=False)
        if t.number not in lost and not t.user_attrs.get(INTERRUPTED) and t.state.name != "RUNNING"
    ]


def has_default(trials: list[Any]) -> bool:
    """Whether the default config's trial (the one added without params) has its scores."""
    return any(t.state.name == "COMPLETE" and "params" not in t.user_attrs for t in trials)
