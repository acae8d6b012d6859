"""Suites of sweeps (``conf/suites.yaml``): ``python -m bench experiment=claims`` runs each of its sweeps as its
own multirun in this process, the other overrides applied to all, then writes one report."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from omegaconf import OmegaConf

from bench.cli.preflight import preflight
from bench.config import CONFIG_DIR, composer


def suites() -> dict[str, list[str]]:
    """Each suite's sweeps, in the order they run: ``{"claims": ["trees_overfit", ...], ...}``."""
    return OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "suites.yaml"), resolve=True)


def run_suite(suite: str, argv: list[str]) -> int:
    """Run the suite's sweeps one after the other, then write one report. Every sweep is checked before the first
    one starts; a sweep with failed jobs is recorded and the others still run; a sweep whose runs are all
    recorded runs nothing."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from bench.report.format import counted
    from bench.sweep import launch, stop_reused_workers
    from bench.sweep_record import all_recorded, where, write_reports
    from bench.tracking import open_store, resolve_uri

    sweeps = [f"experiment={suite}/{sweep}" for sweep in suites()[suite]]
    argv = [a for a in argv if a != f"experiment={suite}"]
    plans = [preflight([sweep, "report.enabled=false", *argv]) for sweep in sweeps]
    started, failed, store = time.perf_counter(), [], None
    for i, (sweep, plan) in enumerate(zip(sweeps, plans, strict=True), 1):
        print(f"\n== {suite} {i}/{len(sweeps)}: {sweep} ({counted(plan.jobs, 'job')})", flush=True)
        sweep_started = time.perf_counter()
        if (store := all_recorded(plan)) is not None:
            print(f"{sweep}: nothing to run, every run is recorded (rerun=true repeats them)", flush=True)
            continue
        try:
            launch([sweep, "report.enabled=false", *argv], plan)
        except SystemExit as exc:
            if exc.code not in (None, 0):
                failed.append(sweep)
        except KeyboardInterrupt:
            print("\ninterrupted: the current run is marked KILLED; the same command resumes", file=sys.stderr)
            return 130
        finally:
            stop_reused_workers()
            print(f"{sweep}: {time.perf_counter() - sweep_started:.0f}s", flush=True)
    jobs = counted(sum(p.jobs for p in plans), "job")
    print(f"\n{suite}: {counted(len(sweeps), 'sweep')}, {jobs} in {time.perf_counter() - started:.0f}s", flush=True)
    fixed = [o.input_line for o in OverridesParser.create().parse_overrides(argv) if not o.is_sweep_override()]
    with composer() as compose:
        cfg = compose([sweeps[0], *fixed])
    store = open_store(resolve_uri(cfg.tracking.uri), cfg.tracking.experiment)
    if cfg.report.enabled:
        write_reports(store, Path(cfg.report.out_dir))
    where(store)
    if failed:
        print(f"sweeps with failed jobs: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
