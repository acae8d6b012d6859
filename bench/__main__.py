"""Command line: ``python -m bench [OVERRIDE ...]`` runs a sweep, ``python -m bench report`` rebuilds reports,
``python -m bench perf`` runs the performance benchmarks, ``python -m bench experiment=claims`` runs the sweeps of
all eight claims in turn and writes one report.

Before Hydra launches anything, every job of the sweep is composed and validated, so a typo fails in about a
second with one line naming the value, instead of after an hour of training or as a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import hydra
from omegaconf import DictConfig

import bench
from bench.tracking import CHECKED_ENV, TOTAL_ENV


def config_dir() -> Path:
    """``conf/`` of a checkout, or the copy inside the installed package."""
    package = Path(bench.__file__).parent
    for candidate in (package / "conf", package.parent / "conf"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"no conf/config.yaml beside {package}")


CONFIG_DIR = config_dir()


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def sweep_job(cfg: DictConfig) -> float | None:
    """The task Hydra runs once per job."""
    from bench.experiment import run

    return run(cfg).get("test_accuracy")


class UsageError(Exception):
    """Bad command-line input: reported as one line and exit status 2."""


def preflight(argv: list[str]) -> int:
    """Compose and validate every job the overrides describe; return the number of jobs."""
    from hydra import compose, initialize_config_dir
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    parser = OverridesParser.create()
    try:
        overrides = parser.parse_overrides(argv)
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"cannot parse overrides {' '.join(argv)!r}: {first_line}") from exc
    fixed = [o.input_line for o in overrides if not o.is_sweep_override()]
    _check_choices(overrides)

    from bench.tracking import check_reachable, check_store, resolve_uri

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3", job_name="bench"):
        primary = _compose(compose, fixed, hydra=True)
        try:
            check_reachable(str(primary.tracking.uri))
            check_store(resolve_uri(str(primary.tracking.uri)))
            if primary.report.enabled:
                check_out_dir(Path(str(primary.report.out_dir)), "report.out_dir")
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        if primary.hydra.mode == RunMode.RUN:
            jobs = [fixed]
        else:
            params = OmegaConf.to_container(primary.hydra.sweeper.params or {}, resolve=False)
            combined = parser.parse_overrides([f"{k}={v}" for k, v in params.items()] + argv)
            _check_choices(combined)
            jobs = BasicSweeper.split_arguments(combined, None)[0]
        # a valid seed never changes whether a config is valid: compose each other combination once
        unique = {tuple(sorted(o for o in job if not _plain_seed(o))): job for job in jobs}
        defaults: dict[tuple[str, ...], object] = {}

        def group_defaults(groups: list[str]):
            """The config of these group choices alone, composed once per choice."""
            if tuple(groups) not in defaults:
                defaults[tuple(groups)] = _compose(compose, groups)
            return defaults[tuple(groups)]

        composed = []
        for job in unique.values():
            _check_types(job, group_defaults)  # cheap: before scikit-learn loads
            composed.append((job, _compose(compose, list(job), job=True)))

        from bench.experiment import ConfigError, check, check_data  # imports scikit-learn: after the cheap checks

        files_read: set[str] = set()
        for job, cfg in composed:
            try:
                check(cfg)
                check_data(cfg.dataset, files_read)
            except ConfigError as exc:
                raise UsageError(f"{exc} (job: {' '.join(job)})") from exc
            except Exception as exc:
                raise UsageError(f"{_compose_error(exc)} (job: {' '.join(job)})") from exc
    return len(jobs)


def _plain_seed(override: str) -> bool:
    return override.startswith("seed=") and override[len("seed=") :].isdigit()


def _compose(compose, overrides: list[str], hydra: bool = False, job: bool = False):
    try:
        return compose("config", list(overrides), return_hydra_config=hydra)
    except Exception as exc:
        raise UsageError(_compose_error(exc) + (f" (job: {' '.join(overrides)})" if job else "")) from exc


def _check_types(job: tuple[str, ...], compose_groups) -> None:
    """``model.lr=abc`` -> one line naming the value, checked against the type of the key's default: a number
    where the config has a number, true/false where it has a bool. Finer checks (ranges, choices) are the
    estimators' and sources' own, once scikit-learn is loaded."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    overrides = OverridesParser.create().parse_overrides(list(job))
    choices = {o.key_or_group: o.input_line for o in overrides if (CONFIG_DIR / o.key_or_group).is_dir()}
    for override in overrides:
        key = override.key_or_group
        if key in choices or override.is_delete() or _plain_seed(override.input_line):
            continue
        # a key's default depends on the choice of its own group (model.lr: the model) and on the experiment, so
        # a sweep's jobs share few compositions: tracking.uri needs one, model.lr one per model
        own = key.split(".")[0]
        defaults = compose_groups(
            [line for group, line in choices.items() if group not in ("dataset", "model") or group == own]
        )
        default, value = OmegaConf.select(defaults, key, default=None), override.value()
        if default is None or value is None:
            continue
        if isinstance(default, bool):
            wrong, expected = not isinstance(value, bool), "true or false"
        elif isinstance(default, (int, float)):
            wrong, expected = isinstance(value, (bool, str)), "a number"
        else:
            continue
        if wrong:
            where = f"(job: {' '.join(job)})"
            shown = str(default).lower() if isinstance(default, bool) else repr(default)
            raise UsageError(f"{key}={value!r}: expected {expected} like its default {shown} {where}")


def _compose_error(exc: Exception) -> str:
    """Hydra's "Key 'n_neighbour' is not in struct" becomes a line naming the key and the keys that exist there."""
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError

    from bench.experiment import one_line

    cause, key = exc.__cause__, getattr(exc.__cause__, "full_key", None)
    node = getattr(cause, "parent_node", None)
    if not isinstance(cause, ConfigAttributeError | ConfigKeyError) or not key or node is None:
        return one_line(exc)
    prefix = key.rpartition(".")[0]
    keys = [f"{prefix}.{k}" if prefix else str(k) for k in node if not str(k).startswith(("_", "hydra"))]
    # dataset and model keys are constructor arguments: an optional one (max_samples) may be added with a +
    hint = f" (or add it: +{key}=...)" if prefix in ("dataset", "model") else ""
    return f"unknown key {key!r}; choose from: {', '.join(keys)}{hint}"


def check_out_dir(path: Path, what: str) -> None:
    """A directory that reports can be written into, or can be created: checked before hours of training."""
    existing = path.absolute()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"{what} {str(path)!r} cannot be created: {str(existing)!r} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{what} {str(path)!r} is not writable: no write permission on {str(existing)!r}")


def _check_choices(overrides) -> None:
    """``dataset=digitz`` -> 'unknown dataset 'digitz'; choose from: ...', before Hydra's longer message."""
    for override in overrides:
        group = override.key_or_group
        folder = CONFIG_DIR / group
        if override.package is not None or not folder.is_dir() or override.is_delete():
            continue
        values = list(override.sweep_string_iterator()) if override.is_sweep_override() else [override.value()]
        choices = sorted(str(p.relative_to(folder).with_suffix("")) for p in folder.rglob("*.yaml"))
        for value in values:
            if value is not None and str(value) not in choices:
                raise UsageError(f"unknown {group} {str(value)!r}; choose from: {', '.join(choices)}")


CLAIM_SUITES = ("claims", "claims_quick")  # experiment=<suite> runs every sweep in conf/experiment/<suite>/


def claims_main(suite: str, argv: list[str]) -> int:
    """Run the sweeps of every claim (``conf/experiment/<suite>/``) one after the other, then write one report.

    Hydra runs one Cartesian sweep per command, and the claims need twelve different grids; so each runs as its own
    multirun in this process, with the other overrides (say ``hydra/launcher=joblib``) applied to all. Every sweep
    is validated before the first one starts.
    """
    import time

    from hydra import compose, initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from bench.report.claims import CLAIMS

    sweeps = [f"experiment={suite}/{sweep}" for claim in CLAIMS for sweep in claim.sweeps]
    argv = [a for a in argv if a != f"experiment={suite}"]
    totals = [preflight([sweep, "report.enabled=false", *argv]) for sweep in sweeps]
    fixed = [o.input_line for o in OverridesParser.create().parse_overrides(argv) if not o.is_sweep_override()]
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3", job_name="bench"):
        cfg = compose("config", [sweeps[0], *fixed])
    started, failed = time.perf_counter(), []
    for i, (sweep, total) in enumerate(zip(sweeps, totals, strict=True), 1):
        print(f"\n== {suite} {i}/{len(sweeps)}: {sweep} ({total} jobs)", flush=True)
        os.environ[TOTAL_ENV] = str(total)
        sys.argv = [sys.argv[0], sweep, "report.enabled=false", *argv]
        try:
            with checked_jobs():
                sweep_job()
        except SystemExit as exc:  # a sweep with failed jobs: recorded, and the other claims still run
            if exc.code not in (None, 0):
                failed.append(sweep)
        except KeyboardInterrupt:
            print("\ninterrupted: the current run is marked KILLED; the same command resumes", file=sys.stderr)
            return 130
        finally:
            _stop_reused_workers()
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


@contextlib.contextmanager
def checked_jobs(checked: bool = True) -> Iterator[None]:
    """Within: this process's sweeper knows that ``preflight`` composed and checked every job, and skips Hydra's
    second composition of each (``hydra_plugins.bench_sweeper``)."""
    if checked:
        os.environ[CHECKED_ENV] = str(os.getpid())
    try:
        yield
    finally:
        os.environ.pop(CHECKED_ENV, None)


def _stop_reused_workers() -> None:
    """Stop the joblib launcher's worker processes: they keep the environment they started with, which names the
    previous sweep's parent run, so the next sweep needs fresh ones."""
    loky = sys.modules.get("joblib.externals.loky.reusable_executor")
    if loky is not None and getattr(loky, "_executor", None) is not None:  # started by a joblib launcher only
        loky._executor.shutdown(wait=True)


def report_main(argv: list[str]) -> int:
    from bench.tracking import check_reachable, check_store, resolve_uri

    parser = argparse.ArgumentParser(
        prog="python -m bench report", description="Write HTML and Markdown reports for an MLflow experiment."
    )
    parser.add_argument("--experiment", default="bench", help="MLflow experiment name (default: bench)")
    parser.add_argument(
        "--tracking-uri",
        default=os.environ.get("MLFLOW_TRACKING_URI", "sqlite:///mlruns.db"),
        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI or sqlite:///mlruns.db)",
    )
    parser.add_argument("--filter", default="", help="MLflow search filter, e.g. \"tags.`bench.model` = 'mlp'\"")
    parser.add_argument("--out", default="reports", type=Path, help="output directory (default: reports)")
    parser.add_argument("--name", help="file stem of the reports (default: the experiment's name)")
    args = parser.parse_args(argv)
    uri = resolve_uri(args.tracking_uri)
    db = uri.removeprefix("sqlite:///") if uri.startswith("sqlite:///") else None
    if db and not Path(db).is_file():
        raise UsageError(f"no MLflow store at {db!r}; run a sweep first or pass --tracking-uri")
    from bench.report import build_report

    try:
        check_reachable(uri)
        check_store(uri)
        check_out_dir(args.out, "--out")
        html, md = build_report(uri, args.experiment, args.out, args.filter, args.name)
    except (ValueError, OSError) as exc:
        from bench.experiment import one_line

        raise UsageError(one_line(exc)) from exc
    print(f"reports: {html}\n         {md}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    checked = False
    try:
        if argv[:1] == ["report"]:
            return report_main(argv[1:])
        if argv[:1] == ["perf"]:
            from bench.perf import main as perf_main  # imported here: other commands stay fast

            return perf_main(argv[1:])
        if not any(a.startswith("-") and a not in ("-m", "--multirun") for a in argv):
            if suite := next((s for s in CLAIM_SUITES if f"experiment={s}" in argv), None):
                return claims_main(suite, [a for a in argv if not a.startswith("-")])
            os.environ[TOTAL_ENV] = str(preflight([a for a in argv if not a.startswith("-")]))
            checked = True
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.argv = [sys.argv[0], *argv]
    try:
        with checked_jobs(checked):
            sweep_job()
    except KeyboardInterrupt:
        print("\ninterrupted: the current run is marked KILLED; the same command resumes the sweep", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
