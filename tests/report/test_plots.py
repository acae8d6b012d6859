"""The figures as drawn, before they become SVG: what each panel shows."""

from __future__ import annotations

import pandas as pd

import bench.report.plots as plots


def drawn_figures(monkeypatch) -> dict:
    """The figures handed to ``to_svg``, by name (the latest of a name)."""
    kept: dict = {}

    def keep(fig, name: str) -> str:
        kept[name] = fig
        return "<svg></svg>"

    monkeypatch.setattr(plots, "to_svg", keep)
    return kept


def test_the_cost_plot_has_a_panel_for_fit_time_and_one_for_latency_each_on_a_log_axis(monkeypatch):
    kept = drawn_figures(monkeypatch)
    ok = pd.DataFrame(
        {
            "dataset": ["a", "a", "b", "b"],
            "model": ["svm", "knn", "svm", "knn"],
            "family": ["kernel", "neighbors", "kernel", "neighbors"],
            "test_accuracy": [0.9, 0.8, 0.85, 0.88],
            "fit_time_s": [0.5, 0.01, 0.4, 0.02],
            "predict_latency_us": [30.0, 400.0, 25.0, 380.0],
        }
    )
    assert plots.pareto(ok) == "<svg></svg>"
    axes = kept["pareto"].axes
    assert [ax.get_xlabel() for ax in axes] == list(plots.COSTS.values())
    assert all(ax.get_xscale() == "log" and ax.get_ylabel() == "test accuracy" for ax in axes)
    assert plots.pareto(ok.drop(columns="predict_latency_us"))
    assert [ax.get_xlabel() for ax in kept["pareto"].axes] == [plots.COSTS["fit_time_s"]]  # one cost, one panel
