"""Tests across datasets, each dataset one observation (Demšar, JMLR 2006): the Friedman test with the
Iman-Davenport correction, Nemenyi's critical difference, and pairwise Wilcoxon signed-rank tests with Holm's
correction (the pairwise test Benavoli, Corani and Mangili, JMLR 2016, recommend over mean-rank post-hoc tests)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from bench.report.stats.scores import average_ranks

ALPHA = 0.05
# why a comparison has no (or only part of the) rank tests: bench.report.stats.reading says it in words
FEW_DATASETS, FEW_MODELS, ALL_EQUAL, NO_FRIEDMAN = "few datasets", "few models", "all equal", "two models"


@dataclass(frozen=True)
class Friedman:
    chi2: float  # Friedman's statistic, corrected for ties as scipy.stats.friedmanchisquare does
    f: float  # Iman and Davenport's F, less conservative than chi2 (Demšar 2006, section 3.2.2)
    df: tuple[int, int]
    p: float  # of F


def friedman(scores: pd.DataFrame) -> Friedman:
    """The Friedman test on datasets (rows) x models (columns), higher scores better."""
    n, k = scores.shape
    ranks = scores.rank(axis=1, ascending=False).to_numpy()
    mean_ranks = ranks.mean(axis=0)
    chi2 = 12 * n / (k * (k + 1)) * (np.sum(mean_ranks**2) - k * (k + 1) ** 2 / 4)
    ties = sum(np.sum(counts**3 - counts) for counts in (np.unique(row, return_counts=True)[1] for row in ranks))
    chi2 /= 1 - ties / (n * k * (k * k - 1))
    df = (k - 1, (k - 1) * (n - 1))
    denominator = n * (k - 1) - chi2
    if denominator <= 0:  # every dataset ranks the models the same way
        return Friedman(float(chi2), math.inf, df, 0.0)
    f = (n - 1) * chi2 / denominator
    return Friedman(float(chi2), float(f), df, float(stats.f.sf(f, *df)))


def nemenyi_cd(models: int, datasets: int, alpha: float = ALPHA) -> float:
    """Nemenyi's critical difference: average ranks further apart than this differ at ``alpha``."""
    q = stats.studentized_range.ppf(1 - alpha, models, np.inf) / math.sqrt(2)
    return float(q * math.sqrt(models * (models + 1) / (6 * datasets)))


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment: the i-th smallest of m p-values times (m - i + 1), kept monotone, capped at 1."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    scaled = p[order] * (len(p) - np.arange(len(p)))
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted


def wilcoxon_p(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value of paired scores; zero differences split their ranks between the
    signs, as Demšar (2006) advises, and a pair that never differs has p = 1."""
    if np.all(a == b):
        return 1.0
    return float(stats.wilcoxon(a, b, zero_method="zsplit").pvalue)


def wilcoxon_holm(scores: pd.DataFrame) -> pd.DataFrame:
    """Models x models: Holm-adjusted Wilcoxon p-values over the datasets (rows of ``scores``), 1 on the diagonal."""
    models = list(scores.columns)
    pairs = [(a, b) for i, a in enumerate(models) for b in models[i + 1 :]]
    raw = [wilcoxon_p(scores[a].to_numpy(), scores[b].to_numpy()) for a, b in pairs]
    matrix = pd.DataFrame(1.0, index=models, columns=models)
    for (a, b), p in zip(pairs, holm(np.array(raw)), strict=True):
        matrix.loc[a, b] = matrix.loc[b, a] = p
    return matrix


@dataclass
class Comparison:
    """Models compared across datasets; ``left_out`` says why some of the tests did not run (empty: all ran)."""

    scores: pd.DataFrame  # source datasets x models, mean test accuracy over seeds, splits and variants
    ranks: pd.Series  # average rank per model (1 = best), best first
    friedman: Friedman | None = None
    cd: float = math.nan  # Nemenyi's critical difference at ALPHA
    nemenyi_p: pd.DataFrame | None = None  # Nemenyi post-hoc p-values (scikit-posthocs), models x models
    pairwise_p: pd.DataFrame | None = None  # Wilcoxon-Holm p-values, models x models: what the reading relies on
    left_out: str = ""

    @property
    def ok(self) -> bool:
        """Whether the rank tests ran: the critical-difference diagram needs them."""
        return self.friedman is not None and self.pairwise_p is not None


def compare(scores: pd.DataFrame, min_datasets: int, min_models: int) -> Comparison:
    """Run the tests that ``scores`` (datasets x models) can support, naming those it cannot."""
    n, k = scores.shape
    ranks = average_ranks(scores)
    if n < min_datasets:
        return Comparison(scores, ranks, left_out=FEW_DATASETS)
    if k < 2:
        return Comparison(scores, ranks, left_out=FEW_MODELS)
    if np.ptp(scores.to_numpy(), axis=1).max() == 0:
        return Comparison(scores, ranks, left_out=ALL_EQUAL)
    pairwise = wilcoxon_holm(scores).reindex(index=ranks.index, columns=ranks.index)
    if k < min_models:
        return Comparison(scores, ranks, pairwise_p=pairwise, left_out=NO_FRIEDMAN)
    import scikit_posthocs as sp

    nemenyi = sp.posthoc_nemenyi_friedman(scores.to_numpy())
    nemenyi.index = nemenyi.columns = scores.columns
    return Comparison(scores, ranks, friedman(scores), nemenyi_cd(k, n), nemenyi, pairwise)
