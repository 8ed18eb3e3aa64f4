import pickle

import numpy as np
import pytest

from emoscore.errors import ConfigError
from emoscore.features import ChannelStandardizer, LogMel3Extractor
from emoscore.features.logmel import n_frames


@pytest.mark.parametrize("n", [16_000, 16_159, 24_321, 3_000])
def test_shape_follows_center_padding(n, clip):
    y = np.resize(clip, n)
    f = LogMel3Extractor()(y, 16_000)
    assert f.shape == (3, 40, 1 + n // 160) == (3, 40, n_frames(n))
    assert f.dtype == np.float32 and np.all(np.isfinite(f))


def test_channels_are_static_delta_deltadelta(clip):
    import librosa

    f = LogMel3Extractor()(clip, 16_000)
    mag = librosa.feature.melspectrogram(
        y=clip, sr=16_000, n_fft=400, hop_length=160, n_mels=40, fmin=300, fmax=8000, power=1.0
    )
    np.testing.assert_allclose(f[0], 20 * np.log10(np.maximum(mag, 1e-5)), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(f[1], librosa.feature.delta(f[0], width=9), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(f[2], librosa.feature.delta(f[0], width=9, order=2), rtol=1e-4, atol=1e-3)
    # A tone at 140 Hz harmonics: the loudest band sits low, not above 4 kHz.
    assert int(np.argmax(f[0].mean(axis=1))) < 20


def test_band_edges_ignore_energy_below_300_hz():
    t = np.arange(16_000) / 16_000
    low = (0.5 * np.sin(2 * np.pi * 100 * t)).astype(np.float32)
    mid = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    e = LogMel3Extractor()
    assert e(low, 16_000)[0].max() < e(mid, 16_000)[0].max() - 20


def test_short_input_still_gets_deltas():
    f = LogMel3Extractor()(np.full(800, 0.1, np.float32), 16_000)
    assert f.shape == (3, 40, 6) and np.all(np.isfinite(f))


def test_pickle_and_determinism(clip):
    e = pickle.loads(pickle.dumps(LogMel3Extractor()))
    np.testing.assert_array_equal(e(clip, 16_000), LogMel3Extractor()(clip, 16_000))


def test_standardizer_uses_global_statistics():
    rng = np.random.default_rng(0)
    X = [
        rng.normal(loc=[[[5.0]], [[0.0]], [[-2.0]]], scale=[[[2.0]], [[1.0]], [[0.5]]], size=(3, 40, t))
        for t in (50, 80, 120)
    ]
    s = ChannelStandardizer().fit(X)
    assert s.mean_.shape == (3, 1, 1)
    np.testing.assert_allclose(s.mean_.ravel(), [5.0, 0.0, -2.0], atol=0.05)
    np.testing.assert_allclose(s.std_.ravel(), [2.0, 1.0, 0.5], rtol=0.05)
    Z = np.concatenate(s.transform(X), axis=2)
    np.testing.assert_allclose(Z.mean(axis=(1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(Z.std(axis=(1, 2)), 1, atol=1e-3)
    # Global, not per clip: a quiet clip stays below the mean after transform.
    quiet = s.transform([X[0] - 3.0])[0]
    assert quiet[0].mean() < -1.0
    band = ChannelStandardizer(per_band=True).fit(X)
    assert band.mean_.shape == (3, 40, 1)
    s2 = pickle.loads(pickle.dumps(s))
    np.testing.assert_array_equal(s2.transform(X)[1], s.transform(X)[1])


def test_standardizer_errors():
    with pytest.raises(ConfigError, match="fit before transform"):
        ChannelStandardizer().transform([np.zeros((3, 40, 5))])
    with pytest.raises(ConfigError, match="channels, bands, frames"):
        ChannelStandardizer().fit([np.zeros((40, 5))])
