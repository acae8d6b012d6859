"""Shared fixtures: the real configs composed small, and the real CLI run in a temporary directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from bench.__main__ import CONFIG_DIR

REPO = Path(__file__).resolve().parents[1]


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
