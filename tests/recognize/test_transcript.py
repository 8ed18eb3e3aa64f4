"""``analyze --transcript``: utterances at the top level, each window's words, in every output."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from emoscore.audio import load_audio
from emoscore.recognize import AnalysisSettings, analyze
from emoscore.timeline import ROW_COLUMNS, Timeline

RATE = 16_000


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def scene(espeak_speech, tmp_path, monkeypatch, cache_dir):
    """Two generated sentences with four seconds of silence between them."""
    monkeypatch.setenv("EMOSCORE_CACHE", str(cache_dir))
    a = load_audio(
        espeak_speech("I can not believe you did this to me.", name="a.wav"), sample_rate=RATE
    ).samples
    b = load_audio(
        espeak_speech("Thank you so much, this is wonderful.", name="b.wav"), sample_rate=RATE
    ).samples
    pad = np.zeros(RATE // 2, np.float32)
    y = np.concatenate([pad, a, np.zeros(5 * RATE, np.float32), b, pad])
    out = tmp_path / "scene.wav"
    sf.write(out, y, RATE)
    return out


@pytest.mark.slow
def test_transcript_and_window_words(scene):
    tl = analyze(scene, AnalysisSettings(window=2.0, transcript=True))
    tr = tl.transcript
    assert tr and all(set(u) >= {"start", "end", "text", "language"} for u in tr)
    assert {u["language"] for u in tr} == {"en"}
    said = " ".join(u["text"] for u in tr).lower()
    assert "believe" in said and "wonderful" in said
    assert all(isinstance(s.text, str) for s in tl.segments)
    silent = [s for s in tl.segments if s.domain == "silence"]
    assert silent and all(s.text == "" for s in silent)
    assert any("believe" in s.text.lower() for s in tl.segments if s.start < 3.0)
    assert tl.extra["models"]["asr"].startswith("whisper-base")
    frame = tl.to_frame()
    assert "text" in frame.columns and frame["text"].str.contains("wonderful", case=False).any()
    assert "text" in tl.to_csv().splitlines()[0].split(",")
    back = Timeline.from_dict(json.loads(json.dumps(tl.to_dict())))
    assert back.transcript == tr and [s.text for s in back.segments] == [s.text for s in tl.segments]


def test_without_transcript_nothing_changes(tone):
    tl = analyze(tone(seconds=2.0), AnalysisSettings(window=2.0, domain="speech"))
    assert tl.transcript is None and "transcript" not in tl.to_dict()
    assert all("text" not in s for s in tl.to_dict()["segments"])
    assert ROW_COLUMNS[-1] == "text" and tl.to_frame()["text"].isna().all()


def test_no_speech_is_an_empty_transcript(tmp_path, monkeypatch, cache_dir):
    monkeypatch.setenv("EMOSCORE_CACHE", str(cache_dir))
    f = tmp_path / "room.wav"
    sf.write(f, (1e-4 * np.random.default_rng(0).standard_normal(4 * RATE)).astype(np.float32), RATE)
    with pytest.warns(UserWarning):
        tl = analyze(f, AnalysisSettings(window=2.0, transcript=True))
    assert tl.transcript == [] and all(s.text == "" for s in tl.segments)


def test_settings_key_and_versions_include_the_transcript():
    plain, words = AnalysisSettings(), AnalysisSettings(transcript=True)
    assert plain.key() != words.key() != AnalysisSettings(transcript=True, asr_model="small").key()
    assert "asr" in AnalysisSettings(transcript=True, domain="speech").model_versions()
    assert "asr" not in AnalysisSettings(domain="speech").model_versions()
