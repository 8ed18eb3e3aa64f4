"""Neural models on ``logmel3`` (paper 003): a dilated CNN and an attention dilated CNN + BiGRU.

:class:`LogMelCNN` is a scikit-learn classifier over a *list* of ``(channels, bands, frames)``
arrays of any length, so it drops into the same evaluation code and bundles as the classical
pipelines. It standardises its own inputs with global per-channel statistics learned in
``fit`` (paper 003 §4.3: global, not per clip, so loudness differences survive).

Training sees random ``crop_frames`` crops (3 s by default) with light SpecAugment masking,
class-balanced cross-entropy and early stopping on a stratified validation split (grouped by
speaker when groups are given); the best epoch's weights are restored. Inference averages the
softmax over evenly spaced crops. Clips shorter than a crop are *repeat-padded* (the clip is
tiled), which keeps the padded part speech-like instead of inventing silence.

The fitted state is plain numpy arrays plus the configuration; the torch module is rebuilt
lazily, so the estimator pickles cleanly into a :class:`~emoscore.models.bundle.ModelBundle`.
"""

from __future__ import annotations

import copy
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import StratifiedGroupKFold, StratifiedShuffleSplit
from torch import nn

from emoscore.errors import ConfigError, ModelError

log = logging.getLogger(__name__)

ARCHS = ("dcnn", "adcrnn")


@dataclass(frozen=True)
class EpochRecord:
    """One training epoch: mean training loss, validation loss and UA (NaN without validation)."""

    epoch: int
    train_loss: float
    val_loss: float
    val_ua: float


def _block(c_in: int, c_out: int, dilation: int, pool: bool) -> nn.Sequential:
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_out, 3, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    ]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


def _conv_stack(n_channels: int, width: int) -> nn.Sequential:
    """Paper 003's DCNN block: plain convs + pooling, then dilation-2 convs that widen the receptive
    field. Widths are far below the paper's 39 M parameters so that training fits a CPU budget."""
    return nn.Sequential(
        _block(n_channels, width, 1, True),
        _block(width, 2 * width, 1, True),
        _block(2 * width, 4 * width, 2, True),
        _block(4 * width, 4 * width, 2, False),
    )


class DCNN(nn.Module):
    """Conv stack → mean over frequency → mean + max over time → dropout → linear."""

    def __init__(self, *, n_channels: int, n_classes: int, width: int, dropout: float):
        super().__init__()
        self.convs = _conv_stack(n_channels, width)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(8 * width, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.convs(x).mean(dim=2)  # (B, C, T')
        pooled = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        return self.head(self.dropout(pooled))


class ADCRNN(nn.Module):
    """Conv stack → per-frame projection → BiGRU → attention pooling (Chen et al. 2018) → linear."""

    def __init__(self, *, n_channels: int, n_bands: int, n_classes: int, width: int, dropout: float):
        super().__init__()
        hidden = 2 * width
        self.convs = _conv_stack(n_channels, width)
        self.proj = nn.Sequential(nn.Linear(4 * width * (n_bands // 8), 2 * hidden), nn.ReLU(inplace=True))
        self.rnn = nn.GRU(2 * hidden, hidden, batch_first=True, bidirectional=True)
        self.attn = nn.Linear(2 * hidden, 1)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.convs(x)  # (B, C, F', T')
        b, c, f, t = h.shape
        seq = self.proj(h.permute(0, 3, 1, 2).reshape(b, t, c * f))
        out, _ = self.rnn(seq)
        alpha = torch.softmax(self.attn(out).squeeze(-1), dim=1)
        context = (alpha.unsqueeze(-1) * out).sum(dim=1)
        return self.head(self.dropout(context))


def build_network(
    arch: str, *, n_channels: int, n_bands: int, n_classes: int, width: int, dropout: float
) -> nn.Module:
    """The torch module for ``arch`` (``dcnn`` or ``adcrnn``); input ``(batch, channels, bands, frames)``."""
    if arch == "dcnn":
        return DCNN(n_channels=n_channels, n_classes=n_classes, width=width, dropout=dropout)
    if arch == "adcrnn":
        if n_bands < 8:
            raise ConfigError(f"adcrnn needs at least 8 mel bands, got {n_bands}")
        return ADCRNN(
            n_channels=n_channels, n_bands=n_bands, n_classes=n_classes, width=width, dropout=dropout
        )
    raise ConfigError(f"unknown neural architecture {arch!r}; choose one of {', '.join(ARCHS)}")


def _as_clips(X: Any, *, name: str = "X") -> list[np.ndarray]:
    clips = [np.asarray(x, dtype=np.float32) for x in X]
    if not clips:
        raise ConfigError(f"{name}: no clips given")
    shape = clips[0].shape
    for i, c in enumerate(clips):
        if c.ndim != 3 or c.shape[:2] != shape[:2] or c.shape[2] < 1:
            raise ConfigError(f"{name}[{i}]: expected a {shape[:2]} + (frames,) array, got shape {c.shape}")
        if not np.all(np.isfinite(c)):
            raise ConfigError(f"{name}[{i}]: contains NaN or infinite values")
    return clips


def fit_to_length(clip: np.ndarray, length: int, start: int = 0) -> np.ndarray:
    """``length`` frames of ``clip`` from ``start``; shorter clips are tiled (repeat-padded).

    >>> fit_to_length(np.arange(3.0).reshape(1, 1, 3), 7).ravel().tolist()
    [0.0, 1.0, 2.0, 0.0, 1.0, 2.0, 0.0]
    """
    t = clip.shape[-1]
    if t < length:
        return np.tile(clip, (1, 1, math.ceil(length / t)))[..., :length]
    return clip[..., start : start + length]


def crop_starts(n_frames: int, crop: int, max_crops: int) -> list[int]:
    """Evenly spaced crop starts covering a clip; one (start 0) when the clip fits in a crop.

    >>> crop_starts(250, 300, 5), crop_starts(700, 300, 5), crop_starts(700, 300, 1)
    ([0], [0, 200, 400], [200])
    """
    if n_frames <= crop:
        return [0]
    k = min(max_crops, math.ceil(n_frames / crop))
    if k == 1:
        return [(n_frames - crop) // 2]
    return [round(i * (n_frames - crop) / (k - 1)) for i in range(k)]


class LogMelCNN(ClassifierMixin, BaseEstimator):
    """Class-balanced CNN (``dcnn``) or CNN + BiGRU + attention (``adcrnn``) over log-mel images.

    Args:
        arch: ``"dcnn"`` or ``"adcrnn"``.
        crop_frames: training crop length in frames (300 = 3 s at a 10-ms hop).
        epochs: maximum number of epochs.
        batch_size, lr, weight_decay: AdamW settings.
        patience: epochs without a lower validation loss before stopping.
        val_fraction: share of the training clips held out for early stopping.
        width: channels of the first conv block (later blocks use 2x and 4x).
        dropout: before the output layer.
        spec_augment: one frequency mask (≤ 6 bands) and one time mask (≤ 10 % of the crop)
            per training crop.
        max_test_crops: crops averaged per clip at inference.
        seed: makes training repeatable (same data, seed and thread count → same weights).
        n_threads: torch intra-op threads, set only while fitting / predicting.
    """

    def __init__(
        self,
        arch: str = "dcnn",
        *,
        crop_frames: int = 300,
        epochs: int = 30,
        batch_size: int = 32,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        patience: int = 6,
        val_fraction: float = 0.15,
        width: int = 32,
        dropout: float = 0.3,
        spec_augment: bool = True,
        max_test_crops: int = 5,
        seed: int = 0,
        n_threads: int = 2,
    ):
        self.arch = arch
        self.crop_frames = crop_frames
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.val_fraction = val_fraction
        self.width = width
        self.dropout = dropout
        self.spec_augment = spec_augment
        self.max_test_crops = max_test_crops
        self.seed = seed
        self.n_threads = n_threads

    # -- pickling: the torch module is a cache, rebuilt from state_dict_ ------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_net", None)
        return state

    def _check_params(self) -> None:
        if self.arch not in ARCHS:
            raise ConfigError(f"unknown neural architecture {self.arch!r}; choose one of {', '.join(ARCHS)}")
        if self.crop_frames < 16:
            raise ConfigError(f"crop_frames must be at least 16, got {self.crop_frames}")
        if not 0.0 <= self.val_fraction < 0.5:
            raise ConfigError(f"val_fraction must be in [0, 0.5), got {self.val_fraction}")
        if self.epochs < 1 or self.batch_size < 1 or self.n_threads < 1:
            raise ConfigError("epochs, batch_size and n_threads must be positive")

    def _standardise(self, clips: list[np.ndarray]) -> list[np.ndarray]:
        return [((c - self.mean_) / self.std_).astype(np.float32) for c in clips]

    def _split(self, y: np.ndarray, groups: Any) -> tuple[np.ndarray, np.ndarray]:
        """Train/validation indices; validation speakers are unseen in training when groups are given."""
        idx = np.arange(len(y))
        _, counts = np.unique(y, return_counts=True)
        n_val = round(self.val_fraction * len(y))
        if self.val_fraction == 0 or counts.min() < 2 or n_val < len(counts):
            return idx, idx[:0]
        if groups is not None:
            g = np.asarray(groups)
            n_splits = max(2, round(1 / self.val_fraction))
            if len(np.unique(g)) >= n_splits and counts.min() >= n_splits:
                cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=self.seed)
                tr, va = next(cv.split(idx, y, g))
                if len(np.unique(y[tr])) == len(counts):
                    return tr, va
        sss = StratifiedShuffleSplit(n_splits=1, test_size=n_val, random_state=self.seed)
        tr, va = next(sss.split(idx, y))
        return tr, va

    def fit(
        self, X: Sequence[np.ndarray], y: Sequence[Any], groups: Sequence[Any] | None = None
    ) -> LogMelCNN:
        """Train on clips ``X`` (each ``(channels, bands, frames)``) with labels ``y``."""
        self._check_params()
        clips = _as_clips(X)
        y_arr = np.asarray(y)
        if len(y_arr) != len(clips):
            raise ConfigError(f"X has {len(clips)} clips but y has {len(y_arr)} labels")
        self.classes_, y_idx = np.unique(y_arr, return_inverse=True)
        if len(self.classes_) < 2:
            raise ConfigError(f"need at least two classes to train, got {self.classes_.tolist()}")
        self.n_channels_, self.n_bands_ = clips[0].shape[:2]

        # Global statistics over every frame of every training clip, per channel (float64 sums).
        frames = sum(c.shape[2] for c in clips) * self.n_bands_
        mean = sum(c.sum(axis=(1, 2), dtype=np.float64) for c in clips) / frames
        var = sum(((c - mean[:, None, None]) ** 2).sum(axis=(1, 2), dtype=np.float64) for c in clips) / frames
        self.mean_ = mean.astype(np.float32)[:, None, None]
        self.std_ = (np.sqrt(var) + 1e-6).astype(np.float32)[:, None, None]
        data = self._standardise(clips)

        tr, va = self._split(y_idx, groups)
        counts = np.bincount(y_idx[tr], minlength=len(self.classes_)).astype(np.float64)
        weights = len(tr) / (len(self.classes_) * np.maximum(counts, 1.0))

        old_threads = torch.get_num_threads()
        torch.set_num_threads(self.n_threads)
        try:
            self._train(data, y_idx, tr, va, weights)
        finally:
            torch.set_num_threads(old_threads)
        return self

    def _train(
        self,
        data: list[np.ndarray],
        y_idx: np.ndarray,
        tr: np.ndarray,
        va: np.ndarray,
        weights: np.ndarray,
    ) -> None:
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        net = build_network(
            self.arch,
            n_channels=self.n_channels_,
            n_bands=self.n_bands_,
            n_classes=len(self.classes_),
            width=self.width,
            dropout=self.dropout,
        )
        opt = torch.optim.AdamW(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, factor=0.5, patience=max(1, self.patience // 3)
        )
        loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32))
        self.history_: list[EpochRecord] = []
        best_loss, best_state, self.best_epoch_ = math.inf, None, 0
        for epoch in range(1, self.epochs + 1):
            net.train()
            order = rng.permutation(tr)
            total, seen = 0.0, 0
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                if len(batch) < 2:  # BatchNorm cannot train on a single example
                    continue
                xb = torch.from_numpy(np.stack([self._train_crop(data[i], rng) for i in batch]))
                yb = torch.from_numpy(y_idx[batch].astype(np.int64))
                opt.zero_grad()
                loss = loss_fn(net(xb), yb)
                loss.backward()
                opt.step()
                total += loss.item() * len(batch)
                seen += len(batch)
            train_loss = total / max(seen, 1)
            if len(va):
                proba = self._proba(net, [data[i] for i in va])
                p_true = np.clip(proba[np.arange(len(va)), y_idx[va]], 1e-7, None)
                w = weights[y_idx[va]]
                val_loss = float(np.sum(-np.log(p_true) * w) / np.sum(w))
                recalls = [np.mean(proba[y_idx[va] == k].argmax(1) == k) for k in np.unique(y_idx[va])]
                val_ua = float(np.mean(recalls))
            else:
                val_loss, val_ua = train_loss, math.nan
            self.history_.append(EpochRecord(epoch, train_loss, val_loss, val_ua))
            log.info("epoch %d train %.4f val %.4f ua %.3f", epoch, train_loss, val_loss, val_ua)
            if val_loss < best_loss:
                best_loss, self.best_epoch_ = val_loss, epoch
                best_state = copy.deepcopy(net.state_dict())
            elif epoch - self.best_epoch_ >= self.patience:
                break
            sched.step(val_loss)
        assert best_state is not None
        self.state_dict_ = {k: v.detach().cpu().numpy().copy() for k, v in best_state.items()}
        self.n_epochs_ = len(self.history_)
        net.load_state_dict(best_state)
        self._net = net

    def _train_crop(self, clip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        t, crop = clip.shape[2], self.crop_frames
        if t < crop:
            # Random rotation before tiling, so padded short clips do not always start the same way.
            clip = np.roll(clip, -int(rng.integers(t)), axis=2)
        start = int(rng.integers(t - crop + 1)) if t > crop else 0
        x = fit_to_length(clip, crop, start).copy()
        if self.spec_augment:
            f = int(rng.integers(0, min(6, self.n_bands_ // 4) + 1))
            f0 = int(rng.integers(0, self.n_bands_ - f + 1))
            x[:, f0 : f0 + f, :] = 0.0
            w = int(rng.integers(0, crop // 10 + 1))
            t0 = int(rng.integers(0, crop - w + 1))
            x[:, :, t0 : t0 + w] = 0.0
        return x

    def _network(self) -> Any:
        net = getattr(self, "_net", None)
        if net is None:
            net = build_network(
                self.arch,
                n_channels=self.n_channels_,
                n_bands=self.n_bands_,
                n_classes=len(self.classes_),
                width=self.width,
                dropout=self.dropout,
            )
            try:
                net.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in self.state_dict_.items()})
            except (RuntimeError, KeyError) as exc:
                raise ModelError(
                    f"LogMelCNN weights do not fit the {self.arch} architecture ({exc})"
                ) from None
            self._net = net
        return net

    def _proba(self, net: Any, data: list[np.ndarray]) -> np.ndarray:
        """Mean softmax over each clip's evenly spaced crops (already standardised input)."""
        net.eval()
        crops, owner = [], []
        for i, clip in enumerate(data):
            for s in crop_starts(clip.shape[2], self.crop_frames, self.max_test_crops):
                crops.append(fit_to_length(clip, self.crop_frames, s))
                owner.append(i)
        out = np.zeros((len(data), len(self.classes_)), dtype=np.float64)
        with torch.inference_mode():
            for start in range(0, len(crops), 64):
                xb = torch.from_numpy(np.stack(crops[start : start + 64]))
                p = torch.softmax(net(xb), dim=1).double().numpy()
                np.add.at(out, np.asarray(owner[start : start + 64]), p)
        return out / out.sum(axis=1, keepdims=True)

    def predict_proba(self, X: Sequence[np.ndarray]) -> np.ndarray:
        """``(n_clips, n_classes)`` probabilities in the order of :attr:`classes_`, rows summing to 1."""
        if not hasattr(self, "state_dict_"):
            raise ModelError("LogMelCNN is not fitted; call fit first")
        clips = _as_clips(X)
        if clips[0].shape[:2] != (self.n_channels_, self.n_bands_):
            raise ConfigError(
                f"LogMelCNN was trained on ({self.n_channels_}, {self.n_bands_}, frames) inputs, "
                f"got {clips[0].shape}"
            )
        old_threads = torch.get_num_threads()
        torch.set_num_threads(self.n_threads)
        try:
            return self._proba(self._network(), self._standardise(clips))
        finally:
            torch.set_num_threads(old_threads)

    def predict(self, X: Sequence[np.ndarray]) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
