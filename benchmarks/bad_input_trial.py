"""Bad-input trial (issue 15): run 100+ bad inputs through the installed ``emoscore`` script and
count what goes wrong.

The cases are the bad-input corpus of tests/cli/test_bad_input_corpus.py (analyze, compose,
evaluate, train, batch, usage errors) plus extra ones that need a model to load, other commands
(render, compare, stats, datasets) and inputs that are a valid result with a warning. Each runs in
its own temporary folder as a separate process (so stray C-library output, resource-tracker
warnings and exit codes are what a user sees). Counted:

- ``internal``: ``internal error`` on stderr (an exception that is not an EmoscoreError)
- ``traceback``: ``Traceback`` anywhere in the output
- ``exit0_silent``: exit 0 on a bad input without a warning line
- ``not_one_line``: a refusal whose stderr is not exactly one ``emoscore: ...`` line (batch
  progress lines and ``emoscore: warning:`` lines about the same input aside), or that wrote to
  stdout

    .venv/bin/python benchmarks/bad_input_trial.py [--jobs 2] [--only SUBSTRING]

Writes benchmarks/logs/bad_input_trial.log (one line per case, then the counts).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
EXE = REPO / ".venv" / "bin" / "emoscore"
LOG = REPO / "benchmarks" / "logs" / "bad_input_trial.log"
ERROR, WARN = "error", "warn"  # what a case must end in: a one-line refusal, or exit 0 with a warning


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], list[str]]  # makes its files under the folder, returns the argv
    expect: str = ERROR


@dataclass(frozen=True)
class Outcome:
    case: Case
    code: int
    out: str
    err: str
    seconds: float

    @property
    def lines(self) -> list[str]:
        return [ln for ln in self.err.splitlines() if ln.strip() and not ln.startswith("batch: ")]

    @property
    def problems(self) -> list[str]:
        found = []
        if "internal error" in self.err:
            found.append("internal")
        if "Traceback" in self.err or "Traceback" in self.out:
            found.append("traceback")
        warned = any(
            ln.startswith("emoscore: warning: ") or "failed files are listed" in ln for ln in self.lines
        )
        if self.code == 0 and not warned:
            found.append("exit0_silent")
        said = [
            ln for ln in self.lines if not ln.startswith("emoscore: warning: ")
        ]  # a warning may come first
        if self.code != 0 and (len(said) != 1 or not said[0].startswith("emoscore: ") or self.out.strip()):
            found.append("not_one_line")
        if self.code == 0 and self.case.expect == ERROR and warned:
            found.append("exit0_warned_only")  # reported, not counted as a failure of the rules
        return found


def _module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def corpus_cases() -> list[Case]:
    c = _module(REPO / "tests" / "cli" / "test_bad_input_corpus.py", "bad_input_corpus")
    cases = [
        Case(f"analyze/{make.__name__}", lambda d, m=make: ["analyze", str(m(d)), "--format", "json"])
        for make, _ in c.AUDIO
    ]
    cases += [
        Case(f"compose/{make.__name__}", lambda d, m=make: ["compose", str(m(d)), "-o", str(d / "music")])
        for make, _ in c.TIMELINES
    ]
    cases += [Case("usage/" + "-".join(argv), lambda d, a=argv: list(a)) for argv, _ in c.USAGE]
    cases += [Case(f"cli/{name}", lambda d, f=fn: f(d)[0]) for name, fn in c.CLI_CASES.items()]
    return cases


def tone(path: Path, seconds: float = 2.0, *, scale: float = 0.3, rate: int = 16_000, **kw: object) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    y = scale * np.sin(2 * np.pi * 440 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t))
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, y.astype(np.float32), rate, **kw)  # type: ignore[arg-type]
    return path


def cut(path: Path, fraction: float, name: str) -> Path:
    out = path.with_name(name)
    out.write_bytes(path.read_bytes()[: int(path.stat().st_size * fraction)])
    return out


def ffmpeg(*args: str | Path) -> None:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *map(str, args)],
        check=True,
        capture_output=True,
    )


def float_wav(d: Path, values: np.ndarray, name: str) -> Path:
    sf.write(d / name, values.astype(np.float32), 16_000, subtype="FLOAT")
    return d / name


def nan_wav(d: Path) -> Path:
    y = (0.3 * np.sin(np.arange(32_000) / 5)).astype(np.float32)
    y[20_000] = np.nan
    return float_wav(d, y, "nan.wav")


def m4a_cut(d: Path) -> Path:
    ffmpeg("-i", tone(d / "src.wav", 4.0), "-c:a", "aac", d / "full.m4a")
    return cut(d / "full.m4a", 0.5, "cut.m4a")


def video_without_audio(d: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=64x64:d=1", "-an", d / "silent_film.mp4")
    return d / "silent_film.mp4"


def manifest(d: Path, text: str) -> Path:
    for i, freq in enumerate((220.0, 330.0, 440.0)):
        t = np.arange(32_000) / 16_000
        sf.write(d / f"c{i}.wav", (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32), 16_000)
    (d / "m.csv").write_text(text)
    return d / "m.csv"


def tiny_bundle(d: Path) -> Path:
    fx = _module(REPO / "tests" / "engine" / "conftest.py", "engine_fixtures")
    return fx.build_tiny_bundle(d / "tiny.emo")


def folder_with_one_bad_file(d: Path) -> Path:
    tone(d / "in" / "a.wav", 3.0)
    tone(d / "in" / "b.flac", 3.0)
    (d / "in" / "notes.wav").write_text("not audio\n" * 20)
    return d / "in"


def blocker(d: Path) -> Path:
    (d / "f").write_text("x")
    return d / "f"


def good_timeline(d: Path) -> Path:
    c = _module(REPO / "tests" / "cli" / "test_bad_input_corpus.py", "bad_input_corpus")
    import json

    (d / "t.json").write_text(json.dumps(c.GOOD))
    return d / "t.json"


EXTRA: list[Case] = [
    # analyze: found while streaming (the model loads first), options, outputs
    Case("analyze/truncated_flac_mid_file", lambda d: ["analyze", str(cut(tone(d / "a.flac", 4.0), 0.6, "c.flac"))]),
    Case("analyze/truncated_mp3", lambda d: ["analyze", str(cut(tone(d / "a.mp3", 4.0, rate=44_100), 0.4, "c.mp3"))]),
    Case("analyze/truncated_m4a", lambda d: ["analyze", str(m4a_cut(d))]),
    Case("analyze/video_without_audio", lambda d: ["analyze", str(video_without_audio(d))]),
    Case("analyze/nan_samples", lambda d: ["analyze", str(nan_wav(d))]),
    Case("analyze/int16_scaled_float", lambda d: ["analyze", str(float_wav(d, np.full(32_000, 12_000.0), "i.wav"))]),
    Case("analyze/model_random_bytes", lambda d: ["analyze", str(tone(d / "a.wav")), "--model", str(rand(d))]),
    Case("analyze/model_missing", lambda d: ["analyze", str(tone(d / "a.wav")), "--model", str(d / "no.emo")]),
    Case("analyze/task_model_as_emotion", lambda d: ["analyze", str(tone(d / "a.wav")), "--model", "valence"]),
    Case("analyze/window_too_short", lambda d: ["analyze", str(tone(d / "a.wav")), "--window", "0.5"]),
    Case("analyze/hop_zero", lambda d: ["analyze", str(tone(d / "a.wav")), "--hop", "0"]),
    Case("analyze/hop_nan", lambda d: ["analyze", str(tone(d / "a.wav")), "--hop", "nan"]),
    Case("analyze/output_under_a_file", lambda d: ["analyze", str(tone(d / "a.wav")), "-o", str(blocker(d) / "o")]),
    Case("analyze/plot_as_text", lambda d: ["analyze", str(tone(d / "a.wav")), "--plot", str(d / "p.txt")]),
    Case("analyze/unknown_domain", lambda d: ["analyze", str(tone(d / "a.wav")), "--domain", "opera"]),
    Case(
        "analyze/ten_minutes_of_digital_silence",
        lambda d: ["analyze", str(float_wav(d, np.zeros(600 * 16_000), "silent.wav")), "--format", "json"],
        WARN,
    ),
    Case("analyze/a_fifth_of_a_second", lambda d: ["analyze", str(tone(d / "short.wav", 0.2))], WARN),
    # compose
    Case("compose/unknown_method", lambda d: ["compose", str(good_timeline(d)), "--method", "c"]),
    Case("compose/output_under_a_file", lambda d: ["compose", str(good_timeline(d)), "-o", str(blocker(d) / "m")]),
    Case("compose/map_missing", lambda d: ["compose", str(good_timeline(d)), "--map", str(d / "none.toml")]),
    Case("compose/rules_not_toml", lambda d: ["compose", str(good_timeline(d)), "--style", "sketch", "--rules", str(text(d, "r.toml", "[[["))]),
    Case("compose/audio_that_is_text", lambda d: ["compose", str(text(d, "a.wav", "hello")), "-o", str(d / "m")]),
    # evaluate / train
    Case(
        "evaluate/manifest_with_duplicates",
        lambda d: ["evaluate", "--manifest", str(manifest(d, "path,label\nc0.wav,angry\nc1.wav,sad\nc0.wav,angry\nc2.wav,happy\n")), "--model", "fast"],
        WARN,
    ),
    Case("evaluate/task_labels_in_emotion_manifest", lambda d: ["evaluate", "--task", "quadrant", "--manifest", str(manifest(d, "path,label\nc0.wav,angry\n"))]),
    Case("evaluate/folds_one", lambda d: ["evaluate", "--corpus", "ravdess", "--folds", "1"]),
    Case(
        "train/corpus_named_twice",
        lambda d: ["train", "--corpus", twice(d), "--protocol", "none", "--no-tune", "--model", "logreg", "-o", str(d / "m.emo")],
        WARN,
    ),
    Case("train/folds_one", lambda d: ["train", "--corpus", "ravdess", "--folds", "1", "-o", str(d / "m.emo")]),
    Case("train/output_under_dev_null", lambda d: ["train", "--corpus", "ravdess", "-o", "/dev/null/m.emo"]),
    # batch
    Case("batch/one_file_not_audio", lambda d: ["batch", str(folder_with_one_bad_file(d)), "--out", str(d / "r.parquet"), "--model", str(tiny_bundle(d)), "--domain", "speech", "--workers", "1"], WARN),
    Case("batch/manifest_of_missing_files", lambda d: ["batch", str(text(d, "b.csv", "path\nx.wav\ny.wav\n")), "--out", str(d / "r.parquet"), "--model", str(tiny_bundle(d))], WARN),
    Case("batch/sqlite_in_proc", lambda d: ["batch", str(folder_with_one_bad_file(d)), "--out", "sqlite:////proc/emoscore/x.db"]),
    Case("batch/unknown_compose", lambda d: ["batch", str(folder_with_one_bad_file(d)), "--out", str(d / "r.parquet"), "--compose", "Z"]),
    Case("batch/output_is_a_file", lambda d: ["batch", str(folder_with_one_bad_file(d)), "--out", str(text(d, "r.parquet", "x"))]),
    # other commands
    Case("render/missing_midi", lambda d: ["render", str(d / "none.mid")]),
    Case("render/text_as_midi", lambda d: ["render", str(text(d, "t.mid", "not midi"))]),
    Case("compare/missing_input", lambda d: ["compare", str(d / "none.json")]),
    Case("compare/text_as_midi", lambda d: ["compare", str(text(d, "a.mid", "x")), str(text(d, "b.mid", "y"))]),
    Case("stats/missing_csv", lambda d: ["stats", str(d / "none.csv")]),
    Case("stats/garbage_csv", lambda d: ["stats", str(text(d, "r.csv", "scene,rating\na,lots\n"))]),
    Case("stats/ratings_out_of_range", lambda d: ["stats", str(text(d, "r.csv", "scene,rating\na,500\nb,7\n"))]),
    Case("datasets/describe_unknown", lambda d: ["datasets", "describe", "no-such-corpus"]),
]  # fmt: skip


def twice(d: Path) -> str:
    m = manifest(d, "path,label\nc0.wav,angry\nc1.wav,sad\n")
    return f"{m},{m}"


def rand(d: Path) -> Path:
    (d / "rand.emo").write_bytes(np.random.default_rng(3).bytes(5000))
    return d / "rand.emo"


def text(d: Path, name: str, body: str) -> Path:
    (d / name).write_text(body)
    return d / name


def run_case(case: Case, timeout: float) -> Outcome:
    env = {k: v for k, v in os.environ.items() if k != "EMOSCORE_DEBUG"}
    with tempfile.TemporaryDirectory(prefix="bad_input_") as tmp:
        d = Path(tmp)
        try:
            argv = case.build(d)
        except Exception as exc:  # the case could not be built here (e.g. no ffmpeg): say so
            return Outcome(case, -1, "", f"emoscore: case not built: {type(exc).__name__}: {exc}", 0.0)
        start = time.monotonic()
        try:
            proc = subprocess.run(
                [str(EXE), *argv],
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
                cwd=d,
                stdin=subprocess.DEVNULL,
            )
            code, out, err = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            code, out, err = -9, "", f"timed out after {timeout:g} s; {exc.stderr or ''}"
        return Outcome(case, code, out, err, time.monotonic() - start)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default=None, help="Run the cases whose name contains this.")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--log", type=Path, default=LOG)
    args = ap.parse_args(argv)
    cases = [c for c in corpus_cases() + EXTRA if args.only is None or args.only in c.name]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        outcomes = list(pool.map(lambda c: run_case(c, args.timeout), cases))
    counts: Counter[str] = Counter()
    lines = []
    for o in outcomes:
        problems = o.problems
        counts.update(problems)
        first = o.lines[0] if o.lines else ""
        status = "FAIL" if set(problems) - {"exit0_warned_only"} else "ok"
        lines.append(
            f"{status:4} {o.case.name:48} rc={o.code:<4} {o.seconds:5.1f}s {','.join(problems) or '-'}  {first[:160]}"
        )
    failing = sum(1 for o in outcomes if set(o.problems) - {"exit0_warned_only"})
    summary = [
        "",
        f"cases {len(outcomes)} ({sum(o.case.expect == WARN for o in outcomes)} valid with a warning), "
        f"failing {failing}, wall {time.monotonic() - started:.0f} s",
        f"internal errors {counts['internal']}, tracebacks {counts['traceback']}, "
        f"exit 0 without a warning {counts['exit0_silent']}, not one line {counts['not_one_line']}",
    ]
    report = "\n".join(lines + summary) + "\n"
    sys.stdout.write(report)
    if args.only is None:
        args.log.parent.mkdir(parents=True, exist_ok=True)
        args.log.write_text(report)
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
