"""Batch throughput and memory: ``emoscore batch`` at 1 and 2 workers (local and Dask), and a
2-hour file through ``analyze`` and ``batch`` with the peak memory of the whole process tree.

* Throughput: the first ``--files`` RAVDESS clips (sorted, from ../shared/data, listed in a
  manifest, never copied) into a fresh Parquet output per run; audio hours per wall hour
  include starting the pool or cluster. Prints the 2-worker / 1-worker ratio of each engine.
* Memory: a long file made of RAVDESS clips with pauses (``--long-minutes``, default 120) and a
  short one (1/8 as long); ``analyze`` and ``batch --workers 1`` run in subprocesses while
  psutil samples the RSS of the process and all its children. Streaming means the peak for the
  long file is about the peak for the short one (ratio near 1), not 8 times it.

    .venv/bin/python benchmarks/bench_batch.py [--model fast] [--files 300] [--long-minutes 120]
        [--skip-throughput] [--skip-memory]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import soundfile as sf

from emoscore.engine import read_results, run_batch

REPO = Path(__file__).resolve().parents[1]
EMOSCORE = str(Path(sys.executable).with_name("emoscore"))


def machine() -> str:
    mem = psutil.virtual_memory().total / 2**30
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, "
        f"Python {platform.python_version()}"
    )


def ravdess(data: Path, n: int) -> list[Path]:
    files = sorted((data / "ravdess").glob("Actor_*/*.flac"))
    if not files:
        sys.exit(f"no RAVDESS clips under {data / 'ravdess'}")
    return files[:n]


def throughput(model: str, files: list[Path], tmp: Path) -> None:
    manifest = tmp / "corpus.csv"
    with open(manifest, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["path"])
        w.writerows([[str(f)] for f in files])
    hours = sum(sf.info(str(f)).duration for f in files) / 3600
    print(f"\n## throughput: {len(files)} RAVDESS clips, {hours * 60:.1f} audio min, model {model}")
    print(f"{'engine':<7}{'workers':>8}{'wall s':>9}{'audio h/h':>11}{'windows':>9}{'load avg':>10}")
    speed: dict[tuple[str, int], float] = {}
    for engine in ("local", "dask"):
        for workers in (1, 2):
            out = tmp / f"{engine}{workers}.parquet"
            s = run_batch(
                manifest,
                out,
                model=model,
                workers=workers,
                engine=engine,
                progress=False,
                progress_every=1e9,
                progress_stream=open(os.devnull, "w"),
            )
            assert s.analysed == len(files) and read_results(out).index.get_level_values("file").nunique() == len(files)
            speed[engine, workers] = s.speed
            load = os.getloadavg()[0]  # other work on the machine skews the ratios: report it
            print(f"{engine:<7}{workers:>8}{s.wall_seconds:>9.1f}{s.speed:>11.0f}{s.windows:>9}{load:>10.1f}")
    for engine in ("local", "dask"):
        print(f"scaling {engine}: 2 workers / 1 worker = {speed[engine, 2] / speed[engine, 1]:.2f}")
    print(f"dask / local at 2 workers = {speed['dask', 2] / speed['local', 2]:.2f}")


def long_file(path: Path, minutes: float, clips: list[Path]) -> float:
    """Write ``minutes`` of RAVDESS speech with 0.5-s pauses as 16-bit 16 kHz WAV, block by block."""
    rate, target = 16_000, int(minutes * 60 * 16_000)
    pause = np.zeros(rate // 2, dtype=np.float32)
    written = 0
    with sf.SoundFile(path, "w", samplerate=rate, channels=1, subtype="PCM_16") as out:
        while written < target:
            for clip in clips:
                y = np.concatenate([sf.read(clip, dtype="float32")[0], pause])[: target - written]
                out.write(y)
                written += len(y)
                if written >= target:
                    break
    return written / rate


def peak_rss(cmd: list[str]) -> tuple[float, float]:
    """(peak RSS of the command and all its children in MiB, wall seconds)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {err.strip()[-300:]}")
    return peak / 2**20, time.monotonic() - start


def memory(model: str, clips: list[Path], minutes: float, tmp: Path) -> None:
    print(f"\n## memory: {minutes:g}-min file vs {minutes / 8:g}-min file, model {model}")
    print(f"{'command':<9}{'audio min':>10}{'peak MiB':>10}{'wall s':>9}{'audio h/h':>11}{'load avg':>10}")
    peaks: dict[tuple[str, str], float] = {}
    for label, mins in (("short", minutes / 8), ("long", minutes)):
        folder = tmp / label
        folder.mkdir()
        wav = folder / f"{label}.wav"
        seconds = long_file(wav, mins, clips)
        runs = {
            "analyze": [
                EMOSCORE,
                "analyze",
                str(wav),
                "--model",
                model,
                "--format",
                "csv",
                "-o",
                str(tmp / f"{label}.csv"),
            ],
            "batch": [
                EMOSCORE,
                "batch",
                str(folder),
                "--out",
                str(tmp / f"{label}.parquet"),
                "--model",
                model,
                "--workers",
                "1",
                "--progress",
                "lines",
            ],
        }
        for name, cmd in runs.items():
            mib, wall = peak_rss(cmd)
            peaks[name, label] = mib
            load = os.getloadavg()[0]
            print(
                f"{name:<9}{seconds / 60:>10.1f}{mib:>10.0f}{wall:>9.1f}{seconds / wall:>11.0f}{load:>10.1f}"
            )
        wav.unlink()
    for name in ("analyze", "batch"):
        print(
            f"peak memory {name}: long / short = {peaks[name, 'long'] / peaks[name, 'short']:.2f} "
            f"(audio 8x longer)"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="fast")
    ap.add_argument("--data-root", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--long-minutes", type=float, default=120.0)
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    clips = ravdess(args.data_root, max(args.files, 60))
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        if not args.skip_throughput:
            throughput(args.model, clips[: args.files], Path(tmp))
        if not args.skip_memory:
            memory(args.model, clips[:60], args.long_minutes, Path(tmp))


if __name__ == "__main__":
    main()
