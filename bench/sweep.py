"""The Hydra side of a sweep: the task Hydra runs per job, the callback around a multirun (the store set up once,
the parent run, interrupted runs reaped, reports at the end), and what the launchers need to carry it to their
jobs."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import hydra
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from bench.config import CHECKED_ENV, CONFIG_DIR, PARENT_ENV, TOTAL_ENV
from bench.tracking import Store, open_store, redact, resolve_uri, sweep_tags


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def sweep_job(cfg: DictConfig) -> float | None:
    """The task Hydra runs once per job."""
    from bench.job import run

    return run(cfg).get("test_accuracy")


@contextlib.contextmanager
def checked_jobs(checked: bool = True, composed: dict | None = None) -> Iterator[None]:
    """Within: this process's sweeper knows that every job was composed and checked before the sweep, and skips
    Hydra's second composition of each (``hydra_plugins.bench_sweeper``); its launcher reuses ``composed``, the
    check's compositions (``bench.cli.preflight.preflight``)."""
    from bench.composition import hand_over

    if checked:
        os.environ[CHECKED_ENV] = str(os.getpid())
    try:
        with hand_over(composed or {}):
            yield
    finally:
        os.environ.pop(CHECKED_ENV, None)


def stop_reused_workers() -> None:
    """Stop the joblib launcher's worker processes: they keep the environment they started with, which names the
    previous sweep's parent run, so the next sweep needs fresh ones."""
    loky = sys.modules.get("joblib.externals.loky.reusable_executor")
    if loky is not None and getattr(loky, "_executor", None) is not None:  # started by a joblib launcher only
        loky._executor.shutdown(wait=True)


class SweepCallback(Callback):
    """Hydra callback around a multirun: sets the store up once, opens the sweep's parent run, and at the end
    closes it, writes the reports and prints where everything is."""

    def __init__(self) -> None:
        self.store: Store | None = None
        self.parent: str | None = None
        self.started = 0.0

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self.started = time.perf_counter()
        self.store = open_store(resolve_uri(config.tracking.uri, config.hydra.runtime.cwd), config.tracking.experiment)
        if reaped := self.store.reap_interrupted():
            print(f"marked {len(reaped)} interrupted run(s) KILLED: {', '.join(reaped[:5])}", flush=True)
        name = f"sweep-{time.strftime('%Y%m%d-%H%M%S')}"
        self.parent = self.store.start_run(name, sweep_tags())
        os.environ[PARENT_ENV] = self.parent
        total = os.environ.get(TOTAL_ENV, "?")
        carry_environment(config, {PARENT_ENV: self.parent, TOTAL_ENV: total})
        fit_ray_launcher(config)
        print(
            f"sweep {name}: {total} jobs -> experiment '{self.store.experiment}' in {redact(self.store.uri)}",
            flush=True,
        )

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if self.store is None or self.parent is None:
            return
        runs = self.store.children(self.parent)
        failed = [r for r in runs if r.info.status != "FINISHED"]
        self.store.end_run(self.parent, "FAILED" if failed else "FINISHED")
        os.environ.pop(PARENT_ENV, None)
        timed_out = sum(r.data.tags.get("bench.outcome") == "timeout" for r in runs)  # finished, at their cap
        late = f", {timed_out} timed out" if timed_out else ""
        print(f"\n{len(runs)} runs in {time.perf_counter() - self.started:.0f}s, {len(failed)} failed{late}")
        for run in failed:
            print(f"  FAILED {run.info.run_name}: {run.data.tags.get('bench.error', run.info.status)}")
        unwritten = False
        if config.report.enabled:
            from bench.report import build_report

            out = Path(config.hydra.runtime.cwd) / config.report.out_dir
            try:
                html, md = build_report(self.store.uri, self.store.experiment, out)
                print(f"reports: {html}\n         {md}")
            except OSError as exc:  # the runs are recorded; `python -m bench report --out DIR` writes them later
                unwritten = True
                print(f"error: cannot write the reports to {str(out)!r}: {exc.strerror or exc}", flush=True)
        print(f"store:   {redact(self.store.uri)}")
        print(f"compare: {ui_command(redact(self.store.uri))}")
        if failed or unwritten:
            raise SystemExit(1)


def carry_environment(config: DictConfig, env: Mapping[str, str]) -> None:
    """Give every job of the sweep these environment variables (and ``MLFLOW_TRACKING_URI`` where it is set).

    Jobs that Ray or SLURM start on other machines do not inherit this process's environment, but every launcher
    runs its jobs through Hydra's ``run_job``, which sets ``hydra.job.env_set`` around the job; each job's config
    is composed from the sweep's Hydra overrides, so the values travel as overrides of that key.
    """
    from omegaconf import read_write

    carried = dict(env)
    if uri := os.environ.get("MLFLOW_TRACKING_URI"):
        carried["MLFLOW_TRACKING_URI"] = uri
    overrides = [f"++hydra.job.env_set.{key}='{_quoted(value)}'" for key, value in carried.items()]
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


def _quoted(value: str) -> str:
    """A value for a single-quoted Hydra override string: there a backslash escapes only a quote, or another
    backslash in a run of them before a quote or the closing quote."""
    value = re.sub(r"(\\*)'", lambda m: m.group(1) * 2 + "\\'", str(value))
    return re.sub(r"(\\+)$", lambda m: m.group(1) * 2, value)


def ui_command(uri: str) -> str:
    if uri.startswith(("http://", "https://")):
        return f"open {uri}"
    return f"mlflow ui --backend-store-uri {uri} --host 127.0.0.1 --port 5000"
