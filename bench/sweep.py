"""The Hydra side of a sweep: the task Hydra runs per job, running the Hydra app on a list of overrides, and the
callback around a multirun (the store set up once, the parent run, interrupted runs reaped, the parent's record
and the reports at the end)."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import hydra
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from bench.config import CONFIG_DIR, PARENT_ENV, TOTAL_ENV, one_line
from bench.plan import Plan
from bench.progress import in_sweep_process
from bench.tracking import Store, has_credentials, open_store, redact, resolve_uri, sweep_tags


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def sweep_job(cfg: DictConfig) -> float | None:
    """The task Hydra runs once per job, in the sweep's process or a launcher's worker."""
    from bench import process
    from bench.job import run

    process.setup()
    if not in_sweep_process():
        process.die_with_parent()
    process.settle_memory()
    with process.memory_limit(cfg.get("max_memory_gb")):
        return run(cfg).get("test_accuracy")


@contextlib.contextmanager
def command_line(args: Sequence[str]) -> Iterator[None]:
    """Within: ``sys.argv`` holds ``args``, which is where a Hydra app reads its overrides (Hydra has no public
    way to pass them otherwise); restored on leaving."""
    saved = sys.argv
    sys.argv = [saved[0], *args]
    try:
        yield
    finally:
        sys.argv = saved


def launch(args: Sequence[str], plan: Plan | None = None) -> None:
    """Run the Hydra app on ``args`` in this process; ``plan`` (``bench.cli.preflight``) reaches the sweep's
    callback as a file, through a Hydra setting of the callback's own."""
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as folder:
        path = None if plan is None else plan.save(Path(folder) / "plan.json")
        extra = [] if path is None else [f"hydra.callbacks.bench.plan='{quoted(str(path))}'"]
        with command_line([*args, *extra]):
            sweep_job()


def stops_the_sweep(method: Callable[..., None]) -> Callable[..., None]:
    """A callback method whose error stops the command with one line: Hydra reduces a callback's exception to a
    warning and goes on, which would run a sweep without its parent run or its store."""

    @functools.wraps(method)
    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            method(*args, **kwargs)
        except Exception as exc:
            print(f"error: {one_line(exc)}", file=sys.stderr, flush=True)
            raise SystemExit(2) from None

    return guarded


class SweepCallback(Callback):
    """Hydra callback around a multirun: sets the store up once, opens the sweep's parent run, and at the end
    records the sweep on it (``bench.sweep_record``), writes the reports and prints where everything is."""

    def __init__(self, plan: str | None = None) -> None:
        self.plan = Plan.load(plan) if plan else None
        self.store: Store | None = None
        self.parent: str | None = None
        self.started = 0.0

    @stops_the_sweep
    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        from bench.sweep_record import parent_params

        self.started = time.perf_counter()
        uri = resolve_uri(config.tracking.uri, config.hydra.runtime.cwd)
        self.store = open_store(uri, config.tracking.experiment, config.tracking.get("timeout_s", 60))
        if reaped := self.store.reap_interrupted():
            noun = "run" if len(reaped) == 1 else "runs"
            print(f"marked {len(reaped)} interrupted {noun} KILLED: {', '.join(reaped[:5])}", flush=True)
        name = f"sweep-{time.strftime('%Y%m%d-%H%M%S')}"
        self.parent = self.store.start_run(name, sweep_tags())
        self.store.log(self.parent, params=parent_params(config, self.plan))
        os.environ[PARENT_ENV] = self.parent
        total = str(self.plan.jobs) if self.plan else "?"
        carry_environment(config, {PARENT_ENV: self.parent, TOTAL_ENV: total})
        fit_ray_launcher(config)
        jobs = f"{total} job" + ("" if total == "1" else "s")
        print(f"sweep {name}: {jobs} -> experiment '{self.store.experiment}' in {redact(self.store.uri)}", flush=True)

    @stops_the_sweep
    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from bench.sweep_record import record_sweep

        if self.store is None or self.parent is None:
            return
        os.environ.pop(PARENT_ENV, None)
        out = Path(config.hydra.runtime.cwd) / config.report.out_dir if config.report.enabled else None
        elapsed = time.perf_counter() - self.started
        ok = record_sweep(self.store, self.parent, self.plan, elapsed, out)
        if not ok:
            raise SystemExit(1)


def stop_reused_workers() -> None:
    """Stop the joblib launcher's worker processes: they keep the environment they started with, which names the
    previous sweep's parent run, so the next sweep needs fresh ones."""
    from bench._compat import stop_loky_workers

    stop_loky_workers()


def carry_environment(config: DictConfig, env: Mapping[str, str]) -> None:
    """Give every job of the sweep these environment variables (and ``MLFLOW_TRACKING_URI`` where it is set).

    Jobs that Ray or SLURM start on other machines do not inherit this process's environment, but every launcher
    runs its jobs through Hydra's ``run_job``, which sets ``hydra.job.env_set`` around the job; each job's config
    is composed from the sweep's Hydra overrides, so the values travel as overrides of that key.
    """
    from omegaconf import read_write

    carried = dict(env)
    # a URI with credentials stays in the environment: remote workers need it in theirs (docs/scale-out.md)
    if (uri := os.environ.get("MLFLOW_TRACKING_URI")) and not has_credentials(uri):
        carried["MLFLOW_TRACKING_URI"] = uri
    overrides = [f"++hydra.job.env_set.{key}='{quoted(value)}'" for key, value in carried.items()]
    with read_write(config.hydra):
        config.hydra.overrides.hydra = [*config.hydra.overrides.hydra, *overrides]


def fit_ray_launcher(config: DictConfig) -> None:
    """hydra-ray-launcher passes a default ``object_store_memory`` to ``ray.init``, which Ray refuses when it
    connects to a running cluster (``hydra.launcher.ray.init.address=HOST:PORT``): there the cluster's own
    setting applies, so the default is set to null before the launcher is built from this config."""
    from omegaconf import open_dict, read_write

    launcher = config.hydra.get("launcher") or {}
    if not str(launcher.get("_target_", "")).endswith("RayLauncher"):
        return
    init = launcher.ray.init
    if init.get("address") and "object_store_memory" not in init:
        with read_write(init), open_dict(init):
            init.object_store_memory = None


def quoted(value: str) -> str:
    """A value for a single-quoted Hydra override string: there a backslash escapes only a quote, or another
    backslash in a run of them before a quote or the closing quote."""
    value = re.sub(r"(\\*)'", lambda m: m.group(1) * 2 + "\\'", str(value))
    return re.sub(r"(\\+)$", lambda m: m.group(1) * 2, value)
