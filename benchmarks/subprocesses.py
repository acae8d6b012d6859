"""The real command line in subprocesses, as a user runs it: the cases of groups c3, d and f."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from benchmarks.harness import Case


def cli_env(**extra: str) -> dict[str, str]:
    """This environment without MLflow's and bench's own variables (a user's tracking URI, a sweep's parent
    run), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "BENCH_"))}
    return env | extra


def command(args: list[str], cwd: Path, expect: int = 0, env: dict[str, str] | None = None) -> Case:
    """A case running ``args`` in ``cwd``; fails the benchmark unless it exits with ``expect``."""

    def case() -> None:
        done = subprocess.run(args, cwd=cwd, env=env or cli_env(), capture_output=True, text=True)
        if done.returncode != expect:
            raise RuntimeError(f"{' '.join(args)} exited {done.returncode}, expected {expect}:\n{done.stderr[-2000:]}")

    return case


def side_by_side(cases: list[Case]) -> Case:
    """Run the cases at once, each on its own thread (they start subprocesses); wait for all of them."""
    from concurrent.futures import ThreadPoolExecutor

    def case() -> None:
        with ThreadPoolExecutor(len(cases)) as pool:
            for future in [pool.submit(c) for c in cases]:
                future.result()

    return case
