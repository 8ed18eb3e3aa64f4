"""Clip preprocessing: silence trimming, minimum-length padding, the energy VAD and noise reduction."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from emoscore.audio import load_audio
from emoscore.audio.preprocess import (
    Preprocessing,
    pad_to_minimum,
    preprocess_clip,
    reduce_noise,
    speech_ratio,
    trim_silence,
)

SR = 16_000


def sine(seconds: float, amp: float = 0.5, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def padded(before: float, tone: float, after: float) -> np.ndarray:
    return np.concatenate(
        [np.zeros(int(before * SR), np.float32), sine(tone), np.zeros(int(after * SR), np.float32)]
    )


def test_trim_silence_removes_padding():
    y = padded(0.5, 1.0, 0.75)
    out = trim_silence(y)
    assert len(out) / SR == pytest.approx(1.0, abs=0.05)  # frame granularity is 10 ms
    assert float(np.max(np.abs(out))) == pytest.approx(0.5, rel=1e-3)
    # what is left is the tone, not the silence
    assert float(np.sqrt(np.mean(out**2))) == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


def test_trim_silence_keeps_quiet_parts_within_top_db():
    y = np.concatenate([sine(0.5, amp=0.05), sine(0.5, amp=0.5)])  # -20 dB: kept at top_db=30
    assert len(trim_silence(y, top_db=30.0)) == len(y)
    assert len(trim_silence(y, top_db=10.0)) / SR == pytest.approx(0.5, abs=0.05)


def test_trim_silence_of_all_silence_returns_input():
    y = np.zeros(SR, np.float32)
    assert len(trim_silence(y)) == SR


def test_pad_to_minimum_pads_symmetrically_and_warns():
    y = sine(0.4)
    with pytest.warns(UserWarning, match=r"clip\.wav: 0\.40 s is shorter than 1 s"):
        out = pad_to_minimum(y, SR, 1.0, name="clip.wav")
    assert len(out) == SR and out.dtype == np.float32
    lead = (SR - len(y)) // 2
    np.testing.assert_array_equal(out[lead : lead + len(y)], y)
    assert not np.any(out[:lead]) and not np.any(out[lead + len(y) :])


def test_pad_to_minimum_leaves_long_clips_alone():
    y = sine(1.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pad_to_minimum(y, SR) is y
        assert len(pad_to_minimum(sine(1.0), SR)) == SR


def test_speech_ratio_silence_and_faint_noise_are_zero():
    rng = np.random.default_rng(0)
    assert speech_ratio(np.zeros(2 * SR, np.float32), SR) == 0.0
    # faint room noise (rms 3e-4, peak ~1e-3): not a silent file (peak > 1e-4), but no speech either
    faint = (3e-4 * rng.standard_normal(2 * SR)).astype(np.float32)
    assert float(np.max(np.abs(faint))) > 1e-4
    assert speech_ratio(faint, SR) < 0.02


def test_speech_ratio_loud_tone_is_high_and_partial_tone_is_its_share():
    assert speech_ratio(sine(2.0), SR) > 0.95
    share = speech_ratio(padded(1.0, 1.0, 2.0), SR)  # one second of tone in four
    assert share == pytest.approx(0.25, abs=0.03)


def test_speech_ratio_of_too_short_input_is_zero():
    assert speech_ratio(sine(0.01), SR) == 0.0


def test_speech_ratio_on_real_speech(espeak_speech):
    speech = load_audio(espeak_speech("One. Two. Three. Four.", speed=120)).samples
    ratio = speech_ratio(speech, SR)
    assert 0.3 < ratio < 0.95  # words and pauses
    assert speech_ratio(np.concatenate([speech, np.zeros(len(speech), np.float32)]), SR) == pytest.approx(
        ratio / 2, abs=0.02
    )


def test_reduce_noise_lowers_noise_and_keeps_speech(espeak_speech):
    clean = load_audio(espeak_speech("Hello there. This is a test, with pauses between phrases.")).samples
    clean = 0.5 * clean / float(np.max(np.abs(clean)))
    rng = np.random.default_rng(0)
    for level in (0.005, 0.03):
        noise = (level * rng.standard_normal(len(clean))).astype(np.float32)
        out = reduce_noise(clean + noise, SR)
        assert out.dtype == np.float32 and len(out) == len(clean)
        err = float(np.mean((out - clean) ** 2))
        assert err < 0.6 * float(np.mean(noise**2)), level  # closer to the clean speech than the input
        assert float(np.mean(out**2)) == pytest.approx(float(np.mean(clean**2)), rel=0.15)  # speech kept


def test_reduce_noise_silences_the_gaps_between_tone_bursts():
    rng = np.random.default_rng(1)
    t = np.arange(3 * SR) / SR
    gate = (t % 1.0) < 0.4
    harmonic = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 10))
    signal = (0.2 * harmonic * gate).astype(np.float32)
    noisy = signal + (0.02 * rng.standard_normal(len(t))).astype(np.float32)
    out = reduce_noise(noisy, SR)
    gaps = ~gate
    assert float(np.mean(out[gaps] ** 2)) < 0.1 * float(np.mean(noisy[gaps] ** 2))
    assert np.corrcoef(out[gate], signal[gate])[0, 1] > 0.97


def test_reduce_noise_short_clip():
    y = sine(0.2) + np.float32(0.01)
    assert len(reduce_noise(y, SR)) == len(y)


def test_preprocess_clip_trims_and_pads_quietly():
    y = padded(0.3, 0.5, 0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = preprocess_clip(y, Preprocessing())
    assert len(out) == SR  # 0.5 s tone after trimming, padded to the 1-s minimum
    nonzero = np.flatnonzero(np.abs(out) > 1e-3)
    assert (nonzero[-1] - nonzero[0]) / SR == pytest.approx(0.5, abs=0.03)
    # trimming off: only padding to the minimum (the input is already 1.1 s)
    np.testing.assert_array_equal(preprocess_clip(y, Preprocessing(trim_silence=False)), y)


def test_preprocess_clip_with_denoise_changes_the_signal():
    rng = np.random.default_rng(2)
    y = padded(0.2, 1.0, 0.2) + (0.01 * rng.standard_normal(int(1.4 * SR))).astype(np.float32)
    plain = preprocess_clip(y, Preprocessing(trim_silence=False))
    clean = preprocess_clip(y, Preprocessing(trim_silence=False, denoise=True))
    assert len(plain) == len(clean) == len(y)
    assert float(np.mean(clean[: int(0.15 * SR)] ** 2)) < 0.2 * float(np.mean(plain[: int(0.15 * SR)] ** 2))


def test_preprocessing_round_trips_as_data():
    p = Preprocessing(denoise=True, trim_top_db=25.0, min_seconds=0.5)
    d = p.to_dict()
    assert d == {
        "sample_rate": 16_000,
        "denoise": True,
        "trim_silence": True,
        "trim_top_db": 25.0,
        "min_seconds": 0.5,
    }
    assert Preprocessing.from_dict({**d, "unknown_future_key": 1}) == p
