"""The torch side of the MLP: the device and threads, the network, its initialisation, the update rule and the
activation statistics.

Imported by ``bench.mlp`` only when training starts, so that building and validating estimators stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn, optim

ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
RELU_FAMILY = ("relu", "leaky_relu", "gelu")
SATURATION = {"sigmoid": (0.01, 0.99), "tanh": (-0.99, 0.99)}  # outputs beyond these bounds are saturated


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

    def __init__(self, n_in: int, n_out: int, activation: str, dropout: float, batch_norm: bool, residual: bool):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        # absent layers are None rather than nn.Identity: a module call costs as much as a small matmul
        self.norm = nn.BatchNorm1d(n_out) if batch_norm else None
        self.activation = ACTIVATIONS[activation]()
        self.dropout = nn.Dropout(dropout) if dropout else None
        self.residual = residual and n_in == n_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.linear(x)
        if self.norm is not None:
            out = self.norm(out)
        out = self.activation(out)
        if self.dropout is not None:
            out = self.dropout(out)
        return x + out if self.residual else out


def build(
    n_in: int,
    hidden: list[int],
    n_out: int,
    activation: str,
    dropout: float,
    batch_norm: bool,
    residual: bool,
    init: str,
) -> nn.Sequential:
    """Hidden blocks then a linear output layer (the logits)."""
    blocks: list[nn.Module] = []
    for width in hidden:
        blocks.append(Block(n_in, width, activation, dropout, batch_norm, residual))
        n_in = width
    network = nn.Sequential(*blocks, nn.Linear(n_in, n_out))
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


def linear_layers(network: nn.Sequential) -> list[nn.Linear]:
    return [m for m in network.modules() if isinstance(m, nn.Linear)]


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
    return None


@torch.no_grad()
def evaluate(network: nn.Sequential, X: torch.Tensor, y: torch.Tensor, split: str) -> dict[str, float]:
    """Loss and accuracy of the network in eval mode on one split (``loss/<split>``, ``accuracy/<split>``)."""
    network.eval()
    logits = network(X)
    return {
        f"loss/{split}": F.cross_entropy(logits, y).item(),
        f"accuracy/{split}": (logits.argmax(1) == y).float().mean().item(),
    }


@torch.no_grad()
def weight_stats(
    weights: list[torch.Tensor], norms: list[torch.Tensor], before: list[torch.Tensor]
) -> dict[str, float]:
    """Per linear layer: the mean gradient norm over the epoch's steps (``norms``: the layers' norms, step after
    step), and the norm of the last step's weight change (``before``: the weights before it) over the weight norm."""
    mean_norms = torch.stack(norms).view(-1, len(weights)).mean(0).tolist()
    stats = {f"grad_norm/layer_{i}": g for i, g in enumerate(mean_norms)}
    changes = torch._foreach_norm(torch._foreach_sub([w.detach() for w in weights], before))
    sizes = torch._foreach_norm([w.detach() for w in weights])
    ratios = (torch.stack(changes) / torch.stack(sizes).clamp_min(1e-12)).tolist()
    stats.update({f"update_ratio/layer_{i}": r for i, r in enumerate(ratios)})
    return stats


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


@torch.no_grad()
def activation_stats(outputs: list[torch.Tensor], activation: str) -> dict[str, float]:
    """Per hidden layer: mean and std of the activations, and the share of units that never fire on these rows
    (ReLU family: output <= 0 on every row) or of outputs pinned at a bound (sigmoid, tanh)."""
    values = []  # per layer: mean, std, and the dead or saturated share; one host transfer at the end
    for out in outputs:
        if activation in RELU_FAMILY:
            share = out.amax(dim=0).le(0).float().mean()
        else:
            low, high = SATURATION[activation]
            share = ((out < low) | (out > high)).float().mean()
        # population std from the first two moments: torch.std is several times slower on small CPU tensors
        mean = out.mean()
        std = (out.square().mean() - mean.square()).clamp_min(0).sqrt()
        values += [mean, std, share]
    name = "dead_frac" if activation in RELU_FAMILY else "saturated_frac"
    stats: dict[str, float] = {}
    for i, (mean, std, share) in enumerate(torch.stack(values).view(-1, 3).tolist() if values else []):
        stats.update({f"act_mean/layer_{i}": mean, f"act_std/layer_{i}": std, f"{name}/layer_{i}": share})
    return stats
