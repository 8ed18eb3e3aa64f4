"""``emoscore analyze`` speed and memory on one core, against the naive path, in one run.

Speech-like test files are made from RAVDESS clips (../shared/data, read, never copied) with
random 0.2–1.5 s pauses, written as 16-bit WAV (default 44.1 kHz stereo, so decoding, mixing and
resampling are part of the cost) into a temporary folder. Every measured run is a fresh process
pinned to CPU 0 (``taskset -c 0``) with OMP/MKL/OpenBLAS threads at 1; the whole process counts
(start-up, imports, model loading, decoding, output):

* ``emoscore analyze FILE --model M --format json --domain D`` for each model (default: ``default``,
  ``fast``; ``--domain auto``, the default, adds silence, voice and domain detection and the
  music/sound models per window; ``--domain speech`` is the speech model alone);
* ``naive``: the naive path of the issue: ``librosa.load`` of the whole file, then librosa
  features (seed94: chroma, mel, MFCC, ZCR, centroid means) per 4-s window and a small logistic
  regression fitted beforehand on RAVDESS clips. Its features are far cheaper than eGeMAPS or
  Whisper, so it is a floor on cost rather than the same work;
* ``naive-MODEL``: the same model the naive way: the whole file decoded by ``librosa.load``, then
  per window ``Smile.process_signal`` (public opensmile API) and one Whisper encode, and one
  prediction per window: what the streaming pipeline does, without its engineering.

For each: wall seconds, user+sys CPU seconds and peak RSS of that process (from ``os.wait4``),
x real time by wall and by CPU, the ratios to both naive paths, and the 1-minute load average
before and after (the machine may be shared; CPU time is the figure load affects least). The
short and long files (``--short-minutes``, ``--minutes``) show whether peak memory grows with
the length of the input.

    .venv/bin/python benchmarks/bench_analyze.py [--minutes 10] [--short-minutes 2]
        [--models default,fast] [--rate 44100] [--channels 2] [--repeat 1] [--stages] [--json OUT]
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
TARGETS = {"default": 40.0, "fast": 200.0}  # fast: issue 9 (was 150, issue 2)
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
    _print_segments(audio, starts, sr, n, model.predict_proba(X), list(model.classes_))


def naive_model_worker(audio: str, model: str) -> None:
    """The same model the naive way: the whole file decoded by librosa, then per window the
    public one-clip calls (a ``Smile.process_signal`` per window, one Whisper encode per
    window) and one prediction per window."""
    import librosa
    import opensmile

    from emoscore.audio import preprocess_clip
    from emoscore.features.opensmile_sets import OpenSmileExtractor
    from emoscore.models.registry import load_model

    bundle = load_model(model)
    sr = bundle.preprocessing.sample_rate
    y, _ = librosa.load(audio, sr=sr, mono=True)
    parts = getattr(bundle.extractor, "parts", [bundle.extractor])
    calls = []
    for p in parts:
        if isinstance(p, OpenSmileExtractor):
            smile = opensmile.Smile(
                feature_set=getattr(opensmile.FeatureSet, p.feature_set),
                feature_level=opensmile.FeatureLevel.Functionals,
            )
            calls.append(
                lambda c, smile=smile: np.nan_to_num(smile.process_signal(c, sr).to_numpy(np.float32)[0])
            )
        else:
            calls.append(lambda c, p=p: p(c, sr))
    n = int(WINDOW * sr)
    starts = list(range(0, max(1, len(y) - n + 1), n))
    proba = []
    for a in starts:
        clip = preprocess_clip(y[a : a + n], bundle.preprocessing)
        x = np.concatenate([f(clip) for f in calls])[None]
        proba.append(bundle.predict_proba(x)[0])
    _print_segments(audio, starts, sr, n, np.array(proba), list(bundle.labels))


def _print_segments(audio: str, starts: list[int], sr: int, n: int, proba: np.ndarray, labels: list) -> None:
    segments = [
        {
            "start": a / sr,
            "end": (a + n) / sr,
            "probabilities": dict(zip(map(str, labels), map(float, p), strict=True)),
        }
        for a, p in zip(starts, proba, strict=True)
    ]
    json.dump({"input": audio, "segments": segments}, sys.stdout)


# ---- where the time goes ------------------------------------------------------------------


def stages_worker(audio: str, model: str) -> None:
    """CPU seconds per stage of the streaming pipeline for one model, in this process; JSON."""
    t0 = time.process_time()
    from emoscore.audio import iter_windows, preprocess_clip, stream_audio
    from emoscore.models.registry import load_model

    cpu = {"imports": time.process_time() - t0}
    t = time.process_time()
    bundle = load_model(model)
    cpu["load model"] = time.process_time() - t
    rate = bundle.preprocessing.sample_rate
    parts = getattr(bundle.extractor, "parts", [bundle.extractor])
    for key in ["decode+windows", "preprocess", *(f"features {p.name}" for p in parts), "classify"]:
        cpu[key] = 0.0
    windows = iter(iter_windows(stream_audio(audio, sample_rate=rate), rate, WINDOW))
    n = 0
    while True:
        t = time.process_time()
        batch = [w for _, w in zip(range(16), windows, strict=False)]
        cpu["decode+windows"] += time.process_time() - t
        if not batch:
            break
        n += len(batch)
        t = time.process_time()
        clips = [preprocess_clip(w.samples, bundle.preprocessing) for w in batch]
        cpu["preprocess"] += time.process_time() - t
        feats = []
        for p in parts:
            t = time.process_time()
            feats.append(np.vstack(p.batch(clips, rate)))
            cpu[f"features {p.name}"] += time.process_time() - t
        t = time.process_time()
        bundle.predict_proba(np.hstack(feats))
        cpu["classify"] += time.process_time() - t
    cpu["total"] = time.process_time() - t0
    json.dump({"model": model, "windows": n, "cpu": cpu}, sys.stdout)


def stages(audio: Path, models: list[str], audio_seconds: float) -> None:
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    env = {**os.environ, **ONE_THREAD}
    print(f"\n## CPU seconds per stage, {audio_seconds / 60:g}-min file (one process per model)")
    for model in models:
        cmd = [*pin, sys.executable, __file__, "--stages-worker", str(audio), model]
        out = json.loads(subprocess.run(cmd, env=env, capture_output=True, check=True, text=True).stdout)
        total = out["cpu"]["total"]
        print(f"{model} ({out['windows']} windows, {audio_seconds / total:.0f}x real time by CPU):")
        for key, sec in out["cpu"].items():
            per = (
                ""
                if key in ("imports", "load model", "total")
                else f"{1000 * sec / out['windows']:7.1f} ms/window"
            )
            print(f"  {key:<26}{sec:7.2f} s {100 * sec / total:5.1f}% {per}")


# ---- report ---------------------------------------------------------------------------------


def table(runs: dict[str, Run], label: str) -> None:
    """One row per run; ratios (by wall, by CPU) against the librosa naive path and against the
    naive run of the same model."""
    print(
        f"{'run':<15}{'audio s':>8}{'wall s':>8}{'x RT':>6}{'CPU s':>7}{'x RT CPU':>9}{'peak MiB':>9}"
        f"{'vs naive librosa':>18}{'vs naive same model':>21}{'load':>12}"
    )
    for r in runs.values():
        cols = []
        for base in (runs.get("naive"), runs.get(f"naive-{r.name}")):
            cols.append(f"{r.x_wall / base.x_wall:.1f}x / {r.x_cpu / base.x_cpu:.1f}x" if base else "-")
        print(
            f"{r.name:<15}{r.audio_seconds:>8.0f}{r.wall:>8.1f}{r.x_wall:>6.0f}{r.cpu:>7.1f}{r.x_cpu:>9.0f}"
            f"{r.peak_mib:>9.0f}{cols[0]:>18}{cols[1]:>21}"
            f"{f'{r.load_before:.1f}->{r.load_after:.1f}':>12}"
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
    ap.add_argument("--domain", default="auto", help="analyze --domain: auto (the default) or speech/music")
    ap.add_argument("--json", type=Path, default=None, help="also write every run here")
    ap.add_argument("--stages", action="store_true", help="also print CPU seconds per pipeline stage")
    ap.add_argument("--naive-worker", nargs=2, metavar=("AUDIO", "MODEL"), help=argparse.SUPPRESS)
    ap.add_argument("--naive-model-worker", nargs=2, metavar=("AUDIO", "MODEL"), help=argparse.SUPPRESS)
    ap.add_argument("--stages-worker", nargs=2, metavar=("AUDIO", "MODEL"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.naive_worker:
        naive_worker(*args.naive_worker)
        return
    if args.stages_worker:
        stages_worker(*args.stages_worker)
        return
    if args.naive_model_worker:
        naive_model_worker(*args.naive_model_worker)
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
            names = models + ([] if args.skip_naive else ["naive", *(f"naive-{m}" for m in models)])
            for name in names:
                if name == "naive":
                    cmd = [sys.executable, __file__, "--naive-worker", str(wav), str(model_path)]
                elif name.startswith("naive-"):
                    cmd = [sys.executable, __file__, "--naive-model-worker", str(wav), name[len("naive-") :]]
                else:
                    cmd = [EMOSCORE, "analyze", str(wav), "--model", name, "--format", "json", "--domain", args.domain]
                tries = [
                    measure(name, cmd, seconds, tmp / f"{label}-{name}.json") for _ in range(args.repeat)
                ]
                runs[name] = min(tries, key=lambda r: r.wall)
                every.extend(tries)
            results[label] = runs
            table(runs, label)
            if args.stages and label == "long":
                stages(wav, models, seconds)
            wav.unlink()

    print("\n## peak memory, long / short file")
    ratio_len = args.minutes / args.short_minutes
    for name in results["long"]:
        long, short = results["long"][name], results["short"][name]
        print(
            f"{name:<15}{short.peak_mib:>7.0f} MiB -> {long.peak_mib:>5.0f} MiB "
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
