"""What each window of typical film-sound inputs is said to hold (the honest timeline, issue 10).

Builds inputs from the corpora and from generated sounds — room tone, digital silence, hiss, a
synth tone, a beep, 4Q songs, RAVDESS dialogue with pauses, dialogue over a 4Q music bed at
+10 dB and +3 dB speech-to-music, generated rain and engine — analyses each with the default
settings (``--domain auto``) and prints, per input, the share of windows per domain, the share of
windows carrying a speech emotion, and the CPU seconds per minute of audio.

    .venv/bin/python benchmarks/honest_timeline.py [--data ../shared/data] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import soundfile as sf

from emoscore.audio import load_audio
from emoscore.corpora.synthetic import other_sound
from emoscore.recognize import AnalysisSettings, RecognizerCache, analyze

RATE = 16_000


def rms(y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(y)))) + 1e-12


def dialogue(data: Path, actor: str = "Actor_19", n: int = 6) -> np.ndarray:
    files = sorted((data / "ravdess" / actor).glob("*.flac"))[:: max(1, 60 // n)][:n]
    return np.concatenate([np.pad(load_audio(f).samples, (0, RATE // 2)) for f in files])


def song(data: Path, quadrant: str, k: int, seconds: float) -> np.ndarray:
    files = sorted((data / "mer-4q" / "audio" / quadrant).glob("*.ogg"))
    y = load_audio(files[k]).samples
    return y[: int(seconds * RATE)]


def cases(data: Path) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    t = np.arange(8 * RATE) / RATE
    speech = dialogue(data)
    bed = np.resize(song(data, "Q2", 3, 30), len(speech))
    out = {
        "room tone −62 dBFS": rng.standard_normal(8 * RATE) * 10 ** (-62 / 20),
        "digital silence": np.zeros(8 * RATE),
        "hiss −26 dBFS": 0.05 * rng.standard_normal(8 * RATE),
        "synth tone 220 Hz": sum(0.2 / k * np.sin(2 * np.pi * 220 * k * t) for k in range(1, 6)),
        "beep 1 kHz": 0.3 * np.sin(2 * np.pi * 1000 * t) * (np.sin(2 * np.pi * 2 * t) > 0),
        "rain (generated)": other_sound("rain", 901, 8.0),
        "engine (generated)": other_sound("engine", 902, 8.0),
    }
    for q in ("Q1", "Q2", "Q3", "Q4"):
        out[f"4Q song {q}"] = song(data, q, 7, 24)
    out["dialogue with pauses"] = speech
    for snr in (10, 3):
        out[f"dialogue over music +{snr} dB"] = speech + bed * rms(speech) / rms(bed) * 10 ** (-snr / 20)
    return {k: np.clip(np.asarray(v, dtype=np.float32), -1, 1) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("EMOSCORE_DATA", "../shared/data")))
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    cache = RecognizerCache()
    settings = AnalysisSettings()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm.wav"
        sf.write(warm, np.zeros(RATE * 4, np.float32), RATE)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            analyze(warm, settings, cache=cache)  # models loaded before timing
            for name, y in cases(args.data).items():
                path = Path(tmp) / "case.wav"
                sf.write(path, y, RATE, subtype="FLOAT")
                t0 = time.process_time()
                tl = analyze(path, settings, cache=cache)
                cpu = time.process_time() - t0
                n = len(tl.segments)
                counts = Counter(s.domain for s in tl.segments)
                rows.append(
                    {
                        "input": name,
                        "windows": n,
                        **{d: round(counts.get(d, 0) / n, 2) for d in ("speech", "music", "other", "silence")},
                        "with_emotion": round(sum(s.emotion is not None for s in tl.segments) / n, 2),
                        "cpu_s_per_min": round(cpu / (len(y) / RATE) * 60, 1),
                    }
                )
    head = ["input", "windows", "speech", "music", "other", "silence", "with_emotion", "cpu_s_per_min"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(str(r[h]) for h in head) + " |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
