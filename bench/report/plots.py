"""Report figures: matplotlib, rendered to SVG text (inline in the HTML, files beside the Markdown).

Every figure is a pure function of the tidy table (and, for curves, of a few runs' per-epoch histories). Colours
follow the model family everywhere, so a model reads the same in every plot.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

FAMILY_COLORS = {
    "neural": "#1f77b4",
    "tree": "#2ca02c",
    "kernel": "#ff7f0e",
    "neighbors": "#9467bd",
    "tree_ensemble": "#d62728",
    "linear": "#8c564b",
}
OTHER_COLORS = ["#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
MAX_PANELS = 6


def colors(runs: pd.DataFrame) -> dict[str, str]:
    """One colour per model: its family's, shaded when a family has several models."""
    families = runs.drop_duplicates("model").set_index("model")["family"].fillna("other")
    result, others = {}, iter(OTHER_COLORS * 10)
    for family, models in families.groupby(families, sort=False):
        base = FAMILY_COLORS.get(family) or next(others)
        for i, model in enumerate(sorted(models.index)):
            result[model] = _shade(base, i / max(1, len(models) - 1))  # the family's first model and its palest
    return result


def _shade(color: str, amount: float) -> str:
    from matplotlib.colors import to_hex, to_rgb

    rgb = np.array(to_rgb(color))
    return to_hex(rgb + (1 - rgb) * 0.6 * amount)


def figure(width: float = 7.0, height: float = 4.0, ncols: int = 1, nrows: int = 1):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False)
    return fig, axes


def _panels(n: int, height: float):
    """A grid of ``n`` panels, three to a row; the unused cells are hidden."""
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig, axes = figure(4.2 * ncols, height * nrows, ncols, nrows)
    for ax in axes.flat[n:]:
        ax.axis("off")
    return fig, list(axes.flat[:n])


def to_svg(fig, name: str) -> str:
    """The figure as an ``<svg>`` element: no XML prolog, ids salted with ``name`` so that several figures
    inline in one page never share a clip-path id. Text is drawn as paths, so no label can inject markup."""
    import matplotlib
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": name, "svg.fonttype": "path"}):
        fig.savefig(
            buffer, format="svg", bbox_inches="tight", metadata=dict.fromkeys(("Date", "Creator", "Format", "Type"))
        )
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


COSTS = {  # the two costs a model has: training it, and answering one request with it
    "fit_time_s": "fit time (s, log scale)",
    "predict_latency_us": "latency to predict one row (µs, log scale)",
}


def pareto(ok: pd.DataFrame) -> str | None:
    """Test accuracy against each cost (log scale): fit time and single-row predict latency, one panel each. Every
    dataset x model mean as a small dot, each model's overall position (median cost, mean accuracy) as a large
    one, with the Pareto front of models that no other beats on both accuracy and that cost."""
    costs = [c for c in COSTS if c in ok and pd.to_numeric(ok[c], errors="coerce").gt(0).any()]
    if not costs:
        return None
    palette = colors(ok)
    fig, axes = figure(4.6 * len(costs), 4.2, ncols=len(costs))
    for ax, cost in zip(axes[0], costs, strict=True):
        cells = ok.groupby(["dataset", "model"])[[cost, "test_accuracy"]].mean().reset_index()
        cells = cells[cells[cost] > 0]
        models = cells.groupby("model").agg(cost=(cost, "median"), test_accuracy=("test_accuracy", "mean"))
        for model, group in cells.groupby("model"):
            ax.scatter(group[cost], group["test_accuracy"], color=palette[model], alpha=0.35, s=18)
        for model, row in models.iterrows():
            ax.scatter(row["cost"], row["test_accuracy"], color=palette[model], s=90, edgecolor="black", label=model)
        front = models.sort_values(["cost", "test_accuracy"], ascending=[True, False])
        front = front[front["test_accuracy"] >= front["test_accuracy"].cummax()]
        ax.step(front["cost"], front["test_accuracy"], where="post", color="black", lw=1, ls="--", label="Pareto front")
        ax.set(xscale="log", xlabel=COSTS[cost], ylabel="test accuracy")
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=8, loc="lower right")
    fig.suptitle("Accuracy against cost (small dots: one dataset; large: the model overall)", fontsize=10)
    fig.tight_layout()
    return to_svg(fig, "pareto")


def overfit_bars(ok: pd.DataFrame, order: list[str]) -> str | None:
    """Mean train-test gap per dataset, one bar per model."""
    gaps = ok.groupby(["dataset", "model"])["overfit_gap"].mean().unstack("model")
    gaps = gaps[[m for m in order if m in gaps.columns]]
    if gaps.empty:
        return None
    palette = colors(ok)
    fig, [[ax]] = figure(max(7.0, 0.9 * len(gaps) * max(1, len(gaps.columns)) / 3), 4.0)
    width = 0.8 / len(gaps.columns)
    x = np.arange(len(gaps))
    for i, model in enumerate(gaps.columns):
        ax.bar(x + i * width, gaps[model], width, color=palette[model], label=model)
    ax.set_xticks(x + width * (len(gaps.columns) - 1) / 2, gaps.index, rotation=20, ha="right")
    ax.axhline(0, color="black", lw=0.8)
    ax.set(ylabel="train − test accuracy", title="Overfitting: train-test gap per dataset (mean over seeds)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncols=min(4, len(gaps.columns)))
    return to_svg(fig, "overfit")


def loss_curves(histories: Mapping[str, pd.DataFrame]) -> str | None:
    """Train and validation loss per epoch, one panel per MLP run shown."""
    shown = [(label, h) for label, h in histories.items() if "training/loss" in h][:MAX_PANELS]
    if not shown:
        return None
    fig, axes = _panels(len(shown), 3.0)
    for ax, (label, history) in zip(axes, shown, strict=False):
        ax.plot(history["epoch"], history["training/loss"], label="train", color="#1f77b4")
        if "training/val_loss" in history:
            ax.plot(history["epoch"], history["training/val_loss"], label="validation", color="#d62728")
        ax.set(title=_wrap(label), xlabel="epoch", ylabel="cross-entropy loss")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return to_svg(fig, "loss")


def gradient_heatmaps(histories: Mapping[str, pd.DataFrame]) -> str | None:
    """log10 of each layer's median gradient norm per epoch: a dark band at the bottom (first layers) is a
    vanishing gradient."""
    shown = [(label, h) for label, h in histories.items() if any(c.startswith("training/grad_norm/") for c in h)][
        :MAX_PANELS
    ]
    if not shown:
        return None
    fig, axes = _panels(len(shown), 3.2)
    for ax, (label, history) in zip(axes, shown, strict=False):
        layers = sorted(
            (c for c in history if c.startswith("training/grad_norm/")), key=lambda c: int(c.rsplit("_", 1)[1])
        )
        values = np.log10(history[layers].to_numpy(dtype=float).T.clip(min=1e-30))
        image = ax.imshow(
            values,
            aspect="auto",
            origin="lower",
            cmap="viridis",
            interpolation="nearest",
            extent=(0.5, len(history) + 0.5, -0.5, len(layers) - 0.5),
        )
        ax.set(title=_wrap(label), xlabel="epoch", ylabel="layer (0 = first)", yticks=range(len(layers)))
        fig.colorbar(image, ax=ax, label="log10 gradient norm")
    fig.tight_layout()
    return to_svg(fig, "gradients")


def ratio_by_depth(ok: pd.DataFrame) -> str | None:
    """First/last hidden layer gradient ratio against depth, one line per activation (and remedy), when a sweep
    varies depth; the mean over everything else (init, seeds, datasets)."""
    needed = {"training/grad_ratio_first_last", "params.model.hidden_layer_sizes", "params.model.activation"}
    if not needed <= set(ok.columns):
        return None
    runs = ok[ok["training/grad_ratio_first_last"].gt(0)].copy()
    runs["depth"] = runs["params.model.hidden_layer_sizes"].map(lambda s: str(s).count(",") + 1)
    if runs["depth"].nunique() < 2:
        return None
    label = runs["params.model.activation"].astype(str)
    for remedy in ("batch_norm", "residual"):
        column = f"params.model.{remedy}"
        if column in runs:
            label = label + np.where(runs[column].astype(str).eq("True"), f" + {remedy}", "")
    runs["line"] = label
    fig, [[ax]] = figure()
    for line, group in runs.groupby("line"):
        # geometric mean: the ratio spans orders of magnitude
        means = group.groupby("depth")["training/grad_ratio_first_last"].apply(
            lambda r: float(np.exp(np.log(r).mean()))
        )
        ax.plot(means.index, means.to_numpy(), marker="o", label=line)
    ax.axhline(1, color="black", lw=0.8)
    ax.set(
        yscale="log",
        xlabel="hidden layers",
        ylabel="first / last hidden layer gradient RMS (log scale)",
        title="Gradient flow against depth (far below 1: vanishing gradients)",
    )
    ax.set_xticks(sorted(runs["depth"].unique()))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncols=2)
    return to_svg(fig, "ratio_depth")


def learning_curves(curves: pd.DataFrame) -> str | None:
    """Accuracy against the share of the training split used, per dataset: test solid, train dashed. Lines that
    still rise at 100% say more data would help; a wide train-test gap that closes slowly is overfitting."""
    if curves.empty:
        return None
    datasets = sorted(curves["dataset"].unique())[:MAX_PANELS]
    palette = colors(curves)
    fig, axes = _panels(len(datasets), 3.2)
    for ax, dataset in zip(axes, datasets, strict=False):
        for (model, split), points in curves[curves["dataset"] == dataset].groupby(["model", "split"]):
            points = points.sort_values("percent")
            ax.plot(
                points["percent"],
                points["accuracy"],
                marker="o",
                color=palette[model],
                ls="-" if split == "test" else "--",
                label=f"{model} ({split})",
            )
        ax.set(title=_wrap(dataset), xlabel="training data used (%)", ylabel="accuracy")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return to_svg(fig, "learning")


def critical_difference(comparison) -> str | None:
    """Average ranks on a line; models joined by a thick line are not significantly different by the pairwise test
    the report reads (Wilcoxon signed-rank with Holm's correction, alpha 0.05); the CD bar above the rank axis spans
    Nemenyi's critical difference, clear of the axis labels and the title."""
    if not comparison.ok:
        return None
    import matplotlib.transforms as mtransforms
    import scikit_posthocs as sp

    fig, [[ax]] = figure(7.0, 1.0 + 0.4 * len(comparison.ranks))
    sp.critical_difference_diagram(comparison.ranks, comparison.pairwise_p, ax=ax)
    start = float(comparison.ranks.min())
    above = mtransforms.offset_copy(ax.transData, fig=fig, y=24, units="points")  # over the tick labels
    ax.plot([start, start + comparison.cd], [0, 0], color="black", lw=2, transform=above, clip_on=False)
    label = mtransforms.offset_copy(ax.transData, fig=fig, y=28, units="points")
    ax.text(start + comparison.cd / 2, 0, f"CD = {comparison.cd:.2g}", ha="center", va="bottom", transform=label)
    ax.set_title("Critical-difference diagram: average rank (1 = best)", fontsize=10, pad=46)
    return to_svg(fig, "cd")


def _wrap(text: str, width: int = 48) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)[:3])


def lines(
    points: pd.DataFrame,
    *,
    x: str,
    y: str,
    group: str,
    name: str,
    title: str,
    xlabel: str,
    ylabel: str,
    panel: str | None = None,
    log: str = "",
    palette: Mapping[str, str] | None = None,
) -> str | None:
    """Mean of ``y`` over seeds against ``x``, one line per ``group`` with the seeds' spread as error bars, one
    panel per value of ``panel``. ``log`` names the log-scaled axes ("x", "y", "xy"). Non-finite points are left
    out (a run that never reached a target has no time to draw)."""
    points = points[np.isfinite(points[x].astype(float)) & np.isfinite(points[y].astype(float))]
    if points.empty:
        return None
    keys = sorted(points[panel].unique()) if panel else [None]
    fig, axes = _panels(len(keys), 3.4) if panel else (None, None)
    if not panel:
        fig, [[ax]] = figure(6.5, 4.0)
        axes = [ax]
    for ax, key in zip(axes, keys, strict=False):
        shown = points if key is None else points[points[panel] == key]
        for label, rows in shown.groupby(group, sort=True):
            stats = rows.groupby(x)[y].agg(["mean", "std"]).sort_index()
            color = (palette or {}).get(label)
            ax.errorbar(
                stats.index,
                stats["mean"],
                yerr=stats["std"].fillna(0),
                marker="o",
                ms=4,
                capsize=2,
                label=str(label),
                color=color,
            )
        ax.set(
            xscale="log" if "x" in log else "linear",
            yscale="log" if "y" in log else "linear",
            xlabel=xlabel,
            ylabel=ylabel,
            title=_wrap(str(key)) if key is not None else title,
        )
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    if panel:
        fig.suptitle(title, fontsize=10)
    with warnings.catch_warnings():  # crowded legends can defeat it; the SVG is cropped to its content anyway
        warnings.simplefilter("ignore", UserWarning)
        fig.tight_layout()
    return to_svg(fig, name)


def bars(
    frame: pd.DataFrame,
    *,
    category: str,
    group: str,
    value: str,
    name: str,
    title: str,
    ylabel: str,
    palette: Mapping[str, str] | None = None,
) -> str | None:
    """Mean of ``value`` over seeds per ``category`` (x axis), one bar per ``group``, the seeds' spread as error
    bars. Missing or non-finite cells are left empty."""
    frame = frame[np.isfinite(frame[value].astype(float))]
    if frame.empty:
        return None
    stats = frame.groupby([category, group])[value].agg(["mean", "std"])
    means, spread = stats["mean"].unstack(group), stats["std"].unstack(group).fillna(0)
    fig, [[ax]] = figure(max(6.5, 0.5 * means.size), 4.0)
    width = 0.8 / len(means.columns)
    at = np.arange(len(means))
    for i, label in enumerate(means.columns):
        ax.bar(
            at + i * width,
            means[label],
            width,
            yerr=spread[label],
            capsize=2,
            label=str(label),
            color=(palette or {}).get(label),
        )
    ax.set_xticks(at + width * (len(means.columns) - 1) / 2, [str(c) for c in means.index], rotation=15, ha="right")
    ax.axhline(0, color="black", lw=0.8)
    ax.set(ylabel=ylabel, title=title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncols=min(4, len(means.columns)))
    return to_svg(fig, name)


def bands(
    points: pd.DataFrame,
    *,
    x: str,
    y: str,
    low: str,
    high: str,
    group: str,
    name: str,
    title: str,
    xlabel: str,
    ylabel: str,
    palette: Mapping[str, str] | None = None,
) -> str | None:
    """One line of ``y`` against ``x`` per ``group``, with the band from ``low`` to ``high`` around it: the points
    are drawn as given (the caller has summarised them)."""
    points = points[np.isfinite(points[y].astype(float))]
    if points.empty:
        return None
    fig, [[ax]] = figure(7.0, 4.2)
    for label, rows in points.groupby(group, sort=True):
        rows = rows.sort_values(x)
        color = (palette or {}).get(label)
        drawn = ax.plot(rows[x], rows[y], marker="o", ms=3, label=str(label), color=color)
        ax.fill_between(rows[x], rows[low], rows[high], color=drawn[0].get_color(), alpha=0.2, lw=0)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))  # beside: the lines fill the axes
    return to_svg(fig, name)
