"""File → :class:`~emoscore.timeline.Timeline`: the one entry point every interface uses.

The input is decoded in streaming blocks and cut into windows; windows are featurised and
classified in small batches, so memory stays flat however long the file is, and the model is
loaded once per :class:`Recognizer`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from emoscore.audio import Audio, Window, iter_windows, preprocess_clip, speech_ratio, stream_audio
from emoscore.audio.windows import check_window
from emoscore.models.bundle import ModelBundle
from emoscore.models.registry import load_model
from emoscore.taxonomy import load_taxonomy
from emoscore.timeline import ModelInfo, Segment, Timeline, vad_from_probabilities

BATCH_WINDOWS = 16

ProgressCallback = Callable[[float], None]


class Recognizer:
    """A loaded model plus windowing settings; call :meth:`analyze` on any number of inputs."""

    def __init__(
        self, bundle: ModelBundle, *, window: float = 4.0, hop: float | None = None, denoise: bool = False
    ):
        self.bundle = bundle
        self.window = float(window)
        self.hop = check_window(self.window, hop)
        self.denoise = denoise
        self._vad = load_taxonomy().vad

    @classmethod
    def from_name(cls, model: str | Path = "default", **kwargs: object) -> Recognizer:
        return cls(load_model(model), **kwargs)  # type: ignore[arg-type]

    @property
    def model_info(self) -> ModelInfo:
        return ModelInfo(self.bundle.name, self.bundle.version, tuple(self.bundle.labels))

    def _blocks(self, source: str | Path | Audio) -> tuple[str, Iterable[np.ndarray]]:
        rate = self.bundle.preprocessing.sample_rate
        if isinstance(source, Audio):
            samples = source.samples
            if source.sample_rate != rate:
                import soxr

                samples = soxr.resample(samples, source.sample_rate, rate).astype(np.float32)
            return source.path, [samples]
        return str(source), stream_audio(source, sample_rate=rate)

    def _batches(
        self, source: str | Path | Audio, progress: ProgressCallback | None
    ) -> Iterator[tuple[list[tuple[float, float, float]], Any]]:
        """(start, end, voiced share) of each window and their features, a batch at a time."""
        name, blocks = self._blocks(source)
        rate = self.bundle.preprocessing.sample_rate
        batch: list[Window] = []
        for win in iter_windows(blocks, rate, self.window, self.hop):
            batch.append(win)
            if len(batch) >= BATCH_WINDOWS:
                yield self._featurize(batch, name)
                if progress:
                    progress(batch[-1].end)
                batch = []
        if batch:
            yield self._featurize(batch, name)
            if progress:
                progress(batch[-1].end)

    def _featurize(self, windows: list[Window], name: str) -> tuple[list[tuple[float, float, float]], Any]:
        rate = self.bundle.preprocessing.sample_rate
        settings = self.bundle.preprocessing
        if self.denoise and not settings.denoise:
            settings = replace(settings, denoise=True)
        if any(w.end - w.start < settings.min_seconds for w in windows):
            warnings.warn(f"{name}: shorter than {settings.min_seconds:g} s; padded", stacklevel=3)
        clips = [preprocess_clip(w.samples, settings, name=name) for w in windows]
        feats = self.bundle.extractor.batch(clips, rate)
        X = np.vstack(feats) if all(f.ndim == 1 for f in feats) else _objects(feats)
        spans = [(w.start, w.end, round(speech_ratio(w.samples, rate), 4)) for w in windows]
        return spans, X

    def _segments(self, spans: list[tuple[float, float, float]], proba: np.ndarray) -> list[Segment]:
        out = []
        for (start, end, voiced), p in zip(spans, proba, strict=True):
            probs = {lab: float(v) for lab, v in zip(self.bundle.labels, p, strict=True)}
            v, a, d = vad_from_probabilities(probs, self._vad)
            out.append(Segment(start, end, probs, v, a, d, extra={"voiced": voiced}))
        return out

    def iter_segments(
        self, source: str | Path | Audio, progress: ProgressCallback | None = None
    ) -> Iterator[Segment]:
        """Segments in time order as their windows complete (for live and streaming use).

        A model with per-input normalisation normalises each batch with the statistics of all
        windows heard so far (causal); :meth:`analyze` uses the whole input instead.
        """
        history: list[Any] = []
        for spans, X in self._batches(source, progress):
            if self.bundle.normalizer is not None:
                history.append(X)
                X = self.bundle.normalize(np.concatenate(history))[-len(spans) :]
            yield from self._segments(spans, self.bundle.classify(X))

    def analyze(self, source: str | Path | Audio, progress: ProgressCallback | None = None) -> Timeline:
        """The whole timeline of one input (normalised over the whole input where the model does that)."""
        spans: list[tuple[float, float, float]] = []
        parts: list[Any] = []
        for s, X in self._batches(source, progress):
            spans += s
            parts.append(X)
        segments = (
            tuple(self._segments(spans, self.bundle.predict_proba(np.concatenate(parts)))) if parts else ()
        )
        name = source.path if isinstance(source, Audio) else str(source)
        duration = segments[-1].end if segments else 0.0
        return Timeline(name, duration, self.model_info, self.window, self.hop, segments)


def _objects(arrays: list[np.ndarray]) -> np.ndarray:
    out = np.empty(len(arrays), dtype=object)
    for i, a in enumerate(arrays):
        out[i] = a
    return out


def analyze_file(
    path: str | Path | Audio,
    *,
    model: str | Path | ModelBundle = "default",
    window: float = 4.0,
    hop: float | None = None,
    denoise: bool = False,
    progress: ProgressCallback | None = None,
) -> Timeline:
    """Emotion timeline of one audio or video file.

    ``model`` is a shipped model name, a bundle path or a loaded :class:`ModelBundle`.
    """
    bundle = model if isinstance(model, ModelBundle) else load_model(model)
    return Recognizer(bundle, window=window, hop=hop, denoise=denoise).analyze(path, progress)
