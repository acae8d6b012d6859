"""The judges of the claims about MLPs (claims 5 to 8): pure functions of the claim's runs, drawing nothing."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bench.report.claims.evidence import Check, Evidence, all_of, decide
from bench.report.claims.rules import (
    LEARNED,
    NO_EVIDENCE,
    REG_ACCURACY_LOSS,
    REG_GAP,
    RELU_GAIN,
    SCALE_FEATURES,
    SCALE_ROWS,
    SCALE_TIE,
    VANISHING_RATIO,
    combine,
)
from bench.report.claims.runs import check, found, param_number, param_text, replicate_keys, too_few
from bench.report.format import DASH, accuracy, counted, points, significant
from bench.report.stats.resampled import overlap


def _setting_checks(
    runs: pd.DataFrame, cells: pd.DataFrame, settings: list[tuple[str, float]], mlp: str, ratio: float
) -> list[Check]:
    """Per setting: the MLP's accuracy minus the best other family's that finished, over the splits."""
    keys = replicate_keys(runs)
    checks = []
    for setting, rows in settings:
        here = runs[runs["setting"].eq(setting) & runs["rows"].eq(rows)]
        per_split = here.pivot_table(index=keys, columns="model_name", values="test_accuracy")
        means = cells.loc[(setting, rows)]["accuracy"]
        rival = means.drop(index=mlp, errors="ignore").idxmax()
        margin = per_split.get(mlp, pd.Series(math.nan, index=per_split.index)) - per_split[rival]
        label = f"{setting} n={int(rows):,}: MLP − {rival}"
        if mlp not in per_split or per_split[mlp].isna().all():  # not run or timed out: not within anything
            checks.append(Check(label, -math.inf, -SCALE_TIE, math.nan, 0))
        else:
            checks.append(check(label, margin, -SCALE_TIE, ratio))
    return checks


def _scale_cell(accuracy: float, fit: float, timeouts: int, runs: int) -> str:
    """Mean accuracy of the finished runs and median fit time; a mean over some runs only says how many timed out,
    since the runs that finished are not a random sample of the splits."""
    if not np.isfinite(accuracy):
        return f"timeout ({fit:g} s cap)" if timeouts else DASH
    shown = f"{accuracy:.3f} ({significant(fit, 2)} s"
    return f"{shown}; {timeouts} of {runs} timed out)" if timeouts else f"{shown})"


def judge_mlp_scale(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "mlp_scale")) is not None:
        return few
    runs = runs.assign(rows=param_number(runs, "dataset.rows"), features=param_number(runs, "dataset.features"))
    runs = runs.assign(setting=runs["dataset_name"] + " d=" + runs["features"].map(lambda f: f"{f:.0f}"))
    timed_out = runs["outcome"].eq("timeout") if "outcome" in runs else pd.Series(False, index=runs.index)
    runs = runs.assign(timeout=timed_out)
    cells = runs.groupby(["setting", "rows", "model_name"]).agg(
        accuracy=("test_accuracy", "mean"),
        fit=("fit_time_s", "median"),
        timeouts=("timeout", "sum"),
        n=("timeout", "size"),
    )
    mlp = next((m for m in runs["model_name"].unique() if m.startswith("mlp")), None)
    if mlp is None:
        return Evidence(NO_EVIDENCE, "No MLP runs: run experiment=claims/mlp_scale.")
    settings = runs[["setting", "rows", "features"]].drop_duplicates()
    large_n = [(s, r) for s, r, _ in settings.itertuples(index=False) if r >= SCALE_ROWS]
    high_d = [(s, r) for s, r, f in settings.itertuples(index=False) if f >= SCALE_FEATURES]
    if not large_n or not high_d:
        return Evidence(
            NO_EVIDENCE,
            f"No setting with {SCALE_ROWS:,} rows or more, or none with {SCALE_FEATURES} features or more: the "
            "rule needs both (the quick design has neither); run experiment=claims/mlp_scale.",
        )
    ratio = overlap(runs)
    checks_a = _setting_checks(runs, cells, sorted(large_n), mlp, ratio)
    checks_b = _setting_checks(runs, cells, sorted(high_d), mlp, ratio)
    a, b = all_of([c.holds for c in checks_a]), all_of([c.holds for c in checks_b])
    shown = cells.assign(cell=[_scale_cell(acc, f, int(t), int(n)) for acc, f, t, n in cells.to_numpy()])["cell"]
    table = shown.unstack("model_name").fillna(DASH).reset_index()
    kinds = {**{k: "large n" for k in large_n}, **{k: "high d" for k in high_d}}
    table.insert(2, "rule", [kinds.get((s, r), "") for s, r in zip(table["setting"], table["rows"], strict=True)])
    table["rows"] = table["rows"].map(lambda r: f"{int(r):,}")
    n_timeouts = int(runs["timeout"].sum())
    timeouts = "" if not n_timeouts else f"; {counted(n_timeouts, 'run')} hit the fit cap and count as not finished"

    def part(checks: list[Check], name: str) -> str:
        within = sum(c.passes for c in checks)
        behind = [c.label.split(":")[0] for c in checks if not c.passes]
        return f"{name}: within {points(SCALE_TIE)} of the best tuned family at {within} of {len(checks)} settings" + (
            f" (behind on {'; '.join(behind)})" if behind else ""
        )

    sentence = f"{part(checks_a, 'Large n')}; {part(checks_b, 'high dimension')}{timeouts}."
    drawn = {"runs": runs[~runs["timeout"]]}
    checks = (*checks_a, *checks_b)
    verdict = decide(combine, a, b)
    return found(runs, verdict, sentence, table, numeric=tuple(table.columns[3:]), drawn=drawn, checks=checks)


def _geomean(values: pd.Series) -> float:
    values = values[values > 0]
    return float(np.exp(np.log(values).mean())) if len(values) else math.nan


def _vanishing_runs(runs: pd.DataFrame) -> pd.DataFrame:
    depth = param_text(runs, "model.hidden_layer_sizes").map(lambda s: s.count(",") + 1)
    config = param_text(runs, "model.activation") + "/" + param_text(runs, "model.init")
    for remedy, label in (("batch_norm", "batch norm"), ("residual", "residual")):
        config = config + np.where(param_text(runs, f"model.{remedy}").eq("True"), f" + {label}", "")
    return runs.assign(depth=depth, config=config)


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
    sig_log, relu_log = _seed_log_ratio(runs, sig, deep), _seed_log_ratio(runs, relu, deep)
    sig_shallow = _seed_log_ratio(runs, sig, shallow)
    deepest = runs[runs["depth"].eq(deep)].groupby(["config", "seed"])["test_accuracy"].mean()
    accuracy_gap, noise = deepest.loc[relu] - deepest.loc[sig], overlap(runs)
    checks_a = (
        check(f"log10 ratio, sigmoid/default at depth {deep}", sig_log, math.log10(VANISHING_RATIO), noise, below=True),
        check(
            f"log10 ratio, sigmoid/default, depth {deep} − depth {shallow}",
            sig_log - sig_shallow,
            0.0,
            noise,
            below=True,
        ),
    )
    checks_b = (
        check(
            f"log10 (relu/kaiming over sigmoid/default) at depth {deep}",
            relu_log - sig_log,
            math.log10(RELU_GAIN),
            noise,
        ),
        check(f"test accuracy, relu/kaiming − sigmoid/default at depth {deep}", accuracy_gap, 0.0, noise),
    )
    a, b = all_of([c.holds for c in checks_a]), all_of([c.holds for c in checks_b])

    def shown(c: str, d: int) -> str:
        return significant(ratio.loc[c, d], 2, finite=True)

    table = pd.DataFrame({"configuration": ratio.index})
    for d in ratio.columns:
        table[f"depth {d}"] = [f"{shown(c, d)} ({accuracy(tested.loc[c, d], finite=True)})" for c in ratio.index]
    remedies = [c for c in ratio.index if "+" in c and c.startswith(sig)]
    remedy_text = "; ".join(f"{c}: {shown(c, deep)}, accuracy {tested.loc[c, deep]:.3f}" for c in remedies)
    sentence = (
        f"At {deep} hidden layers the sigmoid network (default init) has a first/last hidden-layer gradient ratio of "
        f"{shown(sig, deep)} (at {shallow}: {shown(sig, shallow)}) and accuracy {tested.loc[sig, deep]:.3f}; ReLU "
        f"with Kaiming init {shown(relu, deep)} and {tested.loc[relu, deep]:.3f}. {_factors(ratio, tested, deep)}"
        + (f" Remedies: {remedy_text}." if remedies else "")
    )
    checks = (*checks_a, *checks_b)
    return found(runs, decide(combine, a, b), sentence, table, drawn={"runs": runs}, checks=checks)


def _factors(ratio: pd.DataFrame, tested: pd.DataFrame, deep: int) -> str:
    """Activation and init at the largest depth, alone and together: whether either alone trains the network or
    the two interact."""
    sig, relu = "sigmoid/default", "relu/kaiming"
    alone = {
        "the activation alone (relu, default init)": "relu/default",
        "the init alone (sigmoid, kaiming)": "sigmoid/kaiming",
    }
    present = {label: config for label, config in alone.items() if config in ratio.index}
    if not present:
        return "Activation and init were not varied apart, so their shares cannot be told apart."
    said = "; ".join(
        f"{label}: ratio {significant(ratio.loc[c, deep], 2, finite=True)}, accuracy {tested.loc[c, deep]:.3f}"
        for label, c in present.items()
    )
    learns = {label: bool(tested.loc[c, deep] >= LEARNED) for label, c in present.items()}
    both = bool(tested.loc[relu, deep] >= LEARNED)
    if both and not any(learns.values()):
        reading = (
            "neither factor alone trains the deep network and the two together do: the activation and the init "
            "interact, and neither does most of the work on its own"
        )
    elif all(learns.values()):
        reading = "either factor alone trains the deep network"
    elif any(learns.values()):
        reading = f"only {next(label for label, ok in learns.items() if ok)} trains the deep network"
    else:
        reading = (
            f"neither factor alone trains the deep network, and both together reach {tested.loc[relu, deep]:.3f} on "
            f"average, below {LEARNED}"
        )
    return f"Against sigmoid/default at depth {deep} ({tested.loc[sig, deep]:.3f}): {said}; {reading}."


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
        return Evidence(NO_EVIDENCE, "No validation accuracy: run experiment=claims/regularization.")
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
    parts, checks, texts, edges = [], [], [], []
    ratio = overlap(runs)
    for label, remedy, value in (
        ("dropout", runs["dropout"].gt(0) & runs["decay"].eq(0), "dropout"),
        ("weight decay", runs["dropout"].eq(0) & runs["decay"].gt(0), "decay"),
    ):
        chosen = _chosen(runs, keys, remedy).reindex(base.index)
        cut, change = base["overfit_gap"] - chosen["overfit_gap"], chosen["test_accuracy"] - base["test_accuracy"]
        pair = (
            check(f"{label}: gap cut", cut, REG_GAP, ratio),
            check(f"{label}: test accuracy change", change, -REG_ACCURACY_LOSS, ratio),
        )
        checks += pair
        parts.append(all_of([c.holds for c in pair]))
        counts = chosen[value].value_counts()
        top = runs.loc[remedy, value].max()
        if (at_edge := int(counts.get(top, 0))) > len(chosen) / 2:
            edges.append(f"{label} chose its grid's largest value ({top:g}) in {at_edge} of {len(chosen)} folds")
        picks = ", ".join(f"{v:g} in {n}" for v, n in sorted(counts.items()))
        texts.append(
            f"{label} (chosen on validation: {picks} of {len(chosen)} folds) cuts the gap by "
            f"{points(cut.mean())} at {points(change.mean(), signed=True)} of test accuracy"
        )
    measured = ["train_accuracy", "val_accuracy", "test_accuracy", "overfit_gap"]
    cells = runs.groupby(["dropout", "decay"])[measured].mean()
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
    edge = f" At the grid's edge, the best may lie beyond it: {'; '.join(edges)}." if edges else ""
    sentence = (
        f"Without regularisation the gap is {base['overfit_gap'].mean():.3f} "
        f"(test {base['test_accuracy'].mean():.3f}); " + "; ".join(texts) + "." + edge
    )
    numeric = ("train accuracy", "val accuracy", "test accuracy", "gap")
    verdict = decide(combine, *parts)
    return found(runs, verdict, sentence, table, numeric=numeric, drawn={"runs": runs}, checks=tuple(checks))
