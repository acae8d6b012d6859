"""A multi-layer perceptron trained by backpropagation in PyTorch, as a scikit-learn classifier.

``MLPClassifier`` (``bench.mlp.estimator``) holds the parameters and the fit -> epoch -> step loop;
``bench.mlp.diagnostics`` reads its epoch history (gradient ratio, time to target, the curves a run logs);
``bench.mlp.network`` is the torch side, imported when training starts: importing this package does not import
torch, so that the CLI stays fast.
"""

from bench.mlp.diagnostics import TARGET_SHARE
from bench.mlp.estimator import MLPClassifier
from bench.mlp.options import ACTIVATIONS, OPTIMIZERS

__all__ = ["ACTIVATIONS", "OPTIMIZERS", "TARGET_SHARE", "MLPClassifier"]
