"""``python -m bench ui``: the MLflow UI on a store, opened at an experiment's runs in the UI's model-training view
(MLflow 3's UI opens on its GenAI views otherwise)."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys

from bench.cli.preflight import UsageError
from bench.cli.store_args import Parser, add_store_arguments, checked_store
from bench.config import one_line


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = Parser(
        prog="python -m bench ui",
        description="Start the MLflow UI on a local store and print the address of an experiment's runs.",
    )
    add_store_arguments(parser, filters=False)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", default=5000, type=int, help="port to listen on (default: 5000)")
    return parser.parse_args(argv)


def ui_main(argv: list[str]) -> int:
    args = parse_args(argv)
    uri = checked_store(args.tracking_uri)
    from bench.sweep_record import ui_url
    from bench.tracking import experiment_id, redact

    try:
        found = experiment_id(uri, args.experiment)
    except (ValueError, OSError) as exc:
        raise UsageError(one_line(exc)) from exc
    if uri.startswith(("http://", "https://")):  # a tracking server serves its own UI
        print(f"open {ui_url(redact(uri), found)}")
        return 0
    print(f"MLflow UI: {ui_url(f'http://{args.host}:{args.port}', found)}  (Ctrl-C stops it)", flush=True)
    return serve([*UI, "--backend-store-uri", uri, "--host", args.host, "--port", str(args.port), "--workers", "1"])


UI = [sys.executable, "-m", "mlflow", "ui"]
# MLflow's server starts a job runner with its own worker processes for GenAI evaluation jobs: bench has none
UI_ENVIRONMENT = {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}


def serve(command: list[str]) -> int:
    """Run the UI in a process group of its own until it ends, or until this process is interrupted or terminated:
    then the whole group (the server and any worker it started) is stopped with it, never left running."""
    ui = subprocess.Popen(command, env={**os.environ, **UI_ENVIRONMENT}, start_new_session=True)
    previous = signal.signal(signal.SIGTERM, _interrupted)
    try:
        return ui.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop(ui)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # a terminated ``bench ui`` stops its server as Ctrl-C does


def stop(process: subprocess.Popen, grace_s: float = 10.0) -> None:
    """SIGTERM to the process group, SIGKILL to whatever is left after ``grace_s``."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_s)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
