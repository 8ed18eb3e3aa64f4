"""File → :class:`~emoscore.timeline.Timeline`: the recogniser every interface uses.

The input is decoded in streaming blocks and cut into windows; windows are featurised and
classified in small batches, so memory stays flat however long the file is, and the models are
loaded once per :class:`Recognizer` (once per process with a :class:`RecognizerCache`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from emoscore.audio import Audio, Window, iter_windows, preprocess_clip, speech_ratio, stream_audio
from emoscore.models.bundle import ModelBundle
from emoscore.models.normalization import RunningNormalizer
from emoscore.models.registry import load_model
from emoscore.recognize.annotate import SoundAnnotator, WindowAnnotation
from emoscore.recognize.settings import AnalysisSettings
from emoscore.taxonomy import load_taxonomy
from emoscore.timeline import ModelInfo, Segment, Timeline, vad_from_probabilities
from emoscore.vocabulary import Task, check_window

BATCH_WINDOWS = 16

ProgressCallback = Callable[[float], None]


class Recognizer:
    """A loaded model plus windowing settings; call :meth:`analyze` on any number of inputs."""

    def __init__(
        self,
        bundle: ModelBundle,
        *,
        window: float = 4.0,
        hop: float | None = None,
        denoise: bool = False,
        annotator: SoundAnnotator | None = None,
    ):
        """``annotator`` (``analyze --domain``) adds the task models' valence/arousal, domain and
        quadrant to every window; without it the output is the emotion model's alone."""
        self.bundle = bundle
        self.window = float(window)
        self.hop = check_window(self.window, hop)
        self.denoise = denoise
        self.annotator = annotator
        self._vad = load_taxonomy().vad

    @classmethod
    def from_name(cls, model: str | Path = "default", **kwargs: object) -> Recognizer:
        return cls(load_model(model, task=Task.EMOTION), **kwargs)  # type: ignore[arg-type]

    @classmethod
    def from_settings(cls, settings: AnalysisSettings) -> Recognizer:
        """Load the models ``settings`` name (a task model given as ``model`` is refused)."""
        annotator = SoundAnnotator.from_names(settings.domain) if settings.domain is not None else None
        return cls(
            load_model(settings.model, task=Task.EMOTION),
            window=settings.window,
            hop=settings.hop,
            denoise=settings.denoise,
            annotator=annotator,
        )

    @property
    def model_info(self) -> ModelInfo:
        return ModelInfo(self.bundle.name, self.bundle.version, tuple(self.bundle.labels))

    @property
    def model_versions(self) -> dict[str, str]:
        """``task → "name version"`` of every model this recogniser runs (keys stored results)."""
        out = {"emotion": f"{self.bundle.name} {self.bundle.version}"}
        if self.annotator is not None:
            out.update(self.annotator.models_info())
        return out

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
    ) -> Iterator[tuple[list[tuple[float, float, float]], Any, list[WindowAnnotation] | None]]:
        """(start, end, voiced share) of each window, their features and the annotator's notes
        (None without one), a batch at a time."""
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

    def _featurize(
        self, windows: list[Window], name: str
    ) -> tuple[list[tuple[float, float, float]], Any, list[WindowAnnotation] | None]:
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
        notes = None
        if self.annotator is not None:
            memo = {(self.bundle.extractor, settings): feats}  # shared with the task models where equal
            notes = self.annotator.annotate(
                [w.samples for w in windows], rate, memo=memo, denoise=self.denoise
            )
        return spans, X, notes

    def _segments(
        self,
        spans: list[tuple[float, float, float]],
        proba: np.ndarray,
        notes: list[WindowAnnotation] | None = None,
    ) -> list[Segment]:
        out = []
        for i, ((start, end, voiced), p) in enumerate(zip(spans, proba, strict=True)):
            probs = {lab: float(v) for lab, v in zip(self.bundle.labels, p, strict=True)}
            v, a, d = vad_from_probabilities(probs, self._vad)
            if notes is None:
                out.append(Segment(start, end, probs, v, a, d, voiced=voiced, va_model=self._tag))
                continue
            note = notes[i]
            # the trained valence/arousal models replace the class projection, which is kept
            extra: dict[str, Any] = {"valence_projection": round(v, 6), "arousal_projection": round(a, 6)}
            if note.domain_probabilities:
                extra["domain_probabilities"] = dict(note.domain_probabilities)
            out.append(
                Segment(
                    start,
                    end,
                    probs,
                    note.valence,
                    note.arousal,
                    d,
                    extra=extra,
                    domain=note.domain,
                    voiced=voiced,
                    quadrant=note.quadrant,
                    va_model=self.annotator.va_model if self.annotator is not None else self._tag,
                )
            )
        return out

    @property
    def _tag(self) -> str:
        return f"{self.bundle.name} {self.bundle.version}"

    def timeline_extra(self) -> dict[str, Any]:
        """What ``--domain`` adds at the top of the timeline: the mode and which model made what."""
        if self.annotator is None:
            return {}
        return {
            "domain_mode": self.annotator.domain.value,
            "models": {
                "emotion": f"{self.bundle.name} {self.bundle.version}",
                **self.annotator.models_info(),
            },
            "valence_arousal": "valence/arousal = P(high) of the trained valence/arousal models; "
            "valence_projection/arousal_projection = the emotion model's class projection",
        }

    def iter_segments(
        self, source: str | Path | Audio, progress: ProgressCallback | None = None
    ) -> Iterator[Segment]:
        """Segments in time order as their windows complete (for live and streaming use).

        A model with per-input normalisation normalises each batch with the statistics of all
        windows heard so far (causal); :meth:`analyze` uses the whole input instead.
        """
        running = RunningNormalizer(self.bundle.normalizer) if self.bundle.normalizer is not None else None
        for spans, X, notes in self._batches(source, progress):
            yield from self._segments(spans, self.bundle.classify(running(X) if running else X), notes)

    def analyze(self, source: str | Path | Audio, progress: ProgressCallback | None = None) -> Timeline:
        """The whole timeline of one input (normalised over the whole input where the model does that)."""
        spans: list[tuple[float, float, float]] = []
        parts: list[Any] = []
        notes: list[WindowAnnotation] | None = [] if self.annotator is not None else None
        for s, X, n in self._batches(source, progress):
            spans += s
            parts.append(X)
            if notes is not None and n is not None:
                notes += n
        segments = (
            tuple(self._segments(spans, self.bundle.predict_proba(np.concatenate(parts)), notes))
            if parts
            else ()
        )
        name = source.path if isinstance(source, Audio) else str(source)
        duration = segments[-1].end if segments else 0.0
        return Timeline(
            name, duration, self.model_info, self.window, self.hop, segments, extra=self.timeline_extra()
        )


def _objects(arrays: list[np.ndarray]) -> np.ndarray:
    out = np.empty(len(arrays), dtype=object)
    for i, a in enumerate(arrays):
        out[i] = a
    return out


class RecognizerCache:
    """Loaded recognisers by settings, so a worker process loads each model once and reuses it
    for every later file or job; ``loads`` counts the loads (batch reports it)."""

    def __init__(self, size: int = 4):
        self.size = size
        self.loads = 0
        self._items: dict[AnalysisSettings, Recognizer] = {}

    def get(self, settings: AnalysisSettings) -> Recognizer:
        rec = self._items.pop(settings, None)
        if rec is None:
            rec = Recognizer.from_settings(settings)
            self.loads += 1
            while len(self._items) >= self.size:
                self._items.pop(next(iter(self._items)))
        self._items[settings] = rec  # most recently used last
        return rec


def analyze(
    source: str | Path | Audio,
    settings: AnalysisSettings | None = None,
    *,
    progress: ProgressCallback | None = None,
    cache: RecognizerCache | None = None,
) -> Timeline:
    """The one analysis call: an audio/video file (or decoded :class:`Audio`) and settings → a
    :class:`Timeline`. ``cache`` reuses loaded models across calls."""
    settings = settings or AnalysisSettings()
    rec = cache.get(settings) if cache is not None else Recognizer.from_settings(settings)
    return rec.analyze(source, progress)


def analyze_file(
    path: str | Path | Audio,
    *,
    model: str | Path | ModelBundle = "default",
    window: float = 4.0,
    hop: float | None = None,
    denoise: bool = False,
    progress: ProgressCallback | None = None,
    domain: str | None = None,
) -> Timeline:
    """Emotion timeline of one audio or video file.

    ``model`` is a shipped model name, a bundle path or a loaded :class:`ModelBundle`.
    ``domain`` (``auto``, ``speech``, ``music``) adds the committed task models' valence,
    arousal, quadrant and (``auto``) per-window domain; ``None`` is the emotion model alone.
    """
    if not isinstance(model, ModelBundle):
        return analyze(
            path,
            AnalysisSettings(model=str(model), window=window, hop=hop, denoise=denoise, domain=domain),  # type: ignore[arg-type]
            progress=progress,
        )
    annotator = SoundAnnotator.from_names(domain) if domain is not None else None
    rec = Recognizer(model, window=window, hop=hop, denoise=denoise, annotator=annotator)
    return rec.analyze(path, progress)
