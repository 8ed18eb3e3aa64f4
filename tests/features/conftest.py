"""Synthetic speech-like signals and shared (expensive) extractors for the feature tests."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

SR = 16_000


def voiced(seconds: float = 1.5, f0: float = 140.0, seed: int = 0) -> np.ndarray:
    """A vibrato harmonic tone with a syllable envelope and a little noise: enough structure for
    pitch trackers and MFCCs, generated without any data files."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.03 * np.sin(2 * np.pi * 5 * t))) / SR
    y = sum(np.sin(k * phase) / k for k in range(1, 12))
    env = 0.55 + 0.45 * np.sin(2 * np.pi * 3 * t) ** 2
    return (0.2 * y * env + 0.005 * rng.standard_normal(len(t))).astype(np.float32)


@pytest.fixture(scope="session")
def clip() -> np.ndarray:
    return voiced()


@pytest.fixture
def wav_files(tmp_path):
    """Three small wav files with different content (44.1 kHz stereo, to exercise decoding)."""
    import soxr

    paths = []
    for i, f0 in enumerate((110.0, 160.0, 220.0)):
        y = soxr.resample(voiced(1.2 + 0.2 * i, f0, seed=i), SR, 44_100)
        p = tmp_path / f"clip{i}.wav"
        sf.write(p, np.stack([y, 0.5 * y], axis=1), 44_100)
        paths.append(str(p))
    return paths


@pytest.fixture(scope="session")
def whisper_tiny():
    from emoscore.features import get_extractor

    return get_extractor("whisper-tiny")


@pytest.fixture(scope="session")
def whisper_base(tmp_path_factory):
    from emoscore.features import get_extractor

    return get_extractor("whisper-base", cache_root=str(tmp_path_factory.mktemp("wcache")))


@pytest.fixture(scope="session")
def make_voiced():
    """The signal generator itself, for tests that need other pitches or lengths."""
    return voiced
