"""The claims: each verdict rule on small synthetic tables (one that should be supported, one that should not), the
claims sections of the reports, the new data sources, and (slow) the quick claims suite through the real CLI."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli  # not tests.conftest: baycomp 1.0.3 installs a top-level "tests" package

from bench.data import Linear, Parity
from bench.report import claims as c
from bench.report.render import write_reports

FAMILY = {"mlp_lean": "neural", "mlp": "neural", "decision_tree": "tree", "svm": "kernel", "svm_linear": "kernel"}
FAMILY["knn"] = "neighbors"
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
    }
    for key, value in values.items():
        if key.startswith("p_"):
            record["params." + key[2:].replace("__", ".")] = str(value)
        else:
            record[key] = value
    return record


def table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def verdict(name: str, rows: list[dict]) -> c.Evidence:
    return c.assess(next(claim for claim in c.CLAIMS if claim.name == name), table(rows))


# -- claim 1 -------------------------------------------------------------------------------------------------


def trees_rows(tree_gap: float, depth_slope: float) -> list[dict]:
    rows = []
    for dataset, seed in itertools.product(("a", "b"), SEEDS):
        for model, gap in (("mlp_lean", 0.02), ("svm", 0.03), ("knn", 0.04), ("decision_tree", tree_gap)):
            rows.append(
                row("trees_overfit", model, dataset, seed, overfit_gap=gap + 0.001 * seed, p_model__max_depth=None)
            )
        for depth in (1, 2, 4, 8):
            gap = 0.05 + depth_slope * depth + 0.001 * seed
            rows.append(row("trees_overfit", "decision_tree", dataset, seed, overfit_gap=gap, p_model__max_depth=depth))
    return rows


def test_trees_overfit_rule():
    assert verdict("trees_overfit", trees_rows(0.2, 0.01)).verdict == c.SUPPORTED
    assert verdict("trees_overfit", trees_rows(0.2, -0.001)).verdict == c.MIXED
    assert verdict("trees_overfit", trees_rows(0.01, -0.001)).verdict == c.NOT_SUPPORTED


# -- claim 2 -------------------------------------------------------------------------------------------------


def knn_rows(knn_loss: float, svm_loss: float) -> list[dict]:
    loss = {"knn": knn_loss, "svm": svm_loss, "mlp_lean": 0.01, "decision_tree": 0.0}
    return [
        row(
            "knn_dimension",
            model,
            "signal",
            seed,
            test_accuracy=0.95 - loss[model] * math.log10(1 + noise) / 3 + 0.001 * seed,
            p_dataset__noise_features=noise,
        )
        for model, noise, seed in itertools.product(loss, (0, 10, 100, 1000), SEEDS)
    ]


def test_knn_dimension_rule():
    assert verdict("knn_dimension", knn_rows(0.2, 0.05)).verdict == c.SUPPORTED
    assert verdict("knn_dimension", knn_rows(0.2, 0.3)).verdict == c.MIXED  # the SVM degrades faster
    assert verdict("knn_dimension", knn_rows(0.01, 0.05)).verdict == c.NOT_SUPPORTED


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
    assert verdict("svm_cost", cost_rows(1.9)).verdict == c.SUPPORTED
    assert verdict("svm_cost", cost_rows(1.35)).verdict == c.MIXED
    assert verdict("svm_cost", cost_rows(1.0)).verdict == c.NOT_SUPPORTED


# -- claim 4 -------------------------------------------------------------------------------------------------


def linear_rows(svm_on_linear: float, mlp_on_nonlinear: float) -> list[dict]:
    accuracy = {
        "linear": {"svm_linear": svm_on_linear, "svm": 0.97, "mlp_lean": 0.98, "decision_tree": 0.85, "knn": 0.95},
        "moons": {"svm_linear": 0.85, "svm": 0.97, "mlp_lean": mlp_on_nonlinear, "decision_tree": 0.93, "knn": 0.96},
        "circles": {"svm_linear": 0.5, "svm": 0.98, "mlp_lean": mlp_on_nonlinear, "decision_tree": 0.95, "knn": 0.97},
    }
    return [
        row("svm_linear_data", model, dataset, seed, test_accuracy=acc + 0.001 * seed)
        for dataset, models in accuracy.items()
        for (model, acc), seed in itertools.product(models.items(), SEEDS)
    ]


def test_svm_linear_data_rule():
    assert verdict("svm_linear_data", linear_rows(0.995, 0.97)).verdict == c.SUPPORTED
    assert verdict("svm_linear_data", linear_rows(0.90, 0.97)).verdict == c.MIXED
    assert verdict("svm_linear_data", linear_rows(0.90, 0.80)).verdict == c.NOT_SUPPORTED


# -- claim 5 -------------------------------------------------------------------------------------------------


def scale_rows(mlp_behind: float) -> list[dict]:
    rows = []
    for (dataset, target), n, features in (
        (("letter", "bench.data.Shipped"), 1000, 16),
        (("letter", "bench.data.Shipped"), 16000, 16),
        (("classification", "bench.data.Classification"), 2000, 50),
        (("classification", "bench.data.Classification"), 10000, 500),
    ):
        for model, seed in itertools.product(("mlp_lean", "decision_tree", "svm", "knn"), SEEDS):
            acc = 0.9 - (mlp_behind if model == "mlp_lean" and n >= 10000 else 0.0) - 0.02 * (model == "knn")
            rows.append(
                row(
                    "mlp_scale",
                    model,
                    dataset,
                    seed,
                    test_accuracy=acc,
                    fit_time_s=n / 1000,
                    p_dataset__rows=n,
                    p_dataset__features=features,
                    p_dataset___target_=target,
                )
            )
    return rows


def test_mlp_scale_rule():
    assert verdict("mlp_scale", scale_rows(0.0)).verdict == c.SUPPORTED
    assert verdict("mlp_scale", scale_rows(0.05)).verdict == c.NOT_SUPPORTED


# -- claim 6 -------------------------------------------------------------------------------------------------


def vanishing_rows(sigmoid_deep_ratio: float, relu_deep_ratio: float) -> list[dict]:
    rows = []
    for (activation, init), depth, seed in itertools.product(
        (("sigmoid", "default"), ("relu", "kaiming"), ("tanh", "xavier")), (2, 8), SEEDS
    ):
        ratio = {"sigmoid": sigmoid_deep_ratio, "relu": relu_deep_ratio, "tanh": 0.3}[activation] if depth == 8 else 0.5
        accuracy = 0.9 if ratio > 0.1 else 0.2
        rows.append(
            row(
                "vanishing_gradients",
                "mlp",
                "digits",
                seed,
                grad_ratio_first_last=ratio,
                test_accuracy=accuracy,
                p_model__hidden_layer_sizes=str([64] * depth),
                p_model__activation=activation,
                p_model__init=init,
                p_model__batch_norm=False,
                p_model__residual=False,
            )
        )
    return rows


def test_vanishing_gradients_rule():
    assert verdict("vanishing_gradients", vanishing_rows(0.001, 0.8)).verdict == c.SUPPORTED
    assert verdict("vanishing_gradients", vanishing_rows(0.001, 0.005)).verdict == c.MIXED
    assert verdict("vanishing_gradients", vanishing_rows(0.6, 0.8)).verdict == c.NOT_SUPPORTED


# -- claim 7 -------------------------------------------------------------------------------------------------


def regularization_rows(dropout_gap: float, decay_gap: float) -> list[dict]:
    rows = []
    for (dropout, decay), seed in itertools.product(((0.0, 0.0), (0.5, 0.0), (0.0, 0.01), (0.0, 0.1)), SEEDS):
        gap = {(0.0, 0.0): 0.3, (0.5, 0.0): dropout_gap}.get((dropout, decay), decay_gap)
        rows.append(
            row(
                "regularization",
                "mlp",
                "small_noisy",
                seed,
                train_accuracy=0.8 + gap,
                test_accuracy=0.8,
                overfit_gap=gap,
                p_model__dropout=dropout,
                p_model__weight_decay=decay,
            )
        )
    return rows


def test_regularization_rule():
    assert verdict("regularization", regularization_rows(0.1, 0.05)).verdict == c.SUPPORTED
    assert verdict("regularization", regularization_rows(0.1, 0.29)).verdict == c.MIXED
    assert verdict("regularization", regularization_rows(0.28, 0.29)).verdict == c.NOT_SUPPORTED


# -- claim 8 -------------------------------------------------------------------------------------------------


def optimizer_rows(seconds: dict[tuple[str, str], float]) -> list[dict]:
    rows = []
    for (optimizer, batch), lr, seed in itertools.product(seconds, (0.01, 0.1), SEEDS):
        time = seconds[(optimizer, batch)] * (1 if lr == 0.1 else 2)
        rows.append(
            row(
                "optimizers",
                "mlp",
                "digits",
                seed,
                seconds_to_target=time if math.isfinite(time) else math.nan,
                epochs_to_target=10 if math.isfinite(time) else math.nan,
                p_model__optimizer=optimizer,
                p_model__batch_size=None if batch == "full" else batch,
                p_model__lr=lr,
            )
        )
    return rows


def test_optimizers_rule():
    fast = {("sgd", "full"): math.inf, ("sgd", "32"): 4.0, ("adagrad", "32"): 2.0, ("adam", "32"): 1.0}
    assert verdict("optimizers", optimizer_rows(fast)).verdict == c.SUPPORTED
    slow_adaptive = {**fast, ("adagrad", "32"): 3.9}
    assert verdict("optimizers", optimizer_rows(slow_adaptive)).verdict == c.MIXED
    full_wins = {("sgd", "full"): 1.0, ("sgd", "32"): 4.0, ("adagrad", "32"): 5.0, ("adam", "32"): 5.0}
    evidence = verdict("optimizers", optimizer_rows(full_wins))
    assert evidence.verdict == c.NOT_SUPPORTED
    assert "full-batch GD (batch full, lr 0.1) 1.00 s" in evidence.sentence


# -- evidence missing, and the reports ------------------------------------------------------------------------


def test_no_evidence_names_the_sweep_to_run():
    for claim, evidence in c.judge_all(pd.DataFrame()):
        assert evidence.verdict == c.NO_EVIDENCE
        assert f"experiment=claims/{claim.name}" in evidence.sentence
    two_seeds = [r for r in knn_rows(0.2, 0.05) if r["seed"] < 2]
    evidence = verdict("knn_dimension", two_seeds)
    assert evidence.verdict == c.NO_EVIDENCE and "2 seed(s)" in evidence.sentence


def test_every_claim_has_its_sweeps_and_rule_in_the_configs():
    conf = Path(__file__).resolve().parents[2] / "conf" / "experiment"
    for claim in c.CLAIMS:
        assert claim.sweeps[0] == claim.name
        for sweep in claim.sweeps:
            text = (conf / "claims" / f"{sweep}.yaml").read_text()
            assert f"claim: {claim.name}" in text and "experiment: claims" in text
            assert (conf / "claims_quick" / f"{sweep}.yaml").is_file()
        assert "Verdict rule" in (conf / "claims" / f"{claim.name}.yaml").read_text()


def test_claims_report_sections(tmp_path):
    rows = (
        trees_rows(0.2, 0.01)
        + knn_rows(0.2, 0.05)
        + optimizer_rows({("sgd", "full"): math.inf, ("sgd", "32"): 4.0, ("adagrad", "32"): 2.0, ("adam", "32"): 1.0})
    )
    html_path, md_path = write_reports(table(rows), tmp_path, "claims", {"experiment": "claims"})
    html, md = html_path.read_text(), md_path.read_text()
    for i, claim in enumerate(c.CLAIMS, 1):
        assert f'<section id="claim-{claim.name}">' in html
        assert f"## Claim {i}: {claim.title}" in md
    assert html.count("Verdict: supported.") == 3 and md.count("Verdict: no evidence.") == 5
    assert "<svg" in html.split('<section id="claim-knn_dimension">')[1].split("</section>")[0]
    assert "## Leaderboard" not in md  # the claims' runs are not a leaderboard


def test_ordinary_report_has_a_claims_overview(tmp_path):
    ordinary = [{**r, "params.claim": None} for r in linear_rows(0.99, 0.97)]
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
    result = run_cli(
        "experiment=claims_quick", "seed=zero", f"tracking.uri=sqlite:///{tmp_path}/mlruns.db", cwd=tmp_path
    )
    assert result.returncode == 2 and "seed='zero': expected a number" in result.stderr
    assert not (tmp_path / "mlruns.db").exists()


@pytest.mark.slow
def test_claims_quick_through_the_cli(tmp_path):
    """``experiment=claims_quick`` with one dataset per multi-dataset sweep: every claim section and a verdict."""
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
        verdicts = [f"Verdict: {v}." for v in (c.SUPPORTED, c.NOT_SUPPORTED, c.MIXED)]
        assert any(v in section for v in verdicts), claim.name
        assert f"## Claim {i}: {claim.title}" in md
