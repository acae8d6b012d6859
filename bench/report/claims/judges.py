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
from bench.report.claims.evidence import Evidence, all_of, at_least, decide
from bench.report.claims.mlp_judges import judge_mlp_scale, judge_regularization, judge_vanishing_gradients
from bench.report.claims.rules import (
    BAYES_ACCURACY,
    CHANCE_MARGIN,
    KNN_DROP,
    KNN_NO_DROP,
    LINEAR_MARGIN,
    LINEAR_SET,
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
from bench.report.claims.runs import (
    check,
    found,
    mean_std_table,
    param_number,
    param_text,
    replicate_keys,
    too_few,
)
from bench.report.claims.speed import judge_optimizers
from bench.report.format import accuracy, counted, percent, points, significant
from bench.report.stats.resampled import overlap


def _tree_depths(runs: pd.DataFrame) -> pd.DataFrame:
    """The depth sweep's trees (cv, a finite depth or unlimited), unlimited drawn at twice the largest depth."""
    trees = runs[runs["model_name"].eq("decision_tree") & ~runs["tuned"]]
    trees = trees.assign(depth=param_number(trees, "model.max_depth", math.inf))
    finite = trees["depth"][np.isfinite(trees["depth"])]
    return trees.assign(depth=trees["depth"].replace(math.inf, 2 * finite.max() if len(finite) else 1.0))


def _uncontrolled(runs: pd.DataFrame) -> pd.DataFrame:
    """Each family's runs without capacity control: the unpruned tree (its default), and the sweeps of
    claims/trees_overfit_free_* (k-NN with k = 1, the SVM with C = 1,000, the MLP without early stopping)."""
    sweep = param_text(runs, "design.sweep")
    tree = runs["model_name"].eq("decision_tree") & np.isinf(param_number(runs, "model.max_depth", math.inf))
    free = sweep.str.startswith("trees_overfit_free_")
    return runs[~runs["tuned"] & ((tree & sweep.isin(["trees_overfit", ""])) | free)]


def judge_trees_overfit(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "trees_overfit")) is not None:
        return few
    runs = runs.assign(tuned=protocols.tuned(runs.assign(protocol=param_text(runs, "protocol.name"))).to_numpy())
    keys = ["dataset", "model_name", *replicate_keys(runs)]
    paired = pd.merge(
        _uncontrolled(runs).groupby(keys, dropna=False)["test_accuracy"].mean().rename("uncontrolled"),
        runs[runs["tuned"]].groupby(keys, dropna=False)["test_accuracy"].mean().rename("tuned"),
        left_index=True,
        right_index=True,
    )
    families = set(paired.index.get_level_values("model_name")) if not paired.empty else set()
    if "decision_tree" not in families or len(families) < 2:
        return Evidence(
            NO_EVIDENCE, "Needs the families' uncontrolled and tuned runs: run experiment=claims/trees_overfit."
        )
    paired["shortfall"] = paired["tuned"] - paired["uncontrolled"]
    ratio = overlap(runs)
    # per replicate (seed, fold): the tree's shortfall averaged over the datasets, for (a)
    per_rep = paired.groupby(["model_name", *keys[2:]], dropna=False)["shortfall"].mean().unstack("model_name")
    mean = per_rep.mean().sort_values(ascending=False)
    check_a = check("tree: tuned − unpruned test accuracy", per_rep["decision_tree"], TREE_SHORTFALL, ratio)
    # (b) per dataset: the tree's shortfall minus the largest other family's, over that dataset's replicates
    by_dataset = paired["shortfall"].unstack("model_name")
    others = [m for m in by_dataset.columns if m != "decision_tree"]
    margins = by_dataset["decision_tree"] - by_dataset[others].max(axis=1)
    checks_b = [
        check(f"{dataset}: tree's shortfall − the largest other's", margin, 0.0, ratio)
        for dataset, margin in margins.groupby(level="dataset")
    ]
    datasets = len(checks_b)
    largest = [c for c in checks_b if c.passes]
    b = at_least([c.holds for c in checks_b], datasets // 2 + 1)
    verdict = decide(combine, check_a.holds, b)
    table = mean_std_table(paired.reset_index(), "dataset", "model_name", "shortfall")
    table.loc[len(table)] = [
        "mean over datasets",
        *(points(mean.get(m, math.nan), unit=False) for m in table.columns[1:]),
    ]
    defaults = runs[~runs["tuned"] & param_text(runs, "design.sweep").isin(["trees_overfit", ""])]
    gap = defaults[defaults["model_name"].eq("decision_tree")].groupby("dataset")["overfit_gap"].mean()
    table["unpruned tree's train-test gap"] = table["dataset"].map(
        lambda d: accuracy(gap.get(d, math.nan), finite=True)
    )
    shown = ", ".join(f"{m} {points(v, signed=True)}" for m, v in mean.items() if m != "decision_tree")
    sentence = (
        f"Choosing the tree's depth and ccp_alpha on validation data raises its test accuracy by "
        f"{points(mean['decision_tree'], signed=True)} over the unpruned tree "
        f"(mean over {counted(datasets, 'dataset')}), "
        f"against {shown} for the other families tuned over their uncontrolled versions; the tree's gain is the "
        f"largest on {len(largest)} of {datasets} datasets; the unpruned tree's train-test gap is {points(gap.mean())}."
    )
    drawn = {"families": defaults, "trees": _tree_depths(runs)}
    checks = (check_a, *checks_b)
    return found(runs, verdict, sentence, table, drawn=drawn, checks=checks)


def _slope(x: pd.Series, y: pd.Series) -> float:
    return float(np.polyfit(x, y, 1)[0]) if x.nunique() >= 2 else math.nan


def _chance(runs: pd.DataFrame) -> float:
    """The accuracy of always answering the majority class, from the runs' recorded class counts (else 1/classes)."""
    classes = param_number(runs, "dataset.classes", 2.0).max()
    return 1 / classes if classes > 0 else 0.5


def judge_knn_dimension(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "knn_dimension")) is not None:
        return few
    runs = runs.assign(noise=param_number(runs, "dataset.noise_features", 0.0))
    runs = runs.assign(log_noise=np.log10(1 + runs["noise"]))
    low, high = runs["noise"].min(), runs["noise"].max()
    knn = runs[runs["model_name"].eq("knn")]
    if knn.empty or low == high or runs["model_name"].nunique() < 2:
        return Evidence(NO_EVIDENCE, "No k-NN and other runs at two noise levels: run experiment=claims/knn_dimension.")
    ratio = overlap(runs)
    per_seed = knn.pivot_table(index="seed", columns="noise", values="test_accuracy")
    drops = per_seed[low] - per_seed[high]
    drop = float(drops.mean())
    # slopes over the noise levels where every family stays above the chance floor, which would flatten them
    means = runs.groupby(["noise", "model_name"])["test_accuracy"].mean().unstack("model_name")
    floor = _chance(runs) + CHANCE_MARGIN
    above = means.index[(means > floor).all(axis=1)]
    kept = runs[runs["noise"].isin(above)]
    seed_slopes = kept.groupby(["model_name", "seed"]).apply(
        lambda r: _slope(r["log_noise"], r["test_accuracy"]), include_groups=False
    )
    seed_slopes = seed_slopes.unstack("model_name")
    slopes = seed_slopes.mean().sort_values()
    others = [m for m in slopes.index if m != "knn"]
    next_steepest = slopes[others].idxmin() if others else None
    checks = [
        check("k-NN's drop with the most noise", drops, KNN_DROP, ratio),
        check("k-NN's drop with the most noise", drops, KNN_NO_DROP, ratio),
    ]
    if next_steepest is not None and "knn" in seed_slopes:
        steeper = seed_slopes["knn"] - seed_slopes[next_steepest]
        checks.append(check(f"k-NN's slope − {next_steepest}'s", steeper, 0.0, ratio, below=True))
    steepest = checks[2].holds if len(checks) > 2 else False
    positive = bool((drops > 0).all())

    def rule(big: bool, not_small: bool, knn_steepest: bool) -> str:
        if big and positive and knn_steepest:
            return SUPPORTED
        return MIXED if not_small else NOT_SUPPORTED

    verdict = decide(rule, checks[0].holds, checks[1].holds, steepest)
    table = mean_std_table(runs, "model_name", "noise", "test_accuracy")
    table.columns = ["model", *(f"+{int(c)} dims" for c in table.columns[1:])]
    table["slope per tenfold"] = table["model"].map(lambda m: points(slopes.get(m, math.nan), signed=True))
    order = ", ".join(f"{m} {points(v, signed=True, unit=False)}" for m, v in slopes.items())
    per_seed_drops = ", ".join(points(d, unit=False) for d in drops)
    cut = "" if len(above) == len(means) else f" (up to +{int(above.max())}: there every family stays above chance)"
    sentence = (
        f"From 0 to {int(high)} added noise dimensions k-NN loses {points(drop)} (per seed: {per_seed_drops}); "
        f"slopes in points per tenfold more dimensions{cut}, mean over seeds: {order}."
    )
    return found(runs, verdict, sentence, table, drawn={"runs": runs}, checks=tuple(checks))


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
    # the exponent per seed: each seed's sizes are one replicate of the whole fit
    per_seed = (
        runs.groupby(["model_name", "seed"])
        .apply(lambda r: fit_exponent(r["n"], r["fit_time_s"])[0], include_groups=False)
        .unstack("model_name")
    )
    exponents = per_seed.mean()
    ratio = overlap(runs)
    checks = [
        check("SVM's fit-time exponent", per_seed["svm"], SVM_FAST_EXPONENT, ratio),
        check("SVM's fit-time exponent", per_seed["svm"], SVM_LINEAR_EXPONENT, ratio, below=True),
    ]
    others = [m for m in per_seed.columns if m != "svm"]
    if others:
        runner_up = exponents[others].idxmax()
        checks.append(check(f"SVM's exponent − {runner_up}'s", per_seed["svm"] - per_seed[runner_up], 0.0, ratio))
    largest = checks[2].holds if len(checks) > 2 else True

    def rule(fast: bool, linear: bool, svm_largest: bool) -> str:
        return SUPPORTED if fast and svm_largest else NOT_SUPPORTED if linear else MIXED

    verdict = decide(rule, checks[0].holds, checks[1].holds, largest)
    medians = runs.groupby(["model_name", "n"])["fit_time_s"].median().unstack("n")
    spread = per_seed.std(ddof=1)
    table = pd.DataFrame(
        {
            "model": list(fits),
            "exponent b (mean over seeds)": [significant(exponents[m], 3, finite=True) for m in fits],
            "std over seeds": [significant(spread[m], 2, finite=True) for m in fits],
            "pooled fit": [significant(fits[m][0], 3, finite=True) for m in fits],
            f"fit s at n={int(medians.columns.min()):,}": [
                significant(medians.loc[m].iloc[0], finite=True) for m in fits
            ],
            f"fit s at n={int(medians.columns.max()):,}": [
                significant(medians.loc[m].iloc[-1], finite=True) for m in fits
            ],
        }
    )
    shown = ", ".join(f"{m} {exponents[m]:.2f}" for m in fits if m != "svm")
    sentence = (
        f"The SVM's fit time grows as n^{exponents['svm']:.2f} (mean of {len(per_seed)} per-seed fits, corrected "
        f"standard error {checks[0].noise:.2f}) from n={int(runs['n'].min()):,} to {int(runs['n'].max()):,} training "
        f"rows, against {shown}."
    )
    return found(runs, verdict, sentence, table, drawn={"runs": runs}, checks=tuple(checks))


def _best_other(means: pd.Series, exclude: list[str]) -> str | None:
    rest = means.drop(index=[m for m in exclude if m in means.index])
    return rest.idxmax() if len(rest) else None


def judge_svm_linear_data(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "svm_linear_data")) is not None:
        return few
    keys = replicate_keys(runs)
    # per split (seed, fold): under cv every row is tested once per seed, so the Bayes accuracy is reachable
    per_split = runs.groupby(["dataset", "model_name", *keys])["test_accuracy"].mean().unstack("model_name")
    means = per_split.groupby("dataset").mean()
    mlp = next((m for m in means.columns if m.startswith("mlp")), None)
    svms = [m for m in ("svm", "svm_linear") if m in means.columns]
    if LINEAR_SET not in means.index or mlp is None or "svm_linear" not in means.columns:
        return Evidence(
            NO_EVIDENCE, f"Needs {LINEAR_SET}, an MLP and the linear SVM: run experiment=claims/svm_linear_data."
        )
    ratio = overlap(runs)
    linear, lin_splits = means.loc[LINEAR_SET], per_split.loc[LINEAR_SET]
    svm = linear[svms].idxmax()
    rival = _best_other(linear, svms)
    checks_a = [
        check(f"{LINEAR_SET}: best SVM − best other model", lin_splits[svm] - lin_splits[rival], -LINEAR_TIE, ratio),
        check(f"{LINEAR_SET}: best SVM − MLP", lin_splits[svm] - lin_splits[mlp], LINEAR_MARGIN, ratio),
    ]
    checks_b, closed = [], {}
    for dataset in means.index.drop(LINEAR_SET):
        splits, mean, bayes = per_split.loc[dataset], means.loc[dataset], BAYES_ACCURACY.get(dataset, math.nan)
        other = _best_other(mean, [mlp])
        closed[dataset] = float((mean[mlp] - mean["svm_linear"]) / (bayes - mean["svm_linear"]))
        share = (splits[mlp] - splits["svm_linear"]) / (bayes - splits["svm_linear"])
        checks_b += [
            check(f"{dataset}: MLP − best other model", splits[mlp] - splits[other], -NONLINEAR_MLP_TIE, ratio),
            check(
                f"{dataset}: share of the linear SVM's distance to Bayes closed",
                share,
                NONLINEAR_SHARE,
                ratio,
                value=closed[dataset],
            ),
        ]
    nonlinear = means.drop(index=LINEAR_SET)
    a, b = all_of([c.holds for c in checks_a]), all_of([c.holds for c in checks_b]) if checks_b else False
    fails = sorted({c.label.split(":")[0] for c in checks_b if not c.passes})
    per_seed = runs.groupby(["dataset", "model_name", "seed"])["test_accuracy"].mean().reset_index()
    table = mean_std_table(per_seed, "dataset", "model_name", "test_accuracy")
    table["Bayes accuracy"] = table["dataset"].map(lambda d: accuracy(BAYES_ACCURACY.get(d, math.nan), finite=True))
    table["MLP: share closed"] = table["dataset"].map(lambda d: percent(closed[d]) if d in closed else "")
    missed = "" if not fails else f" (the MLP misses the rule on {', '.join(fails)})"
    sentence = (
        f"On linearly separable data with flipped labels ({LINEAR_SET}, Bayes accuracy "
        f"{BAYES_ACCURACY[LINEAR_SET]:.3f}) the best SVM ({svm}) scores {linear[svm]:.3f} against {linear[rival]:.3f} "
        f"for the best other model ({rival}){'' if rival == mlp else f' and {linear[mlp]:.3f} for the MLP'}; on "
        f"{', '.join(nonlinear.index)} the "
        f"MLP scores {', '.join(f'{v:.3f}' for v in nonlinear[mlp])} against the linear SVM's "
        f"{', '.join(f'{v:.3f}' for v in nonlinear['svm_linear'])} and Bayes accuracies of "
        f"{', '.join(f'{BAYES_ACCURACY.get(d, math.nan):.3f}' for d in nonlinear.index)}, closing "
        f"{', '.join(percent(closed[d]) for d in nonlinear.index)} of the linear SVM's distance to them{missed}."
    )
    checks = (*checks_a, *checks_b)
    return found(runs, decide(combine, a, b), sentence, table, drawn={"runs": runs}, checks=checks)


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
