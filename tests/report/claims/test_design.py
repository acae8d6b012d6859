"""The designs the judges check their runs against: the grids of the real claims configs, and a claim with a
missing cell, a reduced sweep or mixed designs has no evidence."""

from __future__ import annotations

import itertools

import pandas as pd

from bench.report import claims as c
from bench.report.claims.design import Design, design_of, missing


def test_design_of_expands_the_real_configs_grid():
    full = design_of("claims", "regularization")
    assert dict(full.grid)["seed"] == ("0", "1", "2", "3", "4")
    assert dict(full.grid)["model.dropout"] == ("0.0", "0.25", "0.5", "0.75")
    assert full.splits == 5 and full.cells == 20
    quick = design_of("claims_quick", "regularization")
    assert quick.cells < full.cells and quick.splits == 2
    assert design_of("claims", "no_such_sweep") is None
    for claim in c.CLAIMS:  # every sweep a rule names exists in both designs
        for sweep in claim.sweeps:
            assert design_of("claims", sweep) is not None and design_of("claims_quick", sweep) is not None, sweep


GRID = Design("claims", "s", (("model", ("a", "b")), ("seed", ("0", "1", "2"))), splits=2)


def runs(cells=None, suite="claims", folds=2) -> pd.DataFrame:
    cells = cells or list(itertools.product("ab", (0, 1, 2)))
    return pd.DataFrame(
        [
            {"model_name": m, "seed": s, "fold": f, "params.design.suite": suite, "params.design.sweep": "s"}
            for (m, s), f in itertools.product(cells, range(folds))
        ]
    )


def designs(suite: str, sweep: str) -> Design | None:
    return GRID if sweep == "s" else None


def test_runs_that_fill_the_grid_are_covered():
    assert missing(runs(), ("s",), designs) is None


def test_a_missing_cell_a_missing_value_or_fold_is_named():
    one_gone = runs([cell for cell in itertools.product("ab", (0, 1, 2)) if cell != ("b", 2)])
    assert (
        missing(one_gone, ("s",), designs)
        == "claims/s has runs in 5 of the 6 cells of its design: run experiment=claims/s"
    )
    no_b = runs([cell for cell in itertools.product("ab", (0, 1, 2)) if cell[0] == "a"])
    assert "runs for 1 of the 2 values of model" in missing(no_b, ("s",), designs)
    assert "6 jobs with fewer than its 2 splits" in missing(runs(folds=1), ("s",), designs)
    assert "no finished runs: run experiment=claims/t" in missing(runs(), ("s", "t"), lambda su, sw: GRID)


def test_runs_without_a_design_or_from_two_designs_are_not_judged():
    assert "record no design" in missing(runs().drop(columns="params.design.suite"), ("s",), designs)
    mixed = pd.concat([runs(), runs(suite="claims_quick")])
    assert "several designs (claims, claims_quick)" in missing(mixed, ("s",), designs)
    assert "no sweep claims/s" in missing(runs(), ("s",), lambda su, sw: None)


def test_a_claim_with_a_missing_cell_has_no_evidence():
    table = runs().assign(
        **{"params.claim": "knn_dimension", "status": "FINISHED", "dataset": "signal", "test_accuracy": 0.9}
    )
    claim = next(k for k in c.CLAIMS if k.name == "knn_dimension")
    evidence = c.assess(claim, table)  # the real design: 6 noise levels x 4 models x 3 seeds
    assert evidence.verdict == c.NO_EVIDENCE and "claims/knn_dimension" in evidence.sentence


def test_design_of_inside_a_hydra_app():
    """A sweep's callback writes its report with Hydra initialized: the designs compose there too."""
    from hydra import initialize_config_dir

    from bench.config import CONFIG_DIR

    design_of.cache_clear()
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        assert design_of("claims", "svm_cost") == design_of.__wrapped__("claims", "svm_cost")
        assert design_of("claims", "svm_cost").cells == 6 * 4 * 3
    design_of.cache_clear()


def test_the_knife_edge_claims_have_the_replicates_and_grids_their_rules_ask():
    from bench.report.claims.rules import COMPARISON_SEEDS, SELECTION_SEEDS

    def grid(sweep: str) -> dict[str, tuple[str, ...]]:
        return dict(design_of("claims", sweep).grid)

    for sweep in ("mlp_scale", "mlp_scale_generated", "mlp_scale_wide", "regularization", "regularization_decay"):
        assert len(grid(sweep)["seed"]) >= 5, sweep
    assert len(grid("optimizers")["seed"]) == len(SELECTION_SEEDS) + COMPARISON_SEEDS and COMPARISON_SEEDS >= 10
    assert max(map(float, grid("regularization")["model.dropout"])) > 0.5
    assert max(map(float, grid("regularization_decay")["model.weight_decay"])) > 0.1
