"""Generate the bundled example scene: five spoken lines with different prosody, with pauses.

Uses espeak-ng (Debian package) so the example is the project's own audio; speed, pitch and
amplitude vary per line to suggest excited, angry, sad, frightened and neutral delivery.
Run: python examples/make_scene.py [OUT.wav]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

LINES = [  # (text, words per minute, pitch 0-99, amplitude 0-200, voice)
    ("We did it! We actually did it! This is the best day of my life!", 185, 85, 190, "en-us+f3"),
    ("Get out. Get out of my house, right now! I am done with you!", 195, 35, 200, "en-us+m3"),
    ("She is gone. I keep waiting for her to call, but she never will.", 105, 20, 70, "en-us+m1"),
    ("Did you hear that? Someone is inside. Please, please be quiet.", 175, 90, 60, "en-us+f4"),
    ("The train leaves at nine. We meet on platform four.", 150, 50, 110, "en-us"),
]
RATE = 16_000
PAUSE_S = 0.8


def speak(text: str, wpm: int, pitch: int, amp: int, voice: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "line.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-p", str(pitch), "-a", str(amp),
                        "-w", str(wav), text], check=True, capture_output=True)
        y, sr = sf.read(wav, dtype="float32")
    return soxr.resample(y, sr, RATE).astype(np.float32)


def make_scene() -> np.ndarray:
    pause = np.zeros(int(PAUSE_S * RATE), dtype=np.float32)
    parts = []
    for line in LINES:
        parts += [speak(*line), pause]
    return np.concatenate(parts)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("scene.wav"))
    y = make_scene()
    sf.write(out, y, RATE, subtype="PCM_16")
    print(f"wrote {out} ({len(y) / RATE:.1f} s)")
