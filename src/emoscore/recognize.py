"""File → :class:`~emoscore.timeline.Timeline`: the one entry point every interface uses.

The input is decoded in streaming blocks and cut into windows; windows are featurised and
classified in small batches, so memory stays flat however long the file is, and the model is
loaded once per :class:`Recognizer`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from emoscore.audio import Audio, Window, iter_windows, preprocess_clip, speech_ratio, stream_audio
from emoscore.audio.preprocess import pad_to_minimum
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

    def iter_segments(
        self, source: str | Path | Audio, progress: ProgressCallback | None = None
    ) -> Iterator[Segment]:
        """Segments in time order as their windows complete (for live and streaming use)."""
        name, blocks = self._blocks(source)
        rate = self.bundle.preprocessing.sample_rate
        batch: list[Window] = []
        for win in iter_windows(blocks, rate, self.window, self.hop):
            batch.append(win)
            if len(batch) >= BATCH_WINDOWS:
                yield from self._classify(batch, name)
                if progress:
                    progress(batch[-1].end)
                batch = []
        if batch:
            yield from self._classify(batch, name)
            if progress:
                progress(batch[-1].end)

    def _classify(self, windows: list[Window], name: str) -> list[Segment]:
        rate = self.bundle.preprocessing.sample_rate
        settings = self.bundle.preprocessing
        if self.denoise and not settings.denoise:
            from dataclasses import replace

            settings = replace(settings, denoise=True)
        clips = []
        for w in windows:
            if w.end - w.start < settings.min_seconds:
                with warnings.catch_warnings():
                    warnings.simplefilter("always")
                    pad_to_minimum(w.samples, rate, settings.min_seconds, name=name)
            clips.append(preprocess_clip(w.samples, settings, name=name))
        feats = self.bundle.extractor.batch(clips, rate)
        X = np.vstack(feats) if all(f.ndim == 1 for f in feats) else _objects(feats)
        proba = self.bundle.predict_proba(X)
        out = []
        for w, p in zip(windows, proba, strict=True):
            probs = {lab: float(v) for lab, v in zip(self.bundle.labels, p, strict=True)}
            v, a, d = vad_from_probabilities(probs, self._vad)
            out.append(
                Segment(
                    w.start, w.end, probs, v, a, d, extra={"voiced": round(speech_ratio(w.samples, rate), 4)}
                )
            )
        return out

    def analyze(self, source: str | Path | Audio, progress: ProgressCallback | None = None) -> Timeline:
        """The whole timeline of one input."""
        segments = tuple(self.iter_segments(source, progress))
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
