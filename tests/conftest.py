"""Shared fixtures: the real configs composed small, and the real CLI run in a temporary directory."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from bench.cli.ui_cmd import UI_ENVIRONMENT, stop
from bench.config import CONFIG_DIR

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True, scope="session")
def ctrl_c_as_a_terminal_delivers_it() -> None:
    """The tests that press Ctrl-C need Python's own SIGINT handler in this process and in the sweeps it starts. A
    shell starts a background job (``make test &``, a CI runner's step) with SIGINT ignored, and every process
    under it would inherit that."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def make_cfg(tmp_path):
    """Compose the real config with overrides, tracking into a store under ``tmp_path``."""

    def make(*overrides: str):
        with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
            return compose(
                "config",
                [f"tracking.uri=sqlite:///{tmp_path}/mlruns.db", "report.out_dir=" + str(tmp_path), *overrides],
            )

    return make


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "BENCH_"))}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_cli(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m bench ARGS`` as a user types it, in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=cwd,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass
class Ran:
    """What a command run in-process left: as ``subprocess.CompletedProcess`` has it."""

    returncode: int
    stdout: str
    stderr: str


def run_main(*args: str, cwd: Path) -> Ran:
    """``python -m bench ARGS`` run in this process (``bench.__main__.main``) in ``cwd``, its output captured: what
    a user sees, without a subprocess's start-up (its imports take seconds). The environment is the user's,
    without MLflow's and bench's own variables; the working directory and environment are restored after."""
    from bench.__main__ import main

    saved = dict(os.environ)  # a command may set variables (a tracking URI's credentials): all are restored
    with pytest.MonkeyPatch.context() as patch:
        for name in [k for k in os.environ if k.startswith(("MLFLOW_", "BENCH_"))]:
            patch.delenv(name)
        patch.chdir(cwd)
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(list(args))
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return Ran(code, out.getvalue(), err.getvalue())


@pytest.fixture
def bench_cli() -> Callable[..., Ran]:
    """``run_main``, for tests that take their commands as a fixture."""
    return run_main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory) -> Iterator[str]:
    """A real ``mlflow server`` on 127.0.0.1 with a SQLite backend and proxied artifacts, one per test process
    (its start takes seconds): tests use experiments of their own names. Yields its URL."""
    root = tmp_path_factory.mktemp("server")
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            f"sqlite:///{root}/server.db",
            "--artifacts-destination",
            str(root / "artifacts"),
            "--workers",
            "1",
        ],
        cwd=root,
        env={**cli_env(), **UI_ENVIRONMENT},
        stdout=subprocess.DEVNULL,
        stderr=(root / "server.log").open("w"),
        start_new_session=True,  # its workers in its process group: stopped with it
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            pytest.fail(f"mlflow server did not start: {(root / 'server.log').read_text()[-2000:]}")
        time.sleep(0.5)
    yield url
    stop(process)


def require(*modules: str, module_level: bool = False) -> None:
    """Skip when the extra is not installed (``module_level``: the whole test file, before any fixture starts a
    server); under ``BENCH_CLUSTER_TESTS=1`` (``make test-cluster``) fail."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        reason = f"{', '.join(missing)} not importable: install the extra (make test-cluster)"
        if os.environ.get("BENCH_CLUSTER_TESTS") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason, allow_module_level=module_level)
