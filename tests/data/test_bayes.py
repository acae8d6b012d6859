"""The Bayes accuracies of the generated sets the claims use (``bench.data.bayes``): the values ``rules.py`` states
for claim 4 follow from the shipped configs, and the Bayes rule is the bound a fitted model stays below."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf
from sklearn.linear_model import LogisticRegression

from bench.data.bayes import bayes_accuracy, posterior
from bench.data.generated import Moons, Parity
from bench.report.claims.rules import BAYES_ACCURACY

CONF = Path(__file__).resolve().parents[2] / "conf" / "dataset"


def source(name: str):
    """The dataset exactly as ``conf/dataset/<name>.yaml`` builds it."""
    return instantiate(OmegaConf.load(CONF / f"{name}.yaml"))


def test_conf_sets_are_the_claims_sets():
    moons, circles, parity = source("moons"), source("circles"), source("parity")
    assert (moons.n_samples, moons.noise, moons.random_state) == (1000, 0.3, 0)
    assert (circles.n_samples, circles.noise, circles.factor) == (1000, 0.1, 0.5)
    assert (parity.n_bits, parity.n_features, parity.flip_y) == (3, 3, 0.0)


@pytest.mark.parametrize("name", sorted(BAYES_ACCURACY))
def test_sample_bayes_accuracy_matches_the_rules(name):
    # the sample accuracy does not depend on the fresh draws, so few keep this fast
    population, sample = bayes_accuracy(source(name), draws=2000)
    assert round(sample, 3) == BAYES_ACCURACY[name]
    assert 0.5 <= population <= 1.0 and abs(population - sample) < 0.02


def test_moons_population_bayes_accuracy():
    population, sample = bayes_accuracy(source("moons"))  # 20,000 fresh draws
    assert population == pytest.approx(0.914, abs=0.003) and sample == pytest.approx(0.915, abs=0.0005)


def test_bayes_rule_beats_a_fitted_model_on_fresh_moons():
    train = source("moons")
    X, y = train._generate()
    X_new, y_new = Moons(name="moons", n_samples=4000, noise=0.3, random_state=7)._generate()
    model = LogisticRegression().fit(X, y).score(X_new, y_new)
    bayes = float(np.mean(posterior(train, X_new).argmax(1) == y_new))
    assert bayes > model + 0.02 and bayes == pytest.approx(0.914, abs=0.015)


def test_flipped_parity_and_noiseless_moons():
    population, sample = bayes_accuracy(Parity(name="p", n_samples=2000, n_bits=2, n_features=2, flip_y=0.1))
    assert population == pytest.approx(0.9) and sample == pytest.approx(0.9, abs=0.03)
    with pytest.raises(ValueError, match="without noise"):
        bayes_accuracy(Moons(name="m", noise=0.0))
