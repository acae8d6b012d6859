"""The MLP's parameters as data: what each may hold (checked without data, so the CLI can check a whole sweep before
training), the rules that tie some together, and the memory a setting asks for."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np

from bench import params
from bench.mlp.recipe import PREPROCESSING
from bench.params import Range, one_of

ACTIVATIONS = ("relu", "leaky_relu", "gelu", "tanh", "sigmoid", "selu", "mish")
OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam", "adamw")
SCHEDULES = ("constant", "step", "cosine", "flat_cosine", "coslog")

CONSTRAINTS: dict[str, list] = {
    "hidden_layer_sizes": [list, tuple],
    "activation": [one_of(ACTIVATIONS)],
    "init": [one_of({"default", "xavier", "kaiming"})],
    "optimizer": [one_of(OPTIMIZERS)],
    "lr": [Range(Real, 0, None, closed="neither")],
    "lr_schedule": [one_of(SCHEDULES)],
    "batch_size": [Range(Integral, 1, None, closed="left"), None],
    "max_epochs": [Range(Integral, 1, None, closed="left")],
    "weight_decay": [Range(Real, 0, None, closed="left")],
    "dropout": [Range(Real, 0, 1, closed="left")],
    "batch_norm": [bool],
    "residual": [bool],
    "grad_clip": [Range(Real, 0, None, closed="neither"), None],
    "preprocessing": [one_of(PREPROCESSING)],
    "feature_scaling": [bool],
    "num_embeddings": [one_of({"periodic"}), None],
    "embedding_dim": [Range(Integral, 1, None, closed="left")],
    "label_smoothing": [Range(Real, 0, 1, closed="left")],
    "monitor": [one_of({"val_loss", "val_accuracy"})],
    "ensemble_size": [Range(Integral, 1, None, closed="left")],
    "early_stopping": [bool],
    "validation_fraction": [Range(Real, 0, 1, closed="left")],
    "patience": [Range(Integral, 1, None, closed="left")],
    "diagnostics": [bool],
    "device": [one_of({"cpu", "cuda", "auto"})],
    "target_accuracy": [Range(Real, 0, 1, closed="right"), None],
    "eval_interval": [Range(Integral, 1, None, closed="left"), None],
    "stop_at_target": [bool],
    "n_threads": [Range(Integral, 1, None, closed="left"), None],
    "random_state": [Range(Integral, 0, 2**32 - 1), np.random.RandomState, None],
    "verbose": [bool, Range(Integral, 0)],
}


def check(values: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` naming the first bad value, alone or against another parameter."""
    params.check(CONSTRAINTS, values, "MLPClassifier")
    sizes = list(values["hidden_layer_sizes"])
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in sizes):
        raise ValueError(
            f"The 'hidden_layer_sizes' parameter of MLPClassifier must hold positive ints. "
            f"Got {values['hidden_layer_sizes']!r} instead."
        )
    validation = values["validation_fraction"] > 0
    if values["early_stopping"] and not validation:
        raise ValueError("The 'early_stopping' parameter of MLPClassifier needs validation_fraction > 0.")
    if values["stop_at_target"] and (values["target_accuracy"] is None or not validation):
        raise ValueError("The 'stop_at_target' parameter of MLPClassifier needs target_accuracy and validation.")
    if values["batch_norm"] and values["ensemble_size"] > 1:
        raise ValueError("The 'batch_norm' parameter of MLPClassifier cannot be combined with ensemble_size > 1.")


def memory_bytes(values: Mapping[str, Any], n_rows: int, n_features: int, n_classes: int) -> float:
    """About the memory training takes: float32 weights, gradients, optimizer state, early stopping's best weights,
    and a batch's activations (all rows' for full-batch training), for every member of an ensemble; embedded
    columns counted at their embedding's width."""
    k = values["ensemble_size"]
    first = n_features * (values["embedding_dim"] if values["num_embeddings"] else 1)
    widths = [first, *values["hidden_layer_sizes"], n_classes]
    weights = sum((a + 1 + 2 * k) * b for a, b in zip(widths, widths[1:], strict=False))
    states = {"sgd": 0, "momentum": 1, "adagrad": 1, "rmsprop": 1}.get(values["optimizer"], 2)  # adam, adamw: 2
    size = values["batch_size"]
    rows = n_rows if size is None else min(size, n_rows)
    return 4.0 * (weights * (2 + states + int(values["early_stopping"])) + 3 * rows * k * sum(widths))
