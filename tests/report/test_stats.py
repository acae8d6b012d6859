"""Tests for bench.report.stats: each test checked against another implementation or a hand calculation, and the
statistics section's reading of a small table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scikit_posthocs as sp
from scipy import stats

from bench.report.stats.across import friedman, holm, nemenyi_cd, wilcoxon_holm, wilcoxon_p
from bench.report.stats.bayes import family_posteriors, signed_rank
from bench.report.stats.resampled import corrected_t, per_dataset, split_ratio
from bench.report.stats.scores import family_choices, family_scores, model_scores
from bench.report.stats.section import IDENTICAL, NOT_ENOUGH, statistics_section
from bench.report.summaries import prepare

FAMILY = {"mlp": "neural", "svm": "kernel", "knn": "neighbors", "tree": "tree"}


def _scores(seed: int = 0, datasets: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.6, 0.95, (datasets, 1))
    values = base + np.array([0.03, 0.01, 0.0, -0.02]) + rng.normal(0, 0.02, (datasets, 4))
    values[0, 1] = values[0, 2]  # a tie within a dataset
    return pd.DataFrame(values, index=[f"d{i}" for i in range(datasets)], columns=list(FAMILY))


def _runs(scores: pd.DataFrame, seeds: int = 3, spread: float = 0.01, **extra: object) -> pd.DataFrame:
    """One finished run per dataset, model and seed, scattered around ``scores``."""
    rng = np.random.default_rng(1)
    rows = [
        {
            "run_id": f"{d}-{m}-{s}",
            "status": "FINISHED",
            "outcome": "ok",
            "dataset": d,
            "model": m,
            "family": FAMILY.get(m, "other"),
            "seed": s,
            "test_accuracy": scores.loc[d, m] + rng.normal(0, spread),
            **extra,
        }
        for d in scores.index
        for m in scores.columns
        for s in range(seeds)
    ]
    return prepare(pd.DataFrame(rows))


def test_friedman_statistic_matches_scipy_and_iman_davenport_by_hand() -> None:
    scores = _scores()
    got = friedman(scores)
    expected = stats.friedmanchisquare(*(scores[m] for m in scores.columns))
    assert got.chi2 == pytest.approx(expected.statistic)
    n, k = scores.shape
    f = (n - 1) * expected.statistic / (n * (k - 1) - expected.statistic)  # Demšar (2006), equation 2
    assert (got.f, got.df) == (pytest.approx(f), (k - 1, (k - 1) * (n - 1)))
    assert got.p == pytest.approx(1 - stats.f.cdf(f, k - 1, (k - 1) * (n - 1)))


def test_nemenyi_critical_difference_matches_demsar_table() -> None:
    # Demšar (2006), table 5(a): q_0.05 = 2.343, 2.569, 2.728 for 3, 4, 5 models
    for k, q in [(3, 2.343), (4, 2.569), (5, 2.728)]:
        assert nemenyi_cd(k, 10) == pytest.approx(q * math.sqrt(k * (k + 1) / 60), abs=1e-3)


def test_holm_by_hand() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> monotone: 0.02, 0.03, 0.06, 0.06
    assert holm(np.array([0.01, 0.04, 0.03, 0.005])) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm(np.array([0.5, 0.9])) == pytest.approx([1.0, 1.0])  # 0.5 x 2 capped at 1; 0.9 kept above it


def test_wilcoxon_exact_p_by_hand_and_holm_matrix_matches_scikit_posthocs() -> None:
    # five differences of one sign: the exact two-sided p is 2 / 2^5
    assert wilcoxon_p(np.array([0.9, 0.8, 0.7, 0.6, 0.5]), np.array([0.8, 0.75, 0.5, 0.55, 0.2])) == 0.0625
    scores = _scores(seed=3)
    ours = wilcoxon_holm(scores)
    theirs = sp.posthoc_wilcoxon(scores.T.to_numpy().tolist(), zero_method="zsplit", p_adjust="holm")
    assert ours.to_numpy() == pytest.approx(theirs.to_numpy())
    raw = stats.wilcoxon(scores["mlp"], scores["tree"], zero_method="zsplit").pvalue
    assert ours.loc["mlp", "tree"] >= raw


def test_corrected_t_by_hand_on_a_tiny_table() -> None:
    runs = pd.DataFrame(
        {
            "dataset": "iris",
            "model": ["a"] * 3 + ["b"] * 3,
            "seed": [0, 1, 2] * 2,
            "test_accuracy": [0.92, 0.91, 0.95, 0.90, 0.90, 0.92],
            "params.test_size": "0.2",
        }
    )
    [row] = per_dataset(runs, ["a", "b"]).to_dict("records")
    d = np.array([0.02, 0.01, 0.03])  # a - b by seed
    ratio = 0.2 / 0.8
    t = d.mean() / math.sqrt((1 / 3 + ratio) * np.sum((d - d.mean()) ** 2) / 2)
    assert (row["splits"], row["difference"], row["t"]) == (3, pytest.approx(0.02), pytest.approx(t))
    assert row["p"] == pytest.approx(2 * (1 - stats.t.cdf(t, 2)))
    # the correction only widens: the plain paired t-test over the same splits claims more
    assert row["p"] > stats.ttest_rel([0.92, 0.91, 0.95], [0.90, 0.90, 0.92]).pvalue


def test_cv_splits_pair_by_seed_and_fold_and_holdout_runs_by_seed() -> None:
    rows = []
    for model, shift in (("a", 0.02), ("b", 0.0)):
        for seed in range(2):
            rows += [
                {
                    "dataset": "x",
                    "model": model,
                    "seed": seed,
                    "fold": f,
                    "protocol": "cv",
                    "test_accuracy": 0.8 + shift,
                }
                for f in range(5)
            ]
            rows.append({"dataset": "x", "model": model, "seed": seed, "fold": pd.NA, "test_accuracy": 0.7})
    runs = pd.DataFrame(rows).astype({"fold": "Int64"})
    runs.loc[runs["protocol"].eq("cv") & runs["model"].eq("a"), "test_accuracy"] += np.linspace(0, 0.01, 10)
    table = per_dataset(runs.assign(**{"params.protocol.folds": "5"}), ["a", "b"]).set_index("protocol")
    assert table.loc["cv", "splits"] == 10 and table.loc["holdout", "splits"] == 2  # a missing protocol: holdout
    assert split_ratio(runs[runs["protocol"].eq("cv")], "cv") == pytest.approx(1 / 4)
    assert split_ratio(runs[runs["fold"].notna()], "cv") == pytest.approx(1 / 4)  # folds seen, no param
    assert split_ratio(runs, "holdout") == pytest.approx(1 / 3)  # test_size 0.25 by default
    d = runs[runs["protocol"].eq("cv")].pivot_table("test_accuracy", ["seed", "fold"], "model").eval("a - b")
    assert table.loc["cv", "t"] == pytest.approx(corrected_t(d.to_numpy(), 1 / 4)[0])
    assert corrected_t(np.array([0.01]), 0.25) == (pytest.approx(math.nan, nan_ok=True),) * 2


def test_a_difference_constant_over_splits_up_to_one_test_row_is_identical_never_significant() -> None:
    """penguins (342 rows, 86 per test split): svm 1.2 points above knn on every split, the same one row each
    time, with the floating-point noise of accuracies read back from a store."""
    rows = []
    for seed in range(3):
        knn = 0.8 + 0.01 * seed
        for model, accuracy in (("svm", knn + 1 / 86 + 1e-15 * seed), ("knn", knn)):
            rows.append({"dataset": "penguins", "model": model, "seed": seed, "test_accuracy": accuracy})
    runs = pd.DataFrame(rows).assign(**{"params.dataset.rows": "342", "params.test_size": "0.25"})
    [row] = per_dataset(runs, ["svm", "knn"]).to_dict("records")
    assert row["identical"] and math.isnan(row["t"]) and math.isnan(row["p"])
    assert row["difference"] == pytest.approx(1 / 86)
    text = _text(statistics_section(prepare(runs.assign(run_id=range(6), status="FINISHED", outcome="ok"))))
    assert IDENTICAL in text and "1 pair differs by the same amount on every split" in text
    # one row more on a single split is a difference that varies: tested, and not significant
    runs.loc[4, "test_accuracy"] += 1 / 86
    [row] = per_dataset(runs, ["svm", "knn"]).to_dict("records")
    assert not row["identical"] and row["p"] > 0.05


def test_pairs_without_a_common_split_are_left_out_without_a_warning(recwarn) -> None:
    runs = pd.DataFrame(
        {"dataset": "wine", "model": ["a", "a", "b"], "seed": [0, 1, 3], "test_accuracy": [0.9, 0.91, 0.95]}
    )
    assert per_dataset(runs, ["a", "b"]).empty
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_bayesian_signed_rank_by_hand_and_far_beyond_the_rope() -> None:
    # one dataset, b ahead far beyond the ROPE: the Dirichlet(0.5, 1) weight w0 of the prior's pseudo-difference 0
    # puts the mass w0^2 in the ROPE and 1 - w0^2 on "b better"; the ROPE wins when w0^2 > 1/2, P = 1 - 2^(-1/4)
    better_a, equivalent, better_b = signed_rank(np.array([0.7]), np.array([0.9]))
    assert better_a == 0 and equivalent == pytest.approx(1 - 2**-0.25, abs=0.01)
    assert better_b == pytest.approx(2**-0.25, abs=0.01)
    far = signed_rank(np.full(8, 0.95), np.full(8, 0.7) + np.linspace(0, 0.05, 8))
    assert far[0] > 0.99
    near = signed_rank(np.full(8, 0.9), np.full(8, 0.9) + np.linspace(-0.002, 0.002, 8))
    assert near[1] > 0.99


def _dirichlet_signed_rank(a: np.ndarray, b: np.ndarray, rope: float, draws: int = 40_000) -> np.ndarray:
    """Benavoli et al. (2017), section 5, written anew: the posterior of P(z_i + z_j over 2 below / within / above
    the ROPE) under a Dirichlet process with a pseudo-observation 0 of weight 0.5; the share of draws each wins."""
    z = np.concatenate([[0.0], b - a])
    sums = (z[:, None] + z[None, :]) / 2
    regions = [sums < -rope, np.abs(sums) <= rope, sums > rope]
    w = np.random.default_rng(7).dirichlet(np.r_[0.5, np.ones(len(a))], draws)
    theta = np.stack([np.einsum("ni,ij,nj->n", w, r.astype(float), w) for r in regions], axis=1)
    return np.bincount(theta.argmax(axis=1), minlength=3) / draws


def test_bayesian_signed_rank_matches_a_second_implementation() -> None:
    rng = np.random.default_rng(5)
    a = rng.uniform(0.7, 0.9, 10)
    b = a + rng.normal(0.006, 0.01, 10)
    assert signed_rank(a, b) == pytest.approx(tuple(_dirichlet_signed_rank(a, b, 0.01)), abs=0.02)


@pytest.mark.parametrize("rope", [0.01, 0.0])
def test_the_signed_rank_sample_is_baycomps_own(rope: float) -> None:
    from baycomp import SignedRankTest

    from bench.report.stats.bayes import signed_rank_sample

    rng = np.random.default_rng(11)
    a = rng.uniform(0.7, 0.9, 9).round(2)
    b = np.r_[a[:3], (a[3:] + rng.normal(0.006, 0.02, 6)).round(2)]  # ties, and sums on the ROPE's edge
    ours = signed_rank_sample(a, b, rope, 3_000, seed=4)
    theirs = SignedRankTest(a, b, rope, nsamples=3_000, random_state=4)
    assert ours == pytest.approx(theirs.sample, abs=1e-12)
    assert signed_rank(a, b, rope, seed=4) != signed_rank(a, b, rope, seed=5)  # the draws do come from the seed


def test_family_scores_take_each_familys_best_model_and_variants_count_once() -> None:
    scores = _scores()
    runs = _runs(scores.assign(mlp2=scores["mlp"] - 0.1), spread=0)
    runs.loc[runs["model"].eq("mlp2"), "family"] = "neural"
    families = family_scores(runs)
    assert families["neural"].to_numpy() == pytest.approx(scores["mlp"].to_numpy())
    variant = runs[runs["dataset"].eq("d0")].assign(dataset="d0 noise=1", test_accuracy=0.0)
    runs = pd.concat([runs, variant]).assign(dataset_name=lambda r: r["dataset"].str.split().str[0])
    merged = model_scores(runs)
    assert len(merged) == len(scores) and merged.loc["d0", "svm"] == pytest.approx(scores.loc["d0", "svm"] / 2)
    posteriors = family_posteriors(families)
    assert list(posteriors[["family_a", "family_b"]].iloc[0]) == ["neural", "kernel"]
    assert posteriors[["p_a", "p_rope", "p_b"]].sum(axis=1).to_numpy() == pytest.approx(1)


def _text(section) -> str:
    tables = [f"{t.caption}\n{t.markdown()}" for t in section.tables]
    return "\n".join([*section.notes, *tables, *(f.caption for f in section.figures)])


def test_section_reads_every_test_and_is_a_function_of_the_table() -> None:
    runs = _runs(_scores())
    section = statistics_section(runs)
    text = _text(section)
    for words in ["Iman-Davenport", "Nemenyi's critical difference", "Holm", "Bayesian signed-rank", "ROPE"]:
        assert words in text
    assert "Corrected resampled t-test per dataset" in text and "Left out" not in text
    assert [f.key for f in section.figures] == ["critical_difference"]
    assert _text(statistics_section(runs)) == text
    assert statistics_section(runs).figures[0].svg == section.figures[0].svg


def test_few_datasets_keep_ranks_and_per_dataset_tests_and_name_what_is_left_out() -> None:
    runs = _runs(_scores(datasets=3), seeds=1)
    section = statistics_section(runs)
    text = _text(section)
    assert "Average ranks over 3 datasets" in text and "Left out, with 3 datasets" in text
    for test in ["Friedman", "critical difference", "Wilcoxon", "Bayesian signed-rank test over families"]:
        assert test in text.split("Left out")[1]
    assert NOT_ENOUGH in text and not section.figures
    assert [t.caption.split(" (")[0] for t in section.tables] == [
        "Average rank over source datasets",
        "Corrected resampled t-test per dataset and pair of models",
    ]


def test_the_reading_says_when_holm_leaves_no_pair_a_chance() -> None:
    runs = _runs(_scores(datasets=6) + np.array([0.2, 0.1, 0.0, -0.1]), seeds=2)
    text = _text(statistics_section(runs))
    assert "rejects equal performance" in text
    assert "With 6 datasets and 6 pairs, the smallest p-value Holm's correction can give is 0.188" in text


def test_family_representatives_are_chosen_on_validation_never_on_test() -> None:
    scores = _scores()
    # mlp2 scores higher on test everywhere, but mlp is better on validation: mlp represents the family
    runs = _runs(scores.assign(mlp2=scores["mlp"] + 0.1), spread=0)
    runs.loc[runs["model"].eq("mlp2"), "family"] = "neural"
    runs["tuning_best_val_accuracy"] = np.where(runs["model"].eq("mlp2"), 0.5, 0.9)
    choices = family_choices(runs)
    neural = choices[choices["family"].eq("neural")]
    assert set(neural["model"]) == {"mlp"} and set(neural["by"]) == {"validation"}
    assert family_scores(runs)["neural"].to_numpy() == pytest.approx(scores["mlp"].to_numpy())
    # without validation scores: the model best on the other datasets, so a dataset's own test never chooses
    runs = runs.drop(columns="tuning_best_val_accuracy")
    runs.loc[runs["model"].eq("mlp2") & runs["dataset"].eq("d0"), "test_accuracy"] = 0.0
    choices = family_choices(runs).set_index(["dataset", "family"])
    assert choices.loc[("d0", "neural"), "model"] == "mlp2" and choices.loc[("d0", "neural"), "by"] == "other datasets"
    assert choices.loc[("d0", "neural"), "score"] == 0.0


def test_per_dataset_tests_are_holm_corrected_within_each_dataset() -> None:
    table = per_dataset(_runs(_scores(), seeds=5, spread=0.02), list(FAMILY))
    for _, group in table.groupby("dataset"):
        tested = group[group["p"].notna()]
        assert (group["tests"] == len(tested)).all()
        assert tested["p_holm"].to_numpy() == pytest.approx(holm(tested["p"].to_numpy()))
    assert (table["p_holm"] >= table["p"]).all()
    text = _text(statistics_section(_runs(_scores(), seeds=5, spread=0.02)))
    assert "after Holm's correction within each dataset (8 datasets, 6 to 6 tests each)" in text
    assert "p, Holm within the dataset" in text


def test_the_reading_says_no_power_and_why_nemenyi_and_wilcoxon_disagree() -> None:
    # ten datasets, seven models: Holm's smallest p is 21 x 2/2^10 = 0.041, near alpha
    rng = np.random.default_rng(3)
    models = [f"m{i}" for i in range(7)]
    values = 0.8 + np.linspace(0.06, 0, 7) + rng.normal(0, 0.005, (10, 7))
    scores = pd.DataFrame(values, index=[f"d{i}" for i in range(10)], columns=models)
    scores.loc["d0", "m0"] -= 0.2  # best on nine datasets, worst by far on one: far ahead in rank, not by Wilcoxon
    text = _text(statistics_section(_runs(scores, seeds=2)))
    assert "the smallest p-value Holm's correction can give is 0.041, near 0.05" in text
    assert "No power to separate, at this number of datasets:" in text
    assert "which Wilcoxon-Holm does not. The two ask different questions" in text


def test_the_cd_bar_and_its_label_clear_the_rank_labels_and_the_title(monkeypatch) -> None:
    import bench.report.plots as plots

    drawn = {}
    monkeypatch.setattr(plots, "to_svg", lambda fig, name: drawn.setdefault(name, fig) and "<svg></svg>")
    statistics_section(_runs(_scores()))
    fig = drawn["cd"]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    cd = next(t for t in ax.texts if t.get_text().startswith("CD = "))
    bar = next(line for line in ax.lines if line.get_linewidth() == 2 and len(line.get_xdata()) == 2)
    labels = [t for t in (*ax.texts, *ax.get_xticklabels()) if t.get_text() and t is not cd]
    assert labels, "the diagram names its models and ranks"
    for drawn_item in (cd, bar):
        box = drawn_item.get_window_extent(renderer)
        assert not any(box.overlaps(t.get_window_extent(renderer)) for t in labels), drawn_item
        assert not box.overlaps(ax.title.get_window_extent(renderer))
