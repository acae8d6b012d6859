"""The recipe section (bench.report.recipe): arms told by their variants, paired with their reference on the same
splits, the change and its corrected noise by hand."""

import math

import pandas as pd
import pytest

from bench.report.recipe import ablation, arm_of, recipe_section
from bench.report.stats.noise import corrected_se

FOLDS = 3  # n_test/n_train = 1/2


def runs(model: str, variant: str, scores: dict[str, list[float]], fit: float = 1.0) -> list[dict]:
    """One run per split (seed 0, folds 0..2) of each dataset, with a smoke setting every run shares."""
    return [
        {
            "model": f"{model} {variant}".strip(),
            "model_name": model,
            "variant": f"max_epochs=3 {variant}".strip(),
            "dataset": dataset,
            "seed": 0,
            "fold": fold,
            "protocol": "cv",
            "params.protocol.folds": str(FOLDS),
            "test_accuracy": score,
            "fit_time_s": fit,
        }
        for dataset, values in scores.items()
        for fold, score in enumerate(values)
    ]


PLAIN = {"wine": [0.90, 0.92, 0.94], "iris": [0.80, 0.80, 0.83]}
EMBEDDED = {"wine": [0.95, 0.96, 0.97], "iris": [0.86, 0.85, 0.90]}
TABLE = pd.DataFrame(
    runs("mlp", "", PLAIN)
    + runs("mlp", "num_embeddings=periodic", EMBEDDED, fit=4.0)
    + runs("mlp", "label_smoothing=0.1", {"wine": [0.90, 0.93, 0.93], "iris": [0.80, 0.81, 0.82]})
    + runs("mlp_modern", "", EMBEDDED, fit=4.0)
    + runs("mlp_modern", "num_embeddings=None", PLAIN, fit=1.0)
    + runs("svm", "", PLAIN)  # another model: no arm
)


@pytest.mark.parametrize(
    "variant, direction, arm",
    [
        ("max_epochs=3", "add", ""),
        ("max_epochs=3 num_embeddings=periodic", "add", "add_embeddings"),
        ("max_epochs=3 num_embeddings=None", "drop", "drop_embeddings"),
        ("activation=relu hidden_layer_sizes=2x128 max_epochs=3", "drop", "drop_architecture"),
        ("ensemble_size=8 max_epochs=3", "drop", "add_ensemble"),
        ("max_epochs=3 C=10", "add", None),  # no ingredient changes C
    ],
)
def test_an_arm_is_the_ingredient_whose_settings_its_variant_changes(variant, direction, arm):
    assert arm_of(variant, frozenset({"max_epochs=3"}), direction) == arm


def test_each_arm_against_its_reference_with_the_corrected_noise_by_hand():
    table = ablation(TABLE).set_index("arm")
    assert list(table.index) == ["mlp + embeddings", "mlp + smoothing", "mlp_modern − embeddings"]
    row = table.loc["mlp + embeddings"]
    wine = [0.05, 0.04, 0.03]
    iris = [0.06, 0.05, 0.07]
    assert row["difference"] == pytest.approx((sum(wine) / 3 + sum(iris) / 3) / 2)
    se = math.sqrt(corrected_se(wine, 0.5) ** 2 + corrected_se(iris, 0.5) ** 2) / 2
    assert row["se"] == pytest.approx(se) and row["beyond"] == "yes"
    assert row["fit_ratio"] == pytest.approx(4.0) and row["datasets"] == 2 and row["splits"] == 6
    assert table.loc["mlp + smoothing", "beyond"] == "no"  # +0.3 points against splits that move by 1
    assert table.loc["mlp_modern − embeddings", "difference"] == pytest.approx(-row["difference"])


def test_the_section_says_what_moves_beyond_noise_and_stays_away_without_arms():
    section = recipe_section(TABLE)
    said = " ".join(section.notes)
    assert "Beyond two standard errors: mlp + embeddings (+5.0 points, fit time x4)" in said
    assert "mlp + smoothing" not in said.split("Beyond two standard errors:")[1]
    assert recipe_section(TABLE[TABLE["variant"] == "max_epochs=3"]) is None  # references alone: nothing to pair
    assert recipe_section(TABLE[TABLE["model_name"] == "svm"]) is None  # no MLP at all


@pytest.mark.science  # a research suite end to end, made small, as claims_quick
def test_the_recipe_suite_runs_small_and_its_report_names_every_arm(tmp_path, bench_cli):
    sweep = ["hydra.sweeper.params.dataset=iris", "hydra.sweeper.params.seed=0"]
    small = [*sweep, "model.max_epochs=2", "protocol.folds=2"]
    ran = bench_cli("experiment=mlp_recipe", *small, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr[-2000:]
    report = (tmp_path / "reports" / "mlp_recipe.md").read_text()
    section = report.split("## What each ingredient of the recipe buys")[1].split("\n## ")[0]
    for arm in ("preprocessing", "scaling", "embeddings", "architecture", "optimizer", "smoothing", "selection"):
        assert f"| mlp + {arm} " in section and f"| mlp_modern − {arm} " in section
    assert "| mlp + ensemble " in section and "| mlp_modern + ensemble " in section
