import pickle
import shutil

import numpy as np
import pytest

from emoscore.errors import ConfigError, ModelError
from emoscore.features import musicnn as mnn
from emoscore.features.musicnn import (
    LAYERS,
    PATCH_FRAMES,
    MusicnnExtractor,
    MusicnnNet,
    checkpoint_prefix,
    checkpoint_variables,
    log_mel,
    patch_starts,
)
from emoscore.features.registry import get_extractor
from emoscore.features.tfcheckpoint import _crc_bytes, crc32c, read_checkpoint, read_index

SR = 16_000


@pytest.fixture(scope="module")
def msd_net():
    return MusicnnNet.from_checkpoint(checkpoint_prefix("MSD_musicnn"))


@pytest.fixture(scope="module")
def msd(msd_net):
    e = MusicnnExtractor("MSD_musicnn")
    e._net = msd_net
    return e


def _noise_patch() -> np.ndarray:
    """The input on which the original TensorFlow graph was run (docs/music_emotion.md)."""
    rng = np.random.default_rng(0)
    return log_mel(rng.standard_normal(SR * 3).astype(np.float32) * 0.1, SR)[:PATCH_FRAMES]


def _chord(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    y = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) * np.exp(-(t % 0.5) * 4)
    return (0.2 * y).astype(np.float32)


def test_crc32c_check_value_and_lanes_agree_with_bytewise():
    assert crc32c(b"123456789") == 0xE3069283
    data = np.random.default_rng(1).integers(0, 256, 100_003).astype(np.uint8).tobytes()
    assert crc32c(data) == _crc_bytes(0xFFFFFFFF, data) ^ 0xFFFFFFFF


def test_reader_shapes_and_values():
    index = read_index(checkpoint_prefix("MSD_musicnn"))
    assert len(index) == 150  # weights + Adam slots, as tf.train.load_checkpoint lists them
    assert index["conv2d/kernel"].shape == (7, 38, 1, 204)
    assert index["conv2d_1/kernel"].shape == (7, 67, 1, 204)
    assert index["conv2d_2/kernel"].shape == (128, 1, 1, 51)
    assert index["conv2d_5/kernel"].shape == (7, 561, 1, 64)
    assert index["dense/kernel"].shape == (1506, 200)
    assert index["dense_1/kernel"].shape == (200, 50)
    w = read_checkpoint(checkpoint_prefix("MSD_musicnn"), ["batch_normalization/moving_mean", "dense_1/bias"])
    assert w["batch_normalization/moving_mean"].dtype == np.float32
    np.testing.assert_array_equal(w["batch_normalization/moving_mean"], np.float32([2.197803020477295]))
    np.testing.assert_array_equal(
        w["dense_1/bias"][:3], np.float32([-1.2708746194839478, -2.0328919887542725, -2.3710668087005615])
    )
    assert set(checkpoint_variables()) <= set(index)


def test_network_matches_tensorflow_and_is_deterministic(msd_net):
    x = _noise_patch()
    out = msd_net.forward(np.stack([x, x[::-1].copy()]))
    assert out["tags"].shape == (2, 50) and out["penultimate"].shape == (2, 200)
    assert out["pool"].shape == (2, 1506)
    assert np.all((out["tags"] >= 0) & (out["tags"] <= 1))
    # the original graph (musicnn models.py under tf.compat.v1, TensorFlow 2.21) on this patch
    tf_tags = [0.05218910053372383, 0.021014055237174034, 0.012157686054706573, 0.0087730772793293]
    tf_pen = [-0.1771755814552307, 0.8139268159866333, -0.2848263680934906, -0.2751210033893585]
    np.testing.assert_allclose(out["tags"][0, :4], tf_tags, atol=2e-5)
    np.testing.assert_allclose(out["penultimate"][0, :4], tf_pen, atol=5e-5)
    again = msd_net.forward(x[None])
    np.testing.assert_allclose(again["penultimate"][0], out["penultimate"][0], atol=1e-5)
    np.testing.assert_array_equal(msd_net.forward(x[None])["tags"], again["tags"])


def test_patches_cover_the_window():
    assert patch_starts(251) == [0, 64]
    assert patch_starts(PATCH_FRAMES) == [0]
    assert patch_starts(1876)[-1] == 1876 - PATCH_FRAMES and len(patch_starts(1876)) == 11


def test_extractor_dims_windows_and_short_clips(msd):
    four = msd(_chord(4.0), SR)
    assert four.shape == (400,) == (msd.dim,) and np.all(np.isfinite(four))
    assert np.all(four[200:] >= 0) and np.any(four[200:] > 0)  # two patches: a real std
    short = msd(_chord(1.0), SR)  # one patch shorter than 3 s
    assert short.shape == (400,) and np.all(short[200:] == 0)
    at_44k = msd(np.interp(np.arange(44_100 * 4) / 44_100, np.arange(SR * 4) / SR, _chord(4.0)), 44_100)
    assert at_44k.shape == (400,)
    batch = msd.batch([_chord(4.0), _chord(1.0)], SR)
    np.testing.assert_allclose(batch[0], four, atol=1e-5)
    np.testing.assert_allclose(batch[1], short, atol=1e-5)
    with pytest.raises(ConfigError):
        msd(np.zeros(0, np.float32), SR)


def test_variants_registry_and_pickle(msd_net):
    for name, layer in (
        ("musicnn-msd", "penultimate"),
        ("musicnn-mtt-tags", "tags"),
        ("musicnn-msd-pool", "pool"),
    ):
        e = get_extractor(name)
        assert e.name == name and e.layer == layer and e.dim == 2 * LAYERS[layer]
    tags = get_extractor("musicnn-msd-tags", pooling="mean")
    tags._net = msd_net
    assert tags(_chord(4.0), SR).shape == (50,)
    assert get_extractor("whisper-base+musicnn-msd").name == "whisper-base+musicnn-msd"
    e = MusicnnExtractor("MSD_musicnn")
    e._net = msd_net
    back = pickle.loads(pickle.dumps(e))
    assert (
        back._net is None
        and back == e
        and back.params()
        == {
            "model": "MSD_musicnn",
            "layer": "penultimate",
            "pooling": "mean+std",
        }
    )
    with pytest.raises(ConfigError):
        MusicnnExtractor("MSD_vgg")
    with pytest.raises(ConfigError):
        MusicnnExtractor(layer="cnn9")


def test_missing_package_is_one_model_error(monkeypatch):
    monkeypatch.setattr(mnn.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(
        ModelError, match=r"package 'musicnn' is not installed \(pip install --no-deps musicnn"
    ):
        MusicnnExtractor("MTT_musicnn")(_chord(1.0), SR)


@pytest.fixture
def ckpt_copy(tmp_path):
    src = checkpoint_prefix("MTT_musicnn")
    for suffix in (".index", ".data-00000-of-00001"):
        shutil.copy(src + suffix, tmp_path / f"model{suffix}")
    return tmp_path / "model"


def test_copied_checkpoint_loads(ckpt_copy):
    e = MusicnnExtractor("MTT_musicnn", checkpoint=str(ckpt_copy))
    assert e(_chord(1.0), SR).shape == (400,)
    assert e.params()["checkpoint"] == str(ckpt_copy)


def test_truncated_data_names_the_file(ckpt_copy):
    data = ckpt_copy.with_name("model.data-00000-of-00001")
    with open(data, "r+b") as f:
        f.truncate(data.stat().st_size // 2)
    with pytest.raises(ModelError, match=r"model\.data-00000-of-00001: variable .* truncated"):
        MusicnnExtractor("MTT_musicnn", checkpoint=str(ckpt_copy))(_chord(1.0), SR)


def test_damaged_data_fails_its_checksum(ckpt_copy):
    data = ckpt_copy.with_name("model.data-00000-of-00001")
    entry = read_index(ckpt_copy)["dense/kernel"]
    raw = bytearray(data.read_bytes())
    raw[entry.offset + entry.size // 2] ^= 0x40
    data.write_bytes(bytes(raw))
    with pytest.raises(ModelError, match="fails its checksum"):
        MusicnnNet.from_checkpoint(ckpt_copy)


@pytest.mark.parametrize("cut", [10, 4000])
def test_truncated_or_missing_index_names_the_file(ckpt_copy, cut):
    index = ckpt_copy.with_name("model.index")
    with open(index, "r+b") as f:
        f.truncate(cut)
    with pytest.raises(ModelError, match=r"model\.index: corrupt TensorFlow checkpoint index"):
        read_index(ckpt_copy)
    index.unlink()
    with pytest.raises(ModelError, match=r"model\.index: checkpoint index cannot be read"):
        read_index(ckpt_copy)
