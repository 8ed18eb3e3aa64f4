"""``emoscore analyze`` speed and memory on one core, against the naive path, in one run.

Speech-like test files are made from RAVDESS clips (../shared/data, read, never copied) with
random 0.2–1.5 s pauses, written as 16-bit WAV (default 44.1 kHz stereo, so decoding, mixing and
resampling are part of the cost) into a temporary folder. Every measured run is a fresh process
pinned to CPU 0 (``taskset -c 0``) with OMP/MKL/OpenBLAS threads at 1; the whole process counts
(start-up, imports, model loading, decoding, output):

* ``emoscore analyze FILE --model M --format json`` for each model (default: ``default``, ``fast``);
* ``naive``: the path the streaming pipeline replaces: ``librosa.load`` of the whole file, then
  librosa features (seed94: chroma, mel, MFCC, ZCR, centroid means) per 4-s window and a small
  logistic regression fitted beforehand on RAVDESS clips.

For each: wall seconds, user+sys CPU seconds and peak RSS of that process (from ``os.wait4``),
x real time by wall and by CPU, the ratio to the naive path, and the 1-minute load average
before and after (the machine may be shared; CPU time is the figure load affects least). The
short and long files (``--short-minutes``, ``--minutes``) show whether peak memory grows with
the length of the input.

    .venv/bin/python benchmarks/bench_analyze.py [--minutes 10] [--short-minutes 2]
        [--models default,fast] [--rate 44100] [--channels 2] [--repeat 1] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
EMOSCORE = str(Path(sys.executable).with_name("emoscore"))
WINDOW = 4.0
TARGETS = {"default": 40.0, "fast": 150.0}
ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "CT2_INTER_THREADS": "1",
}


@dataclass(frozen=True)
class Run:
    name: str
    audio_seconds: float
    wall: float
    cpu: float
    peak_mib: float
    load_before: float
    load_after: float
    windows: int

    @property
    def x_wall(self) -> float:
        return self.audio_seconds / self.wall

    @property
    def x_cpu(self) -> float:
        return self.audio_seconds / self.cpu


def machine() -> str:
    import psutil

    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = psutil.virtual_memory().total / 2**30
    return f"{model}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, Python {platform.python_version()}"


def ravdess(data: Path) -> list[Path]:
    files = sorted((data / "ravdess").glob("Actor_*/*.flac"))
    if not files:
        sys.exit(f"no RAVDESS clips under {data / 'ravdess'}")
    return files


def speech_file(path: Path, minutes: float, clips: list[Path], rate: int, channels: int) -> float:
    """Write ``minutes`` of RAVDESS speech with random pauses, block by block (bounded memory)."""
    import soxr

    rng = np.random.default_rng(0)
    target = int(round(minutes * 60 * rate))
    written, i = 0, 0
    with sf.SoundFile(path, "w", samplerate=rate, channels=channels, subtype="PCM_16") as out:
        while written < target:
            y, sr = sf.read(clips[i % len(clips)], dtype="float32")
            i += 1
            if sr != rate:
                y = soxr.resample(y, sr, rate).astype(np.float32)
            y = np.concatenate([y, np.zeros(int(rng.uniform(0.2, 1.5) * rate), np.float32)])
            y = y[: target - written]
            out.write(np.repeat(y[:, None], channels, axis=1) if channels > 1 else y)
            written += len(y)
    return written / rate


def measure(name: str, cmd: list[str], audio_seconds: float, out_path: Path) -> Run:
    """Run ``cmd`` pinned to CPU 0 with one thread per library; wall, CPU and peak RSS of it."""
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    env = {**os.environ, **ONE_THREAD}
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    with open(out_path, "wb") as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([*pin, *cmd], stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"{name}: {' '.join(cmd)} failed: {err.read().decode()[-400:]}")
    windows = check_output(name, out_path, audio_seconds)
    return Run(
        name,
        audio_seconds,
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,  # KiB on Linux
        load_before,
        os.getloadavg()[0],
        windows,
    )


def check_output(name: str, path: Path, audio_seconds: float) -> int:
    """The run did the work: one segment per 4-s window, probabilities summing to 1."""
    data = json.loads(path.read_text())
    segments = data["segments"]
    expected = max(1, int(audio_seconds // WINDOW))
    if abs(len(segments) - expected) > 1:
        sys.exit(f"{name}: {len(segments)} segments for {audio_seconds:.0f} s (expected ~{expected})")
    for s in segments:
        if abs(sum(s["probabilities"].values()) - 1.0) > 1e-3:
            sys.exit(f"{name}: probabilities do not sum to 1 at {s['start']} s")
    return len(segments)


# ---- the naive path -------------------------------------------------------------------------


def fit_naive_model(clips: list[Path], path: Path) -> None:
    """A small logistic regression on seed94 features of a few RAVDESS clips (not timed)."""
    import joblib
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from emoscore.features.seed94 import Seed94Extractor

    ex = Seed94Extractor()
    chosen = clips[::20][:60]
    X = np.stack([ex(*sf.read(c, dtype="float32")) for c in chosen])
    labels = [c.name.split("-")[2] for c in chosen]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X, labels)
    joblib.dump(model, path)


def naive_worker(audio: str, model_path: str) -> None:
    """Decode the whole file with librosa, librosa features per window, classify; print JSON."""
    import joblib
    import librosa

    from emoscore.features.seed94 import Seed94Extractor

    model = joblib.load(model_path)
    y, sr = librosa.load(audio, sr=16_000, mono=True)
    ex = Seed94Extractor()
    n = int(WINDOW * sr)
    starts = list(range(0, max(1, len(y) - n + 1), n))
    X = np.stack([ex(y[a : a + n], sr) for a in starts])
    proba = model.predict_proba(X)
    segments = [
        {
            "start": a / sr,
            "end": (a + n) / sr,
            "probabilities": dict(zip(model.classes_, map(float, p), strict=True)),
        }
        for a, p in zip(starts, proba, strict=True)
    ]
    json.dump({"input": audio, "segments": segments}, sys.stdout)


# ---- report ---------------------------------------------------------------------------------


def table(runs: list[Run], naive: dict[str, Run], label: str) -> None:
    print(
        f"{'run':<9}{'file':>6}{'audio s':>9}{'wall s':>8}{'x RT':>7}{'CPU s':>8}{'x RT CPU':>9}"
        f"{'peak MiB':>9}{'vs naive':>9}{'CPU vs naive':>13}{'load':>11}"
    )
    for r in runs:
        base = naive.get(label)
        ratio = f"{r.x_wall / base.x_wall:.1f}x" if base else "-"
        cpu_ratio = f"{r.x_cpu / base.x_cpu:.1f}x" if base else "-"
        print(
            f"{r.name:<9}{label:>6}{r.audio_seconds:>9.0f}{r.wall:>8.1f}{r.x_wall:>7.0f}{r.cpu:>8.1f}"
            f"{r.x_cpu:>9.0f}{r.peak_mib:>9.0f}{ratio:>9}{cpu_ratio:>13}"
            f"{f'{r.load_before:.1f}->{r.load_after:.1f}':>11}"
        )


def _verdict(x: float, target: float) -> str:
    return "met" if x >= target else "NOT met"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-root", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--short-minutes", type=float, default=2.0)
    ap.add_argument("--models", default="default,fast")
    ap.add_argument("--rate", type=int, default=44_100)
    ap.add_argument("--channels", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="runs per model and file; the fastest counts")
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--json", type=Path, default=None, help="also write every run here")
    ap.add_argument("--naive-worker", nargs=2, metavar=("AUDIO", "MODEL"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.naive_worker:
        naive_worker(*args.naive_worker)
        return

    models = [m for m in args.models.split(",") if m]
    print(f"machine: {machine()}")
    print(f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (1, 5, 15 min)")
    clips = ravdess(args.data_root)
    every: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench_analyze_") as tmp_name:
        tmp = Path(tmp_name)
        model_path = tmp / "naive.joblib"
        if not args.skip_naive:
            fit_naive_model(clips, model_path)
        results: dict[str, dict[str, Run]] = {}
        for label, minutes in (("short", args.short_minutes), ("long", args.minutes)):
            wav = tmp / f"{label}.wav"
            seconds = speech_file(wav, minutes, clips, args.rate, args.channels)
            print(
                f"\n## {label}: {seconds / 60:g} min, {args.rate} Hz, {args.channels} ch WAV "
                f"({wav.stat().st_size / 2**20:.0f} MiB)"
            )
            runs: dict[str, Run] = {}
            names = models + ([] if args.skip_naive else ["naive"])
            for name in names:
                if name == "naive":
                    cmd = [sys.executable, __file__, "--naive-worker", str(wav), str(model_path)]
                else:
                    cmd = [EMOSCORE, "analyze", str(wav), "--model", name, "--format", "json"]
                tries = [
                    measure(name, cmd, seconds, tmp / f"{label}-{name}.json") for _ in range(args.repeat)
                ]
                runs[name] = min(tries, key=lambda r: r.wall)
                every.extend(tries)
            results[label] = runs
            naive = {label: runs["naive"]} if "naive" in runs else {}
            table(list(runs.values()), naive, label)
            wav.unlink()

    print("\n## peak memory, long / short file")
    ratio_len = args.minutes / args.short_minutes
    for name in results["long"]:
        long, short = results["long"][name], results["short"][name]
        print(
            f"{name:<9}{short.peak_mib:>7.0f} MiB -> {long.peak_mib:>5.0f} MiB "
            f"= {long.peak_mib / short.peak_mib:.2f}x for {ratio_len:g}x the audio"
        )
    print("\n## targets (long file, whole process, one core)")
    for name in models:
        r = results["long"][name]
        target = TARGETS.get(name)
        if target is None:
            continue
        print(
            f"{name:<9}target {target:g}x: wall {r.x_wall:.0f}x ({_verdict(r.x_wall, target)}), "
            f"CPU {r.x_cpu:.0f}x ({_verdict(r.x_cpu, target)}), load {r.load_before:.1f}->{r.load_after:.1f}"
        )
    if args.json:
        rows = [{**asdict(r), "x_wall": r.x_wall, "x_cpu": r.x_cpu} for r in every]
        args.json.write_text(json.dumps({"machine": machine(), "runs": rows}, indent=2))


if __name__ == "__main__":
    main()
