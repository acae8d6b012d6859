"""The claims: each verdict rule on small hand-made tables (every verdict branch, and the branches with no
evidence), the rule quantities' split noise, the claims sections of the reports, the new data sources, and (slow)
the quick claims suite through the real CLI."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli, run_main  # not tests.conftest: baycomp 1.0.3 installs a top-level "tests" package

from bench.data import Linear, Parity
from bench.report import claims as c
from bench.report.claims import design
from bench.report.claims.evidence import Check
from bench.report.claims.rules import BAYES_ACCURACY, SELECTION_SEEDS
from bench.report.claims.runs import check
from bench.report.render import write_reports

FAMILY = {"mlp_lean": "neural", "mlp": "neural", "decision_tree": "tree", "svm": "kernel", "svm_linear": "kernel"}
FAMILY |= {"knn": "neighbors", "mlp_modern": "neural"}
SEEDS = (0, 1, 2)


def row(claim: str, model: str, dataset: str, seed: int, **values: object) -> dict:
    """One finished run; ``p_<key>`` values become ``params.<key>`` (dots written as ``__``)."""
    record = {
        "run_id": f"{claim}-{model}-{dataset}-{seed}-{len(values)}-{abs(hash(str(values))) % 10**8}",
        "status": "FINISHED",
        "outcome": "ok",
        "model": model,
        "model_name": model,
        "family": FAMILY[model],
        "dataset": dataset,
        "dataset_name": dataset.split(" ")[0],
        "seed": seed,
        "params.claim": claim,
        "params.design.suite": "claims",
        "params.design.sweep": claim,
    }
    for key, value in values.items():
        if key.startswith("p_"):
            record["params." + key[2:].replace("__", ".")] = str(value)
        else:
            record[key] = value
    return record


def table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def verdict(name: str, rows: list[dict], figures: bool = False) -> c.Evidence:
    """The claim's evidence in hand-made rows, ruled on without a design to cover (tests/report/claims/ check that);
    its figures drawn only where a test asks (drawing is most of a judgement's time)."""
    claim = next(claim for claim in c.CLAIMS if claim.name == name)
    return c.assess(claim, table(rows), designs=None, figures=figures)


def drawn(evidence: c.Evidence) -> bool:
    """The evidence's figures are drawn: each a caption and an SVG."""
    figures = evidence.figures
    return bool(figures) and all(caption and svg and svg.lstrip().startswith("<") for caption, svg in figures)


def two_seeds(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["seed"] < 2]


# -- the rule quantities' noise ---------------------------------------------------------------------------------


def test_check_above_noise_and_stable():
    clear = Check("x", value=0.10, threshold=0.05, noise=0.01, n=3)
    assert clear.above_noise and clear.stable
    near = Check("x", value=0.06, threshold=0.05, noise=0.01, n=3)  # threshold clear of the noise, value not
    assert near.above_noise and not near.stable
    noisy = Check("x", value=0.20, threshold=0.05, noise=0.05, n=3)  # value far off, threshold inside the noise
    assert not noisy.above_noise and noisy.stable
    negative = Check("x", value=-0.10, threshold=-0.02, noise=0.005, n=3)  # a threshold below zero counts by size
    assert negative.above_noise and negative.stable
    unknown = Check("x", value=0.10, threshold=0.05, noise=math.nan, n=1)
    assert not unknown.above_noise and not unknown.stable


def test_runs_check_is_the_mean_and_corrected_standard_error_of_the_replicates():
    got = check("q", pd.Series([0.1, 0.2, 0.3]), 0.05, ratio=0.5)  # 3-fold cv: n_test/n_train = 1/2
    assert (got.label, got.threshold, got.n) == ("q", 0.05, 3)
    # by hand: s = 0.1, corrected variance of the mean (1/3 + 1/2) * 0.01
    assert got.value == pytest.approx(0.2) and got.noise == pytest.approx(math.sqrt((1 / 3 + 1 / 2) * 0.01))
    assert got.noise / (0.1 / math.sqrt(3)) == pytest.approx(math.sqrt(2.5))  # 1.58 times the naive error
    plain = check("q", pd.Series([0.1, 0.2, 0.3]), 0.05, ratio=0.0)
    assert plain.noise == pytest.approx(0.1 / math.sqrt(3))
    infinite = check("q", pd.Series([0.1, math.inf, 0.3, math.nan]), 0.0, 0.0, value=7.0)  # dropped from the noise
    assert infinite.n == 2 and infinite.value == 7.0 and infinite.noise == pytest.approx(0.1)  # std 0.14 / sqrt 2
    single = check("q", pd.Series([0.4]), 0.0, 0.0)
    assert single.value == pytest.approx(0.4) and math.isnan(single.noise) and single.n == 1


# -- claim 1 -------------------------------------------------------------------------------------------------

TREE_FAMILIES = ("mlp_lean", "svm", "knn", "decision_tree")
FREE_SWEEP = {"mlp_lean": "trees_overfit_free_mlp", "svm": "trees_overfit_free_svm", "knn": "trees_overfit_free_knn"}


def trees_rows(
    shortfall: dict[str, float],
    *,
    tuned: bool = True,
    seeds: tuple[int, ...] = SEEDS,
    per_dataset: dict[tuple[str, str], float] | None = None,
) -> list[dict]:
    """cv runs on three datasets, 3 folds: each family at its default (the tree unpruned), without capacity control
    (the other families' claims/trees_overfit_free_* sweeps, at 0.8 like the unpruned tree) and tuned, 0.8 plus its
    ``shortfall`` (``per_dataset[(model, dataset)]`` overrides it); and the depth sweep's trees (test accuracy 0.99,
    which would wipe out the tree's shortfall were they taken for the uncontrolled tree)."""
    rows = []
    per_dataset = per_dataset or {}
    for dataset, seed, fold in itertools.product(("a", "b", "c"), seeds, range(3)):
        jitter = 0.002 * seed + 0.001 * fold
        for model in TREE_FAMILIES:
            depth = {"p_model__max_depth": None} if model == "decision_tree" else {}
            gap = 0.2 if model == "decision_tree" else 0.05
            base = dict(overfit_gap=gap, fold=fold, p_protocol__name="cv")
            # the families' defaults, better than uncontrolled: never the baseline of the rule
            default = 0.8 if model == "decision_tree" else 0.85
            rows.append(
                row(
                    "trees_overfit",
                    model,
                    dataset,
                    seed,
                    test_accuracy=default,
                    **base,
                    **depth,
                    p_design__sweep="trees_overfit",
                )
            )
            if model in FREE_SWEEP:
                rows.append(
                    row(
                        "trees_overfit",
                        model,
                        dataset,
                        seed,
                        test_accuracy=0.8,
                        **base,
                        p_design__sweep=FREE_SWEEP[model],
                    )
                )
            if tuned:
                acc = 0.8 + per_dataset.get((model, dataset), shortfall.get(model, 0.0)) + jitter
                tuned_run = dict(test_accuracy=acc, overfit_gap=0.02, fold=fold, p_protocol__name="tuned")
                rows.append(
                    row("trees_overfit", model, dataset, seed, **tuned_run, p_design__sweep="trees_overfit_tuned")
                )
        for depth in (1, 2, 4, 8):
            rows.append(
                row(
                    "trees_overfit",
                    "decision_tree",
                    dataset,
                    seed,
                    test_accuracy=0.99,
                    overfit_gap=0.01 * depth,
                    fold=fold,
                    p_protocol__name="cv",
                    p_model__max_depth=depth,
                    p_design__sweep="trees_overfit_depth",
                )
            )
    return rows


def test_trees_overfit_rule():
    supported = verdict("trees_overfit", trees_rows({"decision_tree": 0.05, "svm": 0.01, "knn": 0.02}), figures=True)
    assert supported.verdict == c.SUPPORTED
    assert drawn(supported)
    assert "+5.3 points over the unpruned tree (mean over 3 datasets)" in supported.sentence
    assert "largest on 3 of 3 datasets" in supported.sentence
    assert supported.checks[0].value == pytest.approx(0.05 + 0.002 + 0.001) and supported.checks[0].n == 9
    assert [k.label.split(":")[0] for k in supported.checks[1:]] == ["a", "b", "c"]
    # (a) only: the tree gains 5 points, but the SVM more
    assert verdict("trees_overfit", trees_rows({"decision_tree": 0.05, "svm": 0.08})).verdict == c.MIXED
    # (b) only: the tree gains most, but under a point
    assert verdict("trees_overfit", trees_rows({"decision_tree": 0.004, "svm": 0.001})).verdict == c.MIXED
    assert verdict("trees_overfit", trees_rows({"decision_tree": 0.0, "svm": 0.02})).verdict == c.NOT_SUPPORTED


def test_trees_overfit_needs_a_majority_of_datasets_not_a_mean():
    # the tree's mean gain is the largest, driven by one dataset; on the other two k-NN gains more
    one_set = trees_rows(
        {"decision_tree": 0.02, "knn": 0.03},
        per_dataset={("decision_tree", "a"): 0.2},
    )
    evidence = verdict("trees_overfit", one_set)
    assert evidence.verdict == c.MIXED and "largest on 1 of 3 datasets" in evidence.sentence


def test_trees_overfit_inconclusive_within_two_standard_errors():
    # the tree's shortfall 1.1 points against a 1-point threshold, its corrected error about 0.16 points
    near = verdict("trees_overfit", trees_rows({"decision_tree": 0.008, "svm": 0.001}))
    assert near.verdict == c.INCONCLUSIVE
    assert near.checks[0].value == pytest.approx(0.011) and not near.checks[0].stable
    said = "Undecided at this power: tree: tuned − unpruned test accuracy is 0.011 where the rule asks at least 0.01"
    assert said in near.sentence
    assert "replicates would settle it" in near.sentence or "cannot settle it" in near.sentence


def test_trees_overfit_needs_tuned_runs_and_seeds():
    untuned = verdict("trees_overfit", trees_rows({}, tuned=False))
    assert untuned.verdict == c.NO_EVIDENCE and "claims/trees_overfit" in untuned.sentence
    few = verdict("trees_overfit", trees_rows({"decision_tree": 0.05}, seeds=(0, 1)))
    assert few.verdict == c.NO_EVIDENCE and "2 seeds" in few.sentence


# -- claim 2 -------------------------------------------------------------------------------------------------


def knn_rows(knn_loss: float, svm_loss: float, seed_loss: dict[int, float] | None = None) -> list[dict]:
    loss = {"knn": knn_loss, "svm": svm_loss, "mlp_lean": 0.01, "decision_tree": 0.0}
    seed_loss = seed_loss or {}
    return [
        row(
            "knn_dimension",
            model,
            "signal",
            seed,
            test_accuracy=0.95
            - (seed_loss.get(seed, loss[model]) if model == "knn" else loss[model]) * math.log10(1 + noise) / 3
            + 0.001 * seed,
            fold=math.nan,
            p_dataset__noise_features=noise,
        )
        for model, noise, seed in itertools.product(loss, (0, 10, 100, 1000), SEEDS)
    ]


def test_knn_dimension_rule():
    supported = verdict("knn_dimension", knn_rows(0.2, 0.05), figures=True)
    assert supported.verdict == c.SUPPORTED
    assert drawn(supported)
    assert supported.checks[0].value == pytest.approx(0.2, abs=1e-3) and supported.checks[0].n == 3
    assert verdict("knn_dimension", knn_rows(0.2, 0.3)).verdict == c.MIXED  # the SVM degrades faster
    # a 20-point mean drop, k-NN steepest, but one seed gains
    uneven = knn_rows(0.2, 0.05, seed_loss={0: 0.33, 1: 0.33, 2: -0.06})
    assert verdict("knn_dimension", uneven).checks[0].value == pytest.approx(0.2, abs=1e-3)
    # its spread over seeds is so wide that the corrected error cannot tell a 2-point drop from a 20-point one
    inconclusive = verdict("knn_dimension", uneven)
    assert inconclusive.verdict == c.INCONCLUSIVE and "k-NN's drop with the most noise" in inconclusive.sentence
    assert verdict("knn_dimension", knn_rows(0.01, 0.05)).verdict == c.NOT_SUPPORTED
    assert verdict("knn_dimension", two_seeds(knn_rows(0.2, 0.05))).verdict == c.NO_EVIDENCE
    no_knn = verdict("knn_dimension", [r for r in knn_rows(0.2, 0.05) if r["model"] != "knn"])
    assert no_knn.verdict == c.NO_EVIDENCE


# -- claim 3 -------------------------------------------------------------------------------------------------


def cost_rows(svm_exponent: float) -> list[dict]:
    exponent = {"svm": svm_exponent, "mlp_lean": 1.0, "decision_tree": 1.1, "knn": 0.3}
    rng = np.random.default_rng(0)
    rows = []
    for model, n, seed in itertools.product(exponent, (1000, 2000, 4000, 8000, 16000), SEEDS):
        rows_total = math.ceil(n / 0.75)
        seconds = 1e-4 * (rows_total * 0.75) ** exponent[model] * math.exp(rng.normal(0, 0.05))
        rows.append(
            row(
                "svm_cost",
                model,
                "classification",
                seed,
                fit_time_s=seconds,
                p_dataset__rows=rows_total,
                p_test_size=0.25,
            )
        )
    return rows


def test_fit_exponent_recovers_the_power():
    n = pd.Series([1000, 2000, 4000, 8000] * 3, dtype=float)
    b, low, high = c.fit_exponent(n, 3e-7 * n**1.8)
    assert b == pytest.approx(1.8) and low <= 1.8 <= high


def test_svm_cost_rule():
    supported = verdict("svm_cost", cost_rows(1.9), figures=True)
    assert supported.verdict == c.SUPPORTED
    assert drawn(supported)
    assert supported.checks[0].value == pytest.approx(1.9, abs=0.05) and supported.checks[0].stable
    assert verdict("svm_cost", cost_rows(1.35)).verdict == c.MIXED
    assert verdict("svm_cost", cost_rows(1.0)).verdict == c.NOT_SUPPORTED
    assert verdict("svm_cost", two_seeds(cost_rows(1.9))).verdict == c.NO_EVIDENCE
    assert verdict("svm_cost", [r for r in cost_rows(1.9) if r["model"] != "svm"]).verdict == c.NO_EVIDENCE


# -- claim 4 -------------------------------------------------------------------------------------------------


def linear_rows(
    svm_on_linear: float, mlp_on_moons: float, svm_on_moons: float = 0.91, *, sets=None, spread: float = 0.0
) -> list[dict]:
    """5-fold cv on the linear set and the three non-linear ones (moons' Bayes accuracy 0.915); the linear SVM's
    accuracy moves by ``spread`` from split to split, the others' all together."""
    accuracy = {
        "linear_noisy": {"svm_linear": svm_on_linear, "svm": 0.88, "mlp_lean": 0.88, "decision_tree": 0.8, "knn": 0.85},
        "moons": {"svm_linear": 0.85, "svm": svm_on_moons, "mlp_lean": mlp_on_moons, "decision_tree": 0.88, "knn": 0.9},
        "circles": {"svm_linear": 0.5, "svm": 0.99, "mlp_lean": 0.985, "decision_tree": 0.95, "knn": 0.97},
        "parity": {"svm_linear": 0.5, "svm": 0.95, "mlp_lean": 0.99, "decision_tree": 0.99, "knn": 0.9},
    }
    return [
        row(
            "svm_linear_data",
            model,
            dataset,
            seed,
            test_accuracy=acc
            + 0.001 * seed
            + 0.002 * (fold - 2)
            + (spread * ((seed * 5 + fold) % 3 - 1) if model == "svm_linear" else 0.0),
            fold=fold,
        )
        for dataset, models in accuracy.items()
        if sets is None or dataset in sets
        for (model, acc), seed, fold in itertools.product(models.items(), SEEDS, range(5))
    ]


def test_svm_linear_data_rule():
    supported = verdict("svm_linear_data", linear_rows(0.895, 0.905), figures=True)
    assert supported.verdict == c.SUPPORTED
    assert drawn(supported)
    share = next(k for k in supported.checks if k.label.startswith("moons: share"))
    assert share.value == pytest.approx((0.905 - 0.85) / (BAYES_ACCURACY["moons"] - 0.85), rel=0.05)
    assert share.n == 15  # seeds x folds, each row tested once per seed
    assert supported.checks[1].label == "linear_noisy: best SVM − MLP" and supported.checks[1].value == pytest.approx(
        0.015
    )
    # (a) only: on moons the MLP is within 2 points of the best (the SVM, 0.87) but closes 15% of the linear SVM's
    # distance to the Bayes accuracy
    share_short = verdict("svm_linear_data", linear_rows(0.895, 0.86, svm_on_moons=0.87))
    assert share_short.verdict == c.MIXED and "misses the rule on moons" in share_short.sentence
    tie_short = verdict("svm_linear_data", linear_rows(0.895, 0.89, svm_on_moons=0.9125))  # closes 62%, 2.25 behind
    assert tie_short.verdict == c.MIXED and "misses the rule on moons" in tie_short.sentence
    assert verdict("svm_linear_data", linear_rows(0.86, 0.905)).verdict == c.MIXED  # (b) only: the MLP ahead
    assert verdict("svm_linear_data", linear_rows(0.86, 0.80)).verdict == c.NOT_SUPPORTED
    # the SVM 0.4 points ahead of the MLP, where the rule asks for 0.5: within the noise, inconclusive
    near = verdict("svm_linear_data", linear_rows(0.884, 0.905, spread=0.004))
    assert near.verdict == c.INCONCLUSIVE and "linear_noisy: best SVM − MLP" in near.sentence


def test_svm_linear_data_needs_its_sets_and_seeds():
    no_linear = verdict("svm_linear_data", linear_rows(0.895, 0.905, sets=("moons", "circles")))
    assert no_linear.verdict == c.NO_EVIDENCE and "linear_noisy" in no_linear.sentence
    no_mlp = [r for r in linear_rows(0.895, 0.905) if r["model"] != "mlp_lean"]
    assert verdict("svm_linear_data", no_mlp).verdict == c.NO_EVIDENCE
    assert verdict("svm_linear_data", two_seeds(linear_rows(0.895, 0.905))).verdict == c.NO_EVIDENCE


# -- claim 5 -------------------------------------------------------------------------------------------------

SCALE_SETTINGS = (  # (dataset, target, rows, features): large n at >= 10,000 rows, high dimension at >= 500 features
    ("letter", "bench.data.Shipped", 1000, 16),
    ("letter", "bench.data.Shipped", 10000, 16),
    ("classification", "bench.data.Classification", 10000, 50),
    ("mnist5k", "bench.data.Shipped", 5000, 784),
    ("classification", "bench.data.Classification", 3000, 500),
)


def scale_rows(
    behind: dict[int, float] | None = None, seeds: tuple[int, ...] = SEEDS, spread: float = 0.0
) -> list[dict]:
    """Tuned runs, 3 folds: the MLP ``behind[features]`` below the SVM, the best, at that many features, moving by
    ``spread`` from split to split; the SVM on the generated 10,000 x 50 hits the fit cap in one fold (a result
    without a test accuracy)."""
    behind = behind or {}
    rows = []
    for (dataset, target, n, features), seed, fold in itertools.product(SCALE_SETTINGS, seeds, range(3)):
        params = dict(p_dataset__rows=n, p_dataset__features=features, p_dataset___target_=target, fold=fold)
        for model in ("mlp_lean", "decision_tree", "svm", "knn"):
            if model == "svm" and n == 10000 and features == 50 and fold == 0:
                rows.append(row("mlp_scale", model, dataset, seed, outcome="timeout", fit_time_s=300.0, **params))
                continue
            acc = {"svm": 0.9, "decision_tree": 0.85, "knn": 0.8, "mlp_lean": 0.895}[model] + 0.001 * seed
            acc -= behind.get(features, 0.0) + spread * ((fold + seed) % 3 - 1) if model == "mlp_lean" else 0.0
            rows.append(row("mlp_scale", model, dataset, seed, test_accuracy=acc, fit_time_s=n / 1000, **params))
    return rows


def test_mlp_scale_rule():
    supported = verdict("mlp_scale", scale_rows(), figures=True)
    assert supported.verdict == c.SUPPORTED
    assert drawn(supported)
    assert "Large n: within 1.0 points of the best tuned family at 2 of 2 settings" in supported.sentence
    assert "high dimension: within 1.0 points of the best tuned family at 2 of 2 settings" in supported.sentence
    cells = supported.table.set_index(["setting", "rows"])
    assert cells.loc[("classification d=50", "10,000"), "rule"] == "large n"
    assert cells.loc[("mnist5k d=784", "5,000"), "rule"] == "high d"
    assert cells.loc[("letter d=16", "1,000"), "rule"] == ""
    assert "3 runs hit the fit cap" in supported.sentence and len(supported.checks) == 4
    # a mean over the runs that finished says how many did not
    assert cells.loc[("classification d=50", "10,000"), "svm"] == "0.901 (10 s; 3 of 9 timed out)"
    assert cells.loc[("letter d=16", "10,000"), "svm"] == "0.901 (10 s)"
    # behind at high dimension only: (a) holds, (b) fails
    high_d = verdict("mlp_scale", scale_rows({784: 0.05, 500: 0.05}))
    assert high_d.verdict == c.MIXED and "behind on classification d=500 n=3,000; mnist5k d=784" in high_d.sentence
    assert verdict("mlp_scale", scale_rows({16: 0.05, 50: 0.05, 784: 0.05, 500: 0.05})).verdict == c.NOT_SUPPORTED
    # 1.1 points behind against a 1-point tie, the splits' spread 0.1 points: inconclusive, not mixed
    near = verdict("mlp_scale", scale_rows({784: 0.006}, spread=0.002))
    assert near.verdict == c.INCONCLUSIVE and "mnist5k d=784 n=5,000: MLP − svm" in near.sentence


def test_mlp_scale_needs_an_mlp_both_kinds_of_setting_and_seeds():
    assert verdict("mlp_scale", scale_rows(seeds=(0, 1))).verdict == c.NO_EVIDENCE
    no_mlp = [r for r in scale_rows() if r["model"] != "mlp_lean"]
    assert verdict("mlp_scale", no_mlp).verdict == c.NO_EVIDENCE
    small = [r for r in scale_rows() if r["params.dataset.rows"] in ("1000", "3000")]  # the quick design's sizes
    assert verdict("mlp_scale", small).verdict == c.NO_EVIDENCE
    # an MLP not run at one large setting is not within a point of the best there
    missing = [r for r in scale_rows() if not (r["model"] == "mlp_lean" and r["params.dataset.rows"] == "10000")]
    evidence = verdict("mlp_scale", missing)
    assert evidence.verdict == c.MIXED and "behind on classification d=50 n=10,000; letter d=16" in evidence.sentence


# -- claims 4 and 5 with the modern recipe beside the plain MLP --------------------------------------------------


def recipe_rows(rows: list[dict], accuracy: dict[str, float], claim: str) -> list[dict]:
    """The plain MLP's runs again as ``mlp_modern``'s, at ``accuracy[dataset]`` (missing: timed out)."""
    recipe = []
    for r in rows:
        if r["model"] == "mlp_lean":
            copy = {**r, "model": "mlp_modern", "model_name": "mlp_modern", "run_id": r["run_id"] + "-recipe"}
            if r["dataset"] in accuracy:
                copy["test_accuracy"] = accuracy[r["dataset"]] + 0.001 * r["seed"]
            else:
                copy.update(outcome="timeout", test_accuracy=math.nan, fit_time_s=300.0)
            recipe.append(copy)
    assert recipe and all(r["params.claim"] == claim for r in recipe)
    return recipe


def test_claim_4_verdict_is_the_plain_mlps_and_the_recipe_is_judged_beside_it():
    plain = linear_rows(0.895, 0.905)
    # the recipe beats both SVMs on the linear set (so (a) fails for it) and closes enough elsewhere ((b) holds)
    strong = {"linear_noisy": 0.91, "moons": 0.895, "circles": 0.985, "parity": 0.99}
    evidence = verdict("svm_linear_data", plain + recipe_rows(plain, strong, "svm_linear_data"))
    alone = verdict("svm_linear_data", plain)
    assert evidence.verdict == alone.verdict == c.SUPPORTED  # the recipe is no rival of the plain MLP's
    assert evidence.checks == alone.checks
    assert evidence.sentence.startswith(f"The verdict is about the plain MLP (mlp_lean). {alone.sentence}")
    assert "The same rule with mlp_modern in its place: mixed. " in evidence.sentence
    columns = list(evidence.table.columns)
    assert columns[columns.index("mlp_lean") + 1] == "mlp_modern"
    assert columns[-2:] == ["MLP: share closed", "MLP: share closed (mlp_modern)"]
    assert "Bayes accuracy (mlp_modern)" not in columns and "svm (mlp_modern)" not in columns
    assert set(evidence.numeric) >= {"mlp_modern", "MLP: share closed (mlp_modern)"}
    assert evidence.runs == len(plain) * 6 // 5 and set(evidence.drawn["runs"]["model_name"]) >= {"mlp_modern"}


def test_claim_5_reports_the_recipe_timing_out_beside_the_plain_mlp():
    plain = scale_rows()
    near = {d: 0.9 for d in ("letter", "classification")}  # mnist5k missing: every recipe run there timed out
    evidence = verdict("mlp_scale", plain + recipe_rows(plain, near, "mlp_scale"))
    assert evidence.verdict == c.SUPPORTED
    assert "The same rule with mlp_modern in its place: mixed. " in evidence.sentence
    assert "behind on mnist5k d=784" in evidence.sentence.split("in its place")[1]
    cells = evidence.table.set_index(["setting", "rows"])
    assert cells.loc[("mnist5k d=784", "5,000"), "mlp_modern"] == "timeout (300 s cap)"
    assert cells.loc[("letter d=16", "10,000"), "mlp_modern"].startswith("0.901 (")


def test_claims_without_the_recipe_are_judged_as_before():
    rows = linear_rows(0.895, 0.905)
    evidence = verdict("svm_linear_data", rows)
    assert "mlp_modern" not in evidence.sentence and "mlp_modern" not in evidence.table
    only_recipe = [
        {**r, "model": "mlp_modern", "model_name": "mlp_modern"} if r["model"] == "mlp_lean" else r for r in rows
    ]
    assert verdict("svm_linear_data", only_recipe).verdict == c.SUPPORTED  # the recipe alone is the MLP there


# -- claim 6 -------------------------------------------------------------------------------------------------


def vanishing_rows(
    sigmoid_deep: float,
    relu_deep: float,
    *,
    relu_deep_accuracy: float = 0.93,
    sigmoid_shallow: float = 0.5,
    tanh_shallow_accuracy: float = 0.95,
) -> list[dict]:
    """Depths 2 and 8; plain configs at both, sigmoid + batch norm only deep (a remedy, not held to learning)."""
    configs = {  # (activation, init, batch norm): (ratio at 2, ratio at 8, accuracy at 2, accuracy at 8)
        ("sigmoid", "default", False): (sigmoid_shallow, sigmoid_deep, 0.95, 0.2),
        ("relu", "kaiming", False): (0.5, relu_deep, 0.96, relu_deep_accuracy),
        ("relu", "default", False): (0.5, 0.3, 0.95, 0.9),
        ("sigmoid", "xavier", False): (0.5, 0.05, 0.94, 0.5),
        ("tanh", "xavier", False): (0.5, 0.3, tanh_shallow_accuracy, 0.9),
        ("sigmoid", "default", True): (None, 0.4, None, 0.9),
    }
    rows = []
    for ((activation, init, bn), values), (depth, seed) in itertools.product(
        configs.items(), itertools.product((0, 1), SEEDS)
    ):
        ratio, acc = values[depth], values[2 + depth]
        if ratio is None:
            continue
        rows.append(
            row(
                "vanishing_gradients",
                "mlp",
                "digits",
                seed,
                **{"training/grad_ratio_first_last": ratio * (1 + 0.05 * seed)},
                test_accuracy=acc + 0.001 * seed,
                p_model__hidden_layer_sizes=str([64] * (8 if depth else 2)),
                p_model__activation=activation,
                p_model__init=init,
                p_model__batch_norm=bn,
                p_model__residual=False,
            )
        )
    return rows


def test_vanishing_gradients_rule():
    supported = verdict("vanishing_gradients", vanishing_rows(0.001, 0.8), figures=True)
    assert supported.verdict == c.SUPPORTED and "sigmoid/default + batch norm: 0.42" in supported.sentence
    assert drawn(supported)
    assert [k.threshold for k in supported.checks] == pytest.approx([-1.0, 0.0, 1.0, 0.0])
    assert [k.below for k in supported.checks] == [True, True, False, False]
    assert verdict("vanishing_gradients", vanishing_rows(0.001, 0.005)).verdict == c.MIXED  # relu's gain 5x
    accuracy_short = vanishing_rows(0.001, 0.8, relu_deep_accuracy=0.1)  # ratio up, accuracy not
    assert verdict("vanishing_gradients", accuracy_short).verdict == c.MIXED
    assert verdict("vanishing_gradients", vanishing_rows(0.2, 2.5)).verdict == c.MIXED  # (b) only: 0.2 >= 0.1
    # below 0.1 at depth 8, but no lower than at depth 2: not vanishing with depth
    assert verdict("vanishing_gradients", vanishing_rows(0.05, 0.8, sigmoid_shallow=0.04)).verdict == c.MIXED
    assert verdict("vanishing_gradients", vanishing_rows(0.6, 0.8)).verdict == c.NOT_SUPPORTED


def test_vanishing_gradients_needs_trained_networks():
    untrained = verdict("vanishing_gradients", vanishing_rows(0.001, 0.8, tanh_shallow_accuracy=0.5))
    assert untrained.verdict == c.NO_EVIDENCE and "Under-trained" in untrained.sentence
    assert "tanh/xavier" in untrained.sentence and "sigmoid/default" not in untrained.sentence
    assert verdict("vanishing_gradients", two_seeds(vanishing_rows(0.001, 0.8))).verdict == c.NO_EVIDENCE
    no_relu = [r for r in vanishing_rows(0.001, 0.8) if r["params.model.init"] != "kaiming"]
    assert verdict("vanishing_gradients", no_relu).verdict == c.NO_EVIDENCE


# -- claim 7 -------------------------------------------------------------------------------------------------

REGULARIZED = {  # (dropout, weight decay): (overfit gap, test accuracy, validation accuracy)
    (0.0, 0.0): (0.3, 0.8, 0.8),
    (0.25, 0.0): (0.2, 0.8, 0.82),
    (0.5, 0.0): (0.1, 0.75, 0.81),  # the smaller gap, but not chosen: worse on validation
    (0.0, 0.01): (0.22, 0.8, 0.83),
    (0.0, 0.1): (0.35, 0.7, 0.7),
    (0.5, 0.1): (0.0, 0.9, 0.95),  # both together: neither remedy alone, never chosen
}


def regularization_rows(cells: dict | None = None, *, validation: bool = True, seeds=SEEDS) -> list[dict]:
    """5-fold cv x seeds: every (dropout, weight decay) cell of ``REGULARIZED`` updated by ``cells``."""
    rows = []
    for ((dropout, decay), (gap, test, val)), seed, fold in itertools.product(
        {**REGULARIZED, **(cells or {})}.items(), seeds, range(5)
    ):
        jitter = 0.002 * seed - 0.001 * fold
        metrics = dict(train_accuracy=test + gap, test_accuracy=test + jitter, overfit_gap=gap - jitter, fold=fold)
        if validation:
            metrics["val_accuracy"] = val
        rows.append(
            row(
                "regularization",
                "mlp",
                "small_noisy",
                seed,
                **metrics,
                p_model__dropout=dropout,
                p_model__weight_decay=decay,
            )
        )
    return rows


def test_regularization_rule():
    supported = verdict("regularization", regularization_rows(), figures=True)
    assert supported.verdict == c.SUPPORTED
    assert drawn(supported)
    assert "dropout (chosen on validation: 0.25 in 15 of 15 folds) cuts the gap by 10.0 points" in supported.sentence
    assert "weight decay (chosen on validation: 0.01 in 15 of 15 folds)" in supported.sentence
    assert [k.n for k in supported.checks] == [15] * 4  # replicates: seed x fold
    assert verdict("regularization", regularization_rows({(0.0, 0.01): (0.27, 0.8, 0.83)})).verdict == c.MIXED
    # dropout cuts the gap by 10 points but costs 3 points of test accuracy; weight decay cuts 3 points
    neither = {(0.25, 0.0): (0.2, 0.77, 0.82), (0.0, 0.01): (0.27, 0.8, 0.83)}
    assert verdict("regularization", regularization_rows(neither)).verdict == c.NOT_SUPPORTED


def test_regularization_chooses_on_validation_not_test():
    # dropout 0.25 is best on test and worst on validation, and cuts little of the gap; 0.5, best on validation,
    # works: chosen on validation dropout works (supported), chosen on test it would not (mixed)
    cells = {(0.25, 0.0): (0.29, 0.85, 0.7), (0.5, 0.0): (0.1, 0.79, 0.85)}
    evidence = verdict("regularization", regularization_rows(cells))
    assert evidence.verdict == c.SUPPORTED and "0.5 in 15 of 15 folds" in evidence.sentence
    # the choice is per fold: a fold where 0.25 wins on validation takes 0.25 there
    rows = regularization_rows(cells)
    for r in rows:
        if r["fold"] == 0 and r["params.model.dropout"] == "0.25":
            r["val_accuracy"] = 0.99
    assert "0.25 in 3, 0.5 in 12 of 15 folds" in verdict("regularization", rows).sentence


def test_regularization_needs_validation_a_baseline_and_seeds():
    blind = verdict("regularization", regularization_rows(validation=False))
    assert blind.verdict == c.NO_EVIDENCE and "validation" in blind.sentence
    nan_val = [{**r, "val_accuracy": math.nan} for r in regularization_rows()]
    assert verdict("regularization", nan_val).verdict == c.NO_EVIDENCE
    no_base = [
        r
        for r in regularization_rows()
        if r["params.model.dropout"] != "0.0" or r["params.model.weight_decay"] != "0.0"
    ]
    assert verdict("regularization", no_base).verdict == c.NO_EVIDENCE
    assert verdict("regularization", regularization_rows(seeds=(0, 1))).verdict == c.NO_EVIDENCE


# -- claim 8 -------------------------------------------------------------------------------------------------

FAST = {  # (optimizer, batch, lr): examples to the target on (selection, comparison) seeds; inf: never
    ("sgd", "full", 0.1): (math.inf, math.inf),
    ("sgd", "full", 0.01): (math.inf, math.inf),
    ("sgd", "32", 0.1): (40000, 40000),
    ("sgd", "32", 0.01): (80000, 80000),
    ("sgd", "256", 0.1): (60000, 60000),
    ("adagrad", "32", 0.1): (20000, 20000),
    ("adagrad", "32", 0.01): (40000, 40000),
    ("adam", "32", 0.1): (10000, 10000),
    ("adam", "256", 0.01): (20000, 20000),
}


def optimizer_rows(settings: dict, seeds: tuple[int, ...] = tuple(range(6))) -> list[dict]:
    rows = []
    for (optimizer, batch, lr), seed in itertools.product(settings, seeds):
        examples = settings[(optimizer, batch, lr)][0 if seed in SELECTION_SEEDS else 1] * (1 + 0.02 * seed)
        size = 5000 if batch == "full" else int(batch)
        rows.append(
            row(
                "optimizers",
                "mlp",
                "letter",
                seed,
                **{
                    "training/examples_to_target": examples if math.isfinite(examples) else math.nan,
                    "training/steps_to_target": examples / size if math.isfinite(examples) else math.nan,
                },
                p_model__optimizer=optimizer,
                p_model__batch_size=None if batch == "full" else batch,
                p_model__lr=lr,
                p_design__sweep="optimizers" if optimizer == "sgd" else f"optimizers_{optimizer}",
            )
        )
    return rows


def test_optimizers_rule():
    supported = verdict("optimizers", optimizer_rows(FAST), figures=True)
    assert supported.verdict == c.SUPPORTED
    assert drawn(supported)
    assert supported.table["method"].tolist() == ["full-batch GD", "mini-batch SGD", "Adagrad", "Adam"]
    assert supported.table["reached (comparison)"].tolist() == ["0/3", "3/3", "3/3", "3/3"]
    assert supported.checks[0].value == -math.inf  # full-batch GD never reaches the target
    assert verdict("optimizers", optimizer_rows({**FAST, ("adagrad", "32", 0.1): (39000, 39000)})).verdict == c.MIXED
    slow_minibatch = {k: v for k, v in FAST.items() if k[:2] not in (("sgd", "full"),)}
    slow_minibatch |= {("sgd", "full", 0.1): (45000, 45000)}  # mini-batch SGD at 40,000 is not 0.8 x 45,000
    assert verdict("optimizers", optimizer_rows(slow_minibatch)).verdict == c.MIXED
    full_wins = {**FAST, ("sgd", "full", 0.1): (10000, 10000), ("adagrad", "32", 0.1): (50000, 50000)}
    full_wins |= {("adagrad", "32", 0.01): (60000, 60000), ("adam", "32", 0.1): (50000, 50000)}
    full_wins |= {("adam", "256", 0.01): (60000, 60000)}
    evidence = verdict("optimizers", optimizer_rows(full_wins))
    assert evidence.verdict == c.NOT_SUPPORTED
    assert "full-batch GD (batch full, lr 0.1) 10,800 examples, 2 steps" in evidence.sentence


def test_optimizers_choose_on_the_selection_seeds():
    # Adam at lr 0.01 is the fastest on the comparison seeds but slower on the selection seeds: lr 0.1 is chosen,
    # and on the comparison seeds it is no faster than mini-batch SGD
    tricky = {**FAST, ("adam", "32", 0.1): (10000, 39000), ("adam", "256", 0.01): (20000, 5000)}
    evidence = verdict("optimizers", optimizer_rows(tricky))
    assert evidence.verdict == c.MIXED
    adam = evidence.table.set_index("method").loc["Adam"]
    assert (adam["batch"], adam["lr (chosen)"]) == ("32", "0.1")
    # most selection seeds reaching the target comes first: a fast setting that reaches it on 2 of 3 is not chosen
    rows = optimizer_rows(FAST)
    for r in rows:
        if (r["params.model.optimizer"], r["params.model.batch_size"], r["params.model.lr"], r["seed"]) == (
            "sgd",
            "32",
            "0.1",
            0,
        ):
            r["training/examples_to_target"] = r["training/steps_to_target"] = math.nan
    sgd = verdict("optimizers", rows).table.set_index("method").loc["mini-batch SGD"]
    assert (sgd["batch"], sgd["lr (chosen)"]) == ("256", "0.1")


def test_optimizers_needs_both_seed_groups_and_every_method():
    selection_only = verdict("optimizers", optimizer_rows(FAST, seeds=SELECTION_SEEDS))
    assert selection_only.verdict == c.NO_EVIDENCE and "comparison seeds" in selection_only.sentence
    no_adam = {k: v for k, v in FAST.items() if k[0] != "adam"}
    assert verdict("optimizers", optimizer_rows(no_adam)).verdict == c.NO_EVIDENCE
    assert verdict("optimizers", optimizer_rows(FAST, seeds=(0, 3))).verdict == c.NO_EVIDENCE
    older = [{k: v for k, v in r.items() if not k.endswith("_to_target")} for r in optimizer_rows(FAST)]
    assert verdict("optimizers", older).verdict == c.NO_EVIDENCE  # runs from before the metric


# -- evidence missing, and the reports ------------------------------------------------------------------------


def test_no_evidence_names_the_sweep_to_run():
    for claim, evidence in c.judge_all(pd.DataFrame()):
        assert evidence.verdict == c.NO_EVIDENCE
        assert f"experiment=claims/{claim.name}" in evidence.sentence
    evidence = verdict("knn_dimension", two_seeds(knn_rows(0.2, 0.05)))
    assert evidence.verdict == c.NO_EVIDENCE and "2 seeds" in evidence.sentence


def test_every_claim_has_its_sweeps_and_rule_in_the_configs():
    conf = Path(__file__).resolve().parents[2] / "conf" / "experiment"
    for claim in c.CLAIMS:
        assert claim.sweeps[0] == claim.name
        for sweep in claim.sweeps:
            text = (conf / "claims" / f"{sweep}.yaml").read_text()
            inherited = f"- /experiment/claims/{claim.name}\n" in text  # the claim's own sweep, extended
            assert (f"claim: {claim.name}" in text and "experiment: claims" in text) or inherited, sweep
            assert (conf / "claims_quick" / f"{sweep}.yaml").is_file()
        assert "Verdict rule" in (conf / "claims" / f"{claim.name}.yaml").read_text()


def test_claims_report_sections(tmp_path, monkeypatch):
    # every sweep's design a single cell, which hand-made rows fill (tests/report/claims/ test real designs)
    monkeypatch.setattr(design, "design_of", lambda suite, sweep: design.Design(suite, sweep, ()))
    rows = trees_rows({"decision_tree": 0.05, "svm": 0.01}) + knn_rows(0.2, 0.05) + optimizer_rows(FAST)
    html_path, md_path = write_reports(table(rows), tmp_path, "claims", {"experiment": "claims"})
    html, md = html_path.read_text(), md_path.read_text()
    for i, claim in enumerate(c.CLAIMS, 1):
        assert f'<section id="claim-{claim.name}">' in html
        assert f"## Claim {i}: {claim.title}" in md
    assert html.count("Verdict: supported.") == 3 and md.count("Verdict: no evidence.") == 5
    for name in ("trees_overfit", "knn_dimension", "optimizers"):
        section = html.split(f'<section id="claim-{name}">')[1].split("</section>")[0]
        assert "The rule&#39;s quantities against their split noise" in section, name
    assert md.count("The rule's quantities against their split noise") == 3
    assert "<svg" in html.split('<section id="claim-knn_dimension">')[1].split("</section>")[0]
    assert "## Leaderboard" not in md  # the claims' runs are not a leaderboard


def test_ordinary_report_has_a_claims_overview(tmp_path):
    ordinary = [{**r, "params.claim": None} for r in linear_rows(0.995, 0.905)]
    for r in ordinary:
        r.update(train_accuracy=1.0, overfit_gap=1.0 - r["test_accuracy"], fit_time_s=0.1)
    _, md_path = write_reports(table(ordinary), tmp_path, "bench", {"experiment": "bench"})
    md = md_path.read_text()
    assert "## Claims" in md and "## Leaderboard" in md and "## Claim 1" not in md
    assert md.count("No evidence in this experiment: run experiment=claims/") == len(c.CLAIMS)


# -- data sources ---------------------------------------------------------------------------------------------


def test_linear_source_is_separable_with_its_margin():
    data = Linear(name="linear", n_samples=500, n_features=5, margin=0.2).load()
    from sklearn.svm import SVC

    assert data.X.shape == (500, 5) and set(np.unique(data.y)) == {0, 1}
    assert SVC(kernel="linear", C=1e4).fit(data.X, data.y).score(data.X, data.y) == 1.0


def test_parity_source():
    data = Parity(name="xor", n_samples=400, n_bits=2, n_features=3).load()
    expected = ((data.X[:, 0] < 0) ^ (data.X[:, 1] < 0)).astype(int)
    assert (data.y == expected).all()
    with pytest.raises(ValueError, match="n_bits = 4 exceeds n_features = 3"):
        Parity(name="xor", n_bits=4, n_features=3)


# -- end to end -----------------------------------------------------------------------------------------------


def test_claims_suite_validates_every_sweep_before_running(tmp_path):
    result = run_main(
        "experiment=claims_quick", "seed=zero", f"tracking.uri=sqlite:///{tmp_path}/mlruns.db", cwd=tmp_path
    )
    assert result.returncode == 2 and "seed='zero': expected a number" in result.stderr
    assert not (tmp_path / "mlruns.db").exists()


@pytest.mark.science
def test_claims_quick_through_the_cli(tmp_path):
    """``experiment=claims_quick`` with one dataset per multi-dataset sweep: every claim section and a verdict (on
    its few replicates it may be inconclusive), said to be the quick design."""
    result = run_cli(
        "experiment=claims_quick",
        f"tracking.uri=sqlite:///{tmp_path}/mlruns.db",
        f"report.out_dir={tmp_path}/reports",
        cwd=tmp_path,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    html = (tmp_path / "reports" / "claims_quick.html").read_text()
    md = (tmp_path / "reports" / "claims_quick.md").read_text()
    for i, claim in enumerate(c.CLAIMS, 1):
        section = html.split(f'<section id="claim-{claim.name}">')[1].split("</section>")[0]
        assert "<svg" in section and "<table>" in section, claim.name
        verdicts = [f"Verdict: {v}." for v in (c.SUPPORTED, c.NOT_SUPPORTED, c.MIXED, c.INCONCLUSIVE)]
        assert any(v in section for v in verdicts), claim.name
        assert f"## Claim {i}: {claim.title}" in md
    assert "These runs are the quick design (experiment=claims_quick)" in md
    linear = md.split("## Claim 4:")[1].split("\n## ")[0]
    assert "The verdict is about the plain MLP (mlp_lean). " in linear and "The same rule with mlp_modern" in linear


# -- inconclusive at this power, judge by judge: a deciding quantity within 2 corrected standard errors ----------


def test_svm_cost_inconclusive_near_its_threshold():
    near = verdict("svm_cost", cost_rows(1.51))
    assert near.verdict == c.INCONCLUSIVE
    assert "Undecided at this power: SVM's fit-time exponent is 1.48" in near.sentence


def test_vanishing_gradients_inconclusive_when_relus_gain_is_near_tenfold():
    rows = vanishing_rows(0.001, 0.01)  # relu/kaiming exactly 10 times sigmoid's ratio at depth 8
    for r in rows:
        deep = r["params.model.hidden_layer_sizes"].count(",") == 7
        if deep and (r["params.model.activation"], r["params.model.init"]) == ("relu", "kaiming"):
            r["training/grad_ratio_first_last"] *= (0.5, 1.0, 2.0)[r["seed"]]
    near = verdict("vanishing_gradients", rows)
    assert near.verdict == c.INCONCLUSIVE and "log10 (relu/kaiming over sigmoid/default)" in near.sentence


def test_regularization_inconclusive_when_a_cut_is_within_its_noise():
    rows = regularization_rows({(0.0, 0.01): (0.25, 0.8, 0.83)})  # weight decay cuts the gap by 5 points
    for r in rows:
        if (r["params.model.dropout"], r["params.model.weight_decay"]) == ("0.0", "0.01"):
            r["overfit_gap"] += 0.02 * ((r["seed"] + r["fold"]) % 3 - 1)
    near = verdict("regularization", rows)
    assert near.verdict == c.INCONCLUSIVE and "weight decay: gap cut" in near.sentence


def test_optimizers_inconclusive_when_a_speed_up_is_within_its_noise():
    rows = optimizer_rows({**FAST, ("adagrad", "32", 0.1): (32000, 32000)})  # 0.8 times mini-batch SGD's 40,000
    for r in rows:
        if r["params.model.optimizer"] == "adagrad" and r["seed"] >= 3:
            r["training/examples_to_target"] *= (0.9, 1.1, 1.0)[r["seed"] - 3]
    near = verdict("optimizers", rows)
    assert near.verdict == c.INCONCLUSIVE and "Adagrad / mini-batch SGD" in near.sentence


def test_vanishing_gradients_reads_activation_and_init_as_an_interaction():
    rows = vanishing_rows(0.001, 0.8)
    extra = []
    for r in rows:
        deep = r["params.model.hidden_layer_sizes"].count(",") == 7
        config = (r["params.model.activation"], r["params.model.init"], r["params.model.batch_norm"])
        if deep and config == ("relu", "default", "False"):
            r["test_accuracy"] = 0.1  # relu with the default init fails at depth
        if config == ("sigmoid", "xavier", "False"):
            extra.append({**r, "params.model.init": "kaiming", "run_id": r["run_id"] + "k"})
    sentence = verdict("vanishing_gradients", rows + extra).sentence
    assert "neither factor alone trains the deep network and the two together do: the activation and the init " in (
        sentence
    )
    assert "does most of the work on its own" in sentence and "the activation does most of the work" not in sentence


def test_each_mlps_undecided_quantities_follow_its_own_verdict():
    plain = linear_rows(0.884, 0.905, spread=0.004)  # inconclusive for the plain MLP (see the claim 4 rule test)
    decided = {"linear_noisy": 0.80, "moons": 0.905, "circles": 0.985, "parity": 0.99}  # far behind the SVM
    evidence = verdict("svm_linear_data", plain + recipe_rows(plain, decided, "svm_linear_data"))
    ours, theirs = evidence.sentence.split(" The same rule with mlp_modern in its place: ")
    assert evidence.verdict == c.INCONCLUSIVE and "Undecided at this power: linear_noisy: best SVM − MLP" in ours
    assert theirs.startswith("supported. ") and "Undecided" not in theirs
