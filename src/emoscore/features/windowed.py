"""Window-level features, so that a model trained on 30-s clips sees at inference exactly what
``analyze`` gives it: one analysis window.

:class:`WindowedExtractor` cuts a clip into at most ``max_windows`` windows of ``window``
seconds spread evenly over it (a clip up to 1.5 windows long is one window, the whole clip) and
returns a (windows, features) matrix, which :class:`~emoscore.models.pooled.
WindowPooledClassifier` trains on. :func:`extract_windows` computes the same matrices for many
files through the feature cache, one cache entry per (file, feature part, window), and reuses
the plain whole-clip entries of the base feature set for short clips (the speech corpora), so
nothing is computed twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from emoscore.audio.preprocess import Preprocessing
from emoscore.errors import AudioError, ConfigError, EmoscoreError
from emoscore.features.base import ConcatExtractor, FeatureExtractor, concat_features
from emoscore.features.cache import FeatureCache, cache_key, file_digest
from emoscore.features.extract import feature_key, load_clip
from emoscore.features.registry import get_extractor

Span = tuple[int, int]


def excerpt_spans(n_samples: int, sample_rate: int, window: float, max_windows: int) -> list[Span]:
    """Sample spans of up to ``max_windows`` windows spread evenly over a clip.

    >>> excerpt_spans(16000 * 5, 16000, 4.0, 4)
    [(0, 80000)]
    >>> excerpt_spans(16000 * 30, 16000, 4.0, 3)
    [(0, 64000), (208000, 272000), (416000, 480000)]
    """
    if window <= 0 or max_windows < 1:
        raise ConfigError(f"window={window}, max_windows={max_windows}: both must be positive")
    w = int(round(window * sample_rate))
    if n_samples <= int(1.5 * w):
        return [(0, n_samples)]
    k = min(max_windows, n_samples // w)
    starts = (
        np.linspace(0, n_samples - w, k).round().astype(int) if k > 1 else np.array([(n_samples - w) // 2])
    )
    return [(int(s), int(s) + w) for s in starts]


class WindowedExtractor(FeatureExtractor):
    """A base feature set applied per window; one row per window."""

    ndim = 2

    def __init__(self, base: FeatureExtractor | str, *, window: float = 4.0, max_windows: int = 4):
        self.base = get_extractor(base) if isinstance(base, str) else base
        if self.base.ndim != 1:
            raise ConfigError(
                f"feature set {self.base.name!r} is not a vector per clip; it cannot be windowed"
            )
        self.window = float(window)
        self.max_windows = int(max_windows)
        excerpt_spans(1, 1, self.window, self.max_windows)  # validates
        self.name = f"{self.base.name}@{self.window:g}s"

    @property
    def parts(self) -> list[FeatureExtractor]:
        return list(self.base.parts) if isinstance(self.base, ConcatExtractor) else [self.base]

    def params(self) -> dict[str, Any]:
        return {
            "base": self.base.name,
            "base_params": self.base.params(),
            "window": self.window,
            "max_windows": self.max_windows,
        }

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        return self.batch([samples], sample_rate)[0]

    def batch(self, clips: Sequence[np.ndarray], sample_rate: int) -> list[np.ndarray]:
        crops, owner = [], []
        for i, clip in enumerate(clips):
            for a, b in excerpt_spans(len(clip), sample_rate, self.window, self.max_windows):
                crops.append(np.asarray(clip[a:b], dtype=np.float32))
                owner.append(i)
        feats = self.base.batch(crops, sample_rate)
        owners = np.asarray(owner)
        return [
            np.vstack([feats[j] for j in np.flatnonzero(owners == i)]).astype(np.float32)
            for i in range(len(clips))
        ]


def _length_key(digest: str, preprocessing: Preprocessing) -> str:
    return cache_key(digest=digest, preprocessing=preprocessing.to_dict(), what="length")


def _part_key(
    digest: str, part: FeatureExtractor, preprocessing: Preprocessing, span: Span, whole: bool
) -> str:
    base = feature_key(digest, part, preprocessing, None)
    return base if whole else cache_key(base=base, span=list(span))


def _file_windows(
    path: str, extractor: WindowedExtractor, preprocessing: Preprocessing, cache: FeatureCache | None
) -> np.ndarray:
    parts = extractor.parts
    rate = preprocessing.sample_rate
    try:
        digest = file_digest(path)
    except OSError as exc:
        raise AudioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    clip: np.ndarray | None = None
    n_hit = cache.get(_length_key(digest, preprocessing)) if cache is not None else None
    if n_hit is None:
        clip = load_clip(path, preprocessing, None, digest)
        n = len(clip)
        if cache is not None:
            cache.put(_length_key(digest, preprocessing), np.array([n]))
    else:
        n = int(n_hit[0])
    spans = excerpt_spans(n, rate, extractor.window, extractor.max_windows)
    whole = spans == [(0, n)]
    rows: list[list[np.ndarray | None]] = [[None] * len(parts) for _ in spans]
    missing: list[tuple[int, int]] = []
    for s, span in enumerate(spans):
        for p, part in enumerate(parts):
            hit = (
                cache.get(_part_key(digest, part, preprocessing, span, whole)) if cache is not None else None
            )
            if hit is None:
                missing.append((s, p))
            else:
                rows[s][p] = hit
    if missing:
        if clip is None:
            clip = load_clip(path, preprocessing, None, digest)
        for p, part in enumerate(parts):
            which = [s for s, q in missing if q == p]
            if not which:
                continue
            try:
                feats = part.batch([clip[spans[s][0] : spans[s][1]] for s in which], rate)
            except EmoscoreError:
                raise
            except Exception as exc:
                raise AudioError(f"{path}: {part.name} feature extraction failed ({exc})") from None
            for s, f in zip(which, feats, strict=True):
                f = np.asarray(f, dtype=np.float32)
                rows[s][p] = f
                if cache is not None:
                    cache.put(_part_key(digest, part, preprocessing, spans[s], whole), f)
    done = [[f for f in r if f is not None] for r in rows]  # every part of every window is filled by now
    vecs = [r[0] if len(parts) == 1 else concat_features(r, parts) for r in done]
    return np.vstack(vecs).astype(np.float32)


def extract_windows(
    paths: Sequence[str],
    extractor: WindowedExtractor,
    *,
    preprocessing: Preprocessing = Preprocessing(),  # noqa: B008
    cache: FeatureCache | None = None,
    n_jobs: int = 1,
    progress: bool = False,
) -> tuple[list[np.ndarray | None], tuple[str, ...]]:
    """Window feature matrices of each file (``None`` where the file failed) and the failures.

    Results equal ``extractor.batch`` on the preprocessed clip, window by window.
    """

    def one(path: str) -> tuple[np.ndarray | None, str | None]:
        try:
            return _file_windows(path, extractor, preprocessing, cache), None
        except EmoscoreError as exc:
            return None, str(exc)

    if n_jobs > 1 and len(paths) > 1:
        from joblib import Parallel, delayed

        outputs = Parallel(n_jobs=n_jobs, batch_size=8)(delayed(one)(p) for p in paths)
    else:
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(paths), unit="file", desc="features")
        outputs = []
        for p in paths:
            outputs.append(one(p))
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
    return [o for o, _ in outputs], tuple(e for _, e in outputs if e)
