"""Generated corpora: "other" sounds (neither speech nor music) and dialogue over music beds,
for the speech / music / other domain detector.

No corpus of everyday sounds is available offline, so the third class is synthesised from seeds:
coloured noise, wind, rain, mains hum, engine rumble, traffic swells, room tone and
near-silence. Each kind is a group, so a held-out-group score tells how the detector copes with
a kind of sound it never heard. The clips are written once (16 kHz FLAC) under the cache root.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from emoscore.corpora.table import make_frame

RATE = 16_000
VERSION = 1
#: the dialogue-over-music mixtures' version: 2 mixes 1000 clips down to 0 dB speech-to-music
MIX_VERSION = 2
#: the range of speech-to-music ratios (dB) of the mixtures
MIX_SNR_DB = (0.0, 20.0)
#: the corpus name of the generated non-speech, non-music sounds
OTHER_CORPUS = "synthetic-other"
#: speech over a music bed (RAVDESS + 4Q audio), labelled as the speech
MIX_CORPUS = "dialogue-over-music"
#: the corpora this module generates (no folder under the data root)
SYNTHETIC_CORPORA = (OTHER_CORPUS, MIX_CORPUS)


def _coloured(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """Noise with power ∝ 1/f**exponent (0 white, 1 pink, 2 brown)."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    f[0] = f[1]
    y = np.fft.irfft(spec / f ** (exponent / 2), n)
    return y / (np.max(np.abs(y)) + 1e-9)


def _lowpass(y: np.ndarray, cutoff: float) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    return sosfilt(butter(4, cutoff, fs=RATE, output="sos"), y)


def _slow(rng: np.random.Generator, n: int, rate_hz: float) -> np.ndarray:
    """A smooth random envelope in [0.2, 1]."""
    k = max(2, int(n / RATE * rate_hz) + 2)
    pts = rng.uniform(0.2, 1.0, k)
    return np.interp(np.arange(n), np.linspace(0, n - 1, k), pts)


def _white(rng: np.random.Generator, n: int) -> np.ndarray:
    return _coloured(rng, n, rng.choice([0.0, 1.0, 2.0]))


def _wind(rng: np.random.Generator, n: int) -> np.ndarray:
    return _lowpass(_coloured(rng, n, 1.0), rng.uniform(300, 1200)) * _slow(rng, n, 0.7)


def _rain(rng: np.random.Generator, n: int) -> np.ndarray:
    y = 0.15 * _coloured(rng, n, 0.5)
    drops = rng.integers(0, n - 200, int(rng.uniform(200, 900) * n / RATE))
    for d in drops:
        m = int(rng.integers(20, 200))
        y[d : d + m] += rng.uniform(0.2, 1.0) * np.exp(-np.arange(m) / (m / 5)) * rng.standard_normal(m)
    return y


def _hum(rng: np.random.Generator, n: int) -> np.ndarray:
    t = np.arange(n) / RATE
    f0 = rng.choice([50.0, 60.0])
    y = sum(rng.uniform(0.2, 1.0) / h * np.sin(2 * np.pi * f0 * h * t) for h in range(1, 8))
    return np.asarray(y) + 0.05 * rng.standard_normal(n)


def _engine(rng: np.random.Generator, n: int) -> np.ndarray:
    t = np.arange(n) / RATE
    rpm = rng.uniform(15, 45) * (1 + 0.2 * np.sin(2 * np.pi * rng.uniform(0.05, 0.3) * t))
    phase = 2 * np.pi * np.cumsum(rpm) / RATE
    y = sum(np.sin(h * phase) / h for h in range(1, 12))
    return _lowpass(np.asarray(y) + 0.5 * _coloured(rng, n, 2.0), 900)


def _traffic(rng: np.random.Generator, n: int) -> np.ndarray:
    return _lowpass(_coloured(rng, n, 1.5), rng.uniform(600, 2500)) * _slow(rng, n, 0.3)


def _room(rng: np.random.Generator, n: int) -> np.ndarray:
    return 0.05 * _lowpass(_coloured(rng, n, 1.0), 4000) + 0.01 * rng.standard_normal(n)


def _quiet(rng: np.random.Generator, n: int) -> np.ndarray:
    return 0.002 * rng.standard_normal(n)


KINDS: dict[str, Callable[[np.random.Generator, int], np.ndarray]] = {
    "noise": _white,
    "wind": _wind,
    "rain": _rain,
    "hum": _hum,
    "engine": _engine,
    "traffic": _traffic,
    "room": _room,
    "quiet": _quiet,
}


def other_sound(kind: str, seed: int, seconds: float = 4.0) -> np.ndarray:
    """One generated clip (float32, 16 kHz), at a random level between −35 and −6 dBFS (quiet:
    about −55 dBFS).

    >>> y = other_sound("hum", 0, 2.0)
    >>> y.shape, bool(np.abs(y).max() <= 1.0)
    ((32000,), True)
    """
    rng = np.random.default_rng([VERSION, seed, list(KINDS).index(kind)])
    n = int(seconds * RATE)
    y = KINDS[kind](rng, n)
    if kind != "quiet":
        y = y / (np.max(np.abs(y)) + 1e-9) * 10 ** (rng.uniform(-35, -6) / 20)
    return np.clip(y, -1, 1).astype(np.float32)


def load_other_sounds(root: str | Path, *, per_kind: int = 30) -> pd.DataFrame:
    """The generated clips as a corpus table (``label`` = kind, ``speaker`` = kind, corpus
    ``synthetic-other``), writing any that are missing under ``<root>/synthetic``."""
    import soundfile as sf

    folder = Path(root) / "synthetic" / f"other-v{VERSION}"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for kind in KINDS:
        for i in range(per_kind):
            path = folder / f"{kind}_{i:03d}.flac"
            if not path.is_file():
                seconds = 3.0 + (i % 5) * 1.5
                tmp = path.with_suffix(".tmp.flac")
                sf.write(tmp, other_sound(kind, i, seconds), RATE, subtype="PCM_16")
                os.replace(tmp, path)
            rows.append(
                {
                    "path": str(path),
                    "label": kind,
                    "code": kind,
                    "speaker": f"{OTHER_CORPUS}:{kind}",
                    "corpus": OTHER_CORPUS,
                }
            )
    return make_frame(rows)


def load_dialogue_over_music(
    root: str | Path, speech: pd.DataFrame, music: pd.DataFrame, *, n: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """Speech clips with a music bed 0–20 dB below them (:data:`MIX_SNR_DB`), labelled as the
    speech (corpus ``dialogue-over-music``): a film's dialogue over score is a speech window,
    also where the score is nearly as loud as the voice.

    Each mixture keeps its speech clip's speaker as group, so grouped folds keep it with the
    clean clip. Written once under ``<root>/synthetic``.
    """
    import soundfile as sf

    from emoscore.audio.decode import load_audio

    folder = Path(root) / "synthetic" / f"dialogue-over-music-v{MIX_VERSION}"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([MIX_VERSION, seed])
    picks_s = rng.choice(len(speech), size=min(n, len(speech)), replace=False)
    picks_m = rng.integers(0, len(music), size=len(picks_s))
    gains = rng.uniform(*MIX_SNR_DB, size=len(picks_s))
    offsets = rng.uniform(0.0, 1.0, size=len(picks_s))
    rows = []
    for i, (si, mi, db, off) in enumerate(zip(picks_s, picks_m, gains, offsets, strict=True)):
        s_row, m_row = speech.iloc[int(si)], music.iloc[int(mi)]
        path = folder / f"mix_{seed}_{i:04d}.flac"
        if not path.is_file():
            y = load_audio(s_row["path"], sample_rate=RATE).samples
            bed = load_audio(m_row["path"], sample_rate=RATE).samples
            start = int(off * max(0, len(bed) - len(y)))
            bed = np.resize(bed[start : start + len(y)], len(y))
            rms = lambda x: float(np.sqrt(np.mean(x**2))) + 1e-9  # noqa: E731
            mix = y + bed * (rms(y) / rms(bed)) * 10 ** (-db / 20)
            mix = mix / max(1.0, float(np.abs(mix).max()) / 0.99)
            tmp = path.with_suffix(".tmp.flac")
            sf.write(tmp, mix.astype(np.float32), RATE, subtype="PCM_16")
            os.replace(tmp, path)
        rows.append(
            {
                "path": str(path),
                "label": s_row["label"],
                "code": f"{Path(m_row['path']).stem}@-{db:.0f}dB",
                "speaker": s_row["speaker"],
                "corpus": MIX_CORPUS,
            }
        )
    return make_frame(rows)
