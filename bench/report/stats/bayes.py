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
    from baycomp import SignedRankTest

    posterior = SignedRankTest(np.asarray(a, float), np.asarray(b, float), rope, nsamples=SAMPLES, random_state=seed)
    better_a, equivalent, better_b = posterior.probs(with_rope=True)
    return float(better_a), float(equivalent), float(better_b)


def family_posteriors(scores: pd.DataFrame, rope: float = ROPE, seed: int = SEED) -> pd.DataFrame:
    """Every pair of families (columns of ``scores``, datasets as rows), the better-ranked family first."""
    families = list(average_ranks(scores).index)
    rows = []
    for i, a in enumerate(families):
        for b in families[i + 1 :]:
            p_a, p_rope, p_b = signed_rank(scores[a].to_numpy(), scores[b].to_numpy(), rope, seed)
            rows.append({"family_a": a, "family_b": b, "p_a": p_a, "p_rope": p_rope, "p_b": p_b})
    return pd.DataFrame(rows, columns=["family_a", "family_b", "p_a", "p_rope", "p_b"])
