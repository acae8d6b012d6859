"""The judges of the claims about MLPs (claims 5 to 8): pure functions of the claim's runs, drawing nothing."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bench.report.claims.evidence import Evidence
from bench.report.claims.rules import (
    FASTER,
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
from bench.report.claims.runs import found, param_number, param_text, too_few
from bench.report.format import DASH, accuracy, points, significant


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
    cells = runs.groupby(["setting", "rows", "model_name"]).agg(
        accuracy=("test_accuracy", "mean"), fit=("fit_time_s", "median")
    )
    large = _large_settings(runs)
    mlp = next((m for m in runs["model_name"].unique() if m.startswith("mlp")), None)
    if mlp is None:
        return Evidence(NO_EVIDENCE, "No MLP runs: run experiment=claims/mlp_scale.")
    met, behind = 0, []
    for setting, rows in sorted(large):
        cell = cells.loc[(setting, rows)]
        ok = cell.loc[mlp, "accuracy"] >= cell["accuracy"].max() - SCALE_TIE
        met += bool(ok)
        behind += [] if ok else [f"{setting} n={int(rows):,}"]
    verdict = SUPPORTED if met == len(large) else NOT_SUPPORTED if met < len(large) / 2 else MIXED
    shown = cells.assign(cell=[f"{a:.3f} ({significant(f, 2, finite=True)} s)" for a, f in cells.to_numpy()])["cell"]
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
    sentence = (
        f"At {met} of {len(large)} large settings the MLP is within {points(SCALE_TIE)} of the best family"
        f"{'' if not behind else ' (behind on ' + '; '.join(behind) + ')'}; its fit time there is up to "
        f"{mlp_fit.loc[[k for k in large if k in mlp_fit.index]].max():.3g} s."
    )
    # setting, rows and the "large" mark are labels
    return found(runs, verdict, sentence, table, numeric=tuple(table.columns[3:]), drawn={"runs": runs})


def _geomean(values: pd.Series) -> float:
    values = values[values > 0]
    return float(np.exp(np.log(values).mean())) if len(values) else math.nan


def judge_vanishing_gradients(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "vanishing_gradients")) is not None:
        return few
    depth = param_text(runs, "model.hidden_layer_sizes").map(lambda s: s.count(",") + 1)
    config = param_text(runs, "model.activation") + "/" + param_text(runs, "model.init")
    for remedy, label in (("batch_norm", "batch norm"), ("residual", "residual")):
        config = config + np.where(param_text(runs, f"model.{remedy}").eq("True"), f" + {label}", "")
    runs = runs.assign(depth=depth, config=config)
    ratio = runs.groupby(["config", "depth"])["grad_ratio_first_last"].apply(_geomean).unstack("depth")
    tested = runs.groupby(["config", "depth"])["test_accuracy"].mean().unstack("depth")
    deep, shallow = ratio.columns.max(), ratio.columns.min()
    sig, relu = "sigmoid/default", "relu/kaiming"
    if sig not in ratio.index or relu not in ratio.index or deep == shallow:
        return Evidence(NO_EVIDENCE, "Needs sigmoid/default and relu/kaiming at two depths: run the claim's sweep.")
    a = bool(ratio.loc[sig, deep] < VANISHING_RATIO and ratio.loc[sig, deep] < ratio.loc[sig, shallow])
    b = bool(
        ratio.loc[relu, deep] >= RELU_GAIN * ratio.loc[sig, deep] and tested.loc[relu, deep] > tested.loc[sig, deep]
    )

    def shown(c: str, d: int) -> str:
        return significant(ratio.loc[c, d], 2, finite=True)

    table = pd.DataFrame({"configuration": ratio.index})
    for d in ratio.columns:
        table[f"depth {d}"] = [f"{shown(c, d)} ({accuracy(tested.loc[c, d], finite=True)})" for c in ratio.index]
    remedies = [c for c in ratio.index if "+" in c and c.startswith(sig)]
    remedy_text = "; ".join(f"{c}: {shown(c, deep)}, accuracy {tested.loc[c, deep]:.3f}" for c in remedies)
    sentence = (
        f"At {deep} hidden layers the sigmoid network (default init) has a first/last gradient ratio of "
        f"{shown(sig, deep)} (at {shallow}: {shown(sig, shallow)}) and accuracy "
        f"{tested.loc[sig, deep]:.3f}; ReLU with Kaiming init {shown(relu, deep)} and "
        f"{tested.loc[relu, deep]:.3f}" + (f"; remedies: {remedy_text}." if remedies else ".")
    )
    return found(runs, combine(a, b), sentence, table, drawn={"runs": runs})


def _remedy(
    cells: pd.DataFrame, base: pd.Series, keys: list[tuple[float, float]]
) -> tuple[bool, tuple[float, float] | None]:
    """Whether the remedy's best setting by test accuracy works by the rule, and that setting."""
    if not keys:
        return False, None
    best = max(keys, key=lambda k: cells.loc[k, "test_accuracy"])
    row = cells.loc[best]
    ok = row["overfit_gap"] <= base["overfit_gap"] - REG_GAP and row["test_accuracy"] >= (
        base["test_accuracy"] - REG_ACCURACY_LOSS
    )
    return bool(ok), best


def _describe_remedy(cells: pd.DataFrame, key: tuple[float, float] | None, label: str) -> str:
    if key is None:
        return f"no {label} run"
    row = cells.loc[key]
    return f"{label} ({key[0]:g}/{key[1]:g}) gap {row['overfit_gap']:.3f}, test {row['test_accuracy']:.3f}"


def judge_regularization(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "regularization")) is not None:
        return few
    dropout, decay = param_number(runs, "model.dropout", 0.0), param_number(runs, "model.weight_decay", 0.0)
    runs = runs.assign(setting=[f"dropout {p:g}, weight decay {w:g}" for p, w in zip(dropout, decay, strict=True)])
    cells = (
        runs.assign(dropout=dropout, decay=decay)
        .groupby(["dropout", "decay"])[["train_accuracy", "test_accuracy", "overfit_gap"]]
        .mean()
    )
    if (0.0, 0.0) not in cells.index:
        return Evidence(NO_EVIDENCE, "No unregularised baseline: run experiment=claims/regularization.")
    base = cells.loc[(0.0, 0.0)]
    a, drop_key = _remedy(cells, base, [k for k in cells.index if k[0] > 0 and k[1] == 0])
    b, decay_key = _remedy(cells, base, [k for k in cells.index if k[0] == 0 and k[1] > 0])
    table = pd.DataFrame(
        {
            "dropout": [f"{k[0]:g}" for k in cells.index],
            "weight decay": [f"{k[1]:g}" for k in cells.index],
            "train accuracy": [accuracy(v, finite=True) for v in cells["train_accuracy"]],
            "test accuracy": [accuracy(v, finite=True) for v in cells["test_accuracy"]],
            "gap": [accuracy(v, finite=True) for v in cells["overfit_gap"]],
        }
    )
    sentence = (
        f"Without regularisation the gap is {base['overfit_gap']:.3f} (test {base['test_accuracy']:.3f}); "
        f"{_describe_remedy(cells, drop_key, 'dropout')}; {_describe_remedy(cells, decay_key, 'weight decay')} "
        "(dropout/weight decay)."
    )
    numeric = ("train accuracy", "test accuracy", "gap")
    return found(runs, combine(a, b), sentence, table, numeric=numeric, drawn={"runs": runs})


def _optimizer_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs with their optimizer, batch ("full" or the size), learning rate and times to the target (infinite:
    never reached)."""
    batch = param_number(runs, "model.batch_size", math.inf)
    return runs.assign(
        optimizer=param_text(runs, "model.optimizer"),
        batch=np.where(np.isinf(batch), "full", batch.map(lambda b: f"{b:.0f}" if np.isfinite(b) else "")),
        lr=param_number(runs, "model.lr"),
        seconds=pd.to_numeric(runs.get("seconds_to_target"), errors="coerce").fillna(math.inf),
        epochs=pd.to_numeric(runs.get("epochs_to_target"), errors="coerce").fillna(math.inf),
    )


def _best_learning_rates(runs: pd.DataFrame) -> pd.DataFrame:
    """Per optimizer and batch, the learning rate with the most seeds reaching the target, then the lowest median
    seconds."""
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
    return best.sort_values(["optimizer", "batch"]).reset_index(drop=True)


def _fastest(best: pd.DataFrame, optimizer: str, full: bool | None) -> pd.Series | None:
    """The optimizer's fastest batch (only full batches, only mini-batches, or either for ``None``)."""
    rows = best[best["optimizer"].eq(optimizer)]
    if full is not None:
        rows = rows[rows["batch"].eq("full") == full]
    return rows.sort_values("seconds").iloc[0] if len(rows) else None


def _faster(x: pd.Series, y: pd.Series) -> bool:
    return bool(np.isfinite(x["seconds"]) and (not np.isfinite(y["seconds"]) or x["seconds"] <= FASTER * y["seconds"]))


def _describe_method(label: str, m: pd.Series) -> str:
    time = f"{m['seconds']:.2f} s, {m['epochs']:.0f} epochs" if np.isfinite(m["seconds"]) else "never"
    return f"{label} (batch {m['batch']}, lr {m['lr']:g}) {time}"


def judge_optimizers(runs: pd.DataFrame) -> Evidence:
    if (few := too_few(runs, "optimizers")) is not None:
        return few
    runs = _optimizer_runs(runs)
    best = _best_learning_rates(runs)
    gd, sgd = _fastest(best, "sgd", True), _fastest(best, "sgd", False)
    adagrad, adam = _fastest(best, "adagrad", None), _fastest(best, "adam", None)
    if gd is None or sgd is None or adagrad is None or adam is None:
        return Evidence(NO_EVIDENCE, "Needs full-batch and mini-batch SGD, Adagrad and Adam: run claims/optimizers.")
    a = _faster(sgd, gd)
    b = _faster(adagrad, sgd) and _faster(adam, sgd)
    methods = (("full-batch GD", gd), ("mini-batch SGD", sgd), ("Adagrad", adagrad), ("Adam", adam))
    sentence = (
        "Median time to 0.95 validation accuracy, each at its best learning rate: "
        + "; ".join(_describe_method(label, m) for label, m in methods)
        + "."
    )
    table = pd.DataFrame(
        {
            "optimizer": best["optimizer"],
            "batch": best["batch"],
            "best lr": best["lr"].map(lambda v: f"{v:g}"),
            "reached": [f"{r}/{n}" for r, n in zip(best["reached"], best["runs"], strict=True)],
            "median epochs": best["epochs"].map(lambda v: significant(v, 3, finite=True)),
            "median seconds": best["seconds"].map(lambda v: significant(v, 3, finite=True)),
        }
    )
    at_best = runs.merge(best[["optimizer", "batch", "lr"]], on=["optimizer", "batch", "lr"])
    numeric = ("reached", "median epochs", "median seconds")
    return found(runs, combine(a, b), sentence, table, numeric=numeric, drawn={"at_best": at_best})
