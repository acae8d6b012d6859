"""What a full and a quick benchmark run measure: problem sizes and repeat counts."""

from __future__ import annotations

from dataclasses import dataclass, replace

MIN_REPEATS = 5
GROUPS = "abcdefghi"  # a: MLP training, b: diagnostics, c: tracking, d: sweep throughput, e: report, f: CLI,
# g: where a job's time goes, h: tuning (trials in-process, pruning, parallel trials), i: single-row latency
OPTIONAL_GROUPS = "r"  # run only when --only names them (too slow for the default run): r: MLP reference
FAMILIES = ("decision_tree", "svm", "knn", "logreg", "random_forest", "hist_gradient_boosting", "mlp")


@dataclass(frozen=True)
class Sizes:
    """Problem sizes of one benchmark run; ``QUICK`` shrinks sizes, never the repeats of the main figures."""

    mode: str
    repeats: int = MIN_REPEATS
    small_set_repeats: int = 15  # digits fits take a tenth of the big set's: more repeats for the same time
    sweep_repeats: int = 3  # CLI sweeps (groups c3 and d) are expensive
    classification_samples: int = 20_000
    epochs: int = 30
    sklearn_default_blas: bool = True  # also time sklearn's MLP on its default BLAS threads (erratic under load)
    matmul: int = 1024
    tracking_datasets: tuple[str, ...] = ("iris", "wine")
    tracking_seeds: tuple[int, ...] = (0, 1, 2)
    tracking_mlp: tuple[str, ...] = ("model.hidden_layer_sizes=[32,32]", "model.max_epochs=30")
    tracking_part_runs: int = 10  # runs recorded per repeat in the per-call breakdown
    tracking_sweep: tuple[str, ...] = ()  # overrides of the sweep whose tracking share is measured; (): the default
    cli_sweep: tuple[str, ...] = (
        "dataset=iris,wine,breast_cancer,digits",
        "model=decision_tree,svm,knn,mlp",
        "seed=0,1",
    )
    report_sizes: tuple[int, ...] = (100, 1_000, 5_000)
    tuning_dataset: str = "satimage"
    tuning_models: tuple[str, ...] = FAMILIES
    tuning_trials: int = 25
    # each dataset's pruned and unpruned searches: letter on a stratified 6,000 rows, whose unpruned MLP search takes
    # about 10 minutes here (the whole set's, about 40)
    pruning_datasets: tuple[tuple[str, ...], ...] = (
        ("dataset=satimage",),
        ("dataset=letter", "dataset.max_samples=6000"),
    )
    pruning_extra: tuple[str, ...] = ()  # overrides of every pruned and unpruned search
    parallel_job: tuple[str, ...] = (
        "model=mlp",
        "+protocol.search_space=mlp_lean_capacity",
        "model.early_stopping=false",
        "model.max_epochs=20",
        "protocol.pruner=none",
        "model.verbose=false",
    )
    parallel_trials: int = 24
    latency_dataset: str = "digits"
    latency_models: tuple[str, ...] = FAMILIES
    # group r: the KEEL sets of at most 3,000 rows (iris, wine and wdbc once, as bench's own copies) and penguins
    reference_datasets: tuple[str, ...] = (
        "australian", "bands", "breast", "bupa", "contraceptive", "crx", "german", "hayes-roth", "heart",
        "housevotes", "ionosphere", "led7digit", "mammographic", "monk-2", "movement_libras", "pima", "saheart",
        "segment", "sonar", "tae", "tic-tac-toe", "titanic", "vehicle", "vowel", "wisconsin",
        "iris", "wine", "breast_cancer", "penguins",
    )  # fmt: skip
    reference_folds: int = 3
    reference_epochs: int | None = None  # None: every model's own default; a number caps each model's epochs
    # (label, module, class): group r's models that need an optional package (pip install -e '.[compare]')
    reference_optional: tuple[tuple[str, str, str], ...] = (
        ("RealMLP-TD (pytabkit)", "pytabkit", "RealMLP_TD_Classifier"),
        ("RealMLP-TD-S (pytabkit)", "pytabkit", "RealMLP_TD_S_Classifier"),
    )

    @property
    def digits_repeats(self) -> int:
        return max(self.repeats, self.small_set_repeats)


FULL = Sizes(mode="full")
QUICK = replace(
    FULL,
    mode="quick",
    classification_samples=5_000,
    sklearn_default_blas=False,
    tracking_datasets=("iris",),
    tracking_seeds=(0,),
    tracking_part_runs=5,
    tracking_sweep=("dataset=iris,wine", "model=decision_tree,mlp", "seed=0"),
    cli_sweep=("dataset=iris,wine", "model=decision_tree", "seed=0"),
    report_sizes=(100, 1_000),
    tuning_dataset="iris",
    tuning_models=("decision_tree", "mlp"),
    tuning_trials=3,
    pruning_datasets=(("dataset=iris",),),
    pruning_extra=("model.max_epochs=10",),
    parallel_job=(*FULL.parallel_job[:3], "model.max_epochs=3", *FULL.parallel_job[4:]),
    parallel_trials=4,
    latency_models=("decision_tree", "mlp"),
    reference_datasets=("iris", "wine", "sonar", "heart"),
)
