"""The layers of the modern tabular recipe, each switched on by a parameter of ``MLPClassifier``: a learnable
per-feature scale at the input, periodic embeddings of the numeric features, and parameter-efficient ensembling of
k members in one network (BatchEnsemble; Wen et al., 2020; TabM, Gorishniy et al., 2025).

A network with k members carries a member axis: its tensors are (batch, k, width) from the input stage to the
logits, (batch, k, classes). ``combine`` turns the members' logits into the ensemble's: the log of their mean
probability, so that softmax, argmax and the cross-entropy of the ensemble read it as ordinary logits.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from rtdl_num_embeddings import PeriodicEmbeddings
from torch import nn


class FeatureScale(nn.Module):
    """A learnable factor per input feature, starting at 1: the network can turn an uninformative feature down
    before the first layer mixes it with the others (RealMLP's scaling layer)."""

    def __init__(self, n_features: int) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(n_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


class NumericEmbedding(nn.Module):
    """Periodic embeddings (PLR, lite: Gorishniy et al., 2022) of the columns in ``numeric``, flattened beside the
    other columns as they are: a first layer sees sin/cos features of many frequencies instead of one number, which
    lets an MLP draw the sharp, irregular boundaries trees find easily. Binary columns (one-hot categories) gain
    nothing from it and pass through."""

    def __init__(self, numeric: list[int], n_features: int, dim: int, sigma: float) -> None:
        super().__init__()
        others = sorted(set(range(n_features)) - set(numeric))
        self.register_buffer("numeric", torch.tensor(numeric, dtype=torch.long))
        self.register_buffer("others", torch.tensor(others, dtype=torch.long))
        self.embed = PeriodicEmbeddings(len(numeric), dim, frequency_init_scale=sigma, lite=True)
        self.n_out = len(numeric) * dim + len(others)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        embedded = self.embed(x[:, self.numeric]).flatten(1)
        return torch.cat([embedded, x[:, self.others]], dim=1)


class Members(nn.Module):
    """The member axis: each row is seen by k members, (batch, features) -> (batch, k, features)."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k = k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unsqueeze(1).expand(-1, self.k, -1)


class EnsembleLinear(nn.Module):
    """A linear layer shared by k members, each with its own rank-1 adapters and bias (BatchEnsemble): member i
    computes ``((x * r_i) @ W.T) * s_i + b_i``. The k members cost k times the arithmetic of one network but about
    its parameters, and on small tabular batches, where a step is bound by per-operation overhead, little more time.
    ``weight`` (shared) and ``bias`` (per member) are named as in ``nn.Linear``, for the initialisation and the
    diagnostics."""

    def __init__(self, n_in: int, n_out: int, k: int) -> None:
        super().__init__()
        reference = nn.Linear(n_in, n_out)  # PyTorch's default initialisation of the shared weight
        self.weight = nn.Parameter(reference.weight.detach().clone())
        self.bias = nn.Parameter(reference.bias.detach().repeat(k, 1))
        # adapters of +-1 at random (TabM's init): the members differ from the first step
        self.r = nn.Parameter(torch.randint(0, 2, (k, n_in)).float() * 2 - 1)
        self.s = nn.Parameter(torch.randint(0, 2, (k, n_out)).float() * 2 - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x * self.r, self.weight) * self.s + self.bias


def combine(logits: torch.Tensor) -> torch.Tensor:
    """The network's logits as one model's: for k members (batch, k, classes), the log of their mean probability."""
    if logits.dim() == 2:
        return logits
    return torch.logsumexp(torch.log_softmax(logits, dim=-1), dim=1) - math.log(logits.shape[1])


def loss(logits: torch.Tensor, y: torch.Tensor, label_smoothing: float) -> torch.Tensor:
    """Cross-entropy; with k members, the mean of the members' own losses (each member learns to predict alone:
    the ensemble averages independent errors, as TabM trains it)."""
    if logits.dim() == 3:
        k = logits.shape[1]
        return F.cross_entropy(logits.flatten(0, 1), y.repeat_interleave(k), label_smoothing=label_smoothing)
    return F.cross_entropy(logits, y, label_smoothing=label_smoothing)


def schedule_factor(name: str, epoch: int, max_epochs: int) -> float:
    """The learning rate's factor in epoch ``epoch`` (from 0) for the schedules of the recipe, at the epoch's middle:
    ``flat_cosine`` holds the rate for the first half, then anneals it to zero by a half cosine; ``coslog`` is
    RealMLP's coslog4, four cosine cycles evenly spaced in log-time, ``1/2 - 1/2 cos(2 pi log2(1 + 15 t))``: each
    cycle ends at a low rate, where the weights worth keeping are found."""
    t = (epoch + 0.5) / max_epochs
    if name == "flat_cosine":
        return 1.0 if t < 0.5 else 0.5 * (1 + math.cos(math.pi * (2 * t - 1)))
    return 0.5 - 0.5 * math.cos(2 * math.pi * math.log2(1 + 15 * t))
