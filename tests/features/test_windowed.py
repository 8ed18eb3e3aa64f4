"""Windowed features through the cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emoscore.audio.preprocess import Preprocessing
from emoscore.errors import ConfigError
from emoscore.features import FeatureCache, FeatureExtractor
from emoscore.features.windowed import WindowedExtractor, excerpt_spans, extract_windows

PRE = Preprocessing(trim_silence=False)


class Moments(FeatureExtractor):
    """Mean absolute value and length of a clip; counts its calls (to see the cache work)."""

    name = "moments"
    calls = 0

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        Moments.calls += 1
        return np.array([np.abs(samples).mean(), len(samples) / sample_rate], dtype=np.float32)


def _ramp(path: Path, seconds: float) -> Path:
    y = np.linspace(0, 0.5, int(seconds * 16000), dtype=np.float32)
    sf.write(path, y, 16000, subtype="PCM_24")
    return path


def test_spans_cover_a_long_clip_evenly() -> None:
    spans = excerpt_spans(30 * 16000, 16000, 4.0, 4)
    assert len(spans) == 4 and spans[0][0] == 0 and spans[-1][1] == 30 * 16000
    assert all(b - a == 64000 for a, b in spans)
    assert excerpt_spans(5 * 16000, 16000, 4.0, 4) == [(0, 80000)]  # up to 1.5 windows: whole
    with pytest.raises(ConfigError):
        excerpt_spans(100, 16000, 0.0, 4)


def test_extract_windows_equals_batch_and_uses_the_cache(tmp_path: Path) -> None:
    long_clip, short_clip = _ramp(tmp_path / "long.flac", 20.0), _ramp(tmp_path / "short.flac", 3.0)
    ext = WindowedExtractor(Moments(), window=4.0, max_windows=3)
    cache = FeatureCache(tmp_path / "cache")
    Moments.calls = 0
    mats, errors = extract_windows([str(long_clip), str(short_clip)], ext, preprocessing=PRE, cache=cache)
    assert errors == () and Moments.calls == 4
    assert mats[0].shape == (3, 2) and mats[1].shape == (1, 2)
    assert np.allclose(mats[0][:, 1], 4.0)  # three 4-s windows
    assert mats[0][0, 0] < mats[0][1, 0] < mats[0][2, 0]  # the ramp grows: windows in time order
    direct = ext.batch([sf.read(long_clip, dtype="float32")[0]], 16000)[0]
    assert np.allclose(direct, mats[0], atol=1e-6)
    assert Moments.calls == 7
    again, _ = extract_windows([str(long_clip), str(short_clip)], ext, preprocessing=PRE, cache=cache)
    assert Moments.calls == 7  # the second extraction was all cache hits
    assert all(np.array_equal(a, b) for a, b in zip(mats, again, strict=True))


def test_unreadable_file_is_named_not_fatal(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    good = _ramp(tmp_path / "good.flac", 2.0)
    mats, errors = extract_windows([str(bad), str(good)], WindowedExtractor(Moments()), preprocessing=PRE)
    assert mats[0] is None and mats[1] is not None
    assert len(errors) == 1 and "bad.wav" in errors[0]
