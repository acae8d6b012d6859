"""The judges of the claims about MLPs (claims 5 to 8): pure functions of the claim's runs, drawing nothing."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bench.report.claims.evidence import Evidence
from bench.report.claims.rules import (
    LEARNED,
    MIXED,
    NO_EVIDENCE,
    NOT_SUPPORTED,
    REG_ACCURACY_LOSS,
    REG_GAP,
    RELU_GAIN,
    SCALE_FEATURES,
    SCALE_ROWS,
    SCALE_TIE,
    SUPPORTED,
    VANISHING_RATIO,
    combine,
)
from bench.report.claims.runs import check, found, param_number, param_text, replicate_keys, too_few
from bench.report.format import DASH, accuracy, counted, points, significant


def _large_settings(runs: pd.DataFrame) -> set[tuple[str, float]]:
    """(setting, rows) pairs the rule calls large: a real set's largest subsample, a generated set's big sizes."""
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
    return large


def judge_mlp_scale(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "mlp_scale")) is not None:
        return few
    runs = runs.assign(rows=param_number(runs, "dataset.rows"), features=param_number(runs, "dataset.features"))
    runs = runs.assign(setting=runs["dataset_name"] + " d=" + runs["features"].map(lambda f: f"{f:.0f}"))
    timed_out = runs["outcome"].eq("timeout") if "outcome" in runs else pd.Series(False, index=runs.index)
    runs = runs.assign(timeout=timed_out)
    cells = runs.groupby(["setting", "rows", "model_name"]).agg(
        accuracy=("test_accuracy", "mean"), fit=("fit_time_s", "median"), timeouts=("timeout", "sum")
    )
    large = _large_settings(runs)
    mlp = next((m for m in runs["model_name"].unique() if m.startswith("mlp")), None)
    if mlp is None:
        return Evidence(NO_EVIDENCE, "No MLP runs: run experiment=claims/mlp_scale.")
    met, behind, checks = 0, [], []
    for setting, rows in sorted(large):
        cell = cells.loc[(setting, rows)]
        # the best of those that finished; an MLP not run (or timed out) here is not within it
        margin = cell["accuracy"].get(mlp, math.nan) - cell["accuracy"].max()
        ok = bool(margin >= -SCALE_TIE)
        met += ok
        behind += [] if ok else [f"{setting} n={int(rows):,}"]
        here = runs[runs["setting"].eq(setting) & runs["rows"].eq(rows)]
        per_seed = here.pivot_table(index="seed", columns="model_name", values="test_accuracy")
        per_seed_margin = per_seed.get(mlp, pd.Series(math.nan, index=per_seed.index)) - per_seed.max(axis=1)
        checks.append(check(f"{setting} n={int(rows):,}: MLP − best", per_seed_margin, -SCALE_TIE, value=margin))
    verdict = SUPPORTED if met == len(large) else NOT_SUPPORTED if met < len(large) / 2 else MIXED
    shown = cells.assign(
        cell=[
            f"timeout ({f:g} s cap)" if t and not np.isfinite(a) else f"{a:.3f} ({significant(f, 2)} s)"
            for a, f, t in cells.to_numpy()
        ]
    )["cell"]
    table = shown.unstack("model_name").fillna(DASH).reset_index()
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
    n_timeouts = int(runs["timeout"].sum())
    timeouts = "" if not n_timeouts else f"; {counted(n_timeouts, 'run')} hit the fit cap and count as not finished"
    sentence = (
        f"At {met} of {len(large)} large settings the MLP is within {points(SCALE_TIE)} of the best family"
        f"{'' if not behind else ' (behind on ' + '; '.join(behind) + ')'}; its fit time there is up to "
        f"{mlp_fit.loc[[k for k in large if k in mlp_fit.index]].max():.3g} s{timeouts}."
    )
    # setting, rows and the "large" mark are labels
    drawn = {"runs": runs[~runs["timeout"]]}
    return found(runs, verdict, sentence, table, numeric=tuple(table.columns[3:]), drawn=drawn, checks=tuple(checks))


def _geomean(values: pd.Series) -> float:
    values = values[values > 0]
    return float(np.exp(np.log(values).mean())) if len(values) else math.nan


def _vanishing_runs(runs: pd.DataFrame) -> pd.DataFrame:
    depth = param_text(runs, "model.hidden_layer_sizes").map(lambda s: s.count(",") + 1)
    config = param_text(runs, "model.activation") + "/" + param_text(runs, "model.init")
    for remedy, label in (("batch_norm", "batch norm"), ("residual", "residual")):
        config = config + np.where(param_text(runs, f"model.{remedy}").eq("True"), f" + {label}", "")
    return runs.assign(depth=depth, config=config)


def _factor(ratio: pd.DataFrame, deep: int, a: str, b: str) -> float:
    """How many times larger configuration ``a``'s ratio is than ``b``'s at the largest depth."""
    return float(ratio.loc[a, deep] / ratio.loc[b, deep]) if a in ratio.index and b in ratio.index else math.nan


def _seed_log_ratio(runs: pd.DataFrame, config: str, deep: int) -> pd.Series:
    rows = runs[runs["config"].eq(config) & runs["depth"].eq(deep) & runs["training/grad_ratio_first_last"].gt(0)]
    return np.log10(rows.groupby("seed")["training/grad_ratio_first_last"].apply(_geomean))


def judge_vanishing_gradients(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "vanishing_gradients")) is not None:
        return few
    runs = _vanishing_runs(runs)
    ratio = runs.groupby(["config", "depth"])["training/grad_ratio_first_last"].apply(_geomean).unstack("depth")
    tested = runs.groupby(["config", "depth"])["test_accuracy"].mean().unstack("depth")
    deep, shallow = ratio.columns.max(), ratio.columns.min()
    sig, relu = "sigmoid/default", "relu/kaiming"
    if sig not in ratio.index or relu not in ratio.index or deep == shallow:
        return Evidence(NO_EVIDENCE, "Needs sigmoid/default and relu/kaiming at two depths: run the claim's sweep.")
    plain = [c for c in tested.index if "+" not in c]
    untrained = [c for c in plain if not tested.loc[c, shallow] >= LEARNED]
    if untrained:
        return Evidence(
            NO_EVIDENCE,
            f"Under-trained: at {shallow} hidden layers {', '.join(untrained)} stay below {LEARNED} test accuracy, so "
            "a low ratio could be the budget, not the depth; train longer.",
        )
    a = bool(ratio.loc[sig, deep] < VANISHING_RATIO and ratio.loc[sig, deep] < ratio.loc[sig, shallow])
    b = bool(
        ratio.loc[relu, deep] >= RELU_GAIN * ratio.loc[sig, deep] and tested.loc[relu, deep] > tested.loc[sig, deep]
    )
    sig_log, relu_log = _seed_log_ratio(runs, sig, deep), _seed_log_ratio(runs, relu, deep)
    accuracy_gap = (
        runs[runs["config"].eq(relu) & runs["depth"].eq(deep)].groupby("seed")["test_accuracy"].mean()
        - runs[runs["config"].eq(sig) & runs["depth"].eq(deep)].groupby("seed")["test_accuracy"].mean()
    )
    checks = (
        check(f"log10 ratio, sigmoid/default at depth {deep}", sig_log, math.log10(VANISHING_RATIO)),
        check(f"log10 (relu/kaiming over sigmoid/default) at depth {deep}", relu_log - sig_log, math.log10(RELU_GAIN)),
        check(f"test accuracy, relu/kaiming − sigmoid/default at depth {deep}", accuracy_gap, 0.0),
    )

    def shown(c: str, d: int) -> str:
        return significant(ratio.loc[c, d], 2, finite=True)

    table = pd.DataFrame({"configuration": ratio.index})
    for d in ratio.columns:
        table[f"depth {d}"] = [f"{shown(c, d)} ({accuracy(tested.loc[c, d], finite=True)})" for c in ratio.index]
    activation = _factor(ratio, deep, "relu/default", sig)
    init_relu, init_sig = _factor(ratio, deep, relu, "relu/default"), _factor(ratio, deep, "sigmoid/xavier", sig)
    worker = "the init" if abs(math.log10(init_relu)) > abs(math.log10(activation)) else "the activation"
    inits = [
        f"{significant(factor, 2)} for {change}"
        for factor, change in ((init_relu, "relu (default to kaiming)"), (init_sig, "sigmoid (default to xavier)"))
        if math.isfinite(factor)
    ]
    remedies = [c for c in ratio.index if "+" in c and c.startswith(sig)]
    remedy_text = "; ".join(f"{c}: {shown(c, deep)}, accuracy {tested.loc[c, deep]:.3f}" for c in remedies)
    sentence = (
        f"At {deep} hidden layers the sigmoid network (default init) has a first/last hidden-layer gradient ratio of "
        f"{shown(sig, deep)} (at {shallow}: {shown(sig, shallow)}) and accuracy {tested.loc[sig, deep]:.3f}; ReLU "
        f"with Kaiming init {shown(relu, deep)} and {tested.loc[relu, deep]:.3f}. As separate factors: the "
        f"activation alone (sigmoid to relu, default init) multiplies the ratio by {significant(activation, 2)}, the "
        f"init alone by {' and '.join(inits) or 'a factor not measured (no init beside the default)'}: {worker} "
        "does most of the work" + (f"; remedies: {remedy_text}." if remedies else ".")
    )
    return found(runs, combine(a, b), sentence, table, drawn={"runs": runs}, checks=checks)


def _chosen(runs: pd.DataFrame, keys: list[str], remedy: pd.Series) -> pd.DataFrame:
    """Per replicate, the remedy's run with the best validation accuracy (the earliest setting on a tie)."""
    candidates = runs[remedy].sort_values(
        [*keys, "val_accuracy", "dropout", "decay"], ascending=[*[True] * len(keys), False, True, True]
    )
    return candidates.drop_duplicates(keys).set_index(keys)


def judge_regularization(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "regularization")) is not None:
        return few
    if "val_accuracy" not in runs or runs["val_accuracy"].isna().all():
        return Evidence(
            NO_EVIDENCE, "No validation accuracy: run experiment=claims/regularization (+protocol.validation_fraction)."
        )
    runs = runs.assign(
        dropout=param_number(runs, "model.dropout", 0.0), decay=param_number(runs, "model.weight_decay", 0.0)
    )
    runs = runs.assign(
        setting=[f"dropout {p:g}, weight decay {w:g}" for p, w in zip(runs["dropout"], runs["decay"], strict=True)]
    )
    keys = replicate_keys(runs)
    base = runs[runs["dropout"].eq(0) & runs["decay"].eq(0)].drop_duplicates(keys).set_index(keys)
    if base.empty:
        return Evidence(NO_EVIDENCE, "No unregularised baseline: run experiment=claims/regularization.")
    verdicts, checks, texts, chosen_counts = [], [], [], {}
    for label, remedy in (
        ("dropout", runs["dropout"].gt(0) & runs["decay"].eq(0)),
        ("weight decay", runs["dropout"].eq(0) & runs["decay"].gt(0)),
    ):
        chosen = _chosen(runs, keys, remedy).reindex(base.index)
        cut, change = base["overfit_gap"] - chosen["overfit_gap"], chosen["test_accuracy"] - base["test_accuracy"]
        works = bool(cut.mean() >= REG_GAP and change.mean() >= -REG_ACCURACY_LOSS)
        verdicts.append(works)
        checks += [
            check(f"{label}: gap cut", cut, REG_GAP),
            check(f"{label}: test accuracy change", change, -REG_ACCURACY_LOSS),
        ]
        value = "decay" if label == "weight decay" else "dropout"
        chosen_counts.update({(label, v): n for v, n in chosen[value].value_counts().items()})
        picks = ", ".join(f"{v:g} in {n}" for v, n in sorted(chosen[value].value_counts().items()))
        texts.append(
            f"{label} (chosen on validation: {picks} of {len(chosen)} folds) cuts the gap by "
            f"{points(cut.mean())} at {points(change.mean(), signed=True)} of test accuracy"
        )
    cells = runs.groupby(["dropout", "decay"])[
        ["train_accuracy", "val_accuracy", "test_accuracy", "overfit_gap"]
    ].mean()
    table = pd.DataFrame(
        {
            "dropout": [f"{k[0]:g}" for k in cells.index],
            "weight decay": [f"{k[1]:g}" for k in cells.index],
            **{
                f"{name} accuracy": [accuracy(v, finite=True) for v in cells[f"{name}_accuracy"]]
                for name in ("train", "val", "test")
            },
            "gap": [accuracy(v, finite=True) for v in cells["overfit_gap"]],
        }
    )
    sentence = (
        f"Without regularisation the gap is {base['overfit_gap'].mean():.3f} "
        f"(test {base['test_accuracy'].mean():.3f}); " + "; ".join(texts) + "."
    )
    numeric = ("train accuracy", "val accuracy", "test accuracy", "gap")
    return found(runs, combine(*verdicts), sentence, table, numeric=numeric, drawn={"runs": runs}, checks=tuple(checks))
