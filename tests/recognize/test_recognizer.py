"""The recogniser on a tiny real model: seed94 + logistic regression that hears a low quiet tone
as "sad" and a high loud tone as "happy". A file that goes low → high must read sad → happy."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emoscore.audio import Audio
from emoscore.audio.preprocess import Preprocessing, pad_to_minimum
from emoscore.errors import ConfigError
from emoscore.features import Seed94Extractor
from emoscore.models.bundle import ModelBundle
from emoscore.models.classical import build_classifier
from emoscore.recognize import Recognizer, analyze_file
from emoscore.taxonomy import load_taxonomy

RATE = 16_000


def tone(freq: float, seconds: float, amp: float, seed: int = 0, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    noise = np.random.default_rng(seed).normal(0, 0.001 + 0.002 * (seed % 4), len(t))
    return (amp * np.sin(2 * np.pi * freq * t) + noise).astype(np.float32)


def low(seconds: float, seed: int = 0, rate: int = RATE) -> np.ndarray:
    return tone(200.0, seconds, 0.08, seed, rate)


def high(seconds: float, seed: int = 0, rate: int = RATE) -> np.ndarray:
    return tone(1500.0, seconds, 0.5, seed, rate)


@pytest.fixture(scope="module")
def bundle() -> ModelBundle:
    ext = Seed94Extractor()
    X, y = [], []
    for i in range(8):
        f = 1 + 0.08 * (i - 2.5)
        for label, freq, amp in (("sad", 200.0, 0.08), ("happy", 1500.0, 0.5)):
            X.append(ext(tone(freq * f, 1.0 + 0.5 * (i % 3), amp * f, seed=i), RATE))
            y.append(label)
    est = build_classifier("logreg", params={"C": 1.0}).fit(np.vstack(X), y)
    pre = Preprocessing(trim_silence=False)
    return ModelBundle(est, ext, pre, ("happy", "sad"), {"name": "tones", "version": "0.1"})


@pytest.fixture
def scene(tmp_path: Path) -> Path:
    path = tmp_path / "scene.wav"
    sf.write(path, np.concatenate([low(4.0, 1), high(4.0, 2)]), RATE)
    return path


def check_segment_values(tl) -> None:
    vad = load_taxonomy().vad
    for s in tl.segments:
        assert sum(s.probabilities.values()) == pytest.approx(1.0, abs=1e-9)
        assert list(s.probabilities) == ["happy", "sad"]
        for key in range(3):
            want = sum(p * vad[lab][key] for lab, p in s.probabilities.items())
            assert (s.valence, s.arousal, s.dominance)[key] == pytest.approx(want, abs=1e-9)
        assert all(0.0 <= v <= 1.0 for v in (s.valence, s.arousal, s.dominance))
        assert 0.0 <= s.voiced <= 1.0


def test_timeline_follows_the_scene(bundle, scene) -> None:
    tl = analyze_file(scene, model=bundle, window=2.0, domain="speech")
    assert [(s.start, s.end) for s in tl.segments] == [(0.0, 2.0), (2.0, 4.0), (4.0, 6.0), (6.0, 8.0)]
    assert [s.emotion for s in tl.segments] == ["sad", "sad", "happy", "happy"]
    assert all(s.confidence > 0.9 for s in tl.segments)
    assert tl.duration == pytest.approx(8.0) and (tl.window, tl.hop) == (2.0, 2.0)
    assert tl.input == str(scene)
    assert (tl.model.name, tl.model.version, tl.model.labels) == ("tones", "0.1", ("happy", "sad"))
    check_segment_values(tl)
    sad, happy = tl.segments[0], tl.segments[-1]
    assert happy.valence > sad.valence and happy.arousal > sad.arousal
    assert all(s.voiced == 0.0 for s in tl.segments)  # Silero hears no voice in pure tones


def test_overlapping_windows(bundle, scene) -> None:
    tl = analyze_file(scene, model=bundle, window=2.0, hop=1.0, domain="speech")
    assert [(s.start, s.end) for s in tl.segments] == [(k, k + 2.0) for k in range(7)]
    emotions = [s.emotion for s in tl.segments]
    assert emotions[:3] == ["sad"] * 3 and emotions[4:] == ["happy"] * 3  # 3-5 s straddles the change
    check_segment_values(tl)


def test_audio_input_and_resampling(bundle) -> None:
    y = np.concatenate([low(2.0), high(2.0)])
    at_22k = Audio(np.concatenate([low(2.0, rate=22_050), high(2.0, rate=22_050)]), 22_050, "array.wav")
    for audio in (Audio(y, RATE, "array.wav"), at_22k):
        tl = Recognizer(bundle, window=2.0).analyze(audio)
        assert tl.input == "array.wav"
        assert [s.emotion for s in tl.segments] == ["sad", "happy"]
        assert tl.duration == pytest.approx(4.0, abs=1e-3)


def test_short_input_is_one_padded_window_with_a_warning(bundle, tmp_path: Path) -> None:
    path = tmp_path / "short.wav"
    samples = high(0.5)
    sf.write(path, samples, RATE, subtype="FLOAT")
    with pytest.warns(UserWarning, match="short.wav.*padded"):
        tl = analyze_file(path, model=bundle, domain="speech")
    assert len(tl.segments) == 1
    seg = tl.segments[0]
    assert (seg.start, seg.end) == (0.0, 0.5) and tl.duration == pytest.approx(0.5)
    check_segment_values(tl)
    with pytest.warns(UserWarning):
        padded = pad_to_minimum(samples, RATE, 1.0)
    assert len(padded) == RATE and np.count_nonzero(padded[:3000]) == 0, "zeros on both sides"
    want = bundle.predict_proba(bundle.extractor(padded, RATE)[None, :])[0]
    assert [seg.probabilities[lab] for lab in bundle.labels] == pytest.approx(want.tolist(), abs=1e-6)


def test_long_enough_input_does_not_warn(bundle, scene) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        analyze_file(scene, model=bundle, window=4.0, domain="speech")


def test_streaming_segments_and_progress(bundle, scene) -> None:
    rec = Recognizer(bundle, window=1.0)
    seen: list[float] = []
    streamed = list(rec.iter_segments(scene, progress=seen.append))
    whole = rec.analyze(scene)
    assert [s.emotion for s in streamed] == [s.emotion for s in whole.segments]
    for a, b in zip(streamed, whole.segments, strict=True):
        assert a.probabilities == pytest.approx(b.probabilities)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(8.0)


def test_bad_window_settings(bundle) -> None:
    with pytest.raises(ConfigError, match="--window 0.5"):
        Recognizer(bundle, window=0.5)
    with pytest.raises(ConfigError, match="--hop 3"):
        Recognizer(bundle, window=2.0, hop=3.0)


def test_a_silent_file_is_a_timeline_of_silence_with_one_warning(bundle, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    cases = {
        "zeros.wav": np.zeros(8 * RATE, np.float32),
        "roomtone.wav": (rng.standard_normal(8 * RATE) * 10 ** (-62 / 20)).astype(np.float32),
        "dc.wav": np.full(8 * RATE, 0.25, np.float32),  # a constant offset is not sound
    }
    for name, y in cases.items():
        sf.write(tmp_path / name, y, RATE, subtype="FLOAT")
        with pytest.warns(UserWarning, match=f"{name}: no sound above the silence floor"):
            tl = Recognizer(bundle).analyze(tmp_path / name)
        assert [s.domain for s in tl.segments] == ["silence", "silence"], name
        for s in tl.segments:
            assert s.emotion is None and s.probabilities == {} and s.valence is None and s.va_model is None


def test_digital_silence_skips_the_voice_detector(bundle, tmp_path: Path, monkeypatch) -> None:
    """A long silent input is cheap: windows of zeros never reach Silero (issue 15)."""
    heard: list[int] = []
    rec = Recognizer(bundle)
    real = rec.vad.voiced_share
    monkeypatch.setattr(rec.vad, "voiced_share", lambda w: heard.append(len(w)) or real(w))
    y = np.concatenate([np.zeros(60 * RATE, np.float32), high(4.0, 2), np.zeros(4 * RATE, np.float32)])
    sf.write(tmp_path / "mostly_zeros.wav", y, RATE, subtype="FLOAT")
    tl = rec.analyze(tmp_path / "mostly_zeros.wav")
    assert sum(heard) == 1  # only the one window that sounds
    assert [s.domain for s in tl.segments] == ["silence"] * 15 + ["speech", "silence"]
    assert all(s.voiced == 0.0 for s in tl.segments if s.domain == "silence")


def test_only_sounding_windows_get_an_emotion(bundle, tmp_path: Path) -> None:
    quiet = np.random.default_rng(4).standard_normal(8 * RATE) * 10 ** (-65 / 20)
    sf.write(tmp_path / "s.wav", np.concatenate([quiet, low(4.0, 1), high(4.0, 2)]).astype(np.float32), RATE)
    tl = Recognizer(bundle).analyze(tmp_path / "s.wav")  # no annotator: every sounding window is speech
    assert [s.domain for s in tl.segments] == ["silence", "silence", "speech", "speech"]
    assert [s.emotion for s in tl.segments] == [None, None, "sad", "happy"]
    assert tl.segments[2].va_model == "tones 0.1" and tl.extra["domain_mode"] == "speech"
    # streaming decides the same here (the floor follows the levels heard so far)
    assert [s.domain for s in Recognizer(bundle).iter_segments(tmp_path / "s.wav")] == [
        s.domain for s in tl.segments
    ]


def test_domain_auto_gives_each_window_its_model(espeak_speech, tmp_path: Path) -> None:
    from emoscore.audio.decode import load_audio
    from emoscore.recognize import AnalysisSettings, analyze

    speech = load_audio(espeak_speech("I told you never to come back here. Get out, now!"), sample_rate=RATE)
    y = np.pad(speech.samples, (0, max(0, 4 * RATE - len(speech.samples))))[: 4 * RATE]
    rng = np.random.default_rng(5)
    hiss = 0.05 * rng.standard_normal(4 * RATE)
    room = rng.standard_normal(4 * RATE) * 10 ** (-62 / 20)
    sf.write(tmp_path / "scene.wav", np.concatenate([y, hiss, room]).astype(np.float32), RATE)
    tl = analyze(tmp_path / "scene.wav", AnalysisSettings(model="fast"))
    speech_w, other_w, silent_w = tl.segments
    assert (speech_w.domain, other_w.domain, silent_w.domain) == ("speech", "other", "silence")
    assert speech_w.emotion is not None and speech_w.va_model.startswith("fast ")
    assert (
        other_w.emotion is None
        and other_w.probabilities == {}
        and other_w.va_model == tl.extra["models"]["sound"]
    )
    assert 0.0 <= other_w.arousal <= 1.0 and other_w.dominance is None
    assert silent_w.valence is None and silent_w.va_model is None
    assert tl.extra["domain_mode"] == "auto" and {"emotion", "domain", "sound", "vad"} <= set(
        tl.extra["models"]
    )
