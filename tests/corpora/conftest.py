"""Tiny synthetic corpora (short sine tones under real corpus file names) and the shared data path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real data root; tests that use it are marked ``corpus`` and skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} not present")
    return SHARED_DATA


def write_tone(path: Path, seconds: float = 0.05, rate: int = 8000) -> Path:
    """A short 440 Hz tone; the format follows the suffix (wav, flac, ogg)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * rate)) / rate
    sf.write(path, 0.1 * np.sin(2 * np.pi * 440 * t), rate)
    return path


@pytest.fixture
def tone() -> Callable[..., Path]:
    return write_tone


@pytest.fixture
def make_corpus(tmp_path: Path) -> Callable[..., Path]:
    """Create ``root/<relative name>`` tones for each name and return the root."""

    def make(names: list[str], root: str = "corpus", seconds: float = 0.05) -> Path:
        base = tmp_path / root
        base.mkdir(parents=True, exist_ok=True)
        for name in names:
            write_tone(base / name, seconds)
        return base

    return make
