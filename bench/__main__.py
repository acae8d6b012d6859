"""Command line: ``python -m bench [OVERRIDE ...]`` runs a sweep, ``python -m bench report`` rebuilds reports,
``python -m bench export`` writes the runs as one table (Parquet or CSV), ``python -m bench perf`` runs the
performance benchmarks, ``python -m bench experiment=claims`` runs a suite of sweeps (``conf/suites.yaml``) and
writes one report."""

from __future__ import annotations

import os
import sys

from bench.cli.preflight import UsageError, preflight
from bench.cli.suites import suites
from bench.config import TOTAL_ENV


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    checked, composed = False, {}
    try:
        if argv[:1] == ["report"]:
            from bench.cli.report_cmd import report_main

            return report_main(argv[1:])
        if argv[:1] == ["export"]:
            from bench.cli.export_cmd import export_main

            return export_main(argv[1:])
        if argv[:1] == ["perf"]:
            from bench.perf import main as perf_main  # imported here: other commands stay fast

            return perf_main(argv[1:])
        if not any(a.startswith("-") and a not in ("-m", "--multirun") for a in argv):
            if suite := next((s for s in suites() if f"experiment={s}" in argv), None):
                from bench.cli.suites import run_suite

                return run_suite(suite, [a for a in argv if not a.startswith("-")])
            os.environ[TOTAL_ENV] = str(preflight([a for a in argv if not a.startswith("-")], composed))
            checked = True
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from bench.sweep import checked_jobs, sweep_job

    sys.argv = [sys.argv[0], *argv]
    try:
        with checked_jobs(checked, composed):
            sweep_job()
    except KeyboardInterrupt:
        print("\ninterrupted: the current run is marked KILLED; the same command resumes the sweep", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
