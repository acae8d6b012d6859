"""scikit-learn's estimator contract, checked by scikit-learn itself: every check passes, none is excused."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from bench.mlp import MLPClassifier


@parametrize_with_checks([MLPClassifier(hidden_layer_sizes=(16,), max_epochs=20, random_state=0, lr=0.01)])
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)
