"""A corpus of bad inputs (generated tiny files) across analyze, compose, evaluate, train, batch and
usage errors (issue 15): each ends in a non-zero exit, exactly one ``emoscore:`` stderr line that
names the file or option, no traceback text, and nothing half-written on stdout.

The REST API's kinds are in tests/web/test_bad_requests.py. Kinds that need the default model to
load (found while streaming) are in tests/cli/test_bad_input.py.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emoscore.cli import main


def run_main(argv: list[str], capfd) -> tuple[int, str, str]:
    try:
        main(argv)
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    out, err = capfd.readouterr()
    return (code if isinstance(code, int) else 1), out, err


def tone(path: Path, seconds: float = 1.0, *, scale: float = 0.3, **kw) -> Path:
    t = np.arange(int(seconds * 16_000)) / 16_000
    sf.write(path, (scale * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16_000, **kw)
    return path


def patched(path: Path, offset: int, fmt: str, value: int) -> Path:
    data = bytearray(path.read_bytes())
    data[offset : offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    path.write_bytes(bytes(data))
    return path


# ---- audio inputs of `analyze` found before any model loads -----------------------------------
def a_missing(d):
    return d / "missing.wav"


def a_empty(d):
    (d / "empty.wav").touch()
    return d / "empty.wav"


def a_text(d):
    (d / "notes.wav").write_text("not audio\n" * 50)
    return d / "notes.wav"


def a_json_as_audio(d):
    (d / "x.mp3").write_text('{"a": 1}\n' * 50)
    return d / "x.mp3"


def a_random_bytes(d):
    (d / "noise.ogg").write_bytes(np.random.default_rng(0).bytes(4096))
    return d / "noise.ogg"


def a_png_as_audio(d):
    (d / "pic.wav").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 2000)
    return d / "pic.wav"


def a_zip_as_audio(d):
    import zipfile

    with zipfile.ZipFile(d / "a.m4a", "w") as zf:
        zf.writestr("x.txt", "hello" * 100)
    return d / "a.m4a"


def a_truncated_wav(d):
    src = tone(d / "full.wav", 2.0)
    (d / "cut.wav").write_bytes(src.read_bytes()[: src.stat().st_size // 3])
    return d / "cut.wav"


def a_header_only_wav(d):
    src = tone(d / "full.wav", 1.0, subtype="PCM_16")
    (d / "head.wav").write_bytes(src.read_bytes()[:44])
    return d / "head.wav"


def a_zero_channels(d):
    return patched(tone(d / "zero.wav"), 22, "<H", 0)


def a_zero_bits(d):
    return patched(tone(d / "bits.wav", subtype="PCM_16"), 34, "<H", 0)


def a_rate_1hz(d):
    return patched(patched(tone(d / "slow.wav", subtype="PCM_16"), 24, "<I", 1), 28, "<I", 2)


def a_rate_10mhz(d):
    return patched(
        patched(tone(d / "fast.wav", subtype="PCM_16"), 24, "<I", 10_000_000), 28, "<I", 20_000_000
    )


def a_folder(d):
    (d / "clips").mkdir()
    return d / "clips"


def a_symlink_loop(d):
    os.symlink(d / "loop.wav", d / "loop.wav")
    return d / "loop.wav"


def a_broken_symlink(d):
    os.symlink(d / "nowhere.wav", d / "dangling.wav")
    return d / "dangling.wav"


def a_fifo(d):
    os.mkfifo(d / "pipe.wav")
    return d / "pipe.wav"


def a_riff_garbage(d):
    (d / "riff.wav").write_bytes(b"RIFF\xff\xff\xff\xffWAVEjunk" + b"\1" * 500)
    return d / "riff.wav"


def a_ogg_garbage(d):
    (d / "bad.ogg").write_bytes(b"OggS" + b"\0" * 1000)
    return d / "bad.ogg"


def a_flac_garbage(d):
    (d / "bad.flac").write_bytes(b"fLaC" + b"\7" * 1000)
    return d / "bad.flac"


AUDIO: list[tuple[Callable[[Path], Path], str]] = [
    (a_missing, "not found"),
    (a_empty, "empty"),
    (a_text, "not a"),
    (a_json_as_audio, "not a"),
    (a_random_bytes, "not a"),
    (a_png_as_audio, "not a|no audio track"),
    (a_zip_as_audio, "not a"),
    (a_truncated_wav, "truncated"),
    (a_header_only_wav, "truncated|no audio|not a|empty"),
    (a_zero_channels, "no audio channels"),
    (a_zero_bits, "0 bits"),
    (a_rate_1hz, "sample rate"),
    (a_rate_10mhz, "sample rate"),
    (a_folder, "folder"),
    (a_symlink_loop, "symbolic link loop"),
    (a_broken_symlink, "broken symbolic link"),
    (a_fifo, "FIFO"),
    (a_riff_garbage, "not a|truncated|corrupt"),
    (a_ogg_garbage, "not a|corrupt"),
    (a_flac_garbage, "not a|corrupt"),
]


def one_line(code: int, out: str, err: str, names: str, match: str) -> None:
    assert code != 0, (out, err)
    assert "Traceback" not in err and "internal error" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("emoscore: ") and names in lines[0], lines[0]
    assert any(m in lines[0] for m in match.split("|")), lines[0]
    assert out == ""


@pytest.mark.parametrize(("make", "match"), AUDIO, ids=[m.__name__ for m, _ in AUDIO])
def test_analyze_bad_audio(tmp_path, capfd, make, match):
    path = make(tmp_path)
    code, out, err = run_main(["analyze", str(path), "--format", "json"], capfd)
    one_line(code, out, err, str(path), match)


# ---- outputs checked before the work -----------------------------------------------------------
def test_outputs_are_checked_before_analysis(tmp_path, capfd):
    clip = tone(tmp_path / "ok.wav")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cases = [
        (["--plot", str(tmp_path / "out.txt")], "--plot", "a plot is written as"),
        (["--plot", str(tmp_path)], "--plot", "is a folder|is a directory"),
        (["-o", str(blocker / "sub" / "t.json")], "-o", "is not a folder"),
        (["-o", str(blocker)], "-o", "is a file; a folder is needed"),
        (["-o", str(tmp_path)], None, None),  # a folder is fine (not run: needs the model)
    ]
    for extra, names, match in cases:
        if names is None:
            continue
        code, out, err = run_main(["analyze", str(clip), *extra], capfd)
        one_line(code, out, err, names, match)


def test_train_output_is_checked_before_training(tmp_path, capfd):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = run_main(["train", "--corpus", "ravdess", "-o", str(blocker / "m.emo")], capfd)
    one_line(code, out, err, "-o", "is not a folder")
    code, out, err = run_main(["train", "--corpus", "ravdess", "-o", str(tmp_path)], capfd)
    one_line(code, out, err, "-o", "is a folder|is a directory")


def test_evaluate_plot_is_checked_first(tmp_path, capfd):
    code, out, err = run_main(["evaluate", "--manifest", str(tmp_path / "m.csv"), "--plot", "x.txt"], capfd)
    one_line(code, out, err, "--plot", "a plot is written as")


# ---- timeline files of `compose` ---------------------------------------------------------------
GOOD = {
    "input": "a.wav",
    "duration": 4.0,
    "model": {"name": "m", "version": "1", "labels": ["happy", "sad"]},
    "window": 2.0,
    "hop": 2.0,
    "segments": [
        {"start": 0.0, "end": 2.0, "domain": "speech", "probabilities": {"happy": 0.7, "sad": 0.3}},
        {"start": 2.0, "end": 4.0, "domain": "speech", "probabilities": {"happy": 0.2, "sad": 0.8}},
    ],
}


def tl_variant(**seg0) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        doc = json.loads(json.dumps(GOOD))
        doc["segments"][0].update(seg0)
        (d / "t.json").write_text(json.dumps(doc, allow_nan=True))
        return d / "t.json"

    make.__name__ = "tl_" + "_".join(f"{k}" for k in seg0)
    return make


def tl_text(text: str, name: str) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        (d / "t.json").write_text(text)
        return d / "t.json"

    make.__name__ = name
    return make


TIMELINES: list[tuple[Callable[[Path], Path], str]] = [
    (tl_variant(probabilities={}), "speech window needs"),
    (tl_variant(start=float("nan")), "finite"),
    (tl_variant(end=float("inf")), "finite"),
    (tl_variant(end=-1.0), "not after start"),
    (tl_variant(start=-3.0), "not after start"),
    (tl_variant(probabilities={"happy": float("nan"), "sad": 0.5}), "probabilities"),
    (tl_variant(probabilities={"happy": 7.0, "sad": 0.5}), "probabilities"),
    (tl_variant(valence=float("nan")), "valence"),
    (tl_variant(start="soon"), "not a"),
    (tl_text("", "tl_empty_file"), "not a timeline"),
    (tl_text("{", "tl_truncated_json"), "not a timeline"),
    (tl_text("[]", "tl_a_list"), "not a timeline"),
    (tl_text('{"input": "a.wav"}', "tl_missing_fields"), "not a timeline"),
    (tl_text("\xff\xfe garbage", "tl_binary"), "not a timeline"),
]


@pytest.mark.parametrize(("make", "match"), TIMELINES, ids=[m.__name__ for m, _ in TIMELINES])
def test_compose_bad_timeline(tmp_path, capfd, make, match):
    path = make(tmp_path)
    out_dir = tmp_path / "music"
    code, out, err = run_main(["compose", str(path), "-o", str(out_dir)], capfd)
    one_line(code, out, err, str(path), match)
    assert not out_dir.exists() or not any(out_dir.iterdir())  # nothing half-written


def test_compose_missing_timeline(tmp_path, capfd):
    code, out, err = run_main(["compose", str(tmp_path / "none.json"), "-o", str(tmp_path / "m")], capfd)
    one_line(code, out, err, "none.json", "not found")


# ---- usage errors: one line too ----------------------------------------------------------------
USAGE = [
    (["analyze"], "analyze: Missing argument"),
    (["analyze", "x.wav", "--bogus"], "analyze: No such option"),
    (["analyze", "x.wav", "--window", "abc"], "analyze: Invalid value"),
    (["analyze", "x.wav", "--format", "xml"], "analyze: Invalid value"),
    (["nope"], "No such command"),
    (["compose"], "compose: Missing argument"),
    (["train"], "train: Missing option"),
    (["evaluate", "--folds", "x"], "evaluate: Invalid value"),
    (["batch"], "batch: "),
    (["serve", "--port", "99999"], "serve: Invalid value"),
]


@pytest.mark.parametrize(("argv", "match"), USAGE, ids=["-".join(a) for a, _ in USAGE])
def test_usage_errors_are_one_line(capfd, argv, match):
    code, out, err = run_main(argv, capfd)
    assert code == 2 and out == "" and "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"emoscore: {match}"), err
    assert "--help" in lines[0]


def test_unwritable_path_is_named_not_an_internal_error(tmp_path, capfd, monkeypatch):
    """An OSError with a file name (a full disk, an unwritable cache) names the path."""
    import emoscore.cli.analysis as analysis

    def full_disk(*_a, **_k):
        raise OSError(28, "No space left on device", str(tmp_path / "cache" / "x.npy"))

    monkeypatch.setattr(analysis, "check_writable", full_disk)
    code, out, err = run_main(["analyze", str(tone(tmp_path / "ok.wav")), "-o", str(tmp_path / "o")], capfd)
    one_line(code, out, err, str(tmp_path / "cache" / "x.npy"), "No space left on device")
