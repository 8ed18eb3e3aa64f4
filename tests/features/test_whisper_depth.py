"""A shallow CTranslate2 encoder (``WhisperExtractor(depth=3)``, what the default model uses) is
the full encoder's layer 3 after the final LayerNorm, at int8 speed; the copy of ``model.bin`` keeps
every other variable byte for byte and refuses what it cannot copy."""

import numpy as np
import pytest

from emoscore.errors import ConfigError, ModelError
from emoscore.features import WhisperExtractor, get_extractor, whisper_model_dir
from emoscore.features.ct2model import read_ct2_model, write_shallow_encoder
from emoscore.features.whisper_layers import WhisperLayersExtractor


def test_the_shallow_copy_keeps_the_first_layers_and_everything_else(tmp_path):
    full = whisper_model_dir("base")
    out = write_shallow_encoder(full, tmp_path / "model.bin", 3)
    a = read_ct2_model(full, select=lambda n: not n.startswith("decoder/"))
    b = read_ct2_model(out, select=lambda n: not n.startswith("decoder/"))
    dropped = {n for n in a.variables if any(n.startswith(f"encoder/layer_{i}/") for i in (3, 4, 5))}
    assert dropped and set(b.variables) == set(a.variables) - dropped
    for name in b.variables:
        np.testing.assert_array_equal(a.variables[name], b.variables[name])
    assert read_ct2_model(out, select=lambda n: n == "decoder/embeddings/weight").variables  # decoder kept


def test_depth_is_the_middle_layer_after_the_final_layer_norm(clip):
    torch = pytest.importorskip("torch")
    mel = WhisperExtractor("base").log_mel(clip, 16_000)[None]
    layers = WhisperLayersExtractor(layers=(3,))
    net = layers.net()
    states = layers.layer_states(mel, last=3)
    expected = net._ln(
        torch.from_numpy(np.asarray(states[3], dtype=np.float32)), "encoder/layer_norm"
    ).numpy()
    shallow = WhisperExtractor("base", compute_type="float32", depth=3)
    np.testing.assert_allclose(shallow._encode(mel), expected, atol=2e-3)
    int8 = get_extractor("whisper-base", depth=3)
    f, g = int8(clip, 16_000), shallow(clip, 16_000)
    assert f.shape == (1024,) and f @ g / np.linalg.norm(f) / np.linalg.norm(g) > 0.995


def test_depth_settings_and_cache_keys(tmp_path):
    assert "depth" not in WhisperExtractor("base").params()  # the full encoder keeps its cache keys
    assert WhisperExtractor("base", depth=6).params() == WhisperExtractor("base").params()
    assert WhisperExtractor("base", depth=3).params()["depth"] == 3
    assert WhisperExtractor("base", depth=3) != WhisperExtractor("base")
    for bad in (0, 7, 2.5):
        with pytest.raises(ConfigError, match="depth"):
            WhisperExtractor("base", depth=bad)
    with pytest.raises(ConfigError, match="the model has 6 encoder layers"):
        write_shallow_encoder(whisper_model_dir("base"), tmp_path / "x.bin", 9)


def test_a_damaged_source_is_one_model_error(tmp_path):
    src = tmp_path / "model.bin"
    src.write_bytes((whisper_model_dir("base") / "model.bin").read_bytes()[:5000])
    with pytest.raises(ModelError, match="truncated CTranslate2 model file"):
        write_shallow_encoder(src, tmp_path / "out.bin", 3)
    with pytest.raises(ModelError, match="missing"):
        write_shallow_encoder(tmp_path / "nothing", tmp_path / "out.bin", 3)


def test_a_shallow_copy_always_goes_into_the_cache(tmp_path):
    """tiny.en is used in place from its wheel; its shallow copy must not be written beside it."""
    d = whisper_model_dir("tiny.en", depth=2, cache_root=tmp_path)
    assert d == tmp_path / "models" / "whisper-tiny.en-depth2" and (d / "model.bin").is_file()
    assert not [p for p in d.parent.iterdir() if p.name.startswith(".")]  # no temporary folder left
