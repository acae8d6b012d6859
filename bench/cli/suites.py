"""Suites of sweeps (``conf/suites.yaml``): ``python -m bench experiment=claims`` runs each of its sweeps as its
own multirun in this process, the other overrides applied to all, then writes one report."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from omegaconf import OmegaConf

from bench.cli.preflight import preflight
from bench.config import CONFIG_DIR, TOTAL_ENV, composer


def suites() -> dict[str, list[str]]:
    """Each suite's sweeps, in the order they run: ``{"claims": ["trees_overfit", ...], ...}``."""
    return OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "suites.yaml"), resolve=True)


def run_suite(suite: str, argv: list[str]) -> int:
    """Run the suite's sweeps one after the other, then write one report. Every sweep is checked before the first
    one starts; a sweep with failed jobs is recorded and the others still run."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from bench.sweep import checked_jobs, stop_reused_workers, sweep_job

    sweeps = [f"experiment={suite}/{sweep}" for sweep in suites()[suite]]
    argv = [a for a in argv if a != f"experiment={suite}"]
    totals = [preflight([sweep, "report.enabled=false", *argv]) for sweep in sweeps]
    fixed = [o.input_line for o in OverridesParser.create().parse_overrides(argv) if not o.is_sweep_override()]
    with composer() as compose:
        cfg = compose([sweeps[0], *fixed])
    started, failed = time.perf_counter(), []
    for i, (sweep, total) in enumerate(zip(sweeps, totals, strict=True), 1):
        print(f"\n== {suite} {i}/{len(sweeps)}: {sweep} ({total} jobs)", flush=True)
        os.environ[TOTAL_ENV] = str(total)
        sweep_started = time.perf_counter()
        sys.argv = [sys.argv[0], sweep, "report.enabled=false", *argv]
        try:
            with checked_jobs():
                sweep_job()
        except SystemExit as exc:
            if exc.code not in (None, 0):
                failed.append(sweep)
        except KeyboardInterrupt:
            print("\ninterrupted: the current run is marked KILLED; the same command resumes", file=sys.stderr)
            return 130
        finally:
            stop_reused_workers()
            print(f"{sweep}: {time.perf_counter() - sweep_started:.0f}s", flush=True)
    print(f"\n{suite}: {len(sweeps)} sweeps, {sum(totals)} jobs in {time.perf_counter() - started:.0f}s", flush=True)
    if cfg.report.enabled:
        from bench.report import build_report
        from bench.tracking import resolve_uri

        html, md = build_report(resolve_uri(cfg.tracking.uri), cfg.tracking.experiment, Path(cfg.report.out_dir))
        print(f"reports: {html}\n         {md}")
    if failed:
        print(f"sweeps with failed jobs: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
