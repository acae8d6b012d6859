"""What the fault tests share, imported by each (the fixtures too): a tracking server they can kill and start
again on the same port and store, a sweep started as a real process they can kill, and a check after every test
that it left no process running."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from conftest import cli_env, free_port

from bench.cli.ui_cmd import UI_ENVIRONMENT, stop


@pytest.fixture(autouse=True)
def no_process_left() -> Iterator[None]:
    """Nothing a fault test starts outlives it: every process it started below this one is gone when it ends
    (those there before, such as a test session's tracking server, are not its own)."""
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    yield
    deadline = time.monotonic() + 15
    while (left := started_since(before)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [command for p in left if (command := alive(p))] == []


def started_since(before: set[int]) -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if p.pid not in before]


def alive(process: psutil.Process) -> str:
    """The start of a live process's command line; empty for one that ended (or is a zombie)."""
    try:
        if process.status() == psutil.STATUS_ZOMBIE:
            return ""
        return " ".join(process.cmdline()[:4])
    except psutil.Error:
        return ""


class Server:
    """A real ``mlflow server`` on 127.0.0.1 with a SQLite store, killed (SIGKILL, its whole process group) and
    started again on the same port and store at will."""

    def __init__(self, root: Path) -> None:
        self.root, self.port = root, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = root / "server.db"
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        command = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--backend-store-uri", f"sqlite:///{self.db}", "--artifacts-destination", str(self.root / "a")]
        self.process = subprocess.Popen(
            [*command, "--workers", "1"],
            cwd=self.root,
            env={**cli_env(), **UI_ENVIRONMENT},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2):
                    return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.kill()
                    pytest.fail("mlflow server did not start")
                time.sleep(0.3)

    def kill(self) -> None:
        if self.process is not None:
            with contextlib_suppress():
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def runs(self, status: str = "FINISHED") -> int:
        """Job runs in the server's store with this status, read from its SQLite file."""
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as connection:
            query = "select count(*) from runs r join tags t on t.run_uuid = r.run_uuid where t.key = 'bench.run_key'"
            return connection.execute(query + " and r.status = ?", (status,)).fetchone()[0]


def contextlib_suppress():
    import contextlib

    return contextlib.suppress(ProcessLookupError)


@pytest.fixture(name="server")
def server_fixture(tmp_path_factory) -> Iterator[Server]:
    found = Server(tmp_path_factory.mktemp("server")).start()
    yield found
    found.stop()


def sweep(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``python -m bench ARGS`` as a user starts it, in its own process group, its output captured."""
    return subprocess.Popen(
        [sys.executable, "-m", "bench", *args],
        cwd=cwd,
        env={**cli_env(), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def working_in(folder: Path) -> list[int]:
    """Processes, this one's or not, whose working directory is ``folder``: a sweep's, its launcher's workers'
    and its trial workers', which outlive it as orphans if nothing ends them."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.pid != os.getpid() and Path(proc.cwd()) == folder:
                found.append(proc.pid)
        except (psutil.Error, OSError):
            continue
    return found


def wait_for(condition: Callable[[], bool], timeout: float = 120, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)
