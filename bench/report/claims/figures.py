"""The claims' figures, drawn from the frames each judge hands over in :attr:`Evidence.drawn`.

A model keeps its family's colour (:func:`bench.report.plots.colors`, from the claim's runs) in every claim.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

import bench.report.plots as plots

Captioned = tuple[str, str | None]  # (caption, svg); no svg when there was nothing to draw
Drawn = Mapping[str, pd.DataFrame]


def _palette(runs: pd.DataFrame) -> dict[str, str]:
    return plots.colors(runs.assign(model=runs["model_name"]))


def trees_overfit(runs: pd.DataFrame, drawn: Drawn) -> list[Captioned]:
    gaps = plots.bars(
        drawn["families"],
        category="dataset",
        group="model_name",
        value="overfit_gap",
        name="claim_trees_bars",
        title="Overfitting gap (train − test accuracy)",
        ylabel="train − test accuracy",
        palette=_palette(runs),
    )
    by_depth = plots.lines(
        drawn["trees"],
        x="depth",
        y="overfit_gap",
        group="dataset",
        name="claim_trees_depth",
        title="Tree gap against max_depth",
        xlabel="max_depth (log; right end: unlimited)",
        ylabel="train − test accuracy",
        log="x",
    )
    return [
        ("Train-test gap per dataset and model (unlimited-depth tree)", gaps),
        ("Decision tree: gap against max_depth (the rightmost point is unlimited depth)", by_depth),
    ]


def knn_dimension(runs: pd.DataFrame, drawn: Drawn) -> list[Captioned]:
    noisy = drawn["runs"]
    # 1 + added dimensions: the log axis needs the no-noise runs at a positive x
    svg = plots.lines(
        noisy.assign(x=1 + noisy["noise"]),
        x="x",
        y="test_accuracy",
        group="model_name",
        name="claim_knn_noise",
        title="Accuracy against pure-noise dimensions added to a fixed signal",
        xlabel="1 + added noise dimensions (log)",
        ylabel="test accuracy",
        log="x",
        palette=_palette(runs),
    )
    return [("Test accuracy against added noise dimensions (x: 1 + added dimensions, log scale)", svg)]


def svm_cost(runs: pd.DataFrame, drawn: Drawn) -> list[Captioned]:
    svg = plots.lines(
        drawn["runs"],
        x="n",
        y="fit_time_s",
        group="model_name",
        name="claim_svm_cost",
        title="Fit time against n",
        xlabel="training rows n (log)",
        ylabel="fit time, s (log)",
        log="xy",
        palette=_palette(runs),
    )
    return [("Fit time against training rows (log-log: the slope is the exponent)", svg)]


def svm_linear_data(runs: pd.DataFrame, drawn: Drawn) -> list[Captioned]:
    svg = plots.bars(
        drawn["runs"],
        category="dataset",
        group="model_name",
        value="test_accuracy",
        name="claim_linear",
        title="Linear and non-linear data",
        ylabel="test accuracy",
        palette=_palette(runs),
    )
    return [("Test accuracy per dataset and model", svg)]


def mlp_scale(runs: pd.DataFrame, drawn: Drawn) -> list[Captioned]:
    palette = _palette(runs)
    accuracies = plots.lines(
        drawn["runs"],
        x="rows",
        y="test_accuracy",
        group="model_name",
        name="claim_scale_acc",
        title="Accuracy as n grows",
        xlabel="rows (log)",
        ylabel="test accuracy",
        panel="setting",
        log="x",
        palette=palette,
    )
    times = plots.lines(
        drawn["runs"],
        x="rows",
        y="fit_time_s",
        group="model_name",
        name="claim_scale_time",
        title="Fit time as n grows",
        xlabel="rows (log)",
        ylabel="fit time, s (log)",
        panel="setting",
        log="xy",
        palette=palette,
    )
    return [
        ("Test accuracy against rows, per data set (d: features)", accuracies),
        ("Fit time against rows, per data set", times),
    ]


def vanishing_gradients(runs: pd.DataFrame, drawn: Drawn) -> list[Captioned]:
    deep = drawn["runs"]
    ratios = plots.lines(
        deep[deep["training/grad_ratio_first_last"] > 0],  # a log axis
        x="depth",
        y="training/grad_ratio_first_last",
        group="config",
        name="claim_vanishing",
        title="Gradient ratio against depth",
        xlabel="hidden layers",
        ylabel="first / last gradient norm (log)",
        log="y",
    )
    accuracies = plots.lines(
        deep,
        x="depth",
        y="test_accuracy",
        group="config",
        name="claim_vanishing_acc",
        title="Test accuracy against depth",
        xlabel="hidden layers",
        ylabel="test accuracy",
    )
    return [
        ("First/last gradient-norm ratio against depth (geometric mean over seeds; below 1: vanishing)", ratios),
        ("Test accuracy against depth", accuracies),
    ]


def regularization(runs: pd.DataFrame, drawn: Drawn) -> list[Captioned]:
    measures = drawn["runs"].melt(
        id_vars=["setting", "seed"],
        value_vars=["overfit_gap", "test_accuracy"],
        var_name="measure",
        value_name="value",
    )
    svg = plots.bars(
        measures,
        category="setting",
        group="measure",
        value="value",
        name="claim_regularization",
        title="Dropout and weight decay",
        ylabel="accuracy / gap",
    )
    return [("Train-test gap and test accuracy per setting", svg)]


def optimizers(runs: pd.DataFrame, drawn: Drawn) -> list[Captioned]:
    shown = drawn["at_best"].replace([float("inf")], float("nan"))
    svg = plots.bars(
        shown,
        category="method",
        group="optimizer",
        value="examples",
        name="claim_optimizers",
        title="Examples seen to the target, comparison seeds",
        ylabel="training examples to the target",
    )
    return [
        (
            "Examples seen until validation accuracy first reached the target, each method at its chosen setting "
            "(missing: never)",
            svg,
        )
    ]


FIGURES: dict[str, Callable[[pd.DataFrame, Drawn], list[Captioned]]] = {
    "trees_overfit": trees_overfit,
    "knn_dimension": knn_dimension,
    "svm_cost": svm_cost,
    "svm_linear_data": svm_linear_data,
    "mlp_scale": mlp_scale,
    "vanishing_gradients": vanishing_gradients,
    "regularization": regularization,
    "optimizers": optimizers,
}
