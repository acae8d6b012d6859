"""Which differences between models are real: the comparison over datasets of Demšar (JMLR, 2006).

Each model's score on a dataset is its mean test accuracy over seeds. Models are ranked per dataset, the
Friedman test asks whether the average ranks differ at all, and the Nemenyi post-hoc test (scikit-posthocs) says
which pairs do, drawn as a critical-difference diagram.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

ALPHA = 0.05
MIN_DATASETS, MIN_MODELS = 5, 3  # below these the Friedman statistic's chi-square approximation means little


@dataclass
class Comparison:
    """The outcome of the comparison; ``reason`` says why there is none when the data cannot support one."""

    scores: pd.DataFrame  # datasets x models, mean test accuracy over seeds
    ranks: pd.Series = field(default_factory=pd.Series)  # average rank per model (1 = best), best first
    friedman_statistic: float = float("nan")
    friedman_p: float = float("nan")
    pairwise_p: pd.DataFrame = field(default_factory=pd.DataFrame)  # Nemenyi p-values, models x models
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason

    def reading(self) -> list[str]:
        """The result in plain language."""
        if not self.ok:
            return [self.reason]
        order = ", ".join(f"{m} ({r:.2f})" for m, r in self.ranks.items())
        lines = [f"Average ranks over {len(self.scores)} datasets (1 = best): {order}."]
        if self.friedman_p >= ALPHA:
            lines.append(
                f"The Friedman test finds no significant difference between the models "
                f"(chi2 = {self.friedman_statistic:.2f}, p = {self.friedman_p:.3g} >= {ALPHA}): "
                "on these datasets, no model can be called better than another."
            )
            return lines
        lines.append(
            f"The Friedman test rejects equal performance (chi2 = {self.friedman_statistic:.2f}, "
            f"p = {self.friedman_p:.3g} < {ALPHA})."
        )
        models = list(self.ranks.index)
        same = [(a, b) for i, a in enumerate(models) for b in models[i + 1 :] if self.pairwise_p.loc[a, b] >= ALPHA]
        differ = [(a, b) for i, a in enumerate(models) for b in models[i + 1 :] if self.pairwise_p.loc[a, b] < ALPHA]
        if differ:
            lines.append(
                "Significantly different at alpha 0.05 (Nemenyi): "
                + "; ".join(f"{a} ranks above {b}" for a, b in differ)
                + "."
            )
        if same:
            lines.append("Not significantly different: " + "; ".join(f"{a} and {b}" for a, b in same) + ".")
        return lines


def compare(ok_runs: pd.DataFrame, metric: str = "test_accuracy") -> Comparison:
    """Compare models over the datasets on which every compared model has a result."""
    scores = ok_runs.groupby(["dataset", "model"])[metric].mean().unstack("model")
    scores = scores.dropna(axis=1, thresh=max(1, len(scores) // 2)).dropna(axis=0)
    n, k = scores.shape
    if k < MIN_MODELS or n < MIN_DATASETS:
        return Comparison(
            scores,
            reason=(
                f"No statistical comparison: it needs at least {MIN_MODELS} models evaluated on at least "
                f"{MIN_DATASETS} common datasets, and this experiment has {k} model(s) on {n} dataset(s)."
            ),
        )
    import scikit_posthocs as sp

    ranks = scores.rank(axis=1, ascending=False).mean().sort_values()
    if np.ptp(scores.to_numpy(), axis=1).max() == 0:
        return Comparison(scores, ranks, reason="No statistical comparison: every model scores the same everywhere.")
    statistic, p = stats.friedmanchisquare(*(scores[m].to_numpy() for m in scores.columns))
    pairwise = sp.posthoc_nemenyi_friedman(scores.to_numpy())
    pairwise.index = pairwise.columns = scores.columns
    return Comparison(scores, ranks, float(statistic), float(p), pairwise)


def interval95(values: pd.Series) -> float:
    """Half-width of the 95% t-interval of the mean; NaN for fewer than two values."""
    values = values.dropna()
    if len(values) < 2:
        return float("nan")
    return float(stats.t.ppf(0.975, len(values) - 1) * values.std() / np.sqrt(len(values)))
