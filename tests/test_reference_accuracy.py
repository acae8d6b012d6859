"""Our default model configs against published-style references: mean test accuracy over seeds 0-2 (75/25
stratified splits) next to 5-fold CV accuracies of scikit-learn's DecisionTree, SVC (RBF), kNN (k=5) and
MLPClassifier on scaled features. The slow sets (magic, letter) are left to the full sweep:

    python -m bench experiment=full     # every shipped set x the four models x 3 seeds (reports/full.md)
"""

import numpy as np
import pytest

from bench import job

MODELS = ("decision_tree", "svm", "knn", "mlp")
REFERENCE = {  # DT / SVC-rbf / kNN5 / sklearn MLPClassifier, 5-fold CV
    "spambase": (0.911, 0.931, 0.908, 0.944),
    "satimage": (0.858, 0.897, 0.911, 0.908),
    "mnist5k": (0.769, 0.919, 0.891, 0.930),
    "magic": (0.816, 0.868, 0.839, 0.873),
    "letter": (0.874, 0.945, 0.944, 0.954),
    "penguins": (0.947, 0.985, 0.982, 0.991),
}
TOLERANCE = {"decision_tree": 0.03, "svm": 0.03, "knn": 0.03, "mlp": 0.015}  # our MLP: within ~1 point


@pytest.mark.science
@pytest.mark.parametrize("dataset", ["penguins", "spambase", "satimage", "mnist5k"])
def test_default_models_reach_the_reference_accuracies(make_cfg, dataset, capsys):
    ours = {
        model: np.mean(
            [
                job.run(make_cfg(f"dataset={dataset}", f"model={model}", f"seed={seed}"))["test_accuracy"]
                for seed in range(3)
            ]
        )
        for model in MODELS
    }
    with capsys.disabled():
        row = "  ".join(f"{m} {ours[m]:.3f} (ref {r:.3f})" for m, r in zip(MODELS, REFERENCE[dataset], strict=True))
        print(f"\n{dataset:<10} {row}")
    for model, reference in zip(MODELS, REFERENCE[dataset], strict=True):
        assert ours[model] >= reference - TOLERANCE[model], f"{dataset} {model}: {ours[model]:.3f} vs {reference:.3f}"
