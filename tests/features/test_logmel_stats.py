import pickle

import numpy as np
import pytest

from emoscore.features import get_extractor
from emoscore.features.logmel_stats import FEATURE_NAMES, LogMelStatsExtractor, logmel_stats, mel_filterbank

from .conftest import SR, voiced


def value(features: np.ndarray, name: str) -> float:
    return float(features[FEATURE_NAMES.index(name)])


def hz(semitones: float) -> float:
    return 27.5 * 2 ** (semitones / 12)


def test_documented_layout(clip):
    f = LogMelStatsExtractor()(clip, SR)
    assert f.shape == (len(FEATURE_NAMES),) == (LogMelStatsExtractor.dim,) == (213,)
    assert f.dtype == np.float32 and np.all(np.isfinite(f))
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert 0 < value(f, "zcr_mean") < 0.5 and 0 < value(f, "centroid_mean") < 8
    assert 0 <= value(f, "flatness_mean") <= 1 and 0 < value(f, "voiced") <= 1
    assert abs(sum(value(f, n) for n in FEATURE_NAMES if n.startswith("mod_")) - 1) < 0.05


@pytest.mark.parametrize("f0", [90.0, 110.0, 140.0, 220.0, 330.0])
def test_pitch_of_harmonic_tones(f0):
    f = logmel_stats(voiced(2.0, f0), SR)
    # the tone's vibrato is ±3 %: the median is within half a semitone of its centre
    assert abs(12 * np.log2(hz(value(f, "f0_p50")) / f0)) < 0.5
    assert value(f, "voiced") > 0.9 and value(f, "hnr_mean") > 5
    assert 0.2 < value(f, "f0_range") < 2.0  # ±3 % vibrato is about ±0.5 semitone


def test_noise_is_unvoiced_and_flat():
    rng = np.random.default_rng(0)
    noise = (0.1 * rng.standard_normal(4 * SR)).astype(np.float32)
    f = logmel_stats(noise, SR)
    assert value(f, "voiced") < 0.05
    assert value(f, "flatness_mean") > value(logmel_stats(voiced(4.0), SR), "flatness_mean")
    silent = logmel_stats(np.zeros(SR, np.float32), SR)
    assert value(silent, "f0_mean") == 0.0 and value(silent, "mfcc0_voiced") == 0.0  # nothing voiced


def test_level_moves_energy_not_shape(clip):
    quiet, loud = logmel_stats(0.1 * clip, SR), logmel_stats(clip, SR)
    assert abs(value(loud, "energy_p50") - value(quiet, "energy_p50") - 20.0) < 0.1
    assert abs(value(loud, "mel10_mean") - value(quiet, "mel10_mean") - 20.0) < 0.1
    for name in ("f0_p50", "centroid_mean", "alpha_mean", "hammarberg_mean", "mel10_std"):
        assert abs(value(loud, name) - value(quiet, name)) < 0.05


def test_syllable_rate_shows_in_the_modulation_bands():
    rng = np.random.default_rng(1)
    t = np.arange(4 * SR) / SR
    noise = rng.standard_normal(len(t))
    slow = (noise * (0.6 + 0.4 * np.sin(2 * np.pi * 1.0 * t))).astype(np.float32)
    syllables = (noise * np.sin(2 * np.pi * 2.5 * t) ** 2).astype(np.float32)  # 5 bursts a second
    a, b = logmel_stats(slow, SR), logmel_stats(syllables, SR)
    assert value(a, "mod_0.5_2") > 0.5 and value(b, "mod_4_8") > 0.5


def test_spectral_balance_of_bright_and_dull_tones():
    t = np.arange(2 * SR) / SR
    dull = sum(np.sin(2 * np.pi * 150 * k * t) / k**2 for k in range(1, 30)).astype(np.float32)
    bright = sum(np.sin(2 * np.pi * 150 * k * t) / k**0.5 for k in range(1, 30)).astype(np.float32)
    d, b = logmel_stats(0.1 * dull, SR), logmel_stats(0.1 * bright, SR)
    # alpha ratio and Hammarberg index: low-band level over high-band level, larger when dull
    assert value(d, "alpha_mean") > value(b, "alpha_mean") + 10
    assert value(d, "hammarberg_mean") > value(b, "hammarberg_mean") + 10
    assert value(b, "centroid_mean") > value(d, "centroid_mean")


def test_short_silent_and_resampled_input(clip):
    e = pickle.loads(pickle.dumps(get_extractor("logmel-stats")))
    assert e == LogMelStatsExtractor() and e.params()["hop"] == 160
    for y in (np.zeros(100, np.float32), np.zeros(SR, np.float32), clip[:450]):
        f = e(y, SR)
        assert f.shape == (213,) and np.all(np.isfinite(f))
    np.testing.assert_array_equal(e(clip, SR), e(clip, SR))
    import soxr

    at44 = soxr.resample(clip, SR, 44_100)
    a, b = e(at44, 44_100), e(clip, SR)  # other rates are resampled to 16 kHz first
    assert abs(value(a, "f0_p50") - value(b, "f0_p50")) < 0.1
    # mel means (dB) agree but in the top bands, which the resampler's anti-alias filter dims
    np.testing.assert_allclose(a[:38], b[:38], atol=0.5)


def test_batch_matches_single_calls(clip):
    e = LogMelStatsExtractor()
    clips = [clip, 0.5 * clip[: SR // 2], voiced(1.0, 200.0, seed=3)]
    for single, batched in zip([e(c, SR) for c in clips], e.batch(clips, SR), strict=True):
        np.testing.assert_array_equal(single, batched)


def test_filterbank_covers_the_band():
    fb = mel_filterbank()
    freqs = np.linspace(0, SR / 2, fb.shape[0])
    covered = fb.sum(axis=1) > 0
    assert freqs[covered].min() < 100 and freqs[covered].max() > 7500
    assert np.all(np.diff(np.argmax(fb, axis=0)) >= 0)  # bands in ascending order
