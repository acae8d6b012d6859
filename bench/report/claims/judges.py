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

from bench.report import protocols
from bench.report.claims.evidence import Check, Evidence
from bench.report.claims.mlp_judges import judge_mlp_scale, judge_regularization, judge_vanishing_gradients
from bench.report.claims.rules import (
    BAYES_ACCURACY,
    KNN_DROP,
    KNN_NO_DROP,
    LINEAR_TIE,
    MIXED,
    NO_EVIDENCE,
    NONLINEAR_MLP_TIE,
    NONLINEAR_SHARE,
    NOT_SUPPORTED,
    SUPPORTED,
    SVM_FAST_EXPONENT,
    SVM_LINEAR_EXPONENT,
    TREE_SHORTFALL,
    combine,
)
from bench.report.claims.runs import check, found, mean_std_table, param_number, param_text, replicate_keys, too_few
from bench.report.claims.speed import judge_optimizers
from bench.report.format import accuracy, percent, points, significant


def _tree_depths(runs: pd.DataFrame) -> pd.DataFrame:
    """The depth sweep's trees (cv, a finite depth or unlimited), unlimited drawn at twice the largest depth."""
    trees = runs[runs["model_name"].eq("decision_tree") & ~runs["tuned"]]
    trees = trees.assign(depth=param_number(trees, "model.max_depth", math.inf))
    finite = trees["depth"][np.isfinite(trees["depth"])]
    return trees.assign(depth=trees["depth"].replace(math.inf, 2 * finite.max() if len(finite) else 1.0))


def judge_trees_overfit(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "trees_overfit")) is not None:
        return few
    runs = runs.assign(tuned=protocols.tuned(runs.assign(protocol=param_text(runs, "protocol.name"))).to_numpy())
    depth = param_number(runs, "model.max_depth", math.inf)
    default = runs[~runs["tuned"] & (~runs["model_name"].eq("decision_tree") | np.isinf(depth))]
    tuned = runs[runs["tuned"]]
    keys = ["dataset", "model_name", *replicate_keys(runs)]
    paired = pd.merge(
        default.groupby(keys, dropna=False)["test_accuracy"].mean().rename("default"),
        tuned.groupby(keys, dropna=False)["test_accuracy"].mean().rename("tuned"),
        left_index=True,
        right_index=True,
    )
    if paired.empty or "decision_tree" not in paired.index.get_level_values("model_name"):
        return Evidence(NO_EVIDENCE, "Needs default and tuned runs: run experiment=claims/trees_overfit_tuned.")
    paired["shortfall"] = paired["tuned"] - paired["default"]
    # per replicate: each family's shortfall averaged over the datasets
    per_rep = paired.groupby(["model_name", *keys[2:]], dropna=False)["shortfall"].mean().unstack("model_name")
    mean = per_rep.mean().sort_values(ascending=False)
    tree = mean["decision_tree"]
    runner_up = mean.drop("decision_tree").idxmax() if len(mean) > 1 else None
    a = bool(tree >= TREE_SHORTFALL)
    b = bool(runner_up is not None and tree > mean[runner_up])
    checks = [check("tree: tuned − unpruned test accuracy", per_rep["decision_tree"], TREE_SHORTFALL)]
    if runner_up is not None:
        margin = per_rep["decision_tree"] - per_rep[runner_up]
        checks.append(check(f"tree's shortfall − {runner_up}'s", margin, 0.0))
    table = mean_std_table(paired.reset_index(), "dataset", "model_name", "shortfall")
    table.loc[len(table)] = [
        "mean over datasets",
        *(points(mean.get(m, math.nan), unit=False) for m in table.columns[1:]),
    ]
    gap = default[default["model_name"].eq("decision_tree")].groupby("dataset")["overfit_gap"].mean()
    table["unpruned tree's train-test gap"] = table["dataset"].map(
        lambda d: accuracy(gap.get(d, math.nan), finite=True)
    )
    others = ", ".join(f"{m} {points(v, signed=True)}" for m, v in mean.items() if m != "decision_tree")
    sentence = (
        f"Choosing the tree's depth and ccp_alpha on validation data raises its test accuracy by "
        f"{points(tree, signed=True)} over the unpruned tree (mean over {gap.size} datasets), "
        f"against {others} for the other families' own tuning"
        f"{'' if b else ' (not the largest)'}; the unpruned tree's train-test gap is {points(gap.mean())}."
    )
    drawn = {"families": default, "trees": _tree_depths(runs)}
    return found(runs, combine(a, b), sentence, table, drawn=drawn, checks=tuple(checks))


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
    checks = (check("k-NN's drop with the most noise", drops, KNN_DROP),)
    return found(runs, verdict, sentence, table, drawn={"runs": runs}, checks=checks)


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
    # the exponent's noise is its standard error from the log-log fit, read back from the 95% interval
    noise = (high - low) / (2 * 1.96)
    checks = (Check("SVM's fit-time exponent", b, SVM_FAST_EXPONENT, noise, int(runs["seed"].nunique())),)
    return found(runs, verdict, sentence, table, drawn={"runs": runs}, checks=checks)


def judge_svm_linear_data(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "svm_linear_data")) is not None:
        return few
    # per seed, the mean over its folds: under cv every row is tested once, so the Bayes accuracy is reachable
    per_seed = runs.groupby(["dataset", "model_name", "seed"])["test_accuracy"].mean().unstack("model_name")
    means = per_seed.groupby("dataset").mean()
    mlp = next((m for m in means.columns if m.startswith("mlp")), None)
    if "linear" not in means.index or mlp is None or "svm_linear" not in means.columns:
        return Evidence(NO_EVIDENCE, "Needs the linear set, an MLP and the linear SVM: run claims/svm_linear_data.")
    svms = [m for m in ("svm", "svm_linear") if m in means.columns]
    linear = means.loc["linear"]
    a = bool(linear[svms].max() >= linear.max() - LINEAR_TIE)
    # the rule compares the mean accuracies (as (a) does); the per-seed values give the checks their noise
    lin_seeds = per_seed.loc["linear"]
    checks = [
        check(
            "linear set: best SVM − best model",
            lin_seeds[svms].max(axis=1) - lin_seeds.max(axis=1),
            -LINEAR_TIE,
            value=linear[svms].max() - linear.max(),
        )
    ]
    fails, closed = [], {}
    for dataset in means.index.drop("linear"):
        seeds, mean, bayes = per_seed.loc[dataset], means.loc[dataset], BAYES_ACCURACY.get(dataset, math.nan)
        share = (seeds[mlp] - seeds["svm_linear"]) / (bayes - seeds["svm_linear"])
        tie = mean[mlp] - mean.max()
        closed[dataset] = float((mean[mlp] - mean["svm_linear"]) / (bayes - mean["svm_linear"]))
        checks += [
            check(f"{dataset}: MLP − best model", seeds[mlp] - seeds.max(axis=1), -NONLINEAR_MLP_TIE, value=tie),
            check(
                f"{dataset}: share of the linear SVM's distance to Bayes closed",
                share,
                NONLINEAR_SHARE,
                value=closed[dataset],
            ),
        ]
        if not (tie >= -NONLINEAR_MLP_TIE and closed[dataset] >= NONLINEAR_SHARE):
            fails.append(dataset)
    nonlinear = means.drop(index="linear")
    b = not fails and len(nonlinear) > 0
    table = mean_std_table(
        runs.groupby(["dataset", "model_name", "seed"])["test_accuracy"].mean().reset_index(),
        "dataset",
        "model_name",
        "test_accuracy",
    )
    table["Bayes accuracy"] = table["dataset"].map(lambda d: accuracy(BAYES_ACCURACY.get(d, math.nan), finite=True))
    table["MLP: share closed"] = table["dataset"].map(lambda d: percent(closed[d]) if d in closed else "")
    missed = "" if b else f" (the MLP misses the rule on {', '.join(fails)})"
    sentence = (
        f"On linearly separable data the best SVM scores {linear[svms].max():.3f} against {linear.max():.3f} for the "
        f"best model ({linear.idxmax()}); on {', '.join(nonlinear.index)} the MLP scores "
        f"{', '.join(f'{v:.3f}' for v in nonlinear[mlp])} against the linear SVM's "
        f"{', '.join(f'{v:.3f}' for v in nonlinear['svm_linear'])} and Bayes accuracies of "
        f"{', '.join(f'{BAYES_ACCURACY.get(d, math.nan):.3f}' for d in nonlinear.index)}, closing "
        f"{', '.join(percent(closed[d]) for d in nonlinear.index)} of the linear SVM's distance to them{missed}."
    )
    return found(runs, combine(a, b), sentence, table, drawn={"runs": runs}, checks=tuple(checks))


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
