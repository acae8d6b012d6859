"""The MLP's training diagnostics as a probe the epoch loop calls around each step (skorch's ``on_batch_end``
style): the loop trains, the probe watches. Per step it keeps each layer's weight-gradient norm (still on the
device: no host sync inside the loop); on the epoch's first mini-batch it reads the activations and the
pre-activation gradients the training step computes anyway; before the last step it keeps the weights, to measure
the last update. ``epoch_end`` turns it all into the epoch's history columns (``bench.mlp.network``'s statistics).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import numpy as np
import torch
from torch import nn

from bench import _compat
from bench.mlp import network


class Probe:
    """Diagnostics of one network's training; ``enabled=False`` watches nothing and reports NaN ratios."""

    def __init__(self, module: nn.Sequential, activation: str, enabled: bool) -> None:
        self.module, self.activation, self.enabled = module, activation, enabled
        self.weights = [layer.weight for layer in network.linear_layers(module)]
        self.epoch_begin()

    def epoch_begin(self) -> None:
        self.norms: list[torch.Tensor] = []
        self.before: list[torch.Tensor] | None = None
        self.activations: list[torch.Tensor] = []
        self.pregrads: list[list[torch.Tensor]] = []
        self.steps = 0

    @contextlib.contextmanager
    def step(self, first: bool, last: bool) -> Iterator[None]:
        """Around one training step: ``first``, the epoch's first mini-batch (always a full one); ``last``, its
        last one."""
        self.steps += 1
        if not self.enabled:
            yield
            return
        if last:
            self.before = [w.detach().clone() for w in self.weights]
        with (
            network.captured_activations(self.module, first) as activations,
            network.captured_pregrads(self.module, first) as pregrads,
        ):
            yield
        if first:
            self.activations, self.pregrads = activations, pregrads
        # the step's gradients stay in place until the next step zeroes them
        self.norms.extend(_compat.foreach_norm([w.grad for w in self.weights]))

    def epoch_end(self) -> tuple[dict[str, float], np.ndarray]:
        """The epoch's history columns, and each step's first-over-last hidden layer gradient ratio."""
        if not self.enabled:
            return {}, np.full(self.steps, math.nan)
        stats, ratios = network.gradient_stats(self.weights, self.norms, self.before)
        stats.update(network.activation_stats(self.activations, self.activation))
        stats.update(network.pregrad_stats(self.pregrads))
        return stats, ratios
