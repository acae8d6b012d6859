"""What each test says about these runs, in plain sentences (every number through :mod:`bench.report.format`)."""

from __future__ import annotations

import pandas as pd

from bench.protocol import DEFAULT_TEST_SIZE
from bench.report.format import accuracy, counted, integer, number, points, significant
from bench.report.stats.across import ALL_EQUAL, ALPHA, FEW_DATASETS, FEW_MODELS, NO_FRIEDMAN, Comparison
from bench.report.stats.analysis import MIN_DATASETS, MIN_MODELS, Statistics
from bench.report.stats.bayes import ROPE

DECIDED = 0.95  # a posterior probability above this is read as a decision
POWER = 0.5  # a test whose smallest attainable p is above this share of alpha has no power to separate most pairs
LEVEL, DECISION = number(ALPHA), number(DECIDED)


def _datasets(n: int) -> str:
    return counted(n, "dataset")


def ranks(c: Comparison) -> str:
    if c.ranks.empty:
        return "No two models have results on common datasets: no ranks and no tests across datasets."
    order = ", ".join(f"{m} ({number(r)})" for m, r in c.ranks.items())
    return (
        f"Average ranks over {_datasets(len(c.scores))} (1 = best): {order}. Here and in every test across "
        "datasets, the variants of one source dataset count as one dataset, under the source's name, scored by "
        "their mean."
    )


def left_out(s: Statistics) -> list[str]:
    c = s.models
    n, k = c.scores.shape
    if c.left_out == FEW_DATASETS:
        smallest = f" (on {_datasets(n)} a Wilcoxon test's smallest two-sided p is {significant(2.0 ** (1 - n))})"
        return [
            f"Left out, with {_datasets(n)} where they need at least {integer(MIN_DATASETS)}: the Friedman test "
            "with the Iman-Davenport correction, Nemenyi's critical difference and its diagram, the pairwise "
            "Wilcoxon signed-rank tests with Holm's correction, and the Bayesian signed-rank test over families. "
            f"Each counts a dataset as one observation, and so few cannot show a difference{smallest if n else ''}."
        ]
    lines = {
        FEW_MODELS: f"Left out: the tests across datasets, which need at least two models with results on common "
        f"datasets (there is {integer(k)}).",
        ALL_EQUAL: "Left out: the rank tests across datasets, since every model scores the same on every dataset.",
        NO_FRIEDMAN: f"Left out: the Friedman test and Nemenyi's critical difference, which need at least "
        f"{integer(MIN_MODELS)} models; the Wilcoxon test compares the two directly.",
    }
    found = [lines[c.left_out]] if c.left_out in lines else []
    if s.families.empty:
        found.append(
            "Left out: the Bayesian signed-rank test over families, which needs at least two families with results "
            f"on at least {integer(MIN_DATASETS)} common datasets."
        )
    return found


def friedman(c: Comparison) -> list[str]:
    if c.friedman is None:
        return []
    f = c.friedman
    numbers = f"chi2 = {number(f.chi2)}, F({integer(f.df[0])}, {integer(f.df[1])}) = {number(f.f)}, p = "
    cd = (
        f"Nemenyi's critical difference at alpha {LEVEL} is {number(c.cd)}: two models whose average ranks are "
        "further apart differ by Nemenyi's test (the CD bar in the diagram)."
    )
    if f.p >= ALPHA:
        return [
            f"The Friedman test with the Iman-Davenport correction finds no significant difference between the "
            f"models ({numbers}{significant(f.p)} >= {LEVEL}): on these datasets, no model can be called better "
            "than another, and the pairwise tests are not read.",
            cd,
        ]
    return [
        f"The Friedman test with the Iman-Davenport correction rejects equal performance ({numbers}"
        f"{significant(f.p)} < {LEVEL}).",
        cd,
    ]


def pairwise(c: Comparison) -> list[str]:
    if c.pairwise_p is None or (c.friedman is not None and c.friedman.p >= ALPHA):
        return []
    models = list(c.ranks.index)
    pairs = [(a, b) for i, a in enumerate(models) for b in models[i + 1 :]]
    differ, same = [], []
    for a, b in pairs:
        p = c.pairwise_p.loc[a, b]
        if p >= ALPHA:
            same.append(f"{a} and {b}")
            continue
        better, worse = (a, b) if (c.scores[a] - c.scores[b]).median() >= 0 else (b, a)
        differ.append(f"{better} scores above {worse} (p = {significant(p)})")
    floor = min(len(pairs) * 2.0 ** (1 - len(c.scores)), 1.0)  # Holm's smallest: the best pair times the pairs
    lines = [
        f"Pairwise, by the Wilcoxon signed-rank test over the datasets with Holm's correction for "
        f"{counted(len(pairs), 'pair')} (the thick lines in the diagram join models it does not separate)."
    ]
    weak = floor >= POWER * ALPHA
    if weak:
        lines.append(
            f"With {_datasets(len(c.scores))} and {integer(len(pairs))} pairs, the smallest p-value Holm's correction "
            f"can give is {significant(floor)}"
            + (
                f": no pair can reach {LEVEL} until there are more datasets."
                if floor >= ALPHA
                else f", near {LEVEL}: only a pair ordered the same way on every dataset can reach it."
            )
        )
    if differ:
        lines.append(f"Significantly different at alpha {LEVEL}: " + "; ".join(differ) + ".")
    if same:
        said = "No power to separate, at this number of datasets" if weak else "Not significantly different"
        lines.append(f"{said}: " + "; ".join(same) + ".")
    return lines + disagreements(c, pairs)


def disagreements(c: Comparison, pairs: list[tuple[str, str]]) -> list[str]:
    """Pairs Nemenyi's critical difference separates and Wilcoxon-Holm does not, or the reverse, and why."""
    if c.friedman is None or c.cd != c.cd:
        return []
    nemenyi_only, wilcoxon_only = [], []
    for a, b in pairs:
        apart, p = abs(c.ranks[a] - c.ranks[b]) > c.cd, c.pairwise_p.loc[a, b]
        if apart and p >= ALPHA:
            nemenyi_only.append(f"{a} and {b} (rank gap {number(abs(c.ranks[a] - c.ranks[b]))}, p = {significant(p)})")
        elif not apart and p < ALPHA:
            wilcoxon_only.append(f"{a} and {b} (rank gap {number(abs(c.ranks[a] - c.ranks[b]))}, p = {significant(p)})")
    lines = []
    if nemenyi_only:
        lines.append(
            f"Nemenyi's critical difference ({number(c.cd)}) separates {'; '.join(nemenyi_only)}, which Wilcoxon-Holm "
            "does not. The two ask different questions: Nemenyi compares average ranks among all the models at once, "
            "so a pair's gap depends on where the other models rank, while Wilcoxon tests the pair's own differences "
            "and pays Holm's correction for every pair. This report reads Wilcoxon-Holm (Benavoli, Corani and "
            "Mangili, 2016), so these pairs stay unseparated."
        )
    if wilcoxon_only:
        lines.append(
            f"Wilcoxon-Holm separates {'; '.join(wilcoxon_only)} within Nemenyi's critical difference "
            f"({number(c.cd)}): the pair's differences point the same way on nearly every dataset, though the other "
            "models' ranks keep their average ranks close."
        )
    return lines


def decided_pairs(s: Statistics) -> list[tuple[str, str, str, float]]:
    """The pairs of families the Bayesian test decides: ``(a, relation, b, P)``, relation ``better`` (a better than
    b) or ``equivalent``."""
    found = []
    for row in s.families.itertuples():
        if row.p_a > DECIDED:
            found.append((row.family_a, "better", row.family_b, row.p_a))
        elif row.p_b > DECIDED:
            found.append((row.family_b, "better", row.family_a, row.p_b))
        elif row.p_rope > DECIDED:
            found.append((row.family_a, "equivalent", row.family_b, row.p_rope))
    return found


def families(s: Statistics) -> list[str]:
    if s.families.empty:
        return []
    decided = [
        f"{a} is better than {b} (P = {accuracy(p)})"
        if relation == "better"
        else f"{a} and {b} are practically equivalent (P = {accuracy(p)})"
        for a, relation, b, p in decided_pairs(s)
    ]
    verdict = "; ".join(decided) + "." if decided else "no pair of families is decided."
    return [
        f"The Bayesian signed-rank test (Benavoli et al., 2017) compares each pair of families over the "
        f"{_datasets(len(s.family_scores))}, each family by one model per dataset chosen without that dataset's "
        f"test scores (the highest validation accuracy inside the training folds, else the best on the other "
        f"datasets), so a family swept over more settings gains nothing from the choice; differences within "
        f"{points(ROPE)} count as practically equivalent (the ROPE). A probability above {DECISION} is a decision: "
        + verdict
    ]


def splits(table: pd.DataFrame) -> list[str]:
    if table.empty:
        return ["No two models share a dataset: no per-dataset tests."]
    tested = table[table["p"].notna()]
    holdout = DEFAULT_TEST_SIZE / (1 - DEFAULT_TEST_SIZE)
    lines = [
        "Per dataset, the corrected resampled t-test (Nadeau and Bengio, 2003) pairs two models' test accuracies "
        "by split (seed and fold) and widens the variance of their J differences from 1/J to 1/J + n_test/n_train "
        f"(n_test/n_train = {number(holdout)} for a holdout split of test_size {number(DEFAULT_TEST_SIZE)}, "
        "1/(k − 1) for k-fold cross-validation), because the splits' training sets overlap."
    ]
    if len(tested):
        datasets = tested.groupby(["dataset", "protocol"])["tests"].first()
        expected = float((tested["p"].lt(ALPHA)).size * ALPHA)
        lines.append(
            f"{integer(tested['p_holm'].lt(ALPHA).sum())} of {integer(len(tested))} tested pairs differ at p < {LEVEL} "
            f"after Holm's correction within each dataset ({integer(len(datasets))} datasets, "
            f"{integer(datasets.min())} to {integer(datasets.max())} tests each); uncorrected, "
            f"{integer(tested['p'].lt(ALPHA).sum())} would, where about {number(expected)} would by chance alone if "
            "no pair differed."
        )
        j = int(tested["splits"].median())
        if j <= 3:
            lines.append(
                f"With a median of {counted(j, 'split')} per pair the t-test has {counted(j - 1, 'degree')} of "
                "freedom: it can separate only large, steady differences. Repeated splits (more seeds under "
                "cross-validation) give it power."
            )
    if few := int(table["splits"].lt(2).sum()):
        lines.append(
            f"{counted(few, 'pair')} {'has' if few == 1 else 'have'} a single split in common (one seed): "
            "not enough splits for a test."
        )
    if identical := int((table["splits"].ge(2) & table["identical"].eq(True)).sum()):
        lines.append(
            f"{counted(identical, 'pair')} {'differs' if identical == 1 else 'differ'} by the same amount on every "
            "split, up to one test row: "
            "identical on every split, so there is no spread to test and no p-value."
        )
    return lines


def reading(s: Statistics) -> list[str]:
    """The section's sentences, across datasets first, then per dataset."""
    c = s.models
    across = [*friedman(c), *pairwise(c), *families(s)]
    return [ranks(c), *left_out(s), *across, *splits(s.splits)]
