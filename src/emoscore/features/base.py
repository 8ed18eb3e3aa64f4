"""The one interface every feature set implements, and the concatenation of several.

An extractor is a small, picklable object: a model bundle stores it so that inference
computes exactly the features the model was trained on. Heavy runtime objects (openSMILE,
CTranslate2 models) are created lazily and dropped when pickling.
"""

from __future__ import annotations

import abc
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np

from emoscore.errors import ConfigError

#: Bump when any extractor's output changes for the same parameters; part of every cache key.
FEATURES_VERSION = 1


class FeatureExtractor(abc.ABC):
    """Turns one mono clip or window into a feature array."""

    name: str
    #: Dimensions of one output: 1 for vectors, 3 for logmel3's (channels, bands, frames).
    ndim: int = 1

    def params(self) -> dict[str, Any]:
        """JSON-serialisable settings: everything that changes the output (nothing that does not)."""
        return {}

    @abc.abstractmethod
    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        """Features of one clip (mono float32)."""

    def batch(self, clips: Sequence[np.ndarray], sample_rate: int) -> list[np.ndarray]:
        """Features of several clips; extractors that can batch faster override this."""
        return [self(c, sample_rate) for c in clips]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.name == self.name and other.params() == self.params()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.name, repr(sorted(self.params().items()))))


class ConcatExtractor(FeatureExtractor):
    """Several 1-D feature sets side by side, e.g. ``compare+whisper-base``."""

    def __init__(self, parts: Sequence[FeatureExtractor]):
        if len(parts) < 2:
            raise ConfigError("a feature concatenation needs at least two feature sets")
        for p in parts:
            if p.ndim != 1:
                raise ConfigError(
                    f"feature set {p.name!r} gives {p.ndim}-D features and cannot be concatenated"
                )
        self.parts = list(parts)
        self.name = "+".join(p.name for p in self.parts)

    def params(self) -> dict[str, Any]:
        return {p.name: p.params() for p in self.parts}

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        return concat_features([p(samples, sample_rate) for p in self.parts], self.parts)

    def batch(self, clips: Sequence[np.ndarray], sample_rate: int) -> list[np.ndarray]:
        per_part = [p.batch(clips, sample_rate) for p in self.parts]
        return [concat_features(list(row), self.parts) for row in zip(*per_part, strict=True)]


def concat_features(arrays: Sequence[np.ndarray], parts: Sequence[FeatureExtractor]) -> np.ndarray:
    """Concatenate 1-D feature vectors; a multi-dimensional one (logmel3) cannot be concatenated."""
    for a, p in zip(arrays, parts, strict=True):
        if a.ndim != 1:
            raise ConfigError(f"feature set {p.name!r} gives {a.ndim}-D features and cannot be concatenated")
    return np.concatenate(arrays).astype(np.float32, copy=False)


def at_rate(samples: np.ndarray, sample_rate: int, target: int) -> np.ndarray:
    """Mono float32 at ``target`` Hz (extractors are defined at 16 kHz)."""
    y = np.asarray(samples, dtype=np.float32)
    if y.ndim != 1:
        raise ConfigError(f"features need mono 1-D samples, got shape {y.shape}")
    if sample_rate == target:
        return y
    import soxr

    return soxr.resample(y, sample_rate, target).astype(np.float32, copy=False)


def check_choice(name: str, value: object, choices: Collection[str]) -> None:
    """An extractor setting that must be one of ``choices``: one ConfigError line otherwise.

    >>> check_choice("pooling", "max", ("mean", "mean+std"))
    Traceback (most recent call last):
    emoscore.errors.ConfigError: pooling='max': must be one of mean, mean+std
    """
    if value not in choices:
        raise ConfigError(f"{name}={value!r}: must be one of {', '.join(choices)}")
