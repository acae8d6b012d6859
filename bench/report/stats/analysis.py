"""Every test the statistics section reads, run once on the successful runs."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bench.report.stats.across import Comparison, compare
from bench.report.stats.bayes import family_posteriors
from bench.report.stats.resampled import per_dataset
from bench.report.stats.scores import METRIC, family_scores, model_scores

# Below 5 datasets the tests across datasets cannot reject (Wilcoxon's smallest two-sided p is 2/2^n, 0.125 for
# four) and the Friedman statistic's chi-square approximation means little; the Friedman test needs 3 models.
MIN_DATASETS, MIN_MODELS = 5, 3


@dataclass
class Statistics:
    models: Comparison  # models across source datasets
    family_scores: pd.DataFrame  # source datasets x families, each family's best model
    families: pd.DataFrame  # the Bayesian signed-rank test per pair of families; empty when left out
    splits: pd.DataFrame  # the corrected resampled t-test per dataset and pair of models


def analyse(ok: pd.DataFrame, metric: str = METRIC) -> Statistics:
    """Run the tests on the successful runs (``bench.report.summaries.prepare``'d, failures removed)."""
    models = compare(model_scores(ok, metric), MIN_DATASETS, MIN_MODELS)
    families = family_scores(ok, metric)
    enough = len(families) >= MIN_DATASETS and families.shape[1] >= 2
    posteriors = family_posteriors(families) if enough else pd.DataFrame()
    order = list(models.ranks.index)
    return Statistics(models, families, posteriors, per_dataset(ok, order, metric))
