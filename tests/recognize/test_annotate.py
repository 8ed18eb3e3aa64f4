"""analyze --domain: per-window domain, trained valence/arousal and quadrant probabilities."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emoscore.errors import ConfigError, ModelError
from emoscore.features import FeatureExtractor
from emoscore.features.windowed import WindowedExtractor
from emoscore.models.recipe import recipe_for
from emoscore.models.registry import load_model
from emoscore.models.training import FeatureTable, fit_bundle
from emoscore.recognize import Recognizer
from emoscore.recognize.annotate import SoundAnnotator

RATE = 16000


class Brightness(FeatureExtractor):
    """Zero-crossing rate and level: enough to tell a low tone, a high tone and noise apart."""

    name = "brightness"

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        zcr = np.mean(np.abs(np.diff(np.sign(samples)))) / 2
        return np.array([zcr * 10, np.sqrt(np.mean(samples**2)) * 10], dtype=np.float32)


def _sound(kind: str, seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    if kind == "noise":
        return (0.3 * rng.standard_normal(len(t))).astype(np.float32)
    freq = {"low": 150.0, "high": 1500.0}[kind] * rng.uniform(0.9, 1.1)
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _bundle(task: str, labels_of: dict[str, str]):  # type: ignore[no-untyped-def]
    import pandas as pd

    ext = WindowedExtractor(Brightness(), window=4.0)
    kinds = [k for k in labels_of for _ in range(8)]
    X = np.empty(len(kinds), dtype=object)
    for i, k in enumerate(kinds):
        X[i] = np.vstack(ext.batch([_sound(k, 4.0, i)], RATE))
    frame = pd.DataFrame(
        {
            "path": [str(i) for i in range(len(kinds))],
            "label": [labels_of[k] for k in kinds],
            "code": kinds,
            "speaker": [f"g:{i}" for i in range(len(kinds))],
            "corpus": "synthetic",
        }
    )
    recipe = recipe_for(task)
    recipe = replace(
        recipe, params={**recipe.params, "C": 100.0}
    )  # two clean features: little regularisation
    return fit_bundle(recipe, FeatureTable(frame, X, ()), ext)


@pytest.fixture(scope="module")
def annotator() -> SoundAnnotator:
    return SoundAnnotator(
        domain="auto",
        valence=_bundle("valence", {"low": "low", "high": "high", "noise": "low"}),
        arousal=_bundle("arousal", {"low": "low", "high": "high", "noise": "high"}),
        quadrant=_bundle("quadrant", {"low": "Q3", "high": "Q1", "noise": "Q2"}),
        detector=_bundle("domain", {"low": "music", "high": "speech", "noise": "other"}),
    )


def test_windows_get_domain_quadrant_and_trained_va(annotator: SoundAnnotator) -> None:
    notes = annotator.annotate(
        [_sound("low", 4.0, 99), _sound("high", 4.0, 98), _sound("noise", 4.0, 97)], RATE
    )
    assert [n.domain for n in notes] == ["music", "speech", "other"]
    assert set(notes[0].quadrant) == {"Q1", "Q2", "Q3"}  # the labels the model was trained on
    assert max(notes[0].quadrant, key=notes[0].quadrant.get) == "Q3"  # type: ignore[arg-type]
    assert not notes[1].quadrant and not notes[2].quadrant
    assert abs(sum(notes[2].domain_probabilities.values()) - 1) < 1e-5
    assert notes[0].arousal < 0.5 < notes[1].arousal and notes[0].valence < 0.5 < notes[1].valence
    assert annotator.models_info()["domain"].startswith("domain ")


def test_fixed_domain_needs_no_detector(annotator: SoundAnnotator) -> None:
    music = SoundAnnotator(
        domain="music", valence=annotator.valence, arousal=annotator.arousal, quadrant=annotator.quadrant
    )
    note = music.annotate([_sound("high", 4.0, 5)], RATE)[0]
    assert note.domain == "music" and not note.domain_probabilities and note.quadrant
    with pytest.raises(ConfigError, match="detector"):
        SoundAnnotator(
            domain="auto", valence=annotator.valence, arousal=annotator.arousal, quadrant=annotator.quadrant
        )
    with pytest.raises(ModelError, match="a valence model is needed"):
        SoundAnnotator(
            domain="music", valence=annotator.arousal, arousal=annotator.arousal, quadrant=annotator.quadrant
        )


def test_recognizer_with_and_without_annotator(annotator: SoundAnnotator, tmp_path: Path) -> None:
    scene = np.concatenate([_sound("low", 4.0, 1), _sound("noise", 4.0, 2), _sound("high", 4.0, 3)])
    sf.write(tmp_path / "scene.wav", scene, RATE)
    fast = load_model("fast")
    plain = Recognizer(fast).analyze(tmp_path / "scene.wav")  # no annotator: every window is speech
    rich = Recognizer(fast, annotator=annotator).analyze(tmp_path / "scene.wav")
    assert [s.domain for s in plain.segments] == ["speech"] * 3 and plain.extra["domain_mode"] == "speech"
    assert all(s.emotion is not None and s.va_model == "fast 2.0.0" for s in plain.segments)
    music, other, speech = rich.segments
    assert (music.domain, other.domain, speech.domain) == ("music", "other", "speech")
    # only the speech window carries the speech emotion; the others their own model's V/A
    assert music.probabilities == {} and music.emotion is None and other.emotion is None
    assert music.valence < 0.5 and music.va_model == annotator.va_model and music.top_quadrant == "Q3"
    assert other.va_model == annotator.sound_model and other.quadrant == {} and other.dominance is None
    assert abs(sum(speech.probabilities.values()) - 1) < 1e-9 and speech.va_model == "fast 2.0.0"
    d = rich.to_dict()
    assert d["domain_mode"] == "auto"
    assert set(d["models"]) == {"emotion", "valence", "arousal", "quadrant", "domain", "sound", "vad"}
    assert d["segments"][0]["quadrant"] and d["segments"][2]["quadrant"] == {}


class Level(FeatureExtractor):
    """RMS level only."""

    name = "level"
    dim = 1

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        return np.array([np.sqrt(np.mean(samples**2))], dtype=np.float32)


def test_features_shared_with_the_emotion_model_are_cut_from_its_concatenation(
    annotator: SoundAnnotator,
) -> None:
    from emoscore.features import ConcatExtractor
    from emoscore.recognize.annotate import _from_concat

    Brightness.dim = 2  # type: ignore[attr-defined]
    try:
        concat = ConcatExtractor([Level(), Brightness()])
        clips = [_sound("low", 4.0, 1), _sound("noise", 4.0, 2)]
        settings = annotator.valence.preprocessing
        memo = {(concat, settings): concat.batch(clips, RATE)}
        cut = _from_concat(memo, Brightness(), settings)
        assert cut is not None
        assert all(np.allclose(c, Brightness()(x, RATE)) for c, x in zip(cut, clips, strict=True))
        assert (
            _from_concat(memo, Brightness(), replace(settings, denoise=True)) is None
        )  # other preprocessing
    finally:
        del Brightness.dim  # type: ignore[attr-defined]


def test_the_fast_model_runs_with_the_fast_tier(tmp_path: Path) -> None:
    """``--model fast`` brings the fast tier's detector and music models (on its own cheap
    features, computed once per window) and Silero's 8-kHz mode; the settings' model versions,
    which key stored results, name the same models the recogniser runs."""
    from emoscore.recognize import AnalysisSettings
    from emoscore.recognize.annotate import task_models
    from emoscore.vocabulary import Task

    assert task_models("auto", "fast") == {
        Task.VALENCE: "valence-fast",
        Task.AROUSAL: "arousal-fast",
        Task.QUADRANT: "quadrant-fast",
        Task.DOMAIN: "domain-fast",
    }
    assert task_models("music", "default")[Task.QUADRANT] == "quadrant"
    assert task_models("speech", "fast") == {}
    settings = AnalysisSettings(model="fast")
    rec = Recognizer.from_settings(settings)
    assert rec.annotator is not None and rec.vad.model_rate == 8000
    assert rec.model_versions == settings.model_versions()
    assert rec.model_versions["domain"].startswith("domain-fast ")
    scene = np.concatenate([_sound("high", 4.0, 3), _sound("noise", 4.0, 2)])
    sf.write(tmp_path / "scene.wav", scene, RATE)
    tl = rec.analyze(tmp_path / "scene.wav")
    assert tl.extra["models"]["vad"].endswith(" 8 kHz") and len(tl.segments) == 2
    standard = Recognizer.from_settings(AnalysisSettings(model="default", domain="speech"))
    assert standard.vad.model_rate == 16000
