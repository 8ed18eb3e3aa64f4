"""The speech / music / other detector on material it never trained on: dialogue over a music bed.

Speech from EMOVO (Italian) and the Spanish students corpus — languages and voices the detector
never heard — mixed over emoMusic clips (songs it never heard) at 20, 10, 3 and 0 dB
speech-to-music, cut into 4-s windows; plus the clean speech and the emoMusic clips alone. Prints, per condition and model, the share of windows called speech / music /
other. A window of dialogue over score should be speech; music alone should be music.

    .venv/bin/python benchmarks/accuracy_domain.py [--models domain,/path/other.emo] [--clips 40]
"""

from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path

import numpy as np

from emoscore.audio import load_audio
from emoscore.models.registry import load_model
from emoscore.recognize import SoundAnnotator

RATE = 16_000


def rms(y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(y)))) + 1e-12


def windows(y: np.ndarray) -> list[np.ndarray]:
    w = 4 * RATE
    return [y[i : i + w].astype(np.float32) for i in range(0, len(y) - w + 1, w)]


def speech_lines(data: Path, clips: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Scenes of 3 consecutive clips of one speaker (about 6-10 s), from EMOVO and Spanish."""
    out = []
    for corpus in ("emovo", "spanish-students"):
        rows = list(csv.DictReader(open(data / corpus / "manifest.csv")))
        by_speaker: dict[str, list[str]] = {}
        for r in rows:
            by_speaker.setdefault(r["speaker"], []).append(r["path"])
        speakers = sorted(by_speaker)
        for k in range(clips // 2):
            paths = by_speaker[speakers[k % len(speakers)]]
            pick = rng.choice(len(paths), size=3, replace=False)
            out.append(np.concatenate([load_audio(data / corpus / paths[i]).samples for i in pick]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("EMOSCORE_DATA", "../shared/data")))
    ap.add_argument("--models", default="domain")
    ap.add_argument("--clips", type=int, default=40)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    speech = speech_lines(args.data, args.clips, rng)
    songs = [load_audio(p).samples for p in sorted((args.data / "emomusic").rglob("*.mp3"))]
    conditions: dict[str, list[np.ndarray]] = {"speech alone": [w for y in speech for w in windows(y)]}
    for snr in (20, 10, 3, 0):
        ws = []
        for i, y in enumerate(speech):
            bed = songs[i % len(songs)]
            start = int(rng.integers(0, max(1, len(bed) - len(y))))
            bed = np.resize(bed[start : start + len(y)], len(y))
            mix = y + bed * rms(y) / rms(bed) * 10 ** (-snr / 20)
            ws += windows(mix / max(1.0, float(np.abs(mix).max()) / 0.99))
        conditions[f"speech over music +{snr} dB"] = ws
    conditions["emoMusic songs alone"] = [w for y in songs for w in windows(y)]
    print("| condition | windows | model | speech | music | other |")
    print("|---|---|---|---|---|---|")
    for name in args.models.split(","):
        detector = load_model(name, task="domain")
        ann = SoundAnnotator(
            domain="auto",
            valence=load_model("valence"),
            arousal=load_model("arousal"),
            quadrant=load_model("quadrant"),
            detector=detector,
        )
        for cond, ws in conditions.items():
            found = [d for d, _ in ann.detect(ws, RATE)]
            share = {d: found.count(d) / len(found) for d in ("speech", "music", "other")}
            tag = f"{detector.name} {detector.version}"
            print(f"| {cond} | {len(ws)} | {tag} | {share['speech']:.2f} | {share['music']:.2f} | {share['other']:.2f} |")


if __name__ == "__main__":
    main()
