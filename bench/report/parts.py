"""The sections that compare the models, in report order, each registered once in ``PARTS`` as what it computes
from the runs, how it displays that, and its figures. A new section is a new ``Part`` in this list."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

import bench.report.plots as plots
from bench.report.answer import answer_section
from bench.report.display import Section
from bench.report.protocols import count_header, spread
from bench.report.recipe import recipe_section
from bench.report.sections import cost_section, gradient_section, leaderboard_section, overfit_section
from bench.report.stats.analysis import Statistics, analyse
from bench.report.stats.section import statistics_section
from bench.report.summaries import build_sections, prepare, scored
from bench.report.tuning import tuning_section
from bench.report.when import When, answer_sentences, when, when_figures, when_section

Figure = tuple[str, str, str | None]  # key, caption, SVG (None: nothing to draw)


@dataclass
class Inputs:
    """What the sections read: the runs (labelled), the few MLP histories and learning curves read with them, and
    the tuned runs' trials; the summary tables and the statistical tests, computed once for all sections."""

    table: pd.DataFrame
    histories: Mapping[str, pd.DataFrame]
    curves: pd.DataFrame
    trials: pd.DataFrame

    @functools.cached_property
    def summaries(self) -> dict[str, pd.DataFrame]:
        return build_sections(self.table)

    @functools.cached_property
    def ok(self) -> pd.DataFrame:
        return scored(prepare(self.table))

    @functools.cached_property
    def stats(self) -> Statistics:
        return analyse(self.ok)

    @functools.cached_property
    def when(self) -> When | None:
        return when(self.ok)

    @property
    def order(self) -> list[str]:
        return list(self.summaries["model_rank"]["model"])


@dataclass(frozen=True)
class Part:
    """One section: ``compute`` the numbers it shows from the inputs, ``display`` them as a section (None: the
    section has nothing to show for these runs), ``figures`` it draws."""

    compute: Callable[[Inputs], Any]
    display: Callable[[Any, Inputs], Section | None]
    figures: Callable[[Inputs], list[Figure]] = lambda inputs: []

    def section(self, inputs: Inputs) -> Section | None:
        section = self.display(self.compute(inputs), inputs)
        if section is not None:
            for key, caption, svg in self.figures(inputs):
                section.add_figure(key, caption, svg)
        return section


def _summaries(inputs: Inputs) -> dict[str, pd.DataFrame]:
    return inputs.summaries


PARTS: list[Part] = [
    Part(_summaries, lambda s, i: answer_section(s, i.stats, answer_sentences(i.when))),
    Part(_summaries, lambda s, i: leaderboard_section(s, over=spread(i.ok), count=count_header(i.ok))),
    Part(lambda i: i.stats, lambda stats, i: statistics_section(i.ok, stats)),
    Part(lambda i: i.when, lambda found, i: when_section(found), lambda i: when_figures(i.when, i.ok)),
    Part(lambda i: i.trials, lambda trials, i: tuning_section(i.ok, trials, plots.colors(i.ok))),
    Part(lambda i: i.ok, lambda ok, i: recipe_section(ok)),
    Part(
        _summaries,
        lambda s, i: cost_section(s),
        lambda i: [
            (
                "pareto",
                "Test accuracy against fit time and prediction latency, with the Pareto fronts",
                plots.pareto(i.ok),
            )
        ],
    ),
    Part(
        _summaries,
        lambda s, i: overfit_section(s),
        lambda i: [
            ("overfit_gap", "Train-test gap per dataset and model", plots.overfit_bars(i.ok, i.order)),
            ("mlp_loss", "MLP training and validation loss per epoch", plots.loss_curves(i.histories)),
            ("learning_curves", "Learning curves: accuracy against training data", plots.learning_curves(i.curves)),
        ],
    ),
    Part(
        _summaries,
        lambda s, i: gradient_section(s),
        lambda i: [
            ("gradient_ratio_depth", "Gradient ratio against depth", plots.ratio_by_depth(i.ok)),
            ("gradient_heatmaps", "Per-layer gradient norm per epoch", plots.gradient_heatmaps(i.histories)),
        ],
    ),
]


def comparison_sections(inputs: Inputs) -> list[Section]:
    """Every registered section that has something to show, in order; the first is the answer."""
    return [section for part in PARTS if (section := part.section(inputs)) is not None]
