"""Families compared across datasets with the Bayesian signed-rank test (Benavoli, Corani, Demšar and Zaffalon,
JMLR 2017), by ``baycomp``: the posterior probabilities that one family is better, that the two are practically
equivalent (their difference within the region of practical equivalence, ROPE), or that the other is better."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bench.report.stats.scores import average_ranks

ROPE = 0.01  # one point of accuracy: smaller differences are taken as no difference
SAMPLES = 20_000  # Monte Carlo draws of the posterior: probabilities to about +-0.005
SEED = 0  # the posterior is sampled: a fixed seed makes the report a function of the table alone


def signed_rank(a: np.ndarray, b: np.ndarray, rope: float = ROPE, seed: int = SEED) -> tuple[float, float, float]:
    """P(a better), P(equivalent), P(b better) from paired scores of a and b, one per dataset."""
    from baycomp.multiple import Posterior

    better_a, equivalent, better_b = Posterior(signed_rank_sample(a, b, rope, SAMPLES, seed)).probs(with_rope=True)
    return float(better_a), float(equivalent), float(better_b)


def signed_rank_sample(a: np.ndarray, b: np.ndarray, rope: float, nsamples: int, seed: int) -> np.ndarray:
    """``baycomp.SignedRankTest.sample``'s posterior sample, from the same Dirichlet draws, computed for all draws at
    once: baycomp loops over the draws in Python, 0.14 s a pair of families at 20,000 draws, most of a report's
    statistics."""
    diff = np.concatenate([[0.0], np.asarray(b, float) - np.asarray(a, float)])
    sums = diff[:, None] + diff[None, :]

    def heaviside(x: np.ndarray) -> np.ndarray:
        return (x > 2 * rope) + 0.5 * (x == 2 * rope)

    weights = np.ones(len(diff))
    weights[0] = 0.5  # baycomp's prior: the pseudo-observation 0
    draws = np.random.RandomState(seed).dirichlet(weights, nsamples)
    sample = np.zeros((nsamples, 3))
    sample[:, 0] = np.einsum("si,ij,sj->s", draws, heaviside(-sums), draws)
    sample[:, 2] = np.einsum("si,ij,sj->s", draws, heaviside(sums), draws)
    sample[:, 1] = 1 - sample[:, 0] - sample[:, 2]
    return sample


def family_posteriors(scores: pd.DataFrame, rope: float = ROPE, seed: int = SEED) -> pd.DataFrame:
    """Every pair of families (columns of ``scores``, datasets as rows), the better-ranked family first."""
    families = list(average_ranks(scores).index)
    rows = []
    for i, a in enumerate(families):
        for b in families[i + 1 :]:
            p_a, p_rope, p_b = signed_rank(scores[a].to_numpy(), scores[b].to_numpy(), rope, seed)
            rows.append({"family_a": a, "family_b": b, "p_a": p_a, "p_rope": p_rope, "p_b": p_b})
    return pd.DataFrame(rows, columns=["family_a", "family_b", "p_a", "p_rope", "p_b"])
