"""The article's claims put to the test: each claim, the sweeps that test it, its verdict rule, and the rule applied
to the tidy results table.

A claim's runs carry the param ``claim`` (set by ``conf/experiment/claims/*.yaml``). Each rule was written down,
with its thresholds, before the sweeps ran; the rule texts below are printed into every report and repeated in the
configs' header comments. A judge is a pure function of the claim's runs: it returns the verdict (``supported``,
``not supported`` or ``mixed``), one sentence of evidence, a table of the numbers behind it and the figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from bench.report import plots

SUPPORTED, NOT_SUPPORTED, MIXED, NO_EVIDENCE = "supported", "not supported", "mixed", "no evidence"
MIN_SEEDS = 3
# thresholds of the rules (accuracy differences are fractions: 0.05 = 5 points)
TREE_GAP, DEPTH_SPEARMAN = 0.05, 0.8
KNN_DROP, KNN_NO_DROP = 0.05, 0.02
SVM_FAST_EXPONENT, SVM_LINEAR_EXPONENT = 1.5, 1.2
LINEAR_TIE, NONLINEAR_MLP_TIE, NONLINEAR_MARGIN = 0.005, 0.02, 0.10
SCALE_TIE, SCALE_ROWS, SCALE_FEATURES = 0.01, 10_000, 500
VANISHING_RATIO, RELU_GAIN = 0.1, 10.0
REG_GAP, REG_ACCURACY_LOSS = 0.05, 0.01
FASTER = 0.8  # "faster": median seconds to the target at most 80% of the other's


@dataclass
class Evidence:
    """What a judge found: the verdict, one sentence, a display table (strings; ``numeric`` columns right-aligned)
    and SVG figures as (caption, svg) pairs."""

    verdict: str
    sentence: str
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    numeric: tuple[str, ...] = ()
    figures: list[tuple[str, str | None]] = field(default_factory=list)
    runs: int = 0
    seeds: int = 0


@dataclass(frozen=True)
class Claim:
    """One claim: what the article says, what is measured, the rule fixed in advance, the sweeps
    (``conf/experiment/claims/<sweep>.yaml``, the first named after the claim) and the judge applying the rule."""

    name: str
    title: str
    statement: str
    measure: str
    rule: str
    sweeps: tuple[str, ...]
    judge: Callable[[pd.DataFrame], Evidence]


# ---------------------------------------------------------------------------------------------------------
# Helpers


def claim_runs(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """The finished runs of one claim (diverged runs included: they are results), metrics numeric."""
    if table.empty or "params.claim" not in table:
        return pd.DataFrame()
    runs = table[table["params.claim"].eq(name) & table["status"].eq("FINISHED")]
    if "outcome" in runs:
        runs = runs[~runs["outcome"].eq("error")]
    runs = runs.copy()
    for column in ("test_accuracy", "train_accuracy", "overfit_gap", "fit_time_s", "grad_ratio_first_last"):
        if column in runs:
            runs[column] = pd.to_numeric(runs[column], errors="coerce")
    if "model_name" not in runs:
        runs["model_name"] = runs["model"]
    if "dataset_name" not in runs:
        runs["dataset_name"] = runs["dataset"]
    return runs


def _param(runs: pd.DataFrame, key: str, default: float = math.nan) -> pd.Series:
    """A param as numbers: ``None``/``null`` (and a missing column) become ``default``."""
    column = f"params.{key}"
    if column not in runs:
        return pd.Series(default, index=runs.index, dtype=float)
    values = runs[column].astype(str).replace({"None": None, "null": None, "nan": None})
    return pd.to_numeric(values, errors="coerce").fillna(default).astype(float)


def _text(runs: pd.DataFrame, key: str) -> pd.Series:
    column = f"params.{key}"
    return runs[column].astype(str) if column in runs else pd.Series("", index=runs.index)


def _pts(x: float) -> str:
    """An accuracy difference in points: 0.053 -> '5.3 points'."""
    return f"{100 * x:.1f} points"


def _acc(mean: float, std: float = math.nan) -> str:
    if not np.isfinite(mean):
        return "—"
    return f"{mean:.3f}" if not np.isfinite(std) else f"{mean:.3f} ± {std:.3f}"


def _num(x: float, digits: int = 3) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{x:.{digits}g}"


def _combine(a: bool, b: bool) -> str:
    return SUPPORTED if a and b else MIXED if a or b else NOT_SUPPORTED


def _too_few(runs: pd.DataFrame, claim: str) -> Evidence | None:
    """``no evidence`` when the claim's sweep was not run here or has fewer seeds than the rule needs."""
    if runs.empty:
        return Evidence(NO_EVIDENCE, f"No evidence in this experiment: run experiment=claims/{claim}.")
    seeds = runs["seed"].nunique()
    if seeds < MIN_SEEDS:
        return Evidence(
            NO_EVIDENCE,
            f"Too little evidence: {seeds} seed(s), the rule needs {MIN_SEEDS}; run experiment=claims/{claim}.",
            runs=len(runs),
            seeds=seeds,
        )
    return None


def _wide(runs: pd.DataFrame, rows: str | list[str], columns: str, value: str) -> pd.DataFrame:
    """Mean ± std over seeds of ``value``, ``rows`` x ``columns``, as display strings."""
    cells = runs.groupby([*([rows] if isinstance(rows, str) else rows), columns])[value].agg(["mean", "std"])
    text = pd.Series([_acc(m, s) for m, s in cells.to_numpy()], index=cells.index)
    return text.unstack(columns).fillna("—").reset_index()


def _palette(runs: pd.DataFrame) -> dict[str, str]:
    return plots.colors(runs.assign(model=runs["model_name"]))


# ---------------------------------------------------------------------------------------------------------
# The judges, one per claim


def judge_trees_overfit(runs: pd.DataFrame) -> Evidence:
    if (few := _too_few(runs, "trees_overfit")) is not None:
        return few
    depth = _param(runs, "model.max_depth", math.inf)
    is_tree = runs["model_name"].eq("decision_tree")
    families = runs[~is_tree | np.isinf(depth)]
    gaps = families.groupby(["dataset", "model_name"])["overfit_gap"].mean().unstack("model_name")
    mean_gap = gaps.mean().sort_values(ascending=False)
    tree_gap = mean_gap.get("decision_tree", math.nan)
    a = bool(mean_gap.index[0] == "decision_tree" and tree_gap >= TREE_GAP) if len(mean_gap) else False
    trees = runs[is_tree].assign(depth=depth[is_tree])
    by_depth = trees.groupby(["dataset", "depth"])["overfit_gap"].mean().reset_index()
    rho = {
        dataset: stats.spearmanr(rows["depth"], rows["overfit_gap"]).statistic
        for dataset, rows in by_depth.groupby("dataset")
        if rows["depth"].nunique() >= 3
    }
    b = bool(rho) and min(rho.values()) >= DEPTH_SPEARMAN - 1e-9  # 4 depths give exactly 0.8, up to rounding
    table = _wide(families, "dataset", "model_name", "overfit_gap")
    table.loc[len(table)] = ["mean over datasets", *(_acc(mean_gap.get(c, math.nan)) for c in table.columns[1:])]
    table["tree: Spearman(depth, gap)"] = table["dataset"].map(lambda d: _num(rho.get(d, math.nan), 2))
    others = ", ".join(f"{m} {_pts(g)}" for m, g in mean_gap.items() if m != "decision_tree")
    depth_text = (
        f"the tree's gap rises with depth on every dataset (Spearman >= {min(rho.values()):.2f})"
        if b
        else f"the tree's gap does not rise with depth everywhere (lowest Spearman {min(rho.values()):.2f})"
        if rho
        else "no depth sweep (claims/trees_overfit_depth) was run"
    )
    sentence = (
        f"The unpruned tree's mean train-test gap is {_pts(tree_gap)} against {others}"
        f"{'' if a else ' (not the largest by the rule)'}, and {depth_text}."
    )
    shown = trees.assign(depth=trees["depth"].replace(math.inf, 2 * trees["depth"][np.isfinite(trees["depth"])].max()))
    return Evidence(
        _combine(a, b),
        sentence,
        table,
        tuple(table.columns[1:]),
        [
            (
                "Train-test gap per dataset and model (unlimited-depth tree)",
                plots.bars(
                    families,
                    "dataset",
                    "model_name",
                    "overfit_gap",
                    "claim_trees_bars",
                    "Overfitting gap (train − test accuracy)",
                    "train − test accuracy",
                    _palette(runs),
                ),
            ),
            (
                "Decision tree: gap against max_depth (the rightmost point is unlimited depth)",
                plots.lines(
                    shown,
                    "depth",
                    "overfit_gap",
                    "dataset",
                    "claim_trees_depth",
                    "Tree gap against max_depth",
                    "max_depth (log; right end: unlimited)",
                    "train − test accuracy",
                    log="x",
                ),
            ),
        ],
        len(runs),
        runs["seed"].nunique(),
    )


def _slope(x: pd.Series, y: pd.Series) -> float:
    return float(np.polyfit(x, y, 1)[0]) if x.nunique() >= 2 else math.nan


def judge_knn_dimension(runs: pd.DataFrame) -> Evidence:
    if (few := _too_few(runs, "knn_dimension")) is not None:
        return few
    runs = runs.assign(noise=_param(runs, "dataset.noise_features", 0.0))
    runs = runs.assign(log_noise=np.log10(1 + runs["noise"]))
    slopes = {m: _slope(r["log_noise"], r["test_accuracy"]) for m, r in runs.groupby("model_name")}
    low, high = runs["noise"].min(), runs["noise"].max()
    knn = runs[runs["model_name"].eq("knn")]
    per_seed = knn.pivot_table(index="seed", columns="noise", values="test_accuracy")
    if knn.empty or low == high:
        return Evidence(NO_EVIDENCE, "No k-NN runs at two noise levels: run experiment=claims/knn_dimension.")
    drops = per_seed[low] - per_seed[high]
    drop = float(drops.mean())
    steepest = min(slopes, key=lambda m: slopes[m])
    if drop >= KNN_DROP and (drops > 0).all() and steepest == "knn":
        verdict = SUPPORTED
    elif drop < KNN_NO_DROP:
        verdict = NOT_SUPPORTED
    else:
        verdict = MIXED
    table = _wide(runs, "model_name", "noise", "test_accuracy")
    table.columns = ["model", *(f"+{int(c)} dims" for c in table.columns[1:])]
    table["slope per tenfold"] = table["model"].map(lambda m: f"{100 * slopes[m]:+.1f} points")
    order = ", ".join(f"{m} {100 * s:+.1f}" for m, s in sorted(slopes.items(), key=lambda kv: kv[1]))
    per_seed_drops = ", ".join(f"{100 * d:.1f}" for d in drops)
    fastest = " (k-NN steepest)" if steepest == "knn" else f" ({steepest} degrades fastest, not k-NN)"
    sentence = (
        f"From 0 to {int(high)} added noise dimensions k-NN loses {_pts(drop)} (per seed: {per_seed_drops}); "
        f"slopes in points per tenfold more dimensions: {order}{fastest}."
    )
    return Evidence(
        verdict,
        sentence,
        table,
        tuple(table.columns[1:]),
        [
            (
                "Test accuracy against added noise dimensions (x: 1 + added dimensions, log scale)",
                plots.lines(
                    runs.assign(x=1 + runs["noise"]),
                    "x",
                    "test_accuracy",
                    "model_name",
                    "claim_knn_noise",
                    "Accuracy against pure-noise dimensions added to a fixed signal",
                    "1 + added noise dimensions (log)",
                    "test accuracy",
                    log="x",
                    palette=_palette(runs),
                ),
            )
        ],
        len(runs),
        runs["seed"].nunique(),
    )


def fit_exponent(n: pd.Series, seconds: pd.Series) -> tuple[float, float, float]:
    """Exponent ``b`` of ``seconds ~ n^b`` by least squares on logs, with its 95% t-interval ``(b, low, high)``."""
    keep = (n > 0) & (seconds > 0)
    x, y = np.log(n[keep].astype(float)), np.log(seconds[keep].astype(float))
    if x.nunique() < 2 or len(x) < 3:
        return math.nan, math.nan, math.nan
    fit = stats.linregress(x, y)
    half = stats.t.ppf(0.975, len(x) - 2) * fit.stderr
    return float(fit.slope), float(fit.slope - half), float(fit.slope + half)


def judge_svm_cost(runs: pd.DataFrame) -> Evidence:
    if (few := _too_few(runs, "svm_cost")) is not None:
        return few
    rows, test = _param(runs, "dataset.rows"), _param(runs, "test_size", 0.25)
    runs = runs.assign(n=rows - np.ceil(rows * test))
    fits = {m: fit_exponent(r["n"], r["fit_time_s"]) for m, r in runs.groupby("model_name")}
    if "svm" not in fits:
        return Evidence(NO_EVIDENCE, "No SVM runs: run experiment=claims/svm_cost.")
    b, low, high = fits["svm"]
    largest = max(fits, key=lambda m: fits[m][0] if np.isfinite(fits[m][0]) else -math.inf)
    if low >= SVM_FAST_EXPONENT and largest == "svm":
        verdict = SUPPORTED
    elif high <= SVM_LINEAR_EXPONENT:
        verdict = NOT_SUPPORTED
    else:
        verdict = MIXED
    medians = runs.groupby(["model_name", "n"])["fit_time_s"].median().unstack("n")
    table = pd.DataFrame(
        {
            "model": list(fits),
            "exponent b": [_num(fits[m][0], 3) for m in fits],
            "95% interval": [f"{fits[m][1]:.2f} to {fits[m][2]:.2f}" for m in fits],
            f"fit s at n={int(medians.columns.min()):,}": [_num(medians.loc[m].iloc[0]) for m in fits],
            f"fit s at n={int(medians.columns.max()):,}": [_num(medians.loc[m].iloc[-1]) for m in fits],
        }
    )
    others = ", ".join(f"{m} {fits[m][0]:.2f}" for m in fits if m != "svm")
    sentence = (
        f"The SVM's fit time grows as n^{b:.2f} (95% interval {low:.2f} to {high:.2f}) from "
        f"n={int(runs['n'].min()):,} to {int(runs['n'].max()):,} training rows, against {others}."
    )
    return Evidence(
        verdict,
        sentence,
        table,
        tuple(table.columns[1:]),
        [
            (
                "Fit time against training rows (log-log: the slope is the exponent)",
                plots.lines(
                    runs,
                    "n",
                    "fit_time_s",
                    "model_name",
                    "claim_svm_cost",
                    "Fit time against n",
                    "training rows n (log)",
                    "fit time, s (log)",
                    log="xy",
                    palette=_palette(runs),
                ),
            )
        ],
        len(runs),
        runs["seed"].nunique(),
    )


def judge_svm_linear_data(runs: pd.DataFrame) -> Evidence:
    if (few := _too_few(runs, "svm_linear_data")) is not None:
        return few
    means = runs.groupby(["dataset", "model_name"])["test_accuracy"].mean().unstack("model_name")
    mlp = next((m for m in means.columns if m.startswith("mlp")), None)
    if "linear" not in means.index or mlp is None or "svm_linear" not in means.columns:
        return Evidence(NO_EVIDENCE, "Needs the linear set, an MLP and the linear SVM: run claims/svm_linear_data.")
    svms = [m for m in ("svm", "svm_linear") if m in means.columns]
    linear = means.loc["linear"]
    a = bool(linear[svms].max() >= linear.max() - LINEAR_TIE)
    nonlinear = means.drop(index="linear")
    fails = [
        d
        for d, row in nonlinear.iterrows()
        if not (row[mlp] >= row.max() - NONLINEAR_MLP_TIE and row[mlp] >= row["svm_linear"] + NONLINEAR_MARGIN)
    ]
    b = not fails and len(nonlinear) > 0
    table = _wide(runs, "dataset", "model_name", "test_accuracy")
    best_linear = linear.idxmax()
    missed = "" if b else f" (the MLP misses the rule on {', '.join(fails)})"
    sentence = (
        f"On linearly separable data the best SVM scores {linear[svms].max():.3f} against {linear.max():.3f} for the "
        f"best model ({best_linear}); on {', '.join(nonlinear.index)} the MLP scores "
        f"{', '.join(f'{v:.3f}' for v in nonlinear[mlp])} against the linear SVM's "
        f"{', '.join(f'{v:.3f}' for v in nonlinear['svm_linear'])}"
        f"{missed}."
    )
    return Evidence(
        _combine(a, b),
        sentence,
        table,
        tuple(table.columns[1:]),
        [
            (
                "Test accuracy per dataset and model",
                plots.bars(
                    runs,
                    "dataset",
                    "model_name",
                    "test_accuracy",
                    "claim_linear",
                    "Linear and non-linear data",
                    "test accuracy",
                    _palette(runs),
                ),
            )
        ],
        len(runs),
        runs["seed"].nunique(),
    )


def judge_mlp_scale(runs: pd.DataFrame) -> Evidence:
    if (few := _too_few(runs, "mlp_scale")) is not None:
        return few
    runs = runs.assign(rows=_param(runs, "dataset.rows"), features=_param(runs, "dataset.features"))
    runs = runs.assign(setting=runs["dataset_name"] + " d=" + runs["features"].map(lambda f: f"{f:.0f}"))
    cells = runs.groupby(["setting", "rows", "model_name"]).agg(
        accuracy=("test_accuracy", "mean"), fit=("fit_time_s", "median")
    )
    generated = (
        runs["params.dataset._target_"].eq("bench.data.Classification") if "params.dataset._target_" in runs else False
    )
    runs = runs.assign(generated=generated)
    large = set()
    for setting, group in runs.groupby("setting"):
        if group["generated"].any():
            big = group[(group["rows"] >= SCALE_ROWS) | (group["features"] >= SCALE_FEATURES)]
            large |= {(setting, r) for r in big["rows"].unique()}
        else:
            large.add((setting, group["rows"].max()))
    mlp = next((m for m in runs["model_name"].unique() if m.startswith("mlp")), None)
    if mlp is None:
        return Evidence(NO_EVIDENCE, "No MLP runs: run experiment=claims/mlp_scale.")
    lines, behind = [], []
    for setting, rows in sorted(large):
        cell = cells.loc[(setting, rows)]
        best = cell["accuracy"].idxmax()
        ok = cell.loc[mlp, "accuracy"] >= cell["accuracy"].max() - SCALE_TIE
        behind += [] if ok else [f"{setting} n={int(rows):,}"]
        lines.append((setting, rows, ok, best))
    met = sum(ok for *_, ok, _ in lines)
    verdict = SUPPORTED if met == len(lines) else NOT_SUPPORTED if met < len(lines) / 2 else MIXED
    text = cells.assign(cell=[f"{a:.3f} ({_num(f, 2)} s)" for a, f in cells.to_numpy()])["cell"]
    table = text.unstack("model_name").fillna("—").reset_index()
    table["rows"] = table["rows"].map(lambda r: f"{int(r):,}")
    table.insert(
        2,
        "large",
        [
            ("yes" if (s, float(r.replace(",", ""))) in large else "")
            for s, r in zip(table["setting"], table["rows"], strict=True)
        ],
    )
    mlp_fit = cells.xs(mlp, level="model_name")["fit"]
    sentence = (
        f"At {met} of {len(lines)} large settings the MLP is within {_pts(SCALE_TIE)} of the best family"
        f"{'' if not behind else ' (behind on ' + '; '.join(behind) + ')'}; its fit time there is up to "
        f"{mlp_fit.loc[[k for k in large if k in mlp_fit.index]].max():.3g} s."
    )
    palette = _palette(runs)
    return Evidence(
        verdict,
        sentence,
        table,
        tuple(table.columns[3:]),
        [
            (
                "Test accuracy against rows, per data set (d: features)",
                plots.lines(
                    runs,
                    "rows",
                    "test_accuracy",
                    "model_name",
                    "claim_scale_acc",
                    "Accuracy as n grows",
                    "rows (log)",
                    "test accuracy",
                    panel="setting",
                    log="x",
                    palette=palette,
                ),
            ),
            (
                "Fit time against rows, per data set",
                plots.lines(
                    runs,
                    "rows",
                    "fit_time_s",
                    "model_name",
                    "claim_scale_time",
                    "Fit time as n grows",
                    "rows (log)",
                    "fit time, s (log)",
                    panel="setting",
                    log="xy",
                    palette=palette,
                ),
            ),
        ],
        len(runs),
        runs["seed"].nunique(),
    )


def _geomean(values: pd.Series) -> float:
    values = values[values > 0]
    return float(np.exp(np.log(values).mean())) if len(values) else math.nan


def judge_vanishing_gradients(runs: pd.DataFrame) -> Evidence:
    if (few := _too_few(runs, "vanishing_gradients")) is not None:
        return few
    depth = _text(runs, "model.hidden_layer_sizes").map(lambda s: s.count(",") + 1)
    config = _text(runs, "model.activation") + "/" + _text(runs, "model.init")
    for remedy, label in (("batch_norm", "batch norm"), ("residual", "residual")):
        config = config + np.where(_text(runs, f"model.{remedy}").eq("True"), f" + {label}", "")
    runs = runs.assign(depth=depth, config=config)
    ratio = runs.groupby(["config", "depth"])["grad_ratio_first_last"].apply(_geomean).unstack("depth")
    accuracy = runs.groupby(["config", "depth"])["test_accuracy"].mean().unstack("depth")
    deep, shallow = ratio.columns.max(), ratio.columns.min()
    sig, relu = "sigmoid/default", "relu/kaiming"
    if sig not in ratio.index or relu not in ratio.index or deep == shallow:
        return Evidence(NO_EVIDENCE, "Needs sigmoid/default and relu/kaiming at two depths: run the claim's sweep.")
    a = bool(ratio.loc[sig, deep] < VANISHING_RATIO and ratio.loc[sig, deep] < ratio.loc[sig, shallow])
    b = bool(
        ratio.loc[relu, deep] >= RELU_GAIN * ratio.loc[sig, deep] and accuracy.loc[relu, deep] > accuracy.loc[sig, deep]
    )
    table = pd.DataFrame({"configuration": ratio.index})
    for d in ratio.columns:
        table[f"depth {d}"] = [f"{_num(ratio.loc[c, d], 2)} ({_acc(accuracy.loc[c, d])})" for c in ratio.index]
    remedies = [c for c in ratio.index if "+" in c and c.startswith(sig)]
    remedy_text = "; ".join(
        f"{c}: {_num(ratio.loc[c, deep], 2)}, accuracy {accuracy.loc[c, deep]:.3f}" for c in remedies
    )
    sentence = (
        f"At {deep} hidden layers the sigmoid network (default init) has a first/last gradient ratio of "
        f"{_num(ratio.loc[sig, deep], 2)} (at {shallow}: {_num(ratio.loc[sig, shallow], 2)}) and accuracy "
        f"{accuracy.loc[sig, deep]:.3f}; ReLU with Kaiming init {_num(ratio.loc[relu, deep], 2)} and "
        f"{accuracy.loc[relu, deep]:.3f}" + (f"; remedies: {remedy_text}." if remedies else ".")
    )
    return Evidence(
        _combine(a, b),
        sentence,
        table,
        tuple(table.columns[1:]),
        [
            (
                "First/last gradient-norm ratio against depth (geometric mean over seeds; below 1: vanishing)",
                plots.lines(
                    runs[runs["grad_ratio_first_last"] > 0],
                    "depth",
                    "grad_ratio_first_last",
                    "config",
                    "claim_vanishing",
                    "Gradient ratio against depth",
                    "hidden layers",
                    "first / last gradient norm (log)",
                    log="y",
                ),
            ),
            (
                "Test accuracy against depth",
                plots.lines(
                    runs,
                    "depth",
                    "test_accuracy",
                    "config",
                    "claim_vanishing_acc",
                    "Test accuracy against depth",
                    "hidden layers",
                    "test accuracy",
                ),
            ),
        ],
        len(runs),
        runs["seed"].nunique(),
    )


def judge_regularization(runs: pd.DataFrame) -> Evidence:
    if (few := _too_few(runs, "regularization")) is not None:
        return few
    dropout, decay = _param(runs, "model.dropout", 0.0), _param(runs, "model.weight_decay", 0.0)
    runs = runs.assign(setting=[f"dropout {p:g}, weight decay {w:g}" for p, w in zip(dropout, decay, strict=True)])
    cells = (
        runs.assign(dropout=dropout, decay=decay)
        .groupby(["dropout", "decay"])[["train_accuracy", "test_accuracy", "overfit_gap"]]
        .mean()
    )
    if (0.0, 0.0) not in cells.index:
        return Evidence(NO_EVIDENCE, "No unregularised baseline: run experiment=claims/regularization.")
    base = cells.loc[(0.0, 0.0)]
    with_dropout = [k for k in cells.index if k[0] > 0 and k[1] == 0]
    with_decay = [k for k in cells.index if k[0] == 0 and k[1] > 0]

    def works(keys: list[tuple[float, float]]) -> tuple[bool, tuple[float, float] | None]:
        if not keys:
            return False, None
        best = max(keys, key=lambda k: cells.loc[k, "test_accuracy"])
        row = cells.loc[best]
        ok = row["overfit_gap"] <= base["overfit_gap"] - REG_GAP and row["test_accuracy"] >= (
            base["test_accuracy"] - REG_ACCURACY_LOSS
        )
        return bool(ok), best

    a, drop_key = works(with_dropout)
    b, decay_key = works(with_decay)
    table = pd.DataFrame(
        {
            "dropout": [f"{k[0]:g}" for k in cells.index],
            "weight decay": [f"{k[1]:g}" for k in cells.index],
            "train accuracy": [_acc(v) for v in cells["train_accuracy"]],
            "test accuracy": [_acc(v) for v in cells["test_accuracy"]],
            "gap": [_acc(v) for v in cells["overfit_gap"]],
        }
    )

    def describe(key, label: str) -> str:
        if key is None:
            return f"no {label} run"
        row = cells.loc[key]
        return f"{label} ({key[0]:g}/{key[1]:g}) gap {row['overfit_gap']:.3f}, test {row['test_accuracy']:.3f}"

    sentence = (
        f"Without regularisation the gap is {base['overfit_gap']:.3f} (test {base['test_accuracy']:.3f}); "
        f"{describe(drop_key, 'dropout')}; {describe(decay_key, 'weight decay')} (dropout/weight decay)."
    )
    return Evidence(
        _combine(a, b),
        sentence,
        table,
        ("train accuracy", "test accuracy", "gap"),
        [
            (
                "Train-test gap and test accuracy per setting",
                plots.bars(
                    runs.melt(
                        id_vars=["setting", "seed"],
                        value_vars=["overfit_gap", "test_accuracy"],
                        var_name="measure",
                        value_name="value",
                    ),
                    "setting",
                    "measure",
                    "value",
                    "claim_regularization",
                    "Dropout and weight decay",
                    "accuracy / gap",
                ),
            )
        ],
        len(runs),
        runs["seed"].nunique(),
    )


def judge_optimizers(runs: pd.DataFrame) -> Evidence:
    if (few := _too_few(runs, "optimizers")) is not None:
        return few
    batch = _param(runs, "model.batch_size", math.inf)
    runs = runs.assign(
        optimizer=_text(runs, "model.optimizer"),
        batch=np.where(np.isinf(batch), "full", batch.map(lambda b: f"{b:.0f}" if np.isfinite(b) else "")),
        lr=_param(runs, "model.lr"),
        seconds=pd.to_numeric(runs.get("seconds_to_target"), errors="coerce").fillna(math.inf),
        epochs=pd.to_numeric(runs.get("epochs_to_target"), errors="coerce").fillna(math.inf),
    )
    cells = (
        runs.groupby(["optimizer", "batch", "lr"])
        .agg(
            reached=("seconds", lambda s: int(np.isfinite(s).sum())),
            runs=("seconds", "size"),
            seconds=("seconds", "median"),
            epochs=("epochs", "median"),
        )
        .reset_index()
    )
    best = cells.sort_values(["reached", "seconds"], ascending=[False, True]).drop_duplicates(["optimizer", "batch"])
    best = best.sort_values(["optimizer", "batch"]).reset_index(drop=True)

    def method(optimizer: str, full: bool | None) -> pd.Series | None:
        rows = best[best["optimizer"].eq(optimizer)]
        if full is not None:
            rows = rows[rows["batch"].eq("full") == full]
        return rows.sort_values("seconds").iloc[0] if len(rows) else None

    gd, sgd, adagrad, adam = method("sgd", True), method("sgd", False), method("adagrad", None), method("adam", None)
    if gd is None or sgd is None or adagrad is None or adam is None:
        return Evidence(NO_EVIDENCE, "Needs full-batch and mini-batch SGD, Adagrad and Adam: run claims/optimizers.")

    def faster(x: pd.Series, y: pd.Series) -> bool:
        return bool(
            np.isfinite(x["seconds"]) and (not np.isfinite(y["seconds"]) or x["seconds"] <= FASTER * y["seconds"])
        )

    a = faster(sgd, gd)
    b = faster(adagrad, sgd) and faster(adam, sgd)

    def show(label: str, m: pd.Series) -> str:
        time = f"{m['seconds']:.2f} s, {m['epochs']:.0f} epochs" if np.isfinite(m["seconds"]) else "never"
        return f"{label} (batch {m['batch']}, lr {m['lr']:g}) {time}"

    sentence = (
        "Median time to 0.95 validation accuracy, each at its best learning rate: "
        + "; ".join(
            show(label, m)
            for label, m in (("full-batch GD", gd), ("mini-batch SGD", sgd), ("Adagrad", adagrad), ("Adam", adam))
        )
        + "."
    )
    table = pd.DataFrame(
        {
            "optimizer": best["optimizer"],
            "batch": best["batch"],
            "best lr": best["lr"].map(lambda v: f"{v:g}"),
            "reached": [f"{r}/{n}" for r, n in zip(best["reached"], best["runs"], strict=True)],
            "median epochs": best["epochs"].map(lambda v: _num(v, 3)),
            "median seconds": best["seconds"].map(lambda v: _num(v, 3)),
        }
    )
    at_best = runs.merge(best[["optimizer", "batch", "lr"]], on=["optimizer", "batch", "lr"])
    return Evidence(
        _combine(a, b),
        sentence,
        table,
        ("reached", "median epochs", "median seconds"),
        [
            (
                "Seconds to reach 0.95 validation accuracy at each method's best learning rate (missing: never)",
                plots.bars(
                    at_best,
                    "batch",
                    "optimizer",
                    "seconds",
                    "claim_optimizers",
                    "Time to target by batch size and optimizer",
                    "seconds to target",
                ),
            )
        ],
        len(runs),
        runs["seed"].nunique(),
    )


# ---------------------------------------------------------------------------------------------------------
# The catalogue

CLAIMS: tuple[Claim, ...] = (
    Claim(
        "trees_overfit",
        "Decision trees overfit",
        "Decision trees overfit: a larger train-test gap than the other families, growing with depth.",
        "overfit_gap (train − test accuracy) per family on six shipped datasets (2,000-row subsamples); the tree's gap "
        "against max_depth 1 to unlimited.",
        f"(a) the unpruned tree's mean gap over the datasets is the largest of the four families and at least "
        f"{_pts(TREE_GAP)}; (b) on every dataset the Spearman correlation of max_depth and the tree's mean gap is at "
        f"least {DEPTH_SPEARMAN}. Supported: (a) and (b); mixed: one; not supported: neither. {MIN_SEEDS} seeds.",
        ("trees_overfit", "trees_overfit_depth"),
        judge_trees_overfit,
    ),
    Claim(
        "knn_dimension",
        "k-NN degrades with dimension",
        "k-NN loses accuracy as dimensionality grows.",
        "test accuracy of every family with 0 to 1,000 pure-noise dimensions added to a fixed 10-feature signal; each "
        "family's slope against log10(1 + added dimensions).",
        f"drop = k-NN's accuracy without noise minus at the most noise. Supported: drop >= {_pts(KNN_DROP)}, "
        f"positive in every seed, and k-NN's slope the steepest; not supported: drop < {_pts(KNN_NO_DROP)}; mixed: "
        f"otherwise. {MIN_SEEDS} seeds.",
        ("knn_dimension",),
        judge_knn_dimension,
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
        judge_svm_cost,
    ),
    Claim(
        "svm_linear_data",
        "SVMs are best on linear data",
        "SVMs work best on linearly separable data; MLPs capture non-linear structure.",
        "test accuracy of linear SVM, RBF SVM, MLP, tree and k-NN on linearly separable data and on moons, circles "
        "and 3-bit parity.",
        f"(a) on the linear set the better SVM is best or within {_pts(LINEAR_TIE)} of the best; (b) on every "
        f"non-linear set the MLP is within {_pts(NONLINEAR_MLP_TIE)} of the best and at least "
        f"{_pts(NONLINEAR_MARGIN)} above the linear SVM. Supported: (a) and (b); mixed: one; not supported: neither. "
        f"{MIN_SEEDS} seeds.",
        ("svm_linear_data",),
        judge_svm_linear_data,
    ),
    Claim(
        "mlp_scale",
        "MLPs handle large and high-dimensional data",
        "MLPs handle large and high-dimensional data well compared to the other three.",
        "test accuracy and fit time as n and d grow: letter and mnist5k subsamples (1,000 to 10,000 rows), generated "
        "sets of 2,000 and 10,000 rows x 50 and 500 features, and 100,000 x 50 (no SVM: too slow there).",
        f"Large settings: the largest subsample of each real set and every generated set with >= {SCALE_ROWS:,} rows "
        f"or {SCALE_FEATURES} features. Supported: the MLP is within {_pts(SCALE_TIE)} of the best family at every "
        f"large setting; not supported: at fewer than half; mixed: otherwise. {MIN_SEEDS} seeds.",
        ("mlp_scale", "mlp_scale_generated", "mlp_scale_large"),
        judge_mlp_scale,
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
        judge_vanishing_gradients,
    ),
    Claim(
        "regularization",
        "Dropout and weight decay reduce overfitting",
        "Dropout and weight decay reduce MLP overfitting.",
        "overfit_gap and test accuracy of a wide MLP trained 150 epochs on small_noisy, dropout 0 or 0.5 x weight "
        "decay 0, 0.01 or 0.1.",
        f"A remedy (dropout alone; weight decay alone, the better value by test accuracy) works when its mean gap is "
        f"at least {_pts(REG_GAP)} below the unregularised network's and its test accuracy at most "
        f"{_pts(REG_ACCURACY_LOSS)} lower. Supported: both work; mixed: one; not supported: neither. "
        f"{MIN_SEEDS} seeds.",
        ("regularization",),
        judge_regularization,
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
        judge_optimizers,
    ),
)


def judge_all(table: pd.DataFrame) -> list[tuple[Claim, Evidence]]:
    """Every claim with its evidence in ``table`` (``no evidence`` where its sweeps did not run)."""
    return [(claim, claim.judge(claim_runs(table, claim.name))) for claim in CLAIMS]
