import numpy as np
import pytest

from emoscore.errors import ConfigError
from emoscore.features import FEATURE_SETS, ConcatExtractor, WhisperExtractor, get_extractor


def test_feature_sets_are_the_spec_names():
    assert FEATURE_SETS == (
        "seed94", "egemaps", "compare", "logmel3", "logmel-stats", "whisper-base", "whisper-tiny",
        "whisper-base-layers",
        "sound-descriptors", "musicnn-msd", "musicnn-mtt", "musicnn-msd-tags", "musicnn-mtt-tags",
        "musicnn-msd-pool", "musicnn-mtt-pool",
    )  # fmt: skip
    for name in FEATURE_SETS:
        assert get_extractor(name).name == name


def test_unknown_name_lists_known_sets():
    with pytest.raises(ConfigError, match="unknown feature set 'mfcc13'.*seed94.*whisper-tiny"):
        get_extractor("compare+mfcc13")


def test_unknown_parameter_is_an_error():
    with pytest.raises(ConfigError, match="no parameter pooling"):
        get_extractor("seed94", pooling="mean")
    with pytest.raises(ConfigError, match="twice"):
        get_extractor("seed94+seed94")


def test_parameters_reach_every_set_that_takes_them():
    e = get_extractor("egemaps+whisper-tiny", pooling="mean", threads=2)
    assert isinstance(e, ConcatExtractor)
    w = e.parts[1]
    assert isinstance(w, WhisperExtractor) and w.pooling == "mean" and w.threads == 2
    assert e.params()["whisper-tiny"] == {"model": "tiny.en", "pooling": "mean", "compute_type": "int8"}


def test_concat_dims_and_order(clip, whisper_tiny):
    e = ConcatExtractor([get_extractor("seed94"), get_extractor("egemaps"), whisper_tiny])
    f = e(clip, 16_000)
    assert f.shape == (94 + 88 + 768,)
    np.testing.assert_allclose(f[:94], get_extractor("seed94")(clip, 16_000))
    np.testing.assert_allclose(f[94:182], get_extractor("egemaps")(clip, 16_000))
    batch = e.batch([clip, clip[:20_000]], 16_000)
    assert [b.shape for b in batch] == [(950,), (950,)]
    np.testing.assert_allclose(batch[0], f, rtol=1e-5, atol=1e-5)


def test_concat_refuses_frame_level_features():
    with pytest.raises(ConfigError, match="'logmel3' gives 3-D features and cannot be concatenated"):
        get_extractor("seed94+logmel3")
