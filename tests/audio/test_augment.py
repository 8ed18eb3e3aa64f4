import numpy as np
import pytest

from emoscore.audio.augment import (
    Augmentation,
    add_noise,
    add_reverb,
    codec_round_trip,
    room_impulse,
)
from emoscore.errors import ConfigError

SR = 16_000


@pytest.fixture(scope="module")
def speechy() -> np.ndarray:
    t = np.arange(int(1.5 * SR)) / SR
    phase = 2 * np.pi * np.cumsum(150 * (1 + 0.03 * np.sin(2 * np.pi * 5 * t))) / SR
    y = sum(np.sin(k * phase) / k for k in range(1, 10)) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t) ** 2)
    return (0.2 * y).astype(np.float32)


def snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(clean.astype(np.float64) ** 2) / np.mean((noisy - clean) ** 2.0)))


@pytest.mark.parametrize("colour", ["white", "pink", "brown"])
@pytest.mark.parametrize("target", [0.0, 10.0, 25.0])
def test_noise_hits_the_requested_snr(speechy, colour, target):
    noisy = add_noise(speechy, snr_db=target, colour=colour, seed=3)
    assert len(noisy) == len(speechy)
    assert abs(snr_db(speechy, noisy) - target) < 0.01


def test_noise_colours_differ_in_spectrum(speechy):
    silence = np.zeros(SR, np.float32)
    silence[::100] = 0.1  # some power so the scale is defined
    spectra = {}
    for c in ("white", "brown"):
        n = add_noise(silence, snr_db=0.0, colour=c, seed=1) - silence
        p = np.abs(np.fft.rfft(n)) ** 2
        spectra[c] = p[: len(p) // 8].sum() / p.sum()  # share below 1 kHz
    assert spectra["brown"] > 0.9 > 0.3 > spectra["white"]


def test_augmentation_snr_range_is_respected(speechy):
    aug = Augmentation(seed=5, noise_p=1.0, noise_snr_db=(12.0, 12.0))
    for seed in range(3):
        assert abs(snr_db(speechy, aug.apply(speechy, SR, seed)) - 12.0) < 0.01


def test_reverb_keeps_length_and_level_and_smears_time():
    ir = room_impulse(SR, rt60=0.5, seed=0)
    assert len(ir) == 8000 and abs(np.sum(ir**2) - 1) < 1e-9
    first, last = np.sum(ir[:800] ** 2), np.sum(ir[-800:] ** 2)
    assert first > 100 * last  # decays towards -60 dB at rt60
    click = np.zeros(SR, np.float32)
    click[1000] = 1.0
    wet = add_reverb(click, SR, rt60=0.5, wet=0.5)
    assert len(wet) == SR
    assert abs(np.sqrt(np.mean(wet**2)) - np.sqrt(np.mean(click**2))) < 1e-6
    assert np.sum(wet[1100:9000] ** 2) > 0.1 * np.sum(wet**2)  # energy after the click


def test_gain_is_exact(speechy):
    out = Augmentation(gain_p=1.0, gain_db=(-6.0, -6.0)).apply(speechy, SR)
    np.testing.assert_allclose(out, speechy * 10 ** (-6 / 20), rtol=1e-6)


def test_pitch_keeps_length_and_moves_f0(speechy):
    up = Augmentation(pitch_p=1.0, pitch_semitones=(12.0, 12.0)).apply(speechy, SR)
    assert len(up) == len(speechy)

    def peak_hz(y):
        spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
        return np.argmax(spec[: len(spec) // 4]) * SR / len(y)

    assert abs(peak_hz(up) / peak_hz(speechy) - 2.0) < 0.1


def test_tempo_changes_length(speechy):
    out = Augmentation(tempo_p=1.0, tempo_rate=(1.25, 1.25)).apply(speechy, SR)
    assert abs(len(out) - len(speechy) / 1.25) < 0.01 * len(speechy)


@pytest.mark.parametrize("codec", ["mp3", "opus", "vorbis"])
def test_codec_round_trip_is_aligned_and_lossy(speechy, codec):
    out = codec_round_trip(speechy, SR, codec, quality=0.5)
    assert len(out) == len(speechy) and out.dtype == np.float32
    assert not np.array_equal(out, speechy)
    assert 8.0 < snr_db(speechy, out) < 80.0  # aligned: close to the input, but not identical


def test_seeded_and_length_preserving_without_tempo(speechy):
    aug = Augmentation(seed=1, noise_p=1.0, reverb_p=1.0, gain_p=1.0, pitch_p=1.0, codec_p=1.0)
    a, b = aug.apply(speechy, SR, 42), aug.apply(speechy, SR, 42)
    np.testing.assert_array_equal(a, b)
    assert len(a) == len(speechy) and not np.allclose(a, speechy, atol=1e-3)
    assert not np.array_equal(a, aug.apply(speechy, SR, 43))
    assert not np.array_equal(a, Augmentation(**{**aug.to_dict(), "seed": 2}).apply(speechy, SR, 42))


def test_inactive_augmentation_is_identity(speechy):
    assert not Augmentation().active
    np.testing.assert_array_equal(Augmentation().apply(speechy, SR, 9), speechy)
    assert Augmentation.robust().active


def test_params_round_trip_and_validation():
    aug = Augmentation.robust(seed=3)
    d = aug.params()
    assert d["noise_snr_db"] == [5.0, 30.0] and d["seed"] == 3
    import json

    assert Augmentation.from_dict(json.loads(json.dumps(d))) == aug
    with pytest.raises(ConfigError, match="noise_p=1.5"):
        Augmentation(noise_p=1.5)
    with pytest.raises(ConfigError, match="low end above high end"):
        Augmentation(gain_db=(6.0, -6.0))
    with pytest.raises(ConfigError, match="codec aac"):
        Augmentation(codecs=("aac",))
