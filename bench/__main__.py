"""Command line: ``python -m bench [OVERRIDE ...]`` runs a sweep, ``python -m bench report`` rebuilds reports,
``python -m bench export`` writes the runs as one table (Parquet or CSV), ``python -m bench ui`` opens the runs in
the MLflow UI, and ``python -m bench experiment=claims`` runs a suite of sweeps (``conf/suites.yaml``) and writes
one report."""

from __future__ import annotations

import sys

from bench import process
from bench.cli.preflight import UsageError, preflight
from bench.cli.suites import suites

SUBCOMMANDS = ("report", "export", "ui")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    plan, shown = None, argv
    process.setup()
    argv = process.carry_credentials(argv)
    try:
        if argv[:1] and argv[0] in SUBCOMMANDS:
            return subcommand(argv[0], argv[1:])
        # Hydra's own flags (--help, --cfg job, --info, ...) go to Hydra unchecked: they run no job
        if not any(a.startswith("-") and a not in ("-m", "--multirun") for a in argv):
            overrides = [a for a in argv if not a.startswith("-")]
            if suite := next((s for s in suites() if f"experiment={s}" in argv), None):
                from bench.cli.suites import run_suite

                return run_suite(suite, overrides)
            plan = preflight(overrides, shown=[a for a in shown if not a.startswith("-")])
            from bench.sweep_record import all_recorded, nothing_to_run

            if (store := all_recorded(plan)) is not None:
                nothing_to_run(store, plan)
                return 0
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from bench.sweep import launch
    from bench.tracking import StoreUnavailable

    try:
        launch(argv, plan)
    except KeyboardInterrupt:
        print("\ninterrupted: the current run is marked KILLED; the same command resumes the sweep", file=sys.stderr)
        return 130
    except StoreUnavailable as exc:
        print(f"error: {exc}; the sweep stopped. {unrecorded(plan, exc.run_key)}", file=sys.stderr)
        return 1
    return 0


def unrecorded(plan, run_key: str | None) -> str:
    """What the sweep did not record, from the run it was recording on: the rest of the plan, in order."""
    if plan is None:
        return "The same command records what is missing once the store is back."
    start = plan.keys.index(run_key) if run_key in plan.keys else 0
    missing = list(dict.fromkeys(plan.names[start:]))
    return (
        f"Not recorded ({len(missing)} of {len(plan.names)} runs; a parallel launcher may have recorded some of "
        f"them): {', '.join(missing)}. The same command records exactly what is missing once the store is back."
    )


def subcommand(name: str, argv: list[str]) -> int:
    """``report``, ``export`` and ``ui``, each imported only when asked for: a sweep's start stays fast."""
    if name == "report":
        from bench.cli.report_cmd import report_main

        return report_main(argv)
    if name == "export":
        from bench.cli.export_cmd import export_main

        return export_main(argv)
    from bench.cli.ui_cmd import ui_main

    return ui_main(argv)


if __name__ == "__main__":
    sys.exit(main())
