"""Files → feature arrays, through preprocessing, optional augmentation and the disk cache."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from emoscore.audio.augment import Augmentation
from emoscore.audio.decode import load_audio
from emoscore.audio.preprocess import Preprocessing, preprocess_clip
from emoscore.errors import AudioError, EmoscoreError
from emoscore.features.base import FEATURES_VERSION, ConcatExtractor, FeatureExtractor, concat_features
from emoscore.features.cache import FeatureCache, cache_key, file_digest


@dataclass(frozen=True)
class _Job:
    index: int
    path: str
    digest: str
    parts: tuple[int, ...]  # which extractor parts are missing from the cache


def feature_key(
    digest: str, extractor: FeatureExtractor, preprocessing: Preprocessing, augment: Augmentation | None
) -> str:
    """Cache key: content hash + every setting that changes the features."""
    return cache_key(
        digest=digest,
        extractor=extractor.name,
        params=extractor.params(),
        preprocessing=preprocessing.to_dict(),
        augment=augment.params() if augment is not None and augment.active else None,
        version=FEATURES_VERSION,
    )


def _clip_seed(digest: str) -> int:
    return int(digest[:8], 16)


def load_clip(
    path: str, preprocessing: Preprocessing, augment: Augmentation | None = None, digest: str | None = None
) -> np.ndarray:
    """Decode, preprocess and (optionally) augment one file; the augmentation seed follows its content."""
    audio = load_audio(path, sample_rate=preprocessing.sample_rate)
    y = preprocess_clip(audio.samples, preprocessing, name=str(path))
    if augment is not None and augment.active:
        seed = _clip_seed(digest or file_digest(path))
        y = augment.apply(y, preprocessing.sample_rate, seed)
    return y


def _compute(
    jobs: Sequence[_Job],
    parts: Sequence[FeatureExtractor],
    preprocessing: Preprocessing,
    augment: Augmentation | None,
) -> list[dict[int, np.ndarray]]:
    """Features for each job's missing parts, batched per part (whisper batches equal lengths)."""
    clips = []
    for job in jobs:
        try:
            clips.append(load_clip(job.path, preprocessing, augment, job.digest))
        except EmoscoreError:
            raise
        except Exception as exc:
            raise AudioError(f"{job.path}: cannot be prepared for feature extraction ({exc})") from None
    results: list[dict[int, np.ndarray]] = [{} for _ in jobs]
    for p, part in enumerate(parts):
        which = [i for i, job in enumerate(jobs) if p in job.parts]
        if not which:
            continue
        try:
            feats = part.batch([clips[i] for i in which], preprocessing.sample_rate)
        except EmoscoreError:
            raise
        except Exception as exc:
            names = ", ".join(jobs[i].path for i in which[:3])
            raise AudioError(f"{names}: {part.name} feature extraction failed ({exc})") from None
        for i, f in zip(which, feats, strict=True):
            results[i][p] = np.asarray(f, dtype=np.float32)
    return results


def _worker(
    jobs: Sequence[_Job],
    parts: Sequence[FeatureExtractor],
    preprocessing: Preprocessing,
    augment: Augmentation | None,
    cache: FeatureCache | None,
) -> list[dict[int, np.ndarray]]:
    results = _compute(jobs, parts, preprocessing, augment)
    if cache is not None:
        for job, res in zip(jobs, results, strict=True):
            for p, f in res.items():
                cache.put(feature_key(job.digest, parts[p], preprocessing, augment), f)
    return results


def extract_files(
    paths: Sequence[str],
    extractor: FeatureExtractor,
    *,
    preprocessing: Preprocessing = Preprocessing(),  # noqa: B008 - frozen, so a shared default is safe
    augment: Augmentation | None = None,
    cache: FeatureCache | None = None,
    n_jobs: int = 1,
    progress: bool = False,
    chunk_size: int = 16,
) -> list[np.ndarray]:
    """Features of each file, in order; cached entries are read, the rest computed and stored.

    A concatenation is cached per part, so ``compare`` computed once is reused by
    ``compare+whisper-base``. ``n_jobs > 1`` runs chunks of files in joblib worker processes
    (each worker builds heavy models once per chunk). A file that cannot be decoded raises
    :class:`AudioError` naming it.
    """
    parts: list[FeatureExtractor] = (
        list(extractor.parts) if isinstance(extractor, ConcatExtractor) else [extractor]
    )
    found: list[dict[int, np.ndarray]] = [{} for _ in paths]
    jobs: list[_Job] = []
    for i, path in enumerate(paths):
        try:
            digest = file_digest(path)
        except OSError as exc:
            raise AudioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        missing = []
        for p, part in enumerate(parts):
            hit = cache.get(feature_key(digest, part, preprocessing, augment)) if cache is not None else None
            if hit is None:
                missing.append(p)
            else:
                found[i][p] = hit
        if missing:
            jobs.append(_Job(i, str(path), digest, tuple(missing)))

    chunks = [jobs[a : a + max(1, chunk_size)] for a in range(0, len(jobs), max(1, chunk_size))]
    bar = _progress(len(jobs), progress)
    if n_jobs > 1 and len(chunks) > 1:
        from joblib import Parallel, delayed

        runner = Parallel(n_jobs=n_jobs, return_as="generator")
        outputs: Any = runner(delayed(_worker)(c, parts, preprocessing, augment, cache) for c in chunks)
    else:
        outputs = (_worker(c, parts, preprocessing, augment, cache) for c in chunks)
    for chunk, results in zip(chunks, outputs, strict=True):
        for job, res in zip(chunk, results, strict=True):
            found[job.index].update(res)
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()

    if len(parts) == 1:
        return [f[0] for f in found]
    return [concat_features([f[p] for p in range(len(parts))], parts) for f in found]


def _progress(total: int, enabled: bool) -> Any:
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="file", desc="features")
