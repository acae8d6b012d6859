"""The article's claims and the rules that judge them, fixed before the sweeps ran.

Each claim names what the article says, what is measured, its verdict rule and the sweeps that test it
(``conf/experiment/claims/<sweep>.yaml``, the first named after the claim; their header comments repeat the rule).
Every threshold a judge applies is defined here, next to the rule text that prints it into every report, so the
rule a reader sees is the rule that ran.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.report.format import points

SUPPORTED, NOT_SUPPORTED, MIXED, NO_EVIDENCE = "supported", "not supported", "mixed", "no evidence"
MIN_SEEDS = 3
# thresholds of the rules (accuracy differences are fractions: 0.05 = 5 points)
TREE_GAP, DEPTH_SPEARMAN = 0.05, 0.8
KNN_DROP, KNN_NO_DROP = 0.05, 0.02
SVM_FAST_EXPONENT, SVM_LINEAR_EXPONENT = 1.5, 1.2
LINEAR_TIE, NONLINEAR_MLP_TIE, NONLINEAR_MARGIN = 0.005, 0.02, 0.10
SCALE_TIE, SCALE_ROWS, SCALE_FEATURES = 0.01, 10_000, 500
VANISHING_RATIO, RELU_GAIN = 0.1, 10.0  # a first/last gradient-norm ratio below VANISHING_RATIO is vanishing
REG_GAP, REG_ACCURACY_LOSS = 0.05, 0.01
FASTER = 0.8  # "faster": median seconds to the target at most 80% of the other's


@dataclass(frozen=True)
class Claim:
    """One claim: what the article says, what is measured, the rule fixed in advance and the sweeps that test it."""

    name: str
    title: str
    statement: str
    measure: str
    rule: str
    sweeps: tuple[str, ...]


def combine(a: bool, b: bool) -> str:
    """The verdict of a two-part rule: supported when (a) and (b) hold, mixed when one does, else not supported."""
    return SUPPORTED if a and b else MIXED if a or b else NOT_SUPPORTED


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "trees_overfit",
        "Decision trees overfit",
        "Decision trees overfit: a larger train-test gap than the other families, growing with depth.",
        "overfit_gap (train − test accuracy) per family on six shipped datasets (2,000-row subsamples); the tree's gap "
        "against max_depth 1 to unlimited.",
        f"(a) the unpruned tree's mean gap over the datasets is the largest of the four families and at least "
        f"{points(TREE_GAP)}; (b) on every dataset the Spearman correlation of max_depth and the tree's mean gap is at "
        f"least {DEPTH_SPEARMAN}. Supported: (a) and (b); mixed: one; not supported: neither. {MIN_SEEDS} seeds.",
        ("trees_overfit", "trees_overfit_depth"),
    ),
    Claim(
        "knn_dimension",
        "k-NN degrades with dimension",
        "k-NN loses accuracy as dimensionality grows.",
        "test accuracy of every family with 0 to 1,000 pure-noise dimensions added to a fixed 10-feature signal; each "
        "family's slope against log10(1 + added dimensions).",
        f"drop = k-NN's accuracy without noise minus at the most noise. Supported: drop >= {points(KNN_DROP)}, "
        f"positive in every seed, and k-NN's slope the steepest; not supported: drop < {points(KNN_NO_DROP)}; mixed: "
        f"otherwise. {MIN_SEEDS} seeds.",
        ("knn_dimension",),
    ),
    Claim(
        "svm_cost",
        "SVM cost grows fast with n",
        "SVM training cost grows fast with the number of samples.",
        "fit time of every family against n = 1,000 to 32,000 training rows; the exponent b of fit_time ~ n^b "
        "(least squares on logs, all seeds pooled) with its 95% interval.",
        f"Supported: the SVM's 95% lower bound >= {SVM_FAST_EXPONENT} and its exponent the largest of the families; "
        f"not supported: its 95% upper bound <= {SVM_LINEAR_EXPONENT}; mixed: otherwise. {MIN_SEEDS} seeds.",
        ("svm_cost",),
    ),
    Claim(
        "svm_linear_data",
        "SVMs are best on linear data",
        "SVMs work best on linearly separable data; MLPs capture non-linear structure.",
        "test accuracy of linear SVM, RBF SVM, MLP, tree and k-NN on linearly separable data and on moons, circles "
        "and 3-bit parity.",
        f"(a) on the linear set the better SVM is best or within {points(LINEAR_TIE)} of the best; (b) on every "
        f"non-linear set the MLP is within {points(NONLINEAR_MLP_TIE)} of the best and at least "
        f"{points(NONLINEAR_MARGIN)} above the linear SVM. Supported: (a) and (b); mixed: one; not supported: neither. "
        f"{MIN_SEEDS} seeds.",
        ("svm_linear_data",),
    ),
    Claim(
        "mlp_scale",
        "MLPs handle large and high-dimensional data",
        "MLPs handle large and high-dimensional data well compared to the other three.",
        "test accuracy and fit time as n and d grow: letter and mnist5k subsamples (1,000 to 10,000 rows), generated "
        "sets of 2,000 and 10,000 rows x 50 and 500 features, and 100,000 x 50 (no SVM: too slow there).",
        f"Large settings: the largest subsample of each real set and every generated set with >= {SCALE_ROWS:,} rows "
        f"or {SCALE_FEATURES} features. Supported: the MLP is within {points(SCALE_TIE)} of the best family at every "
        f"large setting; not supported: at fewer than half; mixed: otherwise. {MIN_SEEDS} seeds.",
        ("mlp_scale", "mlp_scale_generated", "mlp_scale_large"),
    ),
    Claim(
        "vanishing_gradients",
        "Vanishing gradients in deep sigmoid nets",
        "Deep sigmoid MLPs suffer vanishing gradients; ReLU-family activations with suitable init reduce them.",
        "grad_ratio_first_last (first-layer over last-layer gradient norm, geometric mean over seeds) and test "
        "accuracy; depth 2 to 16 x sigmoid, tanh, relu x init on digits with plain SGD; batch norm and residual "
        "connections on the sigmoid network.",
        f"At the largest depth: (a) sigmoid with the default init has a ratio below {VANISHING_RATIO}, lower than at "
        f"the smallest depth; (b) relu with kaiming init has a ratio at least {RELU_GAIN:g} times sigmoid's and a "
        f"higher test accuracy. Supported: (a) and (b); mixed: one; not supported: neither. {MIN_SEEDS} seeds.",
        ("vanishing_gradients", "vanishing_gradients_remedies"),
    ),
    Claim(
        "regularization",
        "Dropout and weight decay reduce overfitting",
        "Dropout and weight decay reduce MLP overfitting.",
        "overfit_gap and test accuracy of a wide MLP trained 150 epochs on small_noisy, dropout 0 or 0.5 x weight "
        "decay 0, 0.01 or 0.1.",
        f"A remedy (dropout alone; weight decay alone, the better value by test accuracy) works when its mean gap is "
        f"at least {points(REG_GAP)} below the unregularised network's and its test accuracy at most "
        f"{points(REG_ACCURACY_LOSS)} lower. Supported: both work; mixed: one; not supported: neither. "
        f"{MIN_SEEDS} seeds.",
        ("regularization",),
    ),
    Claim(
        "optimizers",
        "Mini-batches and adaptive learning rates speed training",
        "Mini-batches and adaptive learning rates (Adagrad, Adam) reach a target accuracy faster than full-batch "
        "gradient descent.",
        "epochs and seconds to 0.95 validation accuracy on digits for SGD, Adagrad and Adam x full batch, 32, 128, "
        "512 x learning rate 0.01, 0.1 and 1.",
        f"Each method at its best learning rate (most seeds reaching the target, then lowest median seconds); faster "
        f"= median seconds at most {FASTER:g} x the other's (never reaching it: infinitely slow). (a) mini-batch SGD "
        f"(best batch) is faster than full-batch GD; (b) Adagrad and Adam (best batch) are both faster than mini-batch "
        f"SGD. Supported: (a) and (b); mixed: one; not supported: neither. {MIN_SEEDS} seeds.",
        ("optimizers",),
    ),
)
