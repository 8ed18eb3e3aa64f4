"""Generated "other" sounds: deterministic, distinct kinds, written once."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emoscore.corpora.synthetic import KINDS, load_other_sounds, other_sound


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


def test_dialogue_over_music_keeps_speech_label_and_group(tmp_path: Path) -> None:
    import pandas as pd
    import soundfile as sf

    from emoscore.corpora.synthetic import load_dialogue_over_music

    t = np.arange(16000 * 2) / 16000
    rows = []
    for i, (kind, freq) in enumerate([("speech", 300.0), ("speech", 350.0), ("music", 2000.0)]):
        p = tmp_path / f"{kind}{i}.wav"
        sf.write(p, 0.3 * np.sin(2 * np.pi * freq * t), 16000)
        rows.append(
            {
                "path": str(p),
                "label": "angry" if kind == "speech" else "Q1",
                "code": "",
                "speaker": f"{kind}:{i}",
                "corpus": kind,
            }
        )
    frame = pd.DataFrame(rows)
    mixes = load_dialogue_over_music(tmp_path / "cache", frame[:2], frame[2:], n=2)
    assert len(mixes) == 2 and set(mixes["speaker"]) == {"speech:0", "speech:1"}
    assert set(mixes["label"]) == {"angry"} and set(mixes["corpus"]) == {"dialogue-over-music"}
    y, _ = sf.read(mixes["path"].iloc[0])
    spec = np.abs(np.fft.rfft(y)) ** 2
    freqs = np.fft.rfftfreq(len(y), 1 / 16000)
    speech_power, bed_power = spec[freqs < 1000].sum(), spec[freqs > 1500].sum()
    assert 10**0.0 * 0.9 <= speech_power / bed_power <= 10**2.0 + 1  # the bed is 0-20 dB below the speech
