"""Clip preprocessing (paper 001): optional spectral-gating noise reduction, trimming of
leading/trailing silence, and padding of clips shorter than the 1-s minimum.

Settings are a plain dataclass so a model bundle can record exactly what it was trained with.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

MIN_CLIP_SECONDS = 1.0


@dataclass(frozen=True)
class Preprocessing:
    """How a clip is cleaned before feature extraction."""

    sample_rate: int = 16_000
    denoise: bool = False
    trim_silence: bool = True
    trim_top_db: float = 30.0
    min_seconds: float = MIN_CLIP_SECONDS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Preprocessing:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


def reduce_noise(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Stationary spectral gating (noisereduce) with a noise profile from the quietest 100-ms chunks.

    Profiling the whole clip (noisereduce's default) counts the speech itself as noise and removes
    most of it; its 500-Hz mask smoothing also erases narrow harmonics. Measured on espeak speech
    in white noise at 16 kHz: the default left 3-48x the added noise energy as error, this keeps
    the speech power and leaves 0.1-0.5x.
    """
    import noisereduce

    y = np.asarray(samples, dtype=np.float32)
    chunk = max(1, int(0.1 * sample_rate))
    k = len(y) // chunk
    if k >= 5:
        rms = np.sqrt(np.mean(y[: k * chunk].reshape(k, chunk) ** 2, axis=1))
        quiet = np.sort(np.argsort(rms, kind="stable")[: max(5, k // 5)])
        noise = y[: k * chunk].reshape(k, chunk)[quiet].reshape(-1)
    else:
        noise = y
    return noisereduce.reduce_noise(
        y=y,
        sr=sample_rate,
        y_noise=noise,
        stationary=True,
        freq_mask_smooth_hz=None,
        time_mask_smooth_ms=None,
    ).astype(np.float32)


def trim_silence(samples: np.ndarray, top_db: float = 30.0) -> np.ndarray:
    """Drop leading/trailing frames quieter than ``top_db`` below the peak."""
    import librosa

    trimmed, _ = librosa.effects.trim(samples, top_db=top_db, frame_length=400, hop_length=160)
    return trimmed if len(trimmed) else samples


def speech_ratio(
    samples: np.ndarray, sample_rate: int, *, top_db: float = 35.0, floor: float = 1e-3
) -> float:
    """Share of 25-ms frames that are voiced-loud: energy within ``top_db`` of the peak and above ``floor``.

    A cheap energy voice-activity measure, used to mark windows that are mostly silence.
    """
    frame = int(0.025 * sample_rate)
    n = len(samples) // frame
    if n == 0:
        return 0.0
    rms = np.sqrt(np.mean(samples[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    thresh = max(floor, float(rms.max()) * 10 ** (-top_db / 20))
    return float(np.mean(rms > thresh))


def pad_to_minimum(
    samples: np.ndarray, sample_rate: int, min_seconds: float = MIN_CLIP_SECONDS, *, name: str = "input"
) -> np.ndarray:
    """Zero-pad symmetrically to ``min_seconds``, with a warning (SPEC §2)."""
    need = int(round(min_seconds * sample_rate)) - len(samples)
    if need <= 0:
        return samples
    warnings.warn(
        f"{name}: {len(samples) / sample_rate:.2f} s is shorter than {min_seconds:g} s; padded", stacklevel=2
    )
    left = need // 2
    return np.pad(samples, (left, need - left)).astype(np.float32)


def preprocess_clip(samples: np.ndarray, settings: Preprocessing, *, name: str = "input") -> np.ndarray:
    """Apply ``settings`` to one clip or window already at ``settings.sample_rate``."""
    y = samples.astype(np.float32, copy=False)
    if settings.denoise:
        y = reduce_noise(y, settings.sample_rate)
    if settings.trim_silence:
        y = trim_silence(y, settings.trim_top_db)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pad_to_minimum(y, settings.sample_rate, settings.min_seconds, name=name)
