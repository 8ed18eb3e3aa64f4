"""SoundAffect: outputs in [0, 1], ordered as the literature says on generated sounds, and a
validated TOML."""

from __future__ import annotations

import numpy as np
import pytest

from emoscore.corpora.synthetic import other_sound
from emoscore.errors import ConfigError, ModelError
from emoscore.features import SOUND_DESCRIPTORS, SoundDescriptors
from emoscore.features.sound import loudness_lufs
from emoscore.models.sound import SOUND_AFFECT_FILE, SoundAffect, mixture_scales

SR = 16_000
T = np.arange(4 * SR) / SR


@pytest.fixture(scope="module")
def model() -> SoundAffect:
    return SoundAffect.load()


def _at(y: np.ndarray, lufs: float) -> np.ndarray:
    now, _ = loudness_lufs(np.asarray(y, dtype=np.float32), SR)
    return (y * 10 ** ((lufs - now) / 20)).astype(np.float32)


def _events(rate: float, seed: int = 0) -> np.ndarray:
    """Decaying knocks at ``rate`` per second, each as loud as in any other rate."""
    rng = np.random.default_rng(seed)
    y = 1e-3 * rng.standard_normal(len(T))
    for start in np.arange(0.05, 3.9, 1 / rate):
        i = int(start * SR)
        y[i : i + 1600] += 0.3 * rng.standard_normal(1600) * np.exp(-np.arange(1600) / 300)
    return y.astype(np.float32)


def predict(model: SoundAffect, *clips: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return model.predict_audio(list(clips), SR)


def test_shipped_model_names_itself_and_its_features(model):
    assert model.tag == "sound-affect 1.0.0"
    assert model.extractor() == SoundDescriptors(sample_rate=16_000, onset_delta=2.0)
    assert "(shipped)" in model.origin


@pytest.mark.parametrize("kind", ["engine", "traffic", "hum", "rain"])
def test_louder_version_is_more_arousing_and_less_pleasant(model, kind):
    y = other_sound(kind, 7, 4.0)
    soft, loud = _at(y, -40.0), _at(y, -22.0)
    valence, arousal = predict(model, soft, loud)
    assert arousal[1] > arousal[0] + 0.05
    assert valence[1] < valence[0]


def test_rougher_version_is_more_arousing_and_less_pleasant(model):
    carrier = sum(np.sin(2 * np.pi * 600 * k * T) / k for k in range(1, 6))
    smooth = _at(carrier, -28.0)
    rough = _at(carrier * (1 + 0.9 * np.sin(2 * np.pi * 70 * T)), -28.0)
    valence, arousal = predict(model, smooth, rough)
    assert arousal[1] > arousal[0]
    assert valence[1] < valence[0]


def test_faster_events_are_more_arousing(model):
    _, arousal = predict(model, _events(1.0), _events(6.0))
    assert arousal[1] > arousal[0] + 0.05


def test_brighter_version_is_more_arousing(model):
    y = other_sound("noise", 3, 4.0)
    spec = np.fft.rfft(y)
    f = np.maximum(np.fft.rfftfreq(len(y), 1 / SR), 50.0)
    tilt = lambda db: np.fft.irfft(spec * 10 ** (db * np.log2(f / 1000) / 20), len(y))  # noqa: E731
    _, arousal = predict(model, _at(tilt(-6.0), -30.0), _at(tilt(6.0), -30.0))
    assert arousal[1] > arousal[0] + 0.05


def test_outputs_in_unit_interval_and_deterministic(model):
    rng = np.random.default_rng(0)
    clips = [other_sound(k, 1, 4.0) for k in ("noise", "wind", "rain", "hum", "engine", "quiet")]
    clips += [
        np.zeros(SR, dtype=np.float32),
        (0.99 * np.sign(rng.standard_normal(4 * SR))).astype(np.float32),
    ]
    X = np.vstack(model.extractor().batch(clips, SR))
    v1, a1 = model.predict(X)
    v2, a2 = model.predict(X)
    np.testing.assert_array_equal(v1, v2)
    np.testing.assert_array_equal(a1, a2)
    for out in (v1, a1):
        assert out.shape == (len(clips),)
        assert np.all((out >= 0) & (out <= 1))
    assert np.ptp(a1) > 0.3  # it does not say the same thing about everything
    one_v, one_a = model.predict(X[0])
    assert one_a.shape == (1,) and one_a[0] == pytest.approx(a1[0]) and one_v[0] == pytest.approx(v1[0])


def test_descriptor_matrix_is_checked(model):
    with pytest.raises(ModelError, match="rows of 9 values"):
        model.predict(np.zeros((2, 5)))
    bad = np.zeros((1, len(SOUND_DESCRIPTORS)))
    bad[0, 3] = np.nan
    with pytest.raises(ModelError, match="NaN"):
        model.predict(bad)
    v, a = model.predict_audio([], SR)
    assert v.shape == a.shape == (0,)


def _shipped_text() -> str:
    from importlib import resources

    return resources.files("emoscore.data").joinpath(SOUND_AFFECT_FILE).read_text()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s + "\n[oops\n", "not valid TOML"),
        (lambda s: s.replace("[descriptors.flux]", "[descriptors.fluxx]"), "unknown descriptor.*fluxx"),
        (lambda s: s.replace("scale = 0.927289", "scale = -1.0"), "descriptors.flux.scale must be positive"),
        (
            lambda s: s.replace("arousal = 0.1027", 'arousal = "high"'),
            "descriptors.flux.arousal must be a finite number",
        ),
        (lambda s: s.replace('transform = "log1p"', 'transform = "sqrt"'), "transform must be one of"),
        (lambda s: s.replace('version = "1.0.0"\n', ""), "lacks version"),
        (lambda s: s.replace("gain = 2.241", "gain = 0"), "arousal.gain must be positive"),
        (lambda s: s.replace("onset_delta = 2.0", "onset_delta = -2.0"), r"\[features\].*onset_delta"),
        (lambda s: s.replace("onset_delta = 2.0", "window = 2.0"), r"\[features\].*window"),
        (
            lambda s: s.replace('feature_set = "sound-descriptors"', 'feature_set = "seed94"'),
            "feature_set must be",
        ),
        (lambda s: s.replace("clip = 3.0", "clip = 3.0\nextra = 1"), "unknown key.*extra"),
    ],
)
def test_malformed_toml_is_one_line_naming_the_file(tmp_path, edit, message):
    text = _shipped_text()
    broken = edit(text)
    assert broken != text  # the edit applies to the shipped file
    path = tmp_path / "affect.toml"
    path.write_text(broken)
    with pytest.raises(ConfigError, match=message) as info:
        SoundAffect.load(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_no_weight_left_and_missing_file(tmp_path):
    import re

    text = re.sub(r"(?m)^arousal = .*\n", "", _shipped_text())
    path = tmp_path / "noarousal.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="no descriptor has a weight for arousal"):
        SoundAffect.load(path)
    with pytest.raises(ConfigError, match="cannot read"):
        SoundAffect.load(tmp_path / "missing.toml")


def test_a_copy_of_the_shipped_file_loads_the_same(tmp_path, model):
    path = tmp_path / "copy.toml"
    path.write_text(_shipped_text())
    other = SoundAffect.load(path)
    X = np.vstack(model.extractor().batch([other_sound("rain", 2, 3.0)], SR))
    for mine, theirs in zip(other.predict(X), model.predict(X), strict=True):
        np.testing.assert_allclose(mine, theirs)


def test_mixture_scales_weigh_each_set_equally():
    a = np.array([[0.0, 0.0], [2.0, 0.0]])
    b = np.full((50, 2), 10.0)
    centre, scale = mixture_scales(a, b)
    assert centre == pytest.approx([5.5, 5.0])
    assert scale[0] == pytest.approx(np.sqrt((1.0 + 0.0) / 2 + 4.5**2))
    log_centre, _ = mixture_scales(np.array([[np.e - 1]]), transforms=["log1p"])
    assert log_centre[0] == pytest.approx(1.0)
    with pytest.raises(ConfigError):
        mixture_scales(a, transforms=["cube", "identity"])
