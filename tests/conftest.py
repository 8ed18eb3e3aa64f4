"""Shared fixtures: synthetic tones, espeak-ng speech, and the ``corpus`` marker skip.

Nothing here reads real data; tests marked ``@pytest.mark.corpus`` are skipped when the data
root ($EMOSCORE_DATA, else ../shared/data next to the repository) does not exist.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO_ROOT = Path(__file__).resolve().parents[1]


def data_root() -> Path:
    """Where real corpora live: ``$EMOSCORE_DATA`` or ``../shared/data`` relative to the repo."""
    env = os.environ.get("EMOSCORE_DATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = data_root()
    if root.is_dir():
        return
    skip = pytest.mark.skip(reason=f"data root {root} not present (set EMOSCORE_DATA)")
    for item in items:
        if "corpus" in item.keywords:
            item.add_marker(skip)


def sine(
    freq: float = 440.0, seconds: float = 1.0, rate: int = 16_000, amp: float = 0.3, channels: int = 1
) -> np.ndarray:
    """A pure tone; with ``channels`` > 1 the same tone in every channel, shape (n, channels)."""
    t = np.arange(int(round(seconds * rate))) / rate
    y = (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return y if channels == 1 else np.repeat(y[:, None], channels, axis=1)


def write_tone(
    path: Path,
    *,
    freq: float = 440.0,
    seconds: float = 1.0,
    rate: int = 16_000,
    amp: float = 0.3,
    channels: int = 1,
    subtype: str | None = None,
) -> Path:
    """Write a tone with soundfile; the container follows the suffix (wav, flac, ogg, mp3)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, sine(freq, seconds, rate, amp, channels), rate, subtype=subtype)
    return path


@pytest.fixture
def tone(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``tone("a.wav", freq=440, seconds=1, rate=16000, channels=1, subtype=None)``."""

    def make(name: str = "tone.wav", **kwargs) -> Path:
        return write_tone(tmp_path / name, **kwargs)

    return make


def peak_frequency(samples: np.ndarray, rate: int) -> float:
    """Frequency (Hz) of the largest magnitude bin of a Hann-windowed spectrum."""
    y = np.asarray(samples, dtype=np.float64)
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    return float(np.argmax(spec) * rate / len(y))


@pytest.fixture
def espeak_speech(tmp_path: Path) -> Callable[..., Path]:
    """Factory: synthesise ``text`` with the espeak-ng CLI into a wav under tmp_path."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed")

    def make(
        text: str = "The quick brown fox jumps over the lazy dog.",
        name: str = "speech.wav",
        voice: str = "en",
        speed: int = 160,
    ) -> Path:
        out = tmp_path / name
        subprocess.run(
            [exe, "-v", voice, "-s", str(speed), "-w", str(out), text],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return out

    return make


@pytest.fixture
def ffmpeg() -> Callable[..., None]:
    """Run the ffmpeg CLI quietly (skips when it is missing)."""
    exe = shutil.which("ffmpeg")
    if exe is None:
        pytest.skip("ffmpeg is not installed")

    def run(*args: str | Path) -> None:
        subprocess.run(
            [exe, "-hide_banner", "-loglevel", "error", "-y", *map(str, args)],
            check=True,
            capture_output=True,
            timeout=60,
        )

    return run


@pytest.fixture
def peak_freq() -> Callable[[np.ndarray, int], float]:
    """The :func:`peak_frequency` helper, as a fixture (test modules are not importable)."""
    return peak_frequency
