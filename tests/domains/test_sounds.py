"""Generated "other" sounds: deterministic, distinct kinds, written once."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emoscore.domains.sounds import KINDS, load_other_sounds, other_sound


def test_sounds_are_deterministic_and_differ_by_kind() -> None:
    a, b = other_sound("rain", 3, 2.0), other_sound("rain", 3, 2.0)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, other_sound("rain", 4, 2.0))
    peaks = {k: float(np.abs(other_sound(k, 0, 2.0)).max()) for k in KINDS}
    assert peaks["quiet"] < 0.012 < 0.0177 <= min(v for k, v in peaks.items() if k != "quiet")  # >= -35 dBFS
    hum = np.abs(np.fft.rfft(other_sound("hum", 0, 2.0))) ** 2
    freqs = np.fft.rfftfreq(32000, 1 / 16000)
    assert hum[freqs < 400].sum() / hum.sum() > 0.95  # mains hum: harmonics of 50/60 Hz
    assert freqs[hum.argmax()] in (50.0, 60.0, 100.0, 120.0)


def test_load_other_sounds_writes_once(tmp_path: Path) -> None:
    frame = load_other_sounds(tmp_path, per_kind=2)
    assert len(frame) == 2 * len(KINDS)
    assert set(frame["corpus"]) == {"synthetic-other"} and frame["speaker"].nunique() == len(KINDS)
    stamp = {p: Path(p).stat().st_mtime_ns for p in frame["path"]}
    again = load_other_sounds(tmp_path, per_kind=2)
    assert {p: Path(p).stat().st_mtime_ns for p in again["path"]} == stamp
