"""The torch side of the MLP: the device and threads, the network, its initialisation, the update rule and the
activation statistics.

Imported by ``bench.mlp`` only when training starts, so that building and validating estimators stays fast.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.model_selection import train_test_split
from torch import nn, optim

from bench import _compat
from bench.mlp import diagnostics, layers

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "selu": nn.SELU,
    "mish": nn.Mish,
}
RELU_FAMILY = ("relu", "leaky_relu", "gelu", "mish")  # initialised with the ReLU gain
EMBEDDING_SIGMA = 0.1  # the initial scale of the embeddings' frequencies; the paper tunes it in [0.01, 100]
SATURATION = {"sigmoid": (0.01, 0.99), "tanh": (-0.99, 0.99)}  # outputs beyond these bounds are saturated


def split(X: np.ndarray, y: np.ndarray, fraction: float, seed: int, device: torch.device):
    """Training and validation tensors on ``device`` (``X``, ``y``, ``X_val``, ``y_val``; the validation pair is
    None when ``fraction`` is 0): a stratified hold-out when every class can afford it, a plain random one
    otherwise."""
    X_val = y_val = None
    if fraction > 0:
        counts = np.bincount(y)
        stratify = y if counts[counts > 0].min() >= 2 and fraction * len(y) >= len(counts) else None
        X, X_val, y, y_val = train_test_split(X, y, test_size=fraction, random_state=seed, stratify=stratify)
        X_val, y_val = torch.as_tensor(X_val, device=device), torch.as_tensor(y_val, device=device)
    return torch.as_tensor(X, device=device), torch.as_tensor(y, device=device), X_val, y_val


def resolve_device(name: str) -> str:
    """The torch device for the ``device`` parameter: ``auto`` picks CUDA when available."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was requested but torch.cuda.is_available() is False")
    return name


@contextmanager
def threads(n: int | None) -> Iterator[None]:
    """Torch uses ``n`` threads inside the block (``None``: its own setting), then what it used before."""
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class Block(nn.Module):
    """Linear -> (batch norm) -> activation -> (dropout), with an identity shortcut when ``residual`` and the
    width does not change: the gradient then has a path around the activation's derivative."""

    def __init__(
        self, n_in: int, n_out: int, activation: str, dropout: float, batch_norm: bool, residual: bool, members: int = 1
    ):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out) if members == 1 else layers.EnsembleLinear(n_in, n_out, members)
        # absent layers are None rather than nn.Identity: a module call costs as much as a small matmul
        self.norm = nn.BatchNorm1d(n_out) if batch_norm else None
        self.activation = ACTIVATIONS[activation]()
        self.dropout = nn.Dropout(dropout) if dropout else None
        self.residual = residual and n_in == n_out
        # while captured_pregrads runs: receives dL/dz for the pre-activations z of each forward in training
        self.pregrads: list[torch.Tensor] | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.linear(x)
        if self.norm is not None:
            out = self.norm(out)
        if self.pregrads is not None and out.requires_grad:
            out.register_hook(self.pregrads.append)  # append returns None: the gradient passes unchanged
        out = self.activation(out)
        if self.dropout is not None:
            out = self.dropout(out)
        return x + out if self.residual else out


def build(
    n_in: int,
    hidden: list[int],
    n_out: int,
    *,
    activation: str,
    dropout: float = 0.0,
    batch_norm: bool = False,
    residual: bool = False,
    init: str = "default",
    stem: list[nn.Module] | None = None,
    members: int = 1,
) -> nn.Sequential:
    """The input stage (``stem``: modules that keep rows as rows, ``n_in`` their output width), the member axis
    for ``members`` > 1, hidden blocks, then a linear output layer (the logits)."""
    blocks: list[nn.Module] = [*(stem or []), *([layers.Members(members)] if members > 1 else [])]
    for width in hidden:
        blocks.append(Block(n_in, width, activation, dropout, batch_norm, residual, members))
        n_in = width
    output = nn.Linear(n_in, n_out) if members == 1 else layers.EnsembleLinear(n_in, n_out, members)
    network = nn.Sequential(*blocks, output)
    if init != "default":
        gain_for = "relu" if activation in RELU_FAMILY else activation
        for layer in linear_layers(network):
            if init == "xavier":
                nn.init.xavier_uniform_(layer.weight, gain=nn.init.calculate_gain(gain_for))
            else:  # kaiming
                nonlinearity = "leaky_relu" if activation == "leaky_relu" else "relu"
                nn.init.kaiming_uniform_(layer.weight, nonlinearity=nonlinearity)
            nn.init.zeros_(layer.bias)
    return network


def stem(n_features: int, numeric: list[int], scaling: bool, embeddings: str | None, dim: int) -> tuple[list, int]:
    """The input stage the recipe's options ask for, and its output width: the per-feature scale, then periodic
    embeddings of the ``numeric`` columns."""
    modules: list[nn.Module] = [layers.FeatureScale(n_features)] if scaling else []
    if embeddings == "periodic" and numeric:
        modules.append(layers.NumericEmbedding(numeric, n_features, dim, EMBEDDING_SIGMA))
        n_features = modules[-1].n_out
    return modules, n_features


def linear_layers(network: nn.Sequential) -> list[nn.Module]:
    """The hidden blocks' linear layers and the output layer: the layers the diagnostics number from 0 (an input
    stage's own linear maps are not among them)."""
    return [block.linear for block in network if isinstance(block, Block)] + [network[-1]]


def optimizer(name: str, params, lr: float, weight_decay: float, device: torch.device) -> optim.Optimizer:
    """The update rule, in its fused implementation where torch has one for the device: a single kernel per step
    instead of several small operations per parameter, which dominate the step time of small networks."""
    if name == "rmsprop" or (name == "adagrad" and device.type != "cpu"):  # no fused kernel: one per operation
        klass = optim.RMSprop if name == "rmsprop" else optim.Adagrad
        return klass(params, lr=lr, weight_decay=weight_decay, foreach=True)
    if name in ("sgd", "momentum"):
        momentum = {"momentum": 0.9, "nesterov": True} if name == "momentum" else {}
        return optim.SGD(params, lr=lr, weight_decay=weight_decay, fused=True, **momentum)
    klass = {"adagrad": optim.Adagrad, "adam": optim.Adam, "adamw": optim.AdamW}[name]
    return klass(params, lr=lr, weight_decay=weight_decay, fused=True)


def scheduler(name: str, opt: optim.Optimizer, max_epochs: int) -> optim.lr_scheduler.LRScheduler | None:
    """Per-epoch learning-rate schedule: ``step`` divides the rate by 10 at each third of ``max_epochs``,
    ``cosine`` anneals it to zero over ``max_epochs``."""
    if name == "step":
        return optim.lr_scheduler.StepLR(opt, step_size=max(1, max_epochs // 3), gamma=0.1)
    if name == "cosine":
        return optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max_epochs)
    if name in ("flat_cosine", "coslog"):
        return optim.lr_scheduler.LambdaLR(opt, lambda epoch: layers.schedule_factor(name, epoch, max_epochs))
    return None


@torch.no_grad()
def evaluate(network: nn.Sequential, X: torch.Tensor, y: torch.Tensor, split: str) -> dict[str, float]:
    """Loss and accuracy of the network in eval mode on one split (``training/<split>_loss``,
    ``training/<split>_accuracy``)."""
    network.eval()
    logits = layers.combine(network(X))
    return {
        f"training/{split}_loss": F.cross_entropy(logits, y).item(),
        f"training/{split}_accuracy": (logits.argmax(1) == y).float().mean().item(),
    }


@torch.no_grad()
def train_scores(losses: list[torch.Tensor], predictions: list[torch.Tensor], y: torch.Tensor, batch: int):
    """``training/loss`` and ``training/accuracy``: averages over the epoch's batches (of ``batch`` rows but the last),
    from the first batch to the last one run (an epoch cut short covers the first rows of ``y`` only)."""
    n = len(y)
    seen = min(n, batch * len(losses))
    sizes = torch.tensor([min(batch, n - i) for i in range(0, seen, batch)], dtype=torch.float32, device=y.device)
    return {
        "training/loss": float((torch.stack(losses) * sizes).sum() / seen),
        "training/accuracy": float((torch.cat(predictions) == y[:seen]).float().mean()),
    }


@torch.no_grad()
def gradient_stats(
    weights: list[torch.Tensor], norms: list[torch.Tensor], before: list[torch.Tensor] | None
) -> tuple[dict[str, float], np.ndarray]:
    """Per linear layer: the medians over the epoch's steps of the weight-gradient norm and RMS (``norms``: the
    layers' norms, step after step; one host transfer; ``diagnostics.gradient_stats``), and the norm of the last
    step's weight change (``before``: the weights before it; ``None`` when the epoch stopped early: NaN) over the
    weight norm. Also returns each step's first-over-last hidden layer gradient RMS ratio."""
    steps = torch.stack(norms).view(-1, len(weights)).cpu().numpy().astype(np.float64)
    stats, ratios = diagnostics.gradient_stats(steps, [w.numel() for w in weights])
    if before is None:
        updates = [math.nan] * len(weights)
    else:
        changes = _compat.foreach_norm(_compat.foreach_sub([w.detach() for w in weights], before))
        sizes = _compat.foreach_norm([w.detach() for w in weights])
        updates = (torch.stack(changes) / torch.stack(sizes).clamp_min(1e-12)).tolist()
    stats.update({f"training/update_ratio/layer_{i}": r for i, r in enumerate(updates)})
    return stats, ratios


@torch.no_grad()
def probabilities(network: nn.Sequential, X: np.ndarray) -> np.ndarray:
    """Class probabilities of the network in eval mode, in float64 so that rows sum to 1."""
    network.eval()
    logits = layers.combine(network(torch.as_tensor(X, device=next(network.parameters()).device)))
    return torch.softmax(logits.double(), dim=1).cpu().numpy()


@contextmanager
def captured_activations(network: nn.Sequential, enabled: bool = True) -> Iterator[list[torch.Tensor]]:
    """Collect each hidden block's activation output (before dropout) from the forward passes run inside the
    block. Reading them off a training step costs no extra forward pass."""
    outputs: list[torch.Tensor] = []
    hooks = [
        block.activation.register_forward_hook(lambda _m, _i, out: outputs.append(out.detach()))
        for block in network
        if enabled and isinstance(block, Block)
    ]
    try:
        yield outputs
    finally:
        for hook in hooks:
            hook.remove()


@contextmanager
def captured_pregrads(network: nn.Sequential, enabled: bool = True) -> Iterator[list[list[torch.Tensor]]]:
    """Collect, per hidden block, the gradient of the loss with respect to its pre-activations (the output of the
    linear layer, or of batch norm, before the activation) from the backward passes run inside the block. Blocks
    register their tensor hook only while this runs, so other steps pay nothing."""
    blocks = [block for block in network if enabled and isinstance(block, Block)]
    grads: list[list[torch.Tensor]] = [[] for _ in blocks]
    for block, sink in zip(blocks, grads, strict=True):
        block.pregrads = sink
    try:
        yield grads
    finally:
        for block in blocks:
            block.pregrads = None


@torch.no_grad()
def pregrad_stats(grads: list[list[torch.Tensor]]) -> dict[str, float]:
    """Per hidden layer: the per-element RMS of dL/dz, the back-propagated gradient Glorot and Bengio (2010)
    follow through depth (``training/pregrad_rms/layer_<i>``)."""
    values = [sink[0].square().mean().sqrt() for sink in grads if sink]
    rms = torch.stack(values).tolist() if values else []
    return {f"training/pregrad_rms/layer_{i}": r for i, r in enumerate(rms)}


@torch.no_grad()
def activation_stats(outputs: list[torch.Tensor], activation: str) -> dict[str, float]:
    """Per hidden layer: mean and std of the activations, and for ReLU the share of units that never fire on these
    rows (output <= 0 on every row: no gradient passes them), for sigmoid and tanh the share of outputs pinned at a
    bound. Leaky ReLU and GELU pass a gradient everywhere: neither share."""
    name = "dead_frac" if activation == "relu" else "saturated_frac" if activation in SATURATION else None
    values = []  # per layer: mean, std, and the dead or saturated share; one host transfer at the end
    for out in outputs:
        # population std from the first two moments: torch.std is several times slower on small CPU tensors
        mean = out.mean()
        values += [mean, (out.square().mean() - mean.square()).clamp_min(0).sqrt()]
        if name == "dead_frac":
            values.append(out.amax(dim=0).le(0).float().mean())
        elif name == "saturated_frac":
            low, high = SATURATION[activation]
            values.append(((out < low) | (out > high)).float().mean())
    width = 2 if name is None else 3
    stats: dict[str, float] = {}
    for i, row in enumerate(torch.stack(values).view(-1, width).tolist() if values else []):
        stats.update({f"training/act_mean/layer_{i}": row[0], f"training/act_std/layer_{i}": row[1]})
        if name is not None:
            stats[f"training/{name}/layer_{i}"] = row[2]
    return stats


class BestWeights:
    """The best epoch so far, and a copy of its weights when ``keep`` (early stopping). ``monitor``: ``val_loss``,
    the lowest validation loss; ``val_accuracy``, the highest validation accuracy, a tie going to the lower loss
    (the loss moves every epoch, accuracy in steps of one row). Without validation: the lowest training loss."""

    def __init__(self, keep: bool, monitor: str = "val_loss"):
        self.keep, self.monitor, self.epoch = keep, monitor, 0
        self.score: tuple[float, float] = (-math.inf, -math.inf)
        self.state: dict[str, torch.Tensor] | None = None

    def update(self, network: nn.Module, epoch: int, record: dict[str, float]) -> None:
        loss = record.get("training/val_loss", record["training/loss"])
        if not math.isfinite(loss):
            return
        accuracy = record.get("training/val_accuracy", 0.0) if self.monitor == "val_accuracy" else 0.0
        if (score := (accuracy, -loss)) > self.score:
            self.score, self.epoch = score, epoch
            if self.keep:
                self.state = {k: v.detach().clone() for k, v in network.state_dict().items()}

    def restore(self, network: nn.Module) -> int:
        """Load the kept weights, if any, into ``network``; returns the best epoch (0: none was finite)."""
        if self.state is not None:
            network.load_state_dict(self.state)
        return self.epoch


class TargetClock:
    """When validation accuracy first reaches ``target``: the epoch, optimizer steps, training examples seen and
    seconds since ``start``. It evaluates each time the examples seen cross a multiple of ``interval`` (checked
    after each step) and whenever the caller reports an end-of-epoch accuracy (``interval=None``: only then). A
    step that is not due costs two integer operations and no host sync. Inactive without validation or target."""

    def __init__(self, X_val, y_val, target: float | None, interval: int | None, start: float):
        self.X_val, self.y_val, self.target, self.start = X_val, y_val, target, start
        self.active = X_val is not None and target is not None
        self.interval = interval if self.active else None
        self.steps = self.examples = 0
        self.due = interval or 0  # the next multiple of interval the examples seen have to reach
        self.reached: tuple[int, int, int, float] | None = None

    def step(self, network: nn.Sequential, rows: int, epoch: int) -> bool:
        """Count one optimizer step on ``rows`` examples and evaluate when due; True once the target is reached."""
        self.steps += 1
        self.examples += rows
        if self.interval is None or self.reached is not None or self.examples < self.due:
            return self.reached is not None
        self.due = (self.examples // self.interval + 1) * self.interval
        accuracy = evaluate(network, self.X_val, self.y_val, "val")["training/val_accuracy"]
        network.train()
        return self.check(accuracy, epoch, time.perf_counter() - self.start)

    def check(self, accuracy: float, epoch: int, seconds: float) -> bool:
        """Record an evaluation's accuracy; True once the target is reached."""
        if self.active and self.reached is None and accuracy >= self.target:
            self.reached = (epoch, self.steps, self.examples, seconds)
        return self.reached is not None

    def result(self) -> tuple[float, float, float, float]:
        """Epoch, steps, examples and seconds at the target; NaN when it was never reached."""
        return tuple(float(v) for v in self.reached) if self.reached else (math.nan,) * 4
