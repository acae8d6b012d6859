"""The MLP as a scikit-learn classifier: its parameters and the training loop, fit -> epoch -> step.

The loop is ours, small on purpose: in-memory tensors with shuffled mini-batches (a DataLoader costs twice the time
on small tabular data). Each epoch records the diagnostics that make overfitting and vanishing gradients visible
(``bench.mlp.diagnostics`` reads them). The torch side (``bench.mlp.network``, ``layers``) is imported when training
starts, so that building and validating an estimator (as the CLI does for a whole sweep before training) stays fast.
"""

from __future__ import annotations

import math
import sys
import time
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from bench.metrics import MLP_SUMMARIES, TrainingSummary
from bench.mlp import diagnostics, options, recipe


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """Multi-layer perceptron classifier trained with mini-batch backpropagation (PyTorch).

    Parameters
    ----------
    hidden_layer_sizes : sequence of int, default=(128, 128)
        Width of each hidden layer; its length is the depth.
    activation : {"relu", "leaky_relu", "gelu", "tanh", "sigmoid", "selu", "mish"}, default="relu"
        Non-linearity after each hidden layer.
    init : {"default", "xavier", "kaiming"}, default="default"
        Weight initialisation: PyTorch's default (uniform, scaled by fan-in), Glorot/Xavier uniform with the
        activation's gain, or He/Kaiming uniform. Biases start at zero with ``xavier`` and ``kaiming``.
    optimizer : {"sgd", "momentum", "adagrad", "rmsprop", "adam", "adamw"}, default="adam"
        Update rule; ``momentum`` is SGD with Nesterov momentum 0.9.
    lr : float, default=1e-3
        Learning rate.
    lr_schedule : {"constant", "step", "cosine", "flat_cosine", "coslog"}, default="constant"
        Per-epoch schedule: ``step`` divides the rate by 10 at each third of ``max_epochs``; ``cosine`` anneals it
        to zero over ``max_epochs``; ``flat_cosine`` holds it for half, then anneals; ``coslog`` is RealMLP's four
        cosine cycles evenly spaced in log-time.
    batch_size : int or None, default=64
        Mini-batch size; ``None`` means full-batch gradient descent.
    max_epochs : int, default=200
        Upper bound on passes over the training data.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer (decoupled for ``adamw``).
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    batch_norm : bool, default=False
        Batch normalisation between each hidden linear layer and its activation.
    residual : bool, default=False
        Identity shortcuts around hidden layers whose input and output widths are equal.
    grad_clip : float or None, default=None
        Clip the global gradient norm to this value at every step.
    preprocessing : {"none", "robust_clip", "quantile"}, default="none"
        Transform of the inputs fitted on the training data: RealMLP's robust scaling with smooth clipping, or a
        quantile transform to normal scores.
    feature_scaling : bool, default=False
        A learnable per-feature factor (starting at 1) before the first layer.
    num_embeddings : {None, "periodic"}, default=None
        Periodic embeddings (PLR lite, ``rtdl_num_embeddings``) of the columns with more than two values.
    embedding_dim : int, default=16
        Width of each numeric column's embedding.
    label_smoothing : float, default=0.0
        Label smoothing of the training loss.
    monitor : {"val_loss", "val_accuracy"}, default="val_loss"
        What early stopping and the restored best epoch follow; ``val_accuracy`` breaks ties by the loss.
    ensemble_size : int, default=1
        Members of a parameter-efficient ensemble in one network (BatchEnsemble, as TabM): shared weights with
        rank-1 adapters per member, each member trained on its own loss, predictions the mean of the members'
        probabilities. 1: a single network.
    early_stopping : bool, default=True
        Stop when the validation score (``monitor``) has not improved for ``patience`` epochs, and restore the best
        weights.
    validation_fraction : float, default=0.1
        Share of the training data held out (stratified) for the validation curves and early stopping.
        ``0`` trains on everything and records no validation curves.
    patience : int, default=10
        Epochs without validation improvement before stopping.
    diagnostics : bool, default=True
        Record per-layer gradient norms at every step, and per epoch the update ratios, activation statistics and
        pre-activation gradients (a few percent of the training time).
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where to train; ``auto`` picks CUDA when available.
    target_accuracy : float or None, default=None
        Validation accuracy that the ``*_to_target_`` attributes time; ``None``: 99% of the run's own best (no
        steps or examples then). A fixed target compares training procedures on one bar (optimizers, batch sizes).
    eval_interval : int or None, default=None
        With validation and ``target_accuracy``: also evaluate each time the training examples seen cross a
        multiple of this (checked after each step), timing the target finer than epochs. ``None``: epoch ends only.
    stop_at_target : bool, default=False
        Stop training as soon as validation accuracy reaches ``target_accuracy`` (needs it and a validation split).
    n_threads : int or None, default=1
        Torch threads while training; small networks train fastest on one, and parallel jobs should not compete
        for cores. ``None`` keeps torch's setting.
    random_state : int, RandomState instance or None, default=None
        Seeds the validation split, the initial weights, dropout and the batch order.
    verbose : bool, default=False
        Show an epoch progress line on a terminal (never when stderr is not a TTY).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``predict`` returns values from it.
    module_ : torch.nn.Sequential
        The trained network: one block per hidden layer, then the linear output layer.
    history_ : list of dict
        One record per epoch, its keys the names MLflow knows them by: ``epoch``; ``training/loss``,
        ``training/accuracy`` (running averages over the epoch's batches); ``training/val_loss``,
        ``training/val_accuracy``; ``time_s`` (seconds since training started); and with ``diagnostics``:
        ``training/grad_norm/layer_<i>``, ``training/grad_rms/layer_<i>`` (median over the epoch's steps of the L2
        norm, and of the per-element RMS, of linear layer i's weight gradient; layer 0 is the first hidden layer,
        the last the output layer), ``training/update_ratio/layer_<i>`` (the epoch's last weight change over the
        weights, in norm), and per hidden layer on the epoch's first mini-batch as the network saw it in training:
        ``training/act_mean/``, ``training/act_std/``, ``training/pregrad_rms/layer_<i>`` (per-element RMS of
        dloss/dpre-activation), ``training/dead_frac/`` (ReLU: units never active on it) or
        ``training/saturated_frac/`` (sigmoid, tanh: outputs within 0.01 of a bound); neither for leaky ReLU and
        GELU, which always pass a gradient.
    best_epoch_ : int
        The epoch whose weights the model keeps (lowest validation loss, or training loss without validation).
    n_epochs_ : int
        Epochs run.
    diverged_ : bool
        Whether training stopped on a non-finite loss.
    grad_ratio_first_last_, grad_ratio_init_ : float
        Per step, the weight-gradient RMS of the first hidden layer over the last hidden layer's: the median over
        all steps, and at the first (initial weights). Far below 1: vanishing gradients; NaN under 2 hidden layers.
    pregrad_ratio_first_last_, pregrad_ratio_init_ : float
        The same two for the pre-activation gradient (``training/pregrad_rms/``, sampled once per epoch).
    epochs_to_target_, seconds_to_target_ : float
        Epoch (and seconds since training started) of the first evaluation at which validation accuracy reached
        ``target_accuracy`` (default: 99% of its best); NaN without validation or when it never did.
    steps_to_target_, examples_to_target_ : float
        Optimizer steps and training examples seen at that evaluation; NaN without ``target_accuracy``.

    Notes
    -----
    A ``bench.metrics.Diagnosed`` estimator: ``preload()`` imports torch ahead of a timed fit, and
    ``training_summary()`` returns what a run logs about its training. ``validate_params()`` checks the
    parameters without data, as ``fit`` does first.
    """

    constraints: ClassVar[dict[str, list]] = options.CONSTRAINTS

    # long: scikit-learn's contract, one argument and one plain assignment per parameter
    def __init__(
        self,
        hidden_layer_sizes=(128, 128),
        activation="relu",
        init="default",
        optimizer="adam",
        lr=1e-3,
        lr_schedule="constant",
        batch_size=64,
        max_epochs=200,
        weight_decay=0.0,
        dropout=0.0,
        batch_norm=False,
        residual=False,
        grad_clip=None,
        preprocessing="none",
        feature_scaling=False,
        num_embeddings=None,
        embedding_dim=16,
        label_smoothing=0.0,
        monitor="val_loss",
        ensemble_size=1,
        early_stopping=True,
        validation_fraction=0.1,
        patience=10,
        diagnostics=True,
        device="cpu",
        target_accuracy=None,
        eval_interval=None,
        stop_at_target=False,
        n_threads=1,
        random_state=None,
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.optimizer = optimizer
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.residual = residual
        self.grad_clip = grad_clip
        self.preprocessing = preprocessing
        self.feature_scaling = feature_scaling
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.label_smoothing = label_smoothing
        self.monitor = monitor
        self.ensemble_size = ensemble_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.diagnostics = diagnostics
        self.device = device
        self.target_accuracy = target_accuracy
        self.eval_interval = eval_interval
        self.stop_at_target = stop_at_target
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    def validate_params(self) -> None:
        """Check the parameters as ``fit`` does, without data: raise ``ValueError`` naming the bad value."""
        options.check(self.get_params(deep=False))

    # -- fit -> epoch -> step ------------------------------------------------------------------------------
    def fit(self, X, y, on_epoch=None):
        """Train the network on ``X``, ``y``; returns ``self``. ``on_epoch(epoch, record)`` is called after every
        epoch with its ``history_`` record; an exception it raises stops training and leaves ``fit`` (a tuning
        study prunes a losing trial so)."""
        import torch

        from bench.mlp import network

        self.validate_params()
        X, y = validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"MLPClassifier needs at least two classes; got 1 class: {self.classes_[0]}")
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        device = torch.device(network.resolve_device(self.device))
        self.preprocessor_ = recipe.make_preprocessor(self.preprocessing, seed, len(X))
        X = self._transform(X, fit=True)
        stem_args = (recipe.numeric_columns(X), self.feature_scaling, self.num_embeddings, self.embedding_dim)
        X, y_index, X_val, y_val = network.split(X, y_index, self.validation_fraction, seed, device)

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            stem, n_in = network.stem(X.shape[1], *stem_args)
            self.module_ = network.build(
                n_in,
                list(self.hidden_layer_sizes),
                len(self.classes_),
                activation=self.activation,
                dropout=self.dropout,
                batch_norm=self.batch_norm,
                residual=self.residual,
                init=self.init,
                stem=stem,
                members=self.ensemble_size,
            ).to(device)
        optimizer = network.optimizer(self.optimizer, self.module_.parameters(), self.lr, self.weight_decay, device)
        schedule = network.scheduler(self.lr_schedule, optimizer, self.max_epochs)
        generator = torch.Generator(device="cpu").manual_seed(seed)
        with network.threads(self.n_threads), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)  # dropout masks
            clock, ratios = self._train(X, y_index, X_val, y_val, optimizer, schedule, generator, on_epoch)
        self._summarize(clock, ratios)
        return self

    def _transform(self, X: np.ndarray, fit: bool = False) -> np.ndarray:
        """The inputs through the fitted ``preprocessing`` transform, as float32."""
        if self.preprocessor_ is not None:
            X = (self.preprocessor_.fit_transform if fit else self.preprocessor_.transform)(X).astype(np.float32)
        return X

    def _summarize(self, clock, ratios: np.ndarray) -> None:
        self.n_epochs_ = len(self.history_)
        self.grad_ratio_first_last_, self.grad_ratio_init_ = diagnostics.median_and_first(ratios)
        self.pregrad_ratio_first_last_, self.pregrad_ratio_init_ = diagnostics.pregrad_ratios(self.history_)
        epoch, steps, examples, seconds = clock.result()  # NaN without a target
        if self.target_accuracy is None:  # a share of the run's own best: known only once training ends
            epoch, seconds = diagnostics.time_to_target(self.history_)
        self.epochs_to_target_, self.seconds_to_target_ = epoch, seconds
        self.steps_to_target_, self.examples_to_target_ = steps, examples

    def _train(self, X, y, X_val, y_val, optimizer, schedule, generator, on_epoch=None):
        """Epochs until ``max_epochs``, divergence, the target when ``stop_at_target``, or ``patience`` epochs
        without a better validation loss. Returns the target clock and every step's gradient ratio."""
        from bench.mlp import network
        from bench.mlp.probe import Probe

        self.history_, self.diverged_ = [], False
        best = network.BestWeights(self.early_stopping, self.monitor)
        probe = Probe(self.module_, self.activation, self.diagnostics)
        start = time.perf_counter()
        clock, ratios = network.TargetClock(X_val, y_val, self.target_accuracy, self.eval_interval, start), []
        with diagnostics.Progress(self.max_epochs, self.verbose and sys.stderr.isatty()) as progress:
            for epoch in range(1, self.max_epochs + 1):
                record, epoch_ratios = self._run_epoch(X, y, optimizer, generator, clock, probe, epoch)
                ratios.append(epoch_ratios)
                if X_val is not None:
                    record.update(network.evaluate(self.module_, X_val, y_val, "val"))
                record["time_s"] = time.perf_counter() - start
                if X_val is not None:  # an evaluation the clock counts, the only one with eval_interval=None
                    clock.check(record["training/val_accuracy"], epoch, record["time_s"])
                self.history_.append(record)
                progress.update(epoch, record)
                if on_epoch is not None:
                    on_epoch(epoch, record)
                if not math.isfinite(record["training/loss"]):
                    self.diverged_ = True  # a result, not an error: the caller records it as such
                    break
                if schedule is not None:
                    schedule.step()
                best.update(self.module_, epoch, record)
                if self.early_stopping and epoch - best.epoch >= self.patience:
                    break
                if self.stop_at_target and clock.reached is not None:
                    break
        self.best_epoch_ = best.restore(self.module_)
        return clock, np.concatenate(ratios)

    def _run_epoch(self, X, y, optimizer, generator, clock, probe, epoch: int) -> tuple[dict[str, float], np.ndarray]:
        """One pass over shuffled mini-batches (cut short when ``stop_at_target`` and the clock reaches the target).
        Small networks are bound by per-operation overhead, not by arithmetic, so the step stays lean: one shuffle
        per epoch then contiguous views, no host sync inside the loop (the clock syncs only when an evaluation is
        due). ``probe`` (``bench.mlp.probe``) watches each step. Returns the epoch's record and each step's
        first-over-last hidden layer gradient ratio (NaN without diagnostics)."""
        import torch

        from bench.mlp import layers, network

        self.module_.train()
        n = len(X)
        batch = n if self.batch_size is None else min(self.batch_size, n)
        order = torch.randperm(n, generator=generator).to(X.device)
        X, y = X[order], y[order]
        losses, predictions, starts = [], [], range(0, n, batch)
        probe.epoch_begin()
        for i in starts:
            with probe.step(first=i == 0, last=i == starts[-1]):
                loss, logits = self._step(X[i : i + batch], y[i : i + batch], optimizer)
            losses.append(loss)
            predictions.append(layers.combine(logits).argmax(1))
            if clock.step(self.module_, len(logits), epoch) and self.stop_at_target:
                break
        record = {"epoch": epoch, **network.train_scores(losses, predictions, y, batch)}
        diagnostics, ratios = probe.epoch_end()
        return {**record, **diagnostics}, ratios

    def _step(self, X, y, optimizer):
        import torch

        from bench.mlp import layers

        logits = self.module_(X)
        loss = layers.loss(logits, y, self.label_smoothing)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(self.module_.parameters(), self.grad_clip, foreach=True)
        optimizer.step()
        return loss.detach(), logits.detach()

    # -- inference -----------------------------------------------------------------------------------------
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns ordered as ``classes_``."""
        from bench.mlp import network

        check_is_fitted(self)
        X = self._transform(validate_data(self, X, dtype=np.float32, reset=False))
        # the fit's thread count: an idle second thread that must wake for a few rows costs milliseconds
        with network.threads(self.n_threads):
            return network.probabilities(self.module_, X)

    def predict(self, X) -> np.ndarray:
        """Predicted labels, taken from ``classes_``."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.device != "cpu"
        return tags

    def memory_bytes(self, n_rows: int, n_features: int, n_classes: int) -> float:
        """About the memory training takes, known before it starts (``bench.mlp.options.memory_bytes``)."""
        return options.memory_bytes(self.get_params(deep=False), n_rows, n_features, n_classes)

    # -- diagnostics (bench.metrics.Diagnosed) -------------------------------------------------------------
    def preload(self) -> None:
        """Import what ``fit`` imports lazily (torch), so that a timed fit measures fitting alone."""
        from bench.mlp import network  # noqa: F401

    def training_summary(self) -> TrainingSummary:
        """What the fitted run reports about its training: the final summaries (``MLP_SUMMARIES``), the epoch
        history, the curves MLflow stores and the outcome tags."""
        check_is_fitted(self)
        # each summary is the learned attribute of its name, but epochs_run (n_epochs_, as scikit-learn names it)
        names = [name.removeprefix("training/") for name in MLP_SUMMARIES]
        values = [getattr(self, "n_epochs_" if name == "epochs_run" else f"{name}_") for name in names]
        return diagnostics.summarize(self.history_, values, self.diverged_, self.n_epochs_)
