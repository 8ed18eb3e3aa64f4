"""``emoscore analyze`` on bad input: exit status != 0 and exactly one stderr line naming the file.

Most tests run the real entry point (``emoscore.cli.main``) in-process with file-descriptor
capture, so even C libraries writing to stderr would be caught; two run the installed script.
Inputs whose problem shows only while streaming (silence, NaN, an MP3 cut short) need the
default model to load first and skip until it exists.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emoscore.cli import main

REPO = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = REPO / "src" / "emoscore" / "data" / "models" / "default.emo"
needs_model = pytest.mark.skipif(not DEFAULT_MODEL.exists(), reason=f"{DEFAULT_MODEL} not trained yet")


def run_main(argv: list[str], capfd) -> tuple[int, str, str]:
    try:
        main(argv)
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    out, err = capfd.readouterr()
    return (code if isinstance(code, int) else 1), out, err


def assert_one_error_line(code: int, err: str, path: Path, match: str) -> None:
    assert code != 0
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("emoscore: ") and str(path) in lines[0]
    assert any(m in lines[0] for m in match.split("|")), lines[0]


def tone_wav(path: Path, seconds: float = 1.0, **kw) -> Path:
    t = np.arange(int(seconds * 16_000)) / 16_000
    sf.write(path, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16_000, **kw)
    return path


def patched(path: Path, offset: int, fmt: str, value: int) -> Path:
    data = bytearray(path.read_bytes())
    data[offset : offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    path.write_bytes(bytes(data))
    return path


def missing(d: Path) -> Path:
    return d / "missing.wav"


def empty(d: Path) -> Path:
    (d / "empty.wav").touch()
    return d / "empty.wav"


def text(d: Path) -> Path:
    (d / "notes.wav").write_text("not audio at all\n" * 40)
    return d / "notes.wav"


def text_txt(d: Path) -> Path:
    (d / "notes.txt").write_text("not audio at all\n" * 40)
    return d / "notes.txt"


def truncated_wav(d: Path) -> Path:
    src = tone_wav(d / "full.wav", 2.0)
    (d / "cut.wav").write_bytes(src.read_bytes()[: src.stat().st_size // 3])
    return d / "cut.wav"


def truncated_flac(d: Path) -> Path:
    src = tone_wav(d / "full.flac", 2.0)
    (d / "cut.flac").write_bytes(src.read_bytes()[: src.stat().st_size // 3])
    return d / "cut.flac"


def zero_channels(d: Path) -> Path:
    return patched(tone_wav(d / "zero.wav"), 22, "<H", 0)


def rate_1hz(d: Path) -> Path:
    return patched(patched(tone_wav(d / "slow.wav", subtype="PCM_16"), 24, "<I", 1), 28, "<I", 2)


def rate_10mhz(d: Path) -> Path:
    p = patched(tone_wav(d / "fast.wav", subtype="PCM_16"), 24, "<I", 10_000_000)
    return patched(p, 28, "<I", 20_000_000)


def video_without_audio(d: Path) -> Path:
    out = d / "mute.mp4"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "color=c=blue:s=64x48:r=10:d=1", "-c:v", "libx264", str(out)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return out


PROBE_ERRORS: list[tuple[Callable[[Path], Path], str]] = [
    (missing, "not found"),
    (empty, "empty"),
    (text, "not a"),
    (text_txt, "not a"),
    (truncated_wav, "truncated"),
    (zero_channels, "no audio channels"),
    (rate_1hz, "sample rate"),
    (rate_10mhz, "sample rate"),
    (video_without_audio, "no audio track"),
]


@pytest.mark.parametrize(("make", "match"), PROBE_ERRORS, ids=[m.__name__ for m, _ in PROBE_ERRORS])
def test_bad_input_found_before_the_model_loads(tmp_path, capfd, make, match):
    path = make(tmp_path)
    code, out, err = run_main(["analyze", str(path)], capfd)
    assert_one_error_line(code, err, path, match)
    assert code == 1 and out == ""


def test_folder_is_rejected(tmp_path, capfd):
    folder = tmp_path / "clips"
    folder.mkdir()
    code, _, err = run_main(["analyze", str(folder)], capfd)
    assert_one_error_line(code, err, folder, "folder")


def silent(d: Path) -> Path:
    sf.write(d / "silent.wav", np.zeros(32_000, np.float32), 16_000)
    return d / "silent.wav"


def nan_samples(d: Path) -> Path:
    y = (0.3 * np.sin(np.arange(32_000) / 5)).astype(np.float32)
    y[20_000] = np.nan
    sf.write(d / "nan.wav", y, 16_000, subtype="FLOAT")
    return d / "nan.wav"


def inf_samples(d: Path) -> Path:
    y = (0.3 * np.sin(np.arange(32_000) / 5)).astype(np.float32)
    y[100] = np.inf
    sf.write(d / "inf.wav", y, 16_000, subtype="FLOAT")
    return d / "inf.wav"


def truncated_mp3(d: Path) -> Path:
    src = d / "full.mp3"
    t = np.arange(3 * 44_100) / 44_100
    sf.write(src, 0.3 * np.sin(2 * np.pi * 440 * t), 44_100)
    (d / "cut.mp3").write_bytes(src.read_bytes()[: src.stat().st_size // 3])
    return d / "cut.mp3"


STREAM_ERRORS: list[tuple[Callable[[Path], Path], str]] = [
    (nan_samples, "NaN"),
    (inf_samples, "NaN"),
    (truncated_mp3, "truncated"),
    (truncated_flac, "truncated|corrupt"),
]


@needs_model
@pytest.mark.parametrize(("make", "match"), STREAM_ERRORS, ids=[m.__name__ for m, _ in STREAM_ERRORS])
def test_bad_input_found_while_streaming(tmp_path, capfd, make, match):
    path = make(tmp_path)
    code, out, err = run_main(["analyze", str(path), "--format", "json"], capfd)
    assert_one_error_line(code, err, path, match)
    assert out == ""


@needs_model
def test_silence_is_not_bad_input(tmp_path, capfd):
    path = silent(tmp_path)
    code, out, err = run_main(["analyze", str(path), "--format", "json"], capfd)
    assert code == 0 and "Traceback" not in err
    assert (
        err.strip() == f"emoscore: warning: {path}: no sound above the silence floor: every window is silence"
    )
    segs = json.loads(out)["segments"]
    assert segs and all(s["domain"] == "silence" and s["emotion"] is None for s in segs)


def test_unknown_model_name(tmp_path, capfd):
    path = tone_wav(tmp_path / "ok.wav")
    code, _, err = run_main(["analyze", str(path), "--model", "no-such-model"], capfd)
    assert code != 0 and "Traceback" not in err
    assert len(err.splitlines()) == 1 and err.startswith("emoscore: ") and "no-such-model" in err


@pytest.mark.parametrize(("window", "hop"), [("0.5", None), ("6", None), ("4", "0"), ("4", "5")])
def test_bad_window_or_hop(tmp_path, capfd, window, hop):
    path = tone_wav(tmp_path / "ok.wav")
    argv = ["analyze", str(path), "--window", window] + (["--hop", hop] if hop else [])
    if not DEFAULT_MODEL.exists():
        argv += ["--model", str(tmp_path / "absent.emo")]  # either error is one clean line
    code, _, err = run_main(argv, capfd)
    assert code != 0 and "Traceback" not in err
    assert len(err.splitlines()) == 1 and err.startswith("emoscore: ")
    if DEFAULT_MODEL.exists():
        assert ("--hop" if hop else "--window") in err


def script() -> list[str]:
    exe = REPO / ".venv" / "bin" / "emoscore"
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "from emoscore.cli import main; main()"]


@pytest.mark.parametrize("make", [missing, truncated_wav], ids=["missing", "truncated_wav"])
def test_installed_script(tmp_path, make):
    path = make(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "EMOSCORE_DEBUG"}
    proc = subprocess.run(
        [*script(), "analyze", str(path)], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"emoscore: {path}: ")
