"""SoundDescriptors: each descriptor moves the way its definition says, on generated signals."""

from __future__ import annotations

import numpy as np
import pytest

from emoscore.errors import AudioError, ConfigError
from emoscore.features import SOUND_DESCRIPTORS, SoundDescriptors, get_extractor
from emoscore.features.sound import FLOOR_DB, loudness_lufs

SR = 16_000
T = np.arange(4 * SR) / SR


def _rms(y: np.ndarray, db: float) -> np.ndarray:
    return (y / np.sqrt(np.mean(y**2)) * 10 ** (db / 20)).astype(np.float32)


def _noise(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(len(T))


def _brown(seed: int = 0) -> np.ndarray:
    y = np.cumsum(_noise(seed))
    return y - np.convolve(y, np.ones(801) / 801, mode="same")  # drift removed, -6 dB/octave kept


def _harmonic(f0: float = 220.0) -> np.ndarray:
    return sum(np.sin(2 * np.pi * f0 * k * T) / k for k in range(1, 12))


def _clicks(rate: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = 1e-3 * rng.standard_normal(len(T))
    for start in np.arange(0.1, 4.0, 1 / rate):
        i = int(start * SR)
        y[i : i + 400] += rng.standard_normal(400) * np.exp(-np.arange(400) / 80)
    return y


@pytest.fixture(scope="module")
def ext() -> SoundDescriptors:
    return SoundDescriptors()


def d(ext: SoundDescriptors, y: np.ndarray, rate: int = SR) -> dict[str, float]:
    return dict(zip(SOUND_DESCRIPTORS, map(float, ext(np.asarray(y, dtype=np.float32), rate)), strict=True))


def test_registered_and_shaped(ext):
    e = get_extractor("sound-descriptors", onset_delta=3.0)
    assert isinstance(e, SoundDescriptors) and e.onset_delta == 3.0 and e.name == "sound-descriptors"
    out = ext(_rms(_noise(), -30), SR)
    assert out.shape == (len(SOUND_DESCRIPTORS),) == (ext.dim,) and out.dtype == np.float32
    assert np.all(np.isfinite(out))


def test_bs1770_sine_and_level_steps(ext):
    sine = np.sin(2 * np.pi * 997 * T)
    loud, peak = loudness_lufs((0.5 * sine).astype(np.float32), SR)
    assert loud == pytest.approx(20 * np.log10(0.5) - 3.01, abs=0.15)  # a full-scale sine reads -3.01 LUFS
    assert peak == pytest.approx(loud, abs=0.05)
    quiet, louder = d(ext, _rms(_noise(), -40)), d(ext, _rms(_noise(), -28))
    for key in ("level", "loudness", "loudness_peak"):
        assert louder[key] - quiet[key] == pytest.approx(12.0, abs=0.2)
    for key in ("sharpness", "roughness", "flux", "tonality", "centroid"):  # level-free descriptors
        assert louder[key] == pytest.approx(quiet[key], rel=0.05, abs=0.02)


def test_gating_keeps_a_burst_loud(ext):
    y = np.zeros(len(T))
    y[SR : SR + SR // 2] = 0.3 * _noise()[: SR // 2]
    got = d(ext, y)
    assert got["loudness_peak"] > got["level"] + 6  # the burst, not the 4-s average
    assert got["loudness"] > got["level"] + 6  # the gate drops the silent blocks


def test_tonality_tone_above_noise_and_tilt_is_not_a_tone(ext):
    tone, white, brown = (
        d(ext, _rms(_harmonic(), -25)),
        d(ext, _rms(_noise(), -25)),
        d(ext, _rms(_brown(), -25)),
    )
    assert tone["tonality"] > 0.9
    assert white["tonality"] < 0.6 and brown["tonality"] < 0.6
    assert tone["tonality"] > white["tonality"] + 0.3


def test_roughness_follows_fast_modulation(ext):
    carrier = np.sin(2 * np.pi * 1000 * T)
    steady = d(ext, _rms(carrier, -25))["roughness"]
    rough = d(ext, _rms((1 + np.sin(2 * np.pi * 70 * T)) * carrier, -25))["roughness"]
    slow = d(ext, _rms((1 + np.sin(2 * np.pi * 4 * T)) * carrier, -25))["roughness"]
    noise = d(ext, _rms(_noise(), -25))["roughness"]
    rough_noise = d(ext, _rms((1 + np.sin(2 * np.pi * 70 * T)) * _noise(), -25))["roughness"]
    assert steady < 0.05 and slow < 0.05  # 4 Hz is fluctuation, not roughness
    assert rough > 0.5
    assert noise < 0.1 and rough_noise > noise + 0.3


def test_sharpness_and_centroid_rise_with_high_frequencies(ext):
    from scipy.signal import butter, sosfilt

    low = sosfilt(butter(4, 800, fs=SR, output="sos"), _noise())
    high = sosfilt(butter(4, 3000, btype="high", fs=SR, output="sos"), _noise())
    dull, bright = d(ext, _rms(low, -25)), d(ext, _rms(high, -25))
    assert bright["sharpness"] > dull["sharpness"] + 0.5
    assert bright["centroid"] > dull["centroid"] + 1500


def test_onsets_count_events_and_not_steady_noise(ext):
    two, eight = d(ext, _clicks(2)), d(ext, _clicks(8))
    assert two["onset_rate"] == pytest.approx(2.0, abs=0.5)
    assert eight["onset_rate"] == pytest.approx(8.0, abs=1.0)
    steady = d(ext, _rms(_noise(), -25))
    assert steady["onset_rate"] == 0.0
    assert eight["flux"] > steady["flux"] and two["flux"] > steady["flux"]


def test_centroid_is_seed94s(ext, clip):
    seed94 = get_extractor("seed94")(clip, SR)
    assert d(ext, clip)["centroid"] == pytest.approx(float(seed94[93]), rel=1e-4)


def test_deterministic_batch_and_resampled(ext):
    y = _rms(_harmonic() + 0.3 * _noise(), -25)
    a, b = ext(y, SR), ext(y, SR)
    np.testing.assert_array_equal(a, b)
    batch = ext.batch([y, y[: SR * 2]], SR)
    np.testing.assert_array_equal(batch[0], a)
    assert len(batch) == 2 and batch[1].shape == a.shape
    import soxr

    at44 = d(ext, soxr.resample(y, SR, 44_100), 44_100)
    assert at44["level"] == pytest.approx(float(a[0]), abs=0.3)
    assert at44["centroid"] == pytest.approx(float(a[-1]), rel=0.1)  # soxr trims the top of the band


def test_silence_short_and_bad_input(ext):
    silent = d(ext, np.zeros(SR))
    assert silent["level"] == FLOOR_DB and silent["loudness"] == FLOOR_DB
    assert all(np.isfinite(v) for v in silent.values())
    assert np.all(np.isfinite(ext(_rms(_noise()[:800], -30), SR)))  # 50 ms: padded to one frame
    bad = _rms(_noise(), -30)
    bad[5] = np.nan
    with pytest.raises(AudioError, match="NaN"):
        ext(bad, SR)
    with pytest.raises(ConfigError, match="onset_delta"):
        SoundDescriptors(onset_delta=0.0)
    with pytest.raises(ConfigError, match="sample_rate"):
        SoundDescriptors(sample_rate=4000)
