"""A sweep's plan, known before anything runs: how many jobs, the run key of every run they make, and the command
that asked for them. ``python -m bench`` checks every job and makes the plan (``bench.cli.preflight``); the sweep's
callback reads it (``bench.sweep``) to name the jobs' places, count what ran and what was reused, and to tell
the sweep's own runs apart from the rest of the experiment."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Plan:
    jobs: int
    keys: list[str]  # every run's key, in the order of the jobs (a job under cross-validation has one per fold)
    names: list[str]  # every run's name, as the keys
    command: str  # the command line, passwords in URIs hidden
    rerun: bool
    experiment: str
    uri: str
    protocols: list[str]  # the protocols of the sweep's jobs, sorted
    report_dir: str | None  # where the sweep writes its reports (None: it writes none)

    def record(self) -> dict:
        """What the sweep's callback needs and its parent run keeps (``sweep.json``): everything but the tracking
        URI, which may hold a password, and the local report folder."""
        return {key: value for key, value in asdict(self).items() if key not in ("uri", "report_dir")}

    def save(self, path: Path) -> Path:
        path.write_text(json.dumps(self.record()), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Plan:
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")), uri="", report_dir=None)
