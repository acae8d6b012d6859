"""The judges, one per claim (:data:`JUDGES`): pure functions of the claim's runs that apply its rule (:mod:`.rules`).

A judge returns the verdict, one sentence of evidence and a table of the numbers behind it, plus the frames its
figures draw; it draws nothing itself, so judging needs no plotting library. The claims about the model families
(1 to 4) are judged here, those about MLPs (5 to 8) in :mod:`.mlp_judges`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

from bench.report.claims.evidence import Evidence
from bench.report.claims.mlp_judges import (
    judge_mlp_scale,
    judge_optimizers,
    judge_regularization,
    judge_vanishing_gradients,
)
from bench.report.claims.rules import (
    DEPTH_SPEARMAN,
    KNN_DROP,
    KNN_NO_DROP,
    LINEAR_TIE,
    MIXED,
    NO_EVIDENCE,
    NONLINEAR_MARGIN,
    NONLINEAR_MLP_TIE,
    NOT_SUPPORTED,
    SUPPORTED,
    SVM_FAST_EXPONENT,
    SVM_LINEAR_EXPONENT,
    TREE_GAP,
    combine,
)
from bench.report.claims.runs import found, mean_std_table, param_number, too_few
from bench.report.format import accuracy, points, significant


def judge_trees_overfit(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "trees_overfit")) is not None:
        return few
    depth = param_number(runs, "model.max_depth", math.inf)
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
    table = mean_std_table(families, "dataset", "model_name", "overfit_gap")
    means = (accuracy(mean_gap.get(c, math.nan), finite=True) for c in table.columns[1:])
    table.loc[len(table)] = ["mean over datasets", *means]
    table["tree: Spearman(depth, gap)"] = table["dataset"].map(
        lambda d: significant(rho.get(d, math.nan), 2, finite=True)
    )
    others = ", ".join(f"{m} {points(g)}" for m, g in mean_gap.items() if m != "decision_tree")
    depth_text = (
        f"the tree's gap rises with depth on every dataset (Spearman >= {min(rho.values()):.2f})"
        if b
        else f"the tree's gap does not rise with depth everywhere (lowest Spearman {min(rho.values()):.2f})"
        if rho
        else "no depth sweep (claims/trees_overfit_depth) was run"
    )
    sentence = (
        f"The unpruned tree's mean train-test gap is {points(tree_gap)} against {others}"
        f"{'' if a else ' (not the largest by the rule)'}, and {depth_text}."
    )
    # unlimited depth drawn at the right end: twice the largest finite depth
    shown = trees.assign(depth=trees["depth"].replace(math.inf, 2 * trees["depth"][np.isfinite(trees["depth"])].max()))
    return found(runs, combine(a, b), sentence, table, drawn={"families": families, "trees": shown})


def _slope(x: pd.Series, y: pd.Series) -> float:
    return float(np.polyfit(x, y, 1)[0]) if x.nunique() >= 2 else math.nan


def judge_knn_dimension(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "knn_dimension")) is not None:
        return few
    runs = runs.assign(noise=param_number(runs, "dataset.noise_features", 0.0))
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
    table = mean_std_table(runs, "model_name", "noise", "test_accuracy")
    table.columns = ["model", *(f"+{int(c)} dims" for c in table.columns[1:])]
    table["slope per tenfold"] = table["model"].map(lambda m: points(slopes[m], signed=True))
    order = ", ".join(
        f"{m} {points(s, signed=True, unit=False)}" for m, s in sorted(slopes.items(), key=lambda kv: kv[1])
    )
    per_seed_drops = ", ".join(points(d, unit=False) for d in drops)
    fastest = " (k-NN steepest)" if steepest == "knn" else f" ({steepest} degrades fastest, not k-NN)"
    sentence = (
        f"From 0 to {int(high)} added noise dimensions k-NN loses {points(drop)} (per seed: {per_seed_drops}); "
        f"slopes in points per tenfold more dimensions: {order}{fastest}."
    )
    return found(runs, verdict, sentence, table, drawn={"runs": runs})


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
    if (few := too_few(runs, "svm_cost")) is not None:
        return few
    rows, test = param_number(runs, "dataset.rows"), param_number(runs, "test_size", 0.25)
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
            "exponent b": [significant(fits[m][0], 3, finite=True) for m in fits],
            "95% interval": [f"{fits[m][1]:.2f} to {fits[m][2]:.2f}" for m in fits],
            f"fit s at n={int(medians.columns.min()):,}": [
                significant(medians.loc[m].iloc[0], finite=True) for m in fits
            ],
            f"fit s at n={int(medians.columns.max()):,}": [
                significant(medians.loc[m].iloc[-1], finite=True) for m in fits
            ],
        }
    )
    others = ", ".join(f"{m} {fits[m][0]:.2f}" for m in fits if m != "svm")
    sentence = (
        f"The SVM's fit time grows as n^{b:.2f} (95% interval {low:.2f} to {high:.2f}) from "
        f"n={int(runs['n'].min()):,} to {int(runs['n'].max()):,} training rows, against {others}."
    )
    return found(runs, verdict, sentence, table, drawn={"runs": runs})


def judge_svm_linear_data(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "svm_linear_data")) is not None:
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
    table = mean_std_table(runs, "dataset", "model_name", "test_accuracy")
    best_linear = linear.idxmax()
    missed = "" if b else f" (the MLP misses the rule on {', '.join(fails)})"
    sentence = (
        f"On linearly separable data the best SVM scores {linear[svms].max():.3f} against {linear.max():.3f} for the "
        f"best model ({best_linear}); on {', '.join(nonlinear.index)} the MLP scores "
        f"{', '.join(f'{v:.3f}' for v in nonlinear[mlp])} against the linear SVM's "
        f"{', '.join(f'{v:.3f}' for v in nonlinear['svm_linear'])}"
        f"{missed}."
    )
    return found(runs, combine(a, b), sentence, table, drawn={"runs": runs})


JUDGES: dict[str, Callable[[pd.DataFrame], Evidence]] = {
    "trees_overfit": judge_trees_overfit,
    "knn_dimension": judge_knn_dimension,
    "svm_cost": judge_svm_cost,
    "svm_linear_data": judge_svm_linear_data,
    "mlp_scale": judge_mlp_scale,
    "vanishing_gradients": judge_vanishing_gradients,
    "regularization": judge_regularization,
    "optimizers": judge_optimizers,
}
