"""Which differences between models are real.

Across datasets, each (source) dataset is one observation (Demšar, JMLR 2006): average ranks, the Friedman test
with the Iman-Davenport correction, Nemenyi's critical difference, Wilcoxon signed-rank tests with Holm's
correction for pairs of models (:mod:`~bench.report.stats.across`), and the Bayesian signed-rank test for pairs of
families (:mod:`~bench.report.stats.bayes`, Benavoli et al., JMLR 2017). Within a dataset, over its repeated
splits, the corrected resampled t-test (:mod:`~bench.report.stats.resampled`, Nadeau and Bengio, 2003).
"""

from bench.report.stats.across import ALPHA, Comparison
from bench.report.stats.analysis import MIN_DATASETS, MIN_MODELS, Statistics, analyse
from bench.report.stats.resampled import interval95

__all__ = ["ALPHA", "MIN_DATASETS", "MIN_MODELS", "Comparison", "Statistics", "analyse", "interval95"]
