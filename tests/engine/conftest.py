"""Fixtures for the batch engine: a tiny model bundle trained here, and folders of synthetic clips.

The bundle is a seed94 + logistic-regression model fitted on a few synthetic tones (low tones
"sad", high tones "happy"), so tests run in seconds without the shipped models.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

RATE = 16_000


def tone(freq: float, seconds: float, *, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    y = 0.3 * np.sin(2 * np.pi * freq * t) + 0.01 * rng.standard_normal(len(t))
    return y.astype(np.float32)


def build_tiny_bundle(path: Path, extractor: object = None) -> Path:
    """Fit and save the tiny two-class model (also used by tests/cli/test_batch_cli.py)."""
    from emoscore.audio import Preprocessing
    from emoscore.features.seed94 import Seed94Extractor
    from emoscore.models.bundle import ModelBundle
    from emoscore.models.classical import build_classifier

    ex = extractor or Seed94Extractor()
    X, y = [], []
    for i in range(8):
        for label, freq in (("sad", 150.0 + 10 * i), ("happy", 900.0 + 40 * i)):
            X.append(ex(tone(freq, 1.5, seed=i), RATE))
            y.append(label)
    est = build_classifier("logreg", tune=False).fit(np.vstack(X), y)
    meta = {"name": "tiny", "version": "1"}
    return ModelBundle(est, ex, Preprocessing(), ("happy", "sad"), meta=meta).save(path)


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_bundle(tmp_path_factory.mktemp("model") / "tiny.emo")


def write_clip(path: Path, freq: float, seconds: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, tone(freq, seconds), RATE)
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A folder with 5 good clips (one in a sub-folder, one FLAC), a broken wav and a text file."""
    root = tmp_path / "in"
    write_clip(root / "low1.wav", 160.0, 9.0)
    write_clip(root / "low2.wav", 180.0, 4.0)
    write_clip(root / "high1.wav", 1000.0, 8.0)
    write_clip(root / "sub" / "high2.flac", 1100.0, 6.0)
    write_clip(root / "sub" / "high3.wav", 950.0, 2.5)
    (root / "broken.wav").write_text("not audio")
    (root / "notes.txt").write_text("ignored")
    return root
