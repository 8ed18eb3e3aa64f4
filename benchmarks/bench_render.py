"""Render speed: a 60-s score (15 four-second windows) through FluidSynth and the built-in synth.

Run on demand:  .venv/bin/python benchmarks/bench_render.py [--seconds 60] [--repeat 3]
Prints, per engine, the best wall time of ``--repeat`` runs, the real-time factor (audio
seconds per wall second) and FluidSynth's time relative to the built-in synth (the baseline).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import soundfile as sf

from emoscore.music import compose, render_midi, write_midi
from emoscore.timeline import ModelInfo, Segment, Timeline

LABELS = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")
VAD = [
    (0.9, 0.7, 0.7),
    (0.15, 0.3, 0.2),
    (0.15, 0.85, 0.7),
    (0.1, 0.8, 0.2),
    (0.5, 0.35, 0.5),
    (0.7, 0.85, 0.5),
]


def score_midi(seconds: float, folder: Path) -> Path:
    segs = []
    for i in range(int(seconds // 4)):
        top = LABELS[i % len(LABELS)]
        p = {lab: (0.44 if lab == top else 0.08) for lab in LABELS}
        segs.append(Segment(4.0 * i, 4.0 * (i + 1), p, *VAD[i % len(VAD)]))
    tl = Timeline("bench.wav", seconds, ModelInfo("bench", "1", LABELS), 4.0, 4.0, tuple(segs))
    return write_midi(compose(tl, "A"), folder / "bench.mid")


def best_time(midi: Path, out: Path, engine: str, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        render_midi(midi, out, engine=engine)
        times.append(time.perf_counter() - t0)
    return min(times), sf.info(out).duration


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        midi = score_midi(args.seconds, folder)
        engines = ["builtin"] + (["fluidsynth"] if shutil.which("fluidsynth") else [])
        results = {}
        for engine in engines:
            wall, audio = best_time(midi, folder / f"{engine}.wav", engine, args.repeat)
            results[engine] = wall
            print(
                f"{engine:10s} {args.seconds:.0f}-s MIDI -> {audio:.1f}-s WAV in {wall:.3f} s "
                f"= {audio / wall:.0f}x real time"
            )
        if "fluidsynth" in results:
            print(f"fluidsynth / builtin time ratio: {results['fluidsynth'] / results['builtin']:.2f}")
        else:
            print("fluidsynth not installed: built-in synth only")


if __name__ == "__main__":
    main()
