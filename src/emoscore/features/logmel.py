"""``logmel3`` (paper 003): a 3-channel log-mel "image" for the CNN/CRNN models.

Channels are the static log-mel spectrogram (40 bands, 300–8000 Hz, 25-ms / 400-sample window,
10-ms / 160-sample hop, magnitude (power 1) in dB), its delta and its delta-delta. Frames are
centred, so a clip of ``n`` samples gives ``1 + n // 160`` frames. Output shape: ``(3, 40, frames)``.

Standardisation uses *global* statistics (over all training frames) rather than per clip, so
loudness differences between clips survive; :class:`ChannelStandardizer` learns them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from emoscore.errors import ConfigError
from emoscore.features.base import FeatureExtractor, at_rate

N_MELS, FMIN, FMAX, N_FFT, HOP = 40, 300.0, 8000.0, 400, 160
DELTA_WIDTH = 9
AMIN_DB = 1e-5  # magnitude floor: -100 dB


def n_frames(n_samples: int, hop: int = HOP) -> int:
    """Frames of a centred STFT.

    >>> n_frames(16_000)
    101
    """
    return 1 + n_samples // hop


class LogMel3Extractor(FeatureExtractor):
    name = "logmel3"
    ndim = 3

    def __init__(self, *, sample_rate: int = 16_000):
        self.sample_rate = sample_rate

    def params(self) -> dict[str, Any]:
        return {
            "sample_rate": self.sample_rate,
            "n_mels": N_MELS,
            "fmin": FMIN,
            "fmax": FMAX,
            "n_fft": N_FFT,
            "hop": HOP,
            "power": 1.0,
            "delta_width": DELTA_WIDTH,
        }

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        import librosa

        y = at_rate(samples, sample_rate, self.sample_rate)
        mag = librosa.feature.melspectrogram(
            y=y,
            sr=self.sample_rate,
            n_fft=N_FFT,
            win_length=N_FFT,
            hop_length=HOP,
            n_mels=N_MELS,
            fmin=FMIN,
            fmax=FMAX,
            power=1.0,
            center=True,
        )
        static = librosa.amplitude_to_db(mag, ref=1.0, amin=AMIN_DB, top_db=None)
        # Interpolating deltas need DELTA_WIDTH frames; shorter inputs use edge replication.
        mode = "interp" if static.shape[1] >= DELTA_WIDTH else "nearest"
        d1 = librosa.feature.delta(static, width=DELTA_WIDTH, order=1, mode=mode)
        d2 = librosa.feature.delta(static, width=DELTA_WIDTH, order=2, mode=mode)
        return np.stack([static, d1, d2]).astype(np.float32)


class ChannelStandardizer:
    """Per-channel mean/std over every frame of every training clip (scikit-learn style).

    ``per_band=True`` keeps one mean/std per (channel, mel band) instead of per channel.

    >>> X = [np.ones((3, 40, 5)), 3 * np.ones((3, 40, 7))]
    >>> s = ChannelStandardizer().fit(X)
    >>> [round(float(m), 2) for m in s.mean_.ravel()]
    [2.17, 2.17, 2.17]
    >>> abs(float(np.mean(np.concatenate([x.ravel() for x in s.transform(X)])))) < 1e-6
    True
    """

    def __init__(self, *, per_band: bool = False, eps: float = 1e-6):
        self.per_band = per_band
        self.eps = eps

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"per_band": self.per_band, "eps": self.eps}

    def set_params(self, **params: Any) -> ChannelStandardizer:
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def fit(self, X: Sequence[np.ndarray], y: Any = None) -> ChannelStandardizer:
        arrays = _as_list(X)
        if not arrays:
            raise ConfigError("ChannelStandardizer.fit: no clips given")
        red = (2,) if self.per_band else (1, 2)
        count = sum(int(np.prod([a.shape[i] for i in red])) for a in arrays)
        mean = sum(a.sum(axis=red, dtype=np.float64, keepdims=True) for a in arrays) / count
        sq = sum(((a - mean) ** 2).sum(axis=red, keepdims=True) for a in arrays)
        std = np.sqrt(sq / count)
        self.mean_ = mean.astype(np.float32)
        self.std_ = std.astype(np.float32)
        return self

    def transform(self, X: Sequence[np.ndarray]) -> list[np.ndarray]:
        if not hasattr(self, "mean_"):
            raise ConfigError("ChannelStandardizer: call fit before transform")
        return [((a - self.mean_) / (self.std_ + self.eps)).astype(np.float32) for a in _as_list(X)]

    def fit_transform(self, X: Sequence[np.ndarray], y: Any = None) -> list[np.ndarray]:
        return self.fit(X).transform(X)


def _as_list(X: Sequence[np.ndarray] | np.ndarray) -> list[np.ndarray]:
    arrays = list(X)
    for a in arrays:
        if np.ndim(a) != 3:
            raise ConfigError(
                f"ChannelStandardizer expects (channels, bands, frames) arrays, got {np.shape(a)}"
            )
    return [np.asarray(a) for a in arrays]
