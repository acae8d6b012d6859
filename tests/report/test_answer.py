"""The report's first section on hand-made tables: who wins where (ties too), the ranks, what the statistics
allow, and the cost of each model."""

from __future__ import annotations

import pandas as pd

from bench.report.answer import answer_section, winners
from bench.report.stats.analysis import analyse
from bench.report.summaries import build_sections, prepare, scored

FAMILY = {"mlp": "neural", "svm": "kernel", "knn": "neighbors", "tree": "tree"}


def table(accuracies: dict[str, dict[str, float]], seeds: int = 2) -> pd.DataFrame:
    """One finished run per dataset, model and seed; ``accuracies[dataset][model]``, seeds a point apart."""
    rows = [
        {
            "run_id": f"{dataset}-{model}-{seed}",
            "status": "FINISHED",
            "outcome": "ok",
            "dataset": dataset,
            "model": model,
            "family": FAMILY[model],
            "seed": seed,
            "test_accuracy": accuracy + 0.01 * seed,
            "fit_time_s": {"mlp": 2.0, "svm": 0.1, "knn": 0.001, "tree": 0.01}[model],
            "predict_latency_us": {"mlp": 300.0, "svm": 250.0, "knn": 900.0, "tree": 100.0}[model],
        }
        for dataset, models in accuracies.items()
        for model, accuracy in models.items()
        for seed in range(seeds)
    ]
    return pd.DataFrame(rows)


def text(runs: pd.DataFrame) -> str:
    summaries = build_sections(runs)
    section = answer_section(summaries, analyse(scored(prepare(runs))))
    return "\n".join([*section.lead, *(t.markdown() for t in section.tables)])


def test_few_datasets_say_who_wins_where_and_that_the_tests_cannot_separate_them():
    runs = table(
        {
            "iris": {"mlp": 0.95, "svm": 0.93, "knn": 0.90},
            "wine": {"mlp": 0.97, "svm": 0.96, "knn": 0.91},
            "moons": {"mlp": 0.90, "svm": 0.88, "knn": 0.89},
            "digits": {"mlp": 0.94, "svm": 0.98, "knn": 0.97},
        }
    )
    found = text(runs)
    assert "Best model per dataset: mlp (neural) on 3 of 4; svm (kernel) on 1 of 4." in found
    assert "Average rank across datasets (1 = best): mlp 1.5, svm 2, knn 2.5." in found
    assert "with 4 datasets in common (the tests across datasets need 5)" in found
    assert "mlp 2 s to fit, 300 µs per row; svm 0.1 s to fit, 250 µs per row" in found
    best = winners(build_sections(runs)["leaderboard"]).set_index("dataset")
    assert best.loc["digits", "model"] == "svm" and best.loc["digits", "runner_up"] == "knn"
    assert round(best.loc["digits", "gap"], 3) == 0.01


def test_models_tied_first_all_win_and_the_runner_up_is_the_next_below_them():
    runs = table({"iris": {"mlp": 0.95, "svm": 0.95, "knn": 0.90}, "wine": {"mlp": 0.97, "svm": 0.96, "knn": 0.9}})
    best = winners(build_sections(runs)["leaderboard"]).set_index("dataset")
    assert best.loc["iris", "model"] == "mlp = svm" and best.loc["iris", "runner_up"] == "knn"
    assert "mlp (neural) on 1 of 2, tied first on 1 more; svm (kernel) tied first on 1." in text(runs)


def test_enough_datasets_read_the_friedman_and_pairwise_tests():
    accuracies = {
        f"d{i}": {"mlp": 0.95 + 0.003 * i, "svm": 0.90 + 0.002 * i, "knn": 0.80 + 0.004 * i, "tree": 0.70}
        for i in range(8)
    }
    found = text(table(accuracies))
    assert "the Friedman test rejects equal performance" in found
    # the same order on all 8 datasets: every Wilcoxon p is 2/2^8, under 0.05 after Holm's correction for 6 pairs
    assert "mlp above svm" in found and "knn above tree" in found and "no pair" not in found
    assert "Bayesian signed-rank test per pair of families" in found


def test_no_scored_run_says_so():
    runs = table({"iris": {"mlp": 0.9}}).assign(status="FAILED")
    summaries = build_sections(runs)
    section = answer_section(summaries, analyse(scored(prepare(runs))))
    assert section.lead == ["No run scored: nothing to compare yet."]
