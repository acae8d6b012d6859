"""The process set-up: what it sets, that a second call changes nothing, and the garbage collector's policy."""

from __future__ import annotations

import gc
import logging
import os
import weakref

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench import process


def test_setup_sets_its_defaults_once_and_keeps_what_the_user_set(monkeypatch):
    monkeypatch.delenv("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", raising=False)
    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "true")  # the user's choice
    process.setup()
    process.setup()
    assert os.environ["MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"] == "true"
    assert os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] == "true"
    assert all(logging.getLogger(name).level == logging.WARNING for name in process.QUIET)
    assert event.contains(Engine, "connect", process._normal_sync)


def test_settle_memory_collects_old_garbage_and_freezes_the_living():
    class Node:
        pass

    garbage, alive = Node(), Node()
    garbage.me = garbage  # a reference cycle: only the cyclic collector frees it
    dead = weakref.ref(garbage)
    del garbage
    frozen_before = gc.get_freeze_count()
    process.settle_memory()
    assert dead() is None
    assert gc.get_freeze_count() > frozen_before  # what lives on (``alive`` among it) is out of later collections
    assert not any(o is alive for generation in range(3) for o in gc.get_objects(generation))
