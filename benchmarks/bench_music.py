"""Music analysis throughput: ``analyze --domain auto`` on a music clip, against the naive path.

Run on demand:  .venv/bin/python benchmarks/bench_music.py [--file CLIP] [--repeat 2]
The optimised path is one :class:`~emoscore.recognize.Recognizer` with a
:class:`~emoscore.recognize.annotate.SoundAnnotator`: the file is decoded once, and the four task
models (valence, arousal, quadrant, domain), which share one feature set, compute it once per
window. The naive path runs the emotion model and then each task model as its own recogniser
(decoding and featurising the file five times). Prints the best wall time of ``--repeat`` runs,
the real-time factor (audio seconds per wall second) and naive / optimised, and the optimised
path's best CPU time (all threads of this process) as CPU seconds per minute of music; run with
``OMP_NUM_THREADS=1`` for one core. ``--model fast`` times the fast tier (its own task models).
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from emoscore.audio import probe_audio
from emoscore.models.registry import load_model
from emoscore.recognize import Recognizer
from emoscore.recognize.annotate import SoundAnnotator

DEFAULT_CLIP = Path(__file__).resolve().parents[2] / "shared" / "data" / "emomusic" / "mp345" / "2.mp3"


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def best(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Best wall and best CPU seconds of ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), _cpu()
        fn()
        walls.append(time.perf_counter() - t)
        cpus.append(_cpu() - c)
    return min(walls), min(cpus)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=DEFAULT_CLIP)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--model", default="default", help="emotion model; its tier picks the task models")
    ap.add_argument("--skip-naive", action="store_true")
    args = ap.parse_args()
    seconds = probe_audio(args.file).duration or 0.0
    emotion = load_model(args.model)
    annotator = SoundAnnotator.from_names("auto", emotion)
    fast = Recognizer(emotion, annotator=annotator)
    fast.analyze(args.file)  # load the Whisper and openSMILE runtimes before timing
    t_fast, cpu_fast = best(lambda: fast.analyze(args.file), args.repeat)
    print(f"{args.file.name}: {seconds:.1f} s of audio, 4-s windows, emotion model {args.model}")
    print(
        f"optimised (one pass, shared features): {t_fast:.2f} s  ({seconds / t_fast:.1f}x real time); "
        f"{cpu_fast:.2f} CPU s = {cpu_fast / seconds * 60:.2f} CPU s per minute of music"
    )
    if args.skip_naive:
        return
    tasks = [annotator.valence, annotator.arousal, annotator.quadrant, annotator.detector]
    naive = [Recognizer(emotion), *(Recognizer(b) for b in tasks if b is not None)]
    t_naive, _ = best(lambda: [r.analyze(args.file) for r in naive], args.repeat)
    print(f"naive (five recognisers):              {t_naive:.2f} s  ({seconds / t_naive:.1f}x real time)")
    print(f"ratio naive / optimised: {t_naive / t_fast:.2f}")


if __name__ == "__main__":
    main()
