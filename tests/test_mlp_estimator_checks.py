"""scikit-learn's estimator contract, checked by scikit-learn itself: every check passes, none is excused, for the
plain MLP and for conf/model/mlp_modern.yaml's recipe made small (an ensemble of two members included)."""

from omegaconf import OmegaConf
from sklearn.utils.estimator_checks import parametrize_with_checks

from bench.config import CONFIG_DIR
from bench.mlp import MLPClassifier

SMALL = {"hidden_layer_sizes": (16,), "max_epochs": 20, "random_state": 0, "lr": 0.01}


def modern() -> MLPClassifier:
    """mlp_modern's parameters, at smoke size."""
    config = OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "model" / "mlp_modern.yaml"))
    kept = {k: v for k, v in config.items() if k not in ("name", "family", "_target_", "random_state")}
    return MLPClassifier(**{**kept, **SMALL, "embedding_dim": 4, "patience": 5, "ensemble_size": 2})


@parametrize_with_checks([MLPClassifier(**SMALL), modern()])
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)
