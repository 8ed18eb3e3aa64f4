"""Words: WER of Whisper base on RAVDESS and on espeak-ng sentences, and what words cost on one core.

    .venv/bin/python benchmarks/words_asr.py [--ravdess-clips N]

- WER on RAVDESS: every clip's transcript (the packs `evaluate` uses; read from the transcript
  cache when benchmarks/words_transcribe.py has run) against its sentence (statement 01 "Kids are
  talking by the door", 02 "Dogs are sitting by the door").
- WER on generated speech: 24 sentences spoken by espeak-ng (voices en, en-us; 150 and 175 words
  per minute), concatenated with 0.4 s pauses into about a minute, transcribed as `analyze
  --transcript` does (one stretch).
- Costs, CPU seconds per minute of speech on one core (one thread; CPU time, so a busy machine
  does not inflate them): Whisper base transcription, the text model (embedding + classifier), and
  `analyze` of that minute without and with --transcript (empty caches). Ratio: analyze with
  transcript / without.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

SENTENCES = [
    "I can not believe you did this to me.",
    "Thank you so much, this is wonderful news.",
    "Get out of my house right now.",
    "I miss her every single day.",
    "Please sit down and tell me what happened.",
    "The train leaves at seven in the morning.",
    "We should have listened to your brother.",
    "Nobody told me the meeting was cancelled.",
    "What a beautiful evening for a walk.",
    "I am afraid something terrible has happened.",
    "Could you pass me the salt, please?",
    "She opened the letter with shaking hands.",
]
RAVDESS_SENTENCES = {"01": "kids are talking by the door", "02": "dogs are sitting by the door"}
RATE = 16_000


def tokens(s: str) -> list[str]:
    return re.findall(r"[a-z']+", s.lower())


def edit_distance(r: list[str], h: list[str]) -> int:
    d = list(range(len(h) + 1))
    for i, rw in enumerate(r, 1):
        prev, d[0] = d[:], i
        for j, hw in enumerate(h, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (rw != hw))
    return d[len(h)]


def wer(refs: list[str], hyps: list[str]) -> float:
    errors = sum(edit_distance(tokens(r), tokens(h)) for r, h in zip(refs, hyps, strict=True))
    return errors / sum(len(tokens(r)) for r in refs)


def espeak_minute(tmp: Path) -> tuple[np.ndarray, list[str]]:
    exe = shutil.which("espeak-ng")
    if exe is None:
        sys.exit("espeak-ng is not installed (apt-get install espeak-ng)")
    parts, said = [], []
    for i, s in enumerate(SENTENCES * 2):
        voice, speed = ("en", "en-us")[i % 2], (150, 175)[(i // 2) % 2]
        out = tmp / f"s{i}.wav"
        subprocess.run(
            [exe, "-v", voice, "-s", str(speed), "-w", str(out), s], check=True, capture_output=True
        )
        from emoscore.audio import load_audio

        parts += [load_audio(out, sample_rate=RATE).samples, np.zeros(int(0.4 * RATE), np.float32)]
        said.append(s)
    return np.concatenate(parts), said


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ravdess-clips", type=int, default=0, help="only the first N RAVDESS clips (0: all)")
    args = ap.parse_args()
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    from emoscore.corpora.tasks import load_corpora_for
    from emoscore.features.asr import Transcriber, TranscriptCache
    from emoscore.models.bundle import load_bundle
    from emoscore.models.recipe import TrainingRecipe
    from emoscore.models.registry import load_model, shipped_models_dir
    from emoscore.models.text import TextEmotionModel
    from emoscore.protocols.multimodal import clip_words
    from emoscore.vocabulary import Task

    recipe = TrainingRecipe.from_dict(load_model("default").meta["recipe"], origin="default recipe")
    frame = load_corpora_for(Task.EMOTION, list(recipe.corpora), labels=recipe.labels)
    paths = frame.loc[frame["corpus"] == "ravdess", "path"].tolist()
    paths = paths[: args.ravdess_clips] if args.ravdess_clips else paths
    heard = clip_words(paths)
    refs = [RAVDESS_SENTENCES[Path(p).stem.split("-")[4]] for p in paths]
    exact = sum(tokens(r) == tokens(h) for r, h in zip(refs, heard, strict=True))
    print(f"RAVDESS: WER {wer(refs, heard):.3f} over {len(paths)} clips ({exact} transcribed exactly)")

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        y, said = espeak_minute(tmp)
        minutes = len(y) / RATE / 60
        t = Transcriber(cache=TranscriptCache(tmp / "cache"))
        c0 = time.process_time()
        found = t.transcribe_stretches([(0.0, y)])
        asr_cpu = time.process_time() - c0
        hyp = " ".join(u.text for u in found)
        print(
            f"espeak-ng: WER {wer([' '.join(said)], [hyp]):.3f} over {len(said)} sentences ({minutes:.2f} min)"
        )
        text = TextEmotionModel.from_bundle(load_bundle(shipped_models_dir() / "text.emo"))
        text.proba(["warm up"])
        c0 = time.process_time()
        text.proba([u.text for u in found])
        text_cpu = time.process_time() - c0
        print(f"Whisper base transcription: {asr_cpu / minutes:.1f} CPU s per minute of speech")
        print(f"text model: {text_cpu / minutes:.2f} CPU s per minute of speech ({len(found)} utterances)")
        wav = tmp / "minute.wav"
        sf.write(wav, y, RATE)
        cpu = {}
        env = {**os.environ, "EMOSCORE_CACHE": str(tmp / "analyze-cache"), "OMP_NUM_THREADS": "1"}
        exe = str(Path(sys.executable).with_name("emoscore"))
        warm = tmp / "warm.wav"  # assembles the Whisper model in the empty cache, outside the timing
        sf.write(warm, y[: 3 * RATE], RATE)
        subprocess.run([exe, "analyze", str(warm), "--transcript"], check=True, capture_output=True, env=env)
        for flag in ([], ["--transcript"]):
            t0 = os.times()
            subprocess.run(
                [exe, "analyze", str(wav), "--format", "json", *flag],
                check=True,
                capture_output=True,
                env=env,
            )
            t1 = os.times()
            cpu[bool(flag)] = (t1.children_user - t0.children_user) + (
                t1.children_system - t0.children_system
            )
        for k, name in ((False, "analyze"), (True, "analyze --transcript")):
            print(
                f"{name}: {cpu[k]:.1f} CPU s for {minutes * 60:.0f} s of speech = {minutes * 60 / cpu[k]:.1f}x real time on one core (model loading included)"
            )
        print(f"ratio analyze --transcript / analyze CPU: {cpu[True] / cpu[False]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
