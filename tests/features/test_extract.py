from typing import Any

import numpy as np
import pytest

from emoscore.audio import Preprocessing, load_audio, preprocess_clip
from emoscore.audio.augment import Augmentation
from emoscore.errors import AudioError
from emoscore.features import ConcatExtractor, FeatureCache, FeatureExtractor, extract_files, get_extractor
from emoscore.features.extract import feature_key


class Counting(FeatureExtractor):
    """RMS and length of each clip, counting how often it is asked."""

    def __init__(self, name: str = "counting", scale: float = 1.0):
        self.name, self.scale, self.calls = name, scale, 0

    def params(self) -> dict[str, Any]:
        return {"scale": self.scale}

    def __call__(self, samples, sample_rate):
        self.calls += 1
        return np.array([self.scale * np.sqrt(np.mean(samples**2)), len(samples) / sample_rate], np.float32)


def test_second_call_recomputes_nothing(wav_files, tmp_path):
    cache, e = FeatureCache(tmp_path / "c"), Counting()
    first = extract_files(wav_files, e, cache=cache)
    assert e.calls == 3 and len(cache) == 3
    again = extract_files(wav_files, e, cache=cache)
    assert e.calls == 3
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    extract_files(wav_files[:1] + [wav_files[0]], e, cache=cache)
    assert e.calls == 3


def test_features_match_direct_computation(wav_files):
    e = Counting()
    out = extract_files(wav_files, e)
    pre = Preprocessing()
    for path, f in zip(wav_files, out, strict=True):
        y = preprocess_clip(load_audio(path).samples, pre)
        np.testing.assert_allclose(f, e(y, 16_000), rtol=1e-6)
    assert out[0][1] < out[1][1] < out[2][1]  # durations in order


def test_key_changes_with_params_preprocessing_augmentation(wav_files, tmp_path):
    cache, digest = FeatureCache(tmp_path), "0" * 64
    base = feature_key(digest, Counting(), Preprocessing(), None)
    assert feature_key(digest, Counting(scale=2.0), Preprocessing(), None) != base
    assert feature_key(digest, Counting(name="other"), Preprocessing(), None) != base
    assert feature_key(digest, Counting(), Preprocessing(denoise=True), None) != base
    assert feature_key(digest, Counting(), Preprocessing(), Augmentation(seed=1, gain_p=1.0)) != base
    assert feature_key(digest, Counting(), Preprocessing(), Augmentation()) == base  # inactive = none
    assert feature_key("1" * 64, Counting(), Preprocessing(), None) != base
    one, four = get_extractor("whisper-tiny", threads=1), get_extractor("whisper-tiny", threads=4)
    assert feature_key(digest, one, Preprocessing(), None) == feature_key(digest, four, Preprocessing(), None)
    e = Counting()
    extract_files(wav_files, e, cache=cache)
    extract_files(wav_files, e, cache=cache, preprocessing=Preprocessing(trim_silence=False))
    assert e.calls == 6


def test_augmentation_is_seeded_by_content_and_cached(wav_files, tmp_path):
    cache, e = FeatureCache(tmp_path), Counting()
    aug = Augmentation(seed=7, gain_p=1.0, gain_db=(-12.0, -6.0))
    plain = extract_files(wav_files, e, cache=cache)
    louder = extract_files(wav_files, e, cache=cache, augment=aug)
    assert e.calls == 6
    for p, a in zip(plain, louder, strict=True):
        assert 10 ** (-12 / 20) - 1e-4 <= a[0] / p[0] <= 10 ** (-6 / 20) + 1e-4
    assert extract_files(wav_files, Counting(), augment=aug)[0][0] == louder[0][0]  # same seed, same result


def test_concat_is_cached_per_part(wav_files, tmp_path):
    cache = FeatureCache(tmp_path)
    a, b = Counting("a"), Counting("b", scale=3.0)
    extract_files(wav_files, a, cache=cache)
    both = extract_files(wav_files, ConcatExtractor([a, b]), cache=cache)
    assert (a.calls, b.calls) == (3, 3)
    assert both[1].shape == (4,)
    np.testing.assert_allclose(both[1][2], 3 * both[1][0], rtol=1e-6)


def test_parallel_matches_serial(wav_files, tmp_path):
    e = get_extractor("egemaps")
    serial = extract_files(wav_files, e)
    cache = FeatureCache(tmp_path)
    parallel = extract_files(wav_files, e, n_jobs=2, chunk_size=1, cache=cache)
    for s, p in zip(serial, parallel, strict=True):
        np.testing.assert_allclose(s, p, rtol=1e-6)
    assert len(cache) == 3  # the workers wrote the cache


def test_bad_file_names_itself(wav_files, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF not really a wav file")
    with pytest.raises(AudioError, match="broken.wav"):
        extract_files([wav_files[0], str(bad)], Counting())
    with pytest.raises(AudioError, match="missing.wav"):
        extract_files([str(tmp_path / "missing.wav")], Counting())
