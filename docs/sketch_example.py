"""Make docs/sketch.md's example: a 92-s scene's score sketch, rendered, plotted and listened to.

Run from the project root:  .venv/bin/python docs/sketch_example.py
Writes docs/sketch_example/ (timeline JSON, sketch MIDI, cue sheet, intervals JSON, the render as
Ogg Vorbis) and docs/sketch_cues.png, docs/sketch_piano_roll.png, docs/sketch_spectrogram.png, and
prints what the render holds cue by cue: the key a chroma key-finder hears, the loudness, and the
onsets per second (the "listening check" of issue 13, in numbers).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from emoscore.music import plot_cues, plot_piano_roll, plot_spectrogram
from emoscore.music.scoring import ScoreSettings, score_timeline
from emoscore.timeline import Timeline

DOCS = Path(__file__).parent
LABELS = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"]
VAD = {
    "sad": (0.15, 0.3, 0.3),
    "happy": (0.85, 0.7, 0.6),
    "angry": (0.15, 0.85, 0.75),
    "fearful": (0.1, 0.8, 0.2),
    "surprised": (0.7, 0.85, 0.5),
}
PLAN = [("sad", 0, 24), (None, 24, 32), ("happy", 32, 52), ("angry", 52, 68), ("fearful", 68, 80)]
PLAN.append(("surprised", 80, 92))
# Krumhansl-Kessler key profiles (major, minor), C first
MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
NAMES = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]


def timeline() -> Timeline:
    """The scene, 4-s windows with a little noise in the probabilities (as the contract check)."""
    rng = np.random.default_rng(0)
    segs = []
    for emotion, a, b in PLAN:
        for s in range(a, b, 4):
            window = {"start": s, "end": s + 4, "voiced": 0.0, "domain": "silence", "probabilities": {}}
            if emotion is not None:
                p = rng.dirichlet(np.ones(8)) * 0.2
                p[LABELS.index(emotion)] += 0.8
                v, ar, d = VAD[emotion]
                window.update(probabilities=dict(zip(LABELS, map(float, p), strict=True)), voiced=0.9)
                window.update(valence=v, arousal=ar, dominance=d, domain="speech")
            segs.append(window)
    model = {"name": "example", "version": "1", "labels": LABELS}
    doc = {
        "input": "scene.wav",
        "duration": 92.0,
        "window": 4.0,
        "hop": 4.0,
        "segments": segs,
        "model": model,
    }
    return Timeline.from_dict(doc)


def chroma(y: np.ndarray, rate: int) -> np.ndarray:
    """Pitch-class weight of a mono signal from harmonic salience: each candidate note C2..C7
    scores the energy at its first six harmonics (weights 0.8^k), and the five most salient notes
    of each 8192-point frame count. Plain spectrum chroma would hear the instruments' overtones
    (a clarinet's twelfth, a bass's major-third fifth harmonic) as notes."""
    n, hop = 8192, 4096
    frames = np.stack([y[i : i + n] * np.hanning(n) for i in range(0, max(1, len(y) - n), hop)])
    mag = np.abs(np.fft.rfft(frames, axis=1))
    notes = np.arange(36, 97)
    f0 = 440.0 * 2 ** ((notes - 69) / 12)
    harmonics = np.arange(1, 7)
    bins = np.minimum(np.round(np.outer(f0, harmonics) * n / rate).astype(int), mag.shape[1] - 1)
    salience = (mag[:, bins] * 0.8 ** (harmonics - 1)).sum(axis=2)  # frames x notes
    out = np.zeros(12)
    for row in salience:
        top = np.argsort(row)[-5:]
        np.add.at(out, notes[top] % 12, row[top])
    return out


def heard_key(c: np.ndarray) -> str:
    scores = []
    for tonic in range(12):
        for name, prof in (("major", MAJOR), ("minor", MINOR)):
            scores.append((np.corrcoef(c, np.roll(prof, tonic))[0, 1], f"{NAMES[tonic]} {name}"))
    return max(scores)[1]


def onsets_per_second(y: np.ndarray, rate: int) -> float:
    """Spectral-flux peaks above a median threshold, per second."""
    n, hop = 1024, 512
    frames = np.stack([y[i : i + n] * np.hanning(n) for i in range(0, len(y) - n, hop)])
    mag = np.log1p(np.abs(np.fft.rfft(frames, axis=1)))
    flux = np.maximum(0, np.diff(mag, axis=0)).sum(axis=1)
    thr = np.median(flux) + 2 * np.std(flux)
    peaks = (flux[1:-1] > thr) & (flux[1:-1] >= flux[:-2]) & (flux[1:-1] > flux[2:])
    return float(peaks.sum()) / (len(y) / rate)


def main() -> None:
    out = DOCS / "sketch_example"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    tl = timeline()
    (out / "scene.json").write_text(json.dumps(tl.to_dict(), indent=1) + "\n")
    with tempfile.TemporaryDirectory() as tmp:
        result = score_timeline(tl, ScoreSettings(style="sketch", render=True), tmp, name="scene")
        sketch = result.sketch
        assert sketch is not None
        for name in ("scene.sketch.mid", "scene.cues.csv", "scene.intervals.json"):
            shutil.copy(Path(tmp) / name, out / name)
        y, rate = sf.read(Path(tmp) / "scene.sketch.wav")
        # block by block: libsndfile's Vorbis encoder crashes on one very large write
        # about 80 kbit/s: enough to hear the sketch, small enough to ship
        ogg = sf.SoundFile(
            out / "scene.sketch.ogg", "w", rate, 2, "VORBIS", format="OGG", compression_level=0.75
        )
        with ogg:
            for i in range(0, len(y), 8192):
                ogg.write(y[i : i + 8192])
        plot_spectrogram(Path(tmp) / "scene.sketch.wav", DOCS / "sketch_spectrogram.png", sketch=sketch)
    plot_cues(tl, sketch, DOCS / "sketch_cues.png")
    plot_piano_roll(sketch, DOCS / "sketch_piano_roll.png")
    print(f"rendered with {result.engine}: {len(y) / rate:.1f} s")
    mono = y.mean(axis=1)
    print("| cue | written | key-finder hears | strongest pitch classes | RMS dBFS | onsets/s |")
    print("|---|---|---|---|---:|---:|")
    for c in sketch.cues:
        seg = mono[int(c.start * rate) : int(c.end * rate)]
        rms = 20 * np.log10(np.sqrt(np.mean(seg**2)) + 1e-12)
        written = f"{c.emotion}, {c.key}, {c.tempo:.0f} BPM {c.time_signature}"
        c12 = chroma(seg, rate)
        top = " ".join(NAMES[i] for i in np.argsort(c12)[::-1][:5])
        onsets = onsets_per_second(seg, rate)
        print(f"| {c.number} | {written} | {heard_key(c12)} | {top} | {rms:.1f} | {onsets:.1f} |")
    for r in sketch.rests:
        seg = mono[int((r.start + 3.0) * rate) : int(r.end * rate)]
        peak = np.abs(seg).max()
        print(f"rest {r.start:.0f}-{r.end:.0f} s ({r.reason}): peak {peak:.5f} from {r.start + 3:.0f} s on")


if __name__ == "__main__":
    main()
