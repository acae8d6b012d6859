"""Facts about the machine and the software a result came from, shared by the runs' tags, the reports and the
performance benchmarks."""

from __future__ import annotations

import functools
import os
import platform
import subprocess
from pathlib import Path

LIBRARIES = ("torch", "scikit-learn", "pandas", "mlflow", "hydra-core")  # the versions a report names


@functools.cache
def versions() -> dict[str, str]:
    """The bench version and the git commit of the checkout it runs from, as the runs' tags."""
    return {"bench.version": package_version("bench", "unknown"), "bench.git_commit": git_commit() or "unknown"}


def package_version(name: str, missing: str = "not installed") -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return missing


def git_commit(path: str | os.PathLike | None = None) -> str:
    """The commit checked out at ``path`` (default: bench's own checkout), or "" outside a git checkout."""
    try:
        git = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=path or Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return git.stdout.strip() if git.returncode == 0 else ""


def _git(*args: str) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(["git", *args], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None


def last_change(path: str | os.PathLike) -> str:
    """The commit that last changed ``path`` (relative to bench's checkout), or "" outside a git checkout."""
    git = _git("log", "-1", "--format=%H", "--", str(Path(__file__).parent.parent / path))
    return git.stdout.strip() if git is not None and git.returncode == 0 else ""


def is_ancestor(ancestor: str, descendant: str) -> bool | None:
    """Whether ``ancestor`` is ``descendant`` or comes before it in its history; None when git cannot tell (an
    unknown commit, or no checkout)."""
    git = _git("merge-base", "--is-ancestor", ancestor, descendant)
    return None if git is None or git.returncode not in (0, 1) else git.returncode == 0


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        model = platform.processor()
    return model or "unknown CPU"


def platform_line() -> str:
    """``Linux x86_64, <CPU model>, 2 cores``."""
    return f"{platform.system()} {platform.machine()}, {cpu_model()}, {os.cpu_count()} cores"
