"""Tuning curves as Grinsztajn et al. (2022) draw them: after n trials, the test accuracy of the config a search
would choose (the best validation accuracy so far), for many orders of the same trials, so that the curve shows the
budget's effect and its spread the luck of the order. The default config (trial 0) stays first in every order: a
search always starts there."""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

ORDERS = 50  # shuffled orders per run
SEED = 0
BAND = (0.1, 0.9)  # quantiles of the band around the median order


def best_so_far(val: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Along the last axis: the best validation accuracy so far and the test accuracy of the trial holding it, the
    earliest on a tie (as the search chooses). A trial without a validation score (failed) is never chosen."""
    val = np.where(np.isnan(val), -np.inf, val)
    best = np.maximum.accumulate(val, axis=-1)
    before = np.concatenate([np.full((*val.shape[:-1], 1), -np.inf), best[..., :-1]], axis=-1)
    steps = np.broadcast_to(np.arange(val.shape[-1]), val.shape)
    improved = (val > before) | (steps == 0)
    holder = np.maximum.accumulate(np.where(improved, steps, 0), axis=-1)
    chosen = np.take_along_axis(test, holder, axis=-1)
    return np.where(np.isfinite(best), best, np.nan), np.where(np.isfinite(best), chosen, np.nan)


def orders(n: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` orders of ``n`` trials, one per row: trial 0 first, the others shuffled."""
    rest = np.argsort(rng.random((count, n - 1)), axis=1) + 1
    return np.hstack([np.zeros((count, 1), dtype=int), rest])


def shuffled(trials: pd.DataFrame, *, count: int = ORDERS, seed: int = SEED) -> pd.DataFrame:
    """Per run, order and step (trials after the default: 0 is the default alone), the best-so-far validation
    accuracy and its trial's test accuracy. Each run's orders come from its own generator, seeded by ``seed`` and
    its run id, so that one run's curve does not change when others join the table."""
    frames = []
    for run_id, run in trials.sort_values(["run_id", "number"]).groupby("run_id", sort=True):
        rng = np.random.default_rng([seed, zlib.crc32(str(run_id).encode())])
        index = orders(len(run), count, rng)
        val, test = best_so_far(run["val_accuracy"].to_numpy(float)[index], run["test_accuracy"].to_numpy(float)[index])
        first = run.iloc[0]
        frames.append(
            pd.DataFrame(
                {
                    "run_id": run_id,
                    "dataset": first["dataset"],
                    "model": first["model"],
                    "family": first["family"],
                    "order": np.repeat(np.arange(count), len(run)),
                    "step": np.tile(np.arange(len(run)), count),
                    "best_val_accuracy": val.ravel(),
                    "test_accuracy": test.ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def summarize(curves: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Per model and step: the median over orders of the test accuracy averaged over datasets (each dataset the
    mean of its folds and seeds), with the band's quantiles; and, per model whose runs finished different numbers
    of trials, the step its curve stops at (the fewest any of its runs reached, so that every point averages the
    same datasets)."""
    if curves.empty:
        return pd.DataFrame(columns=["model", "family", "step", "median", "low", "high"]), {}
    length = curves.groupby(["model", "run_id"])["step"].max().groupby("model")
    stop, longest = length.min(), length.max()
    curves = curves[curves["step"] <= curves["model"].map(stop)]
    per_dataset = curves.groupby(["model", "dataset", "order", "step"])["test_accuracy"].mean()
    over = per_dataset.groupby(["model", "order", "step"]).mean()
    band = over.groupby(["model", "step"]).quantile([BAND[0], 0.5, BAND[1]]).unstack()
    band.columns = ["low", "median", "high"]
    band = band.reset_index()
    band["family"] = band["model"].map(curves.drop_duplicates("model").set_index("model")["family"])
    cut = {str(model): int(stop[model]) for model in stop.index if stop[model] < longest[model]}
    return band[["model", "family", "step", "median", "low", "high"]], cut


def default_won(trials: pd.DataFrame) -> pd.Series:
    """Per run id: whether the default config (trial 0) was the search's choice, as in the order it ran."""
    won = {}
    for run_id, run in trials.sort_values(["run_id", "number"]).groupby("run_id", sort=True):
        val = run["val_accuracy"].to_numpy(float)[None, :]
        _, held = best_so_far(val, np.arange(val.shape[1], dtype=float)[None, :])
        won[run_id] = bool(held[0, -1] == 0)
    return pd.Series(won, dtype=bool)
