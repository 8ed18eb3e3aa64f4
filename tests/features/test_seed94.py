import pickle

import numpy as np
import pytest

from emoscore.errors import ConfigError
from emoscore.features import Seed94Extractor


def test_94_values_in_documented_layout(clip):
    f = Seed94Extractor()(clip, 16_000)
    assert f.shape == (94,) and f.dtype == np.float32 and np.all(np.isfinite(f))
    chroma, zcr, centroid = f[:12], f[92], f[93]
    assert np.all((chroma >= 0) & (chroma <= 1))
    assert 0 < zcr < 0.5
    assert 100 < centroid < 8000


def test_power_and_db_mel_agree(clip):
    db = Seed94Extractor(mel="db")(clip, 16_000)
    power = Seed94Extractor(mel="power")(clip, 16_000)
    np.testing.assert_array_equal(np.delete(db, range(12, 72)), np.delete(power, range(12, 72)))
    assert np.all(power[12:72] >= 0) and np.all(db[12:72] < 40)
    # mean of dB <= dB of mean (Jensen)
    assert np.all(db[12:72] <= 10 * np.log10(power[12:72] + 1e-10) + 1e-3)
    with pytest.raises(ConfigError):
        Seed94Extractor(mel="log")


def test_deterministic_and_rate_independent(clip):
    import soxr

    e = pickle.loads(pickle.dumps(Seed94Extractor()))
    np.testing.assert_array_equal(e(clip, 16_000), e(clip, 16_000))
    at48 = soxr.resample(clip, 16_000, 48_000)
    # Other rates are resampled to 16 kHz first: chroma and centroid barely move.
    a, b = e(at48, 48_000), e(clip, 16_000)
    np.testing.assert_allclose(a[:12], b[:12], atol=0.02)
    assert abs(a[93] - b[93]) / b[93] < 0.07  # the anti-alias filter removes some hiss near 8 kHz


def test_brighter_sound_has_higher_centroid_and_zcr(clip):
    rng = np.random.default_rng(1)
    hiss = np.diff(rng.standard_normal(len(clip) + 1)).astype(np.float32) * 0.05  # high-pass noise
    dull, bright = Seed94Extractor()(clip, 16_000), Seed94Extractor()(clip + hiss, 16_000)
    assert bright[93] > dull[93] + 500
    assert bright[92] > dull[92]
