"""Every config in conf/ composes and validates."""

import pytest
from omegaconf import OmegaConf

from bench import data, job
from bench.config import CONFIG_DIR

REQUIRED = {  # dataset templates that need the user's values
    "file": (f"dataset.path={data.SHIPPED_DIR / 'penguins.csv.gz'}", "dataset.target=species"),
    "openml": ("dataset.data_id=61",),
    "keel": ("dataset.name=german",),  # the set's name names the runs
}


def options(group: str) -> list[str]:
    folder = CONFIG_DIR / group
    return sorted(str(p.relative_to(folder).with_suffix("")) for p in folder.rglob("*.yaml"))


# the KEEL sets' own configs are keel.yaml and a name: keel.yaml stands for them here (tests/data/test_keel.py checks
# each of them once)
KEEL_SETS = {
    name
    for name in options("dataset")
    if OmegaConf.load(CONFIG_DIR / "dataset" / f"{name}.yaml").get("defaults") == ["keel"]
}


@pytest.mark.parametrize("dataset", [name for name in options("dataset") if name not in KEEL_SETS])
@pytest.mark.parametrize("model", options("model"))
def test_dataset_and_model_configs_compose_and_validate(make_cfg, dataset, model):
    cfg = make_cfg(f"dataset={dataset}", f"model={model}", *REQUIRED.get(dataset, ()))
    job.check(cfg)
    assert cfg.model.name == model and cfg.dataset.name == ("german" if dataset == "keel" else dataset)


@pytest.mark.parametrize("name", options("experiment"))
def test_experiments_compose(make_cfg, name):
    cfg = make_cfg(f"experiment={name}")
    job.check(cfg)


def test_default_sweep_covers_the_issue_matrix(make_cfg):
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        params = compose("config", return_hydra_config=True).hydra.sweeper.params
    assert set(params.dataset.split(",")) >= {"iris", "wine", "breast_cancer", "digits", "moons", "high_dim"}
    assert params.model.split(",") == ["mlp", "decision_tree", "svm", "knn"]
    assert params.seed.split(",") == ["0", "1", "2"]


def test_seed_reaches_every_seeded_estimator(make_cfg):
    for model in ("mlp", "decision_tree"):
        assert make_cfg(f"model={model}", "seed=7").model.random_state == 7


def test_each_suite_lists_existing_sweeps_and_the_claims_suites_every_claim_sweep():
    from bench.cli.suites import suites
    from bench.report.claims import CLAIMS

    listed = suites()
    claim_sweeps = [sweep for claim in CLAIMS for sweep in claim.sweeps]
    assert listed["claims"] == listed["claims_quick"] == claim_sweeps
    for suite, sweeps in listed.items():
        for sweep in sweeps:
            assert (CONFIG_DIR / "experiment" / suite / f"{sweep}.yaml").is_file(), f"{suite}/{sweep}"


@pytest.mark.parametrize("sweep", ["svm_linear_data", "mlp_scale", "mlp_scale_generated", "mlp_scale_wide"])
def test_the_full_claims_run_the_recipe_beside_the_plain_mlp_and_the_quick_claim_5_does_not(sweep):
    """Claims 4 and 5 set the MLP against the other families: their full sweeps tune mlp_modern beside mlp_lean;
    the quick claim-5 sweeps leave out the recipe, whose default trial, never capped, would multiply their time."""
    from hydra import compose, initialize_config_dir

    def models(suite: str) -> list[str]:
        with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
            cfg = compose("config", overrides=[f"experiment={suite}/{sweep}"], return_hydra_config=True)
        return cfg.hydra.sweeper.params.model.split(",")

    full = models("claims")
    assert full.index("mlp_modern") == full.index("mlp_lean") + 1
    if sweep.startswith("mlp_scale"):
        assert "mlp_modern" not in models("claims_quick") and "mlp_lean" in models("claims_quick")
