"""What group a times: the data, the thread settings, and the trainers beside bench's MLP (a minimal PyTorch
loop, the arithmetic floor of its matrix products, any estimator's fit)."""

from __future__ import annotations

import contextlib
import math
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.harness import Case
from benchmarks.sizes import Sizes


@contextlib.contextmanager
def threads(torch_threads: int | None = None, blas_threads: int | None = None) -> Iterator[None]:
    """Set torch's thread count and limit the BLAS pools (threadpoolctl) inside the block; None: leave as is."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    if torch_threads:
        torch.set_num_threads(torch_threads)
    try:
        with threadpool_limits(blas_threads, user_api="blas") if blas_threads else contextlib.nullcontext():
            yield
    finally:
        torch.set_num_threads(before)


@dataclass(frozen=True)
class Split:
    name: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray

    @property
    def n_classes(self) -> int:
        return len(np.unique(self.y_train))


def mlp_splits(sizes: Sizes) -> list[Split]:
    """digits and a make_classification set: stratified 75/25, StandardScaler fitted on train, float32."""
    from sklearn.datasets import load_digits, make_classification
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    n = sizes.classification_samples
    sets = {
        "digits": load_digits(return_X_y=True),
        f"classification {n:,}": make_classification(n_samples=n, n_features=50, n_informative=20, random_state=0),
    }
    splits = []
    for name, (X, y) in sets.items():
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = (scaler.transform(a).astype(np.float32) for a in (X_train, X_test))
        splits.append(Split(name, X_train, X_test, y_train.astype(np.int64), y_test.astype(np.int64)))
    return splits


def minimal_loop(data: Split, epochs: int, torch_threads: int | None) -> dict[str, Any]:
    """The baseline trainer: in-memory tensors, randperm batches, Sequential, Adam, cross-entropy, nothing else."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.manual_seed(0)
    X, y = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train)
    with threads(torch_threads):
        start = time.perf_counter()
        net = nn.Sequential(
            nn.Linear(X.shape[1], 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, data.n_classes)
        )
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        for _ in range(epochs):
            order = torch.randperm(len(X))
            for i in range(0, len(X), 128):
                index = order[i : i + 128]
                loss = F.cross_entropy(net(X[index]), y[index])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        seconds = time.perf_counter() - start
    with torch.no_grad():
        predicted = net(torch.from_numpy(data.X_test)).argmax(1).numpy()
    return {"seconds": seconds, "test_accuracy": float((predicted == data.y_test).mean())}


def matmul_floor(data: Split, epochs: int, torch_threads: int | None) -> dict[str, Any]:
    """What no trainer of this network can beat on these threads: the matrix products of every mini-batch step
    (3 forward; 5 backward: a weight gradient per layer, an input gradient per layer but the first), with full
    batches of 128 and nothing else: no activation, loss, update, data movement or framework overhead."""
    import torch

    n_train, n_features = data.X_train.shape
    generator = torch.Generator().manual_seed(0)
    x, h1, h2 = (torch.randn(128, width, generator=generator) for width in (n_features, 128, 128))
    g1, g2, g3 = (torch.randn(128, width, generator=generator) for width in (128, 128, data.n_classes))
    w1, w2, w3 = (
        torch.randn(rows, cols, generator=generator)
        for rows, cols in ((128, n_features), (128, 128), (data.n_classes, 128))
    )
    with threads(torch_threads), torch.no_grad():
        start = time.perf_counter()
        for _ in range(epochs * math.ceil(n_train / 128)):
            x @ w1.T, h1 @ w2.T, h2 @ w3.T
            g3.T @ h2, g3 @ w3, g2.T @ h1, g2 @ w2, g1.T @ x
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "test_accuracy": math.nan}


def fitted(make: Callable[[], Any], data: Split, blas_threads: int | None = None) -> Case:
    """A case that fits a fresh estimator (timed, BLAS threads limited if asked) and scores it (untimed)."""

    def case() -> dict[str, Any]:
        model = make()
        with threads(blas_threads=blas_threads), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sklearn's ConvergenceWarning: all epochs run on purpose
            start = time.perf_counter()
            model.fit(data.X_train, data.y_train)
            seconds = time.perf_counter() - start
        return {"seconds": seconds, "test_accuracy": float(model.score(data.X_test, data.y_test))}

    return case


def ours(sizes: Sizes, diagnostics: bool) -> Callable[[], Any]:
    """bench's MLP with the shared settings of group a: 2x128, Adam 1e-3, batch 128, every epoch run."""
    from bench.mlp import MLPClassifier

    return lambda: MLPClassifier(
        hidden_layer_sizes=(128, 128),
        lr=1e-3,
        batch_size=128,
        max_epochs=sizes.epochs,
        early_stopping=False,
        validation_fraction=0.0,
        diagnostics=diagnostics,
        random_state=0,
    )


def sklearn_mlp(sizes: Sizes) -> Callable[[], Any]:
    """scikit-learn's MLPClassifier with the same settings, no weight decay and no early end."""
    from sklearn.neural_network import MLPClassifier

    return lambda: MLPClassifier(
        hidden_layer_sizes=(128, 128),
        learning_rate_init=1e-3,
        batch_size=128,
        max_iter=sizes.epochs,
        alpha=0.0,
        tol=0.0,
        n_iter_no_change=10**9,
        early_stopping=False,
        random_state=0,
    )
