"""What a job shows on the terminal: one line per job (one per fold under cross-validation) when it ends, always;
and on a terminal, while it runs, a status line that names the job and says what it is doing and for how long,
with the epochs of an estimator that reports them. The status line is drawn on stderr only when stderr is a
terminal and the job runs in the sweep's own process: a launcher's parallel workers would share one line."""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Mapping
from types import TracebackType

from omegaconf import DictConfig

from bench.config import TOTAL_ENV

REFRESH_S = 0.25  # how often the status line is redrawn
IN_PROCESS = "BasicLauncher"  # Hydra's launcher that runs every job in the sweep's own process


class JobProgress:
    """A context around one job (or fold): ``doing("fit")`` names its step, ``epoch(n, record)`` reports an epoch
    (an estimator's ``on_epoch`` callback), ``done(text)`` prints the job's final line after the context ends."""

    def __init__(self, label: str, live: bool, epochs: int | None = None) -> None:
        self.label, self.live, self.epochs = label, live, epochs
        self.started = time.perf_counter()
        self.step, self.detail = "starting", ""
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> JobProgress:
        if self.live:
            self._thread = threading.Thread(target=self._run, name="bench-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind: type | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            with self._lock:
                sys.stderr.write("\r\033[K")
                sys.stderr.flush()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def doing(self, step: str) -> None:
        self.step, self.detail = step, ""

    def epoch(self, epoch: int, record: Mapping[str, float]) -> None:
        """An estimator's ``on_epoch(epoch, record)``: the epoch count and its latest losses."""
        total = f"/{self.epochs}" if self.epochs else ""
        val = f"  val_acc {record['training/val_accuracy']:.3f}" if "training/val_accuracy" in record else ""
        loss = f"  loss {record['training/loss']:.4f}" if "training/loss" in record else ""
        self.detail = f"epoch {epoch}{total}{loss}{val}"
        if self.live:  # every epoch is drawn, however fast: the ticker alone would skip short fits' epochs
            self._draw()

    def line(self) -> str:
        """The status line: the job's label without its column padding, its step, time and epochs."""
        detail = f"  {self.detail}" if self.detail else ""
        return f"{' '.join(self.label.split())}  {self.step} {self.elapsed():.1f}s{detail}"

    def done(self, text: str) -> None:
        print(f"{self.label}{text}  ({self.elapsed():.1f}s)", flush=True)

    def _run(self) -> None:
        while not self._stop.wait(REFRESH_S):
            self._draw()

    def _draw(self) -> None:
        try:
            width = os.get_terminal_size(sys.stderr.fileno()).columns - 1
        except (OSError, ValueError):  # not a real terminal (a test's)
            width = shutil.get_terminal_size((100, 20)).columns - 1
        with self._lock:
            sys.stderr.write("\r\033[K" + self.line()[:width])
            sys.stderr.flush()


def job_progress(cfg: DictConfig, fold: int | None, epochs: int | None = None) -> JobProgress:
    """The progress of one job's fold: its label, live on a terminal in the sweep's own process."""
    return JobProgress(label(cfg, fold), sys.stderr.isatty() and in_sweep_process(), epochs)


def label(cfg: DictConfig, fold: int | None) -> str:
    """``[ 3/108] digits  mlp  seed=0  lr=0.1  ``: the job's place in the sweep, what it runs, its other
    overrides."""
    where = "" if fold is None else f"fold={fold:<3}"
    return f"{position()}{cfg.dataset.name:<14} {cfg.model.name:<14} seed={cfg.seed:<3} {where}{swept()}"


def in_sweep_process() -> bool:
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return True
    return str(HydraConfig.get().launcher.get("_target_", "")).endswith(IN_PROCESS)


def position() -> str:
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized() or HydraConfig.get().job.get("num") is None:
        return ""
    total = os.environ.get(TOTAL_ENV, "?")
    return f"[{HydraConfig.get().job.num + 1:>{len(total)}}/{total}] "


def swept() -> str:
    """The job's other overrides (``model.lr=0.1 ...``): what tells apart jobs of the same dataset and model."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return ""
    fixed = ("dataset=", "model=", "protocol=", "seed=", "experiment=", "tracking.", "report.", "rerun=", "hydra")
    extra = [o.removeprefix("model.") for o in HydraConfig.get().overrides.task if not o.startswith(fixed)]
    return " ".join(extra) + "  " if extra else ""
